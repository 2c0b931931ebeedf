"""Setting one weight by hand, undoably: the diagram asks, the trainer does it, Undo reverts.

A click on a link (or "Set bias b…" on a neuron card) while training is paused ends in a
:class:`SetParameterCommand` on the window's undo stack. Doing and undoing it hand
:meth:`playground.training.trainer.Trainer.set_parameter` to the training worker's thread (the
only thread that touches the trainer), which records each change in the run's history; a new
snapshot then shows the edited network, and training continues from it.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand


class SetParameterCommand(QUndoCommand):
    def __init__(self, worker, layer: int, kind: str, row: int, column: int, old: float,
                 new: float):
        name = f"W{layer + 1}[{row + 1}, {column + 1}]" if kind == "W" \
            else f"b{layer + 1}[{column + 1}]"
        super().__init__(f"set {name} to {new:g}")
        self.worker = worker
        self.where = (layer, kind, None if kind == "b" else row, column)
        self.old, self.new = old, new

    def _apply(self, value: float) -> None:
        layer, kind, row, column = self.where
        self.worker.submit(lambda trainer: trainer.set_parameter(layer, kind, row, column,
                                                                 value))
        self.worker.request_snapshot()

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


def connect_parameter_edits(phase_panel, worker, undo_stack) -> None:
    """Wire the stepper panel's edits to the worker through ``undo_stack``; edits are offered
    only while training is paused."""
    worker.playingChanged.connect(lambda playing: phase_panel.set_editable(not playing))
    phase_panel.set_editable(not worker.playing)
    phase_panel.parameterEdited.connect(
        lambda layer, kind, row, column, old, new: undo_stack.push(
            SetParameterCommand(worker, layer, kind, row, column, old, new)))
