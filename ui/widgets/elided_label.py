"""A one-line label that never widens its window: text longer than the room is cut with "…".

Readouts whose text grows with the run (a plot's summary line, a file name) would otherwise
push their dock, and the window, wider; this label takes the width it is given instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiQt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A one-line label that never widens its window: a plain text longer than the room is
    cut with "…" (the whole text in the tooltip); rich text is clipped. ``text()`` is the
    whole text."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        if text != self._full:
            self._full = text
            self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        if QtGuiQt.mightBeRichText(self._full):     # markup cannot be cut by characters
            super().setText(self._full)
            return
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                              max(self.width(), 40))
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")
