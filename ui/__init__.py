"""Backprop Playground's desktop app (PySide6 + pyqtgraph).

The window only builds engine objects (:mod:`playground`) and draws the Snapshots the trainer
reports; no learning math lives here.
"""
