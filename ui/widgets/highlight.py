"""A coloured frame laid over a widget to point a learner at it, letting every click through.

The frame is a child of the widget it frames and follows its size; framing another widget (or
None) moves or hides it. Used by the Lessons panel to show the panel a step is about.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QWidget

HIGHLIGHT = "#e8710a"


class HighlightFrame(QFrame):
    """A coloured frame over a widget that lets every click through."""

    def __init__(self):
        super().__init__()
        self.setObjectName("lessonHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(f"#lessonHighlight {{ border: 3px solid {HIGHLIGHT}; "
                           f"border-radius: 4px; background: transparent; }}")
        self._target: QWidget | None = None
        self._follower = _ResizeFollower(self)

    def frame(self, target: QWidget | None) -> None:
        if self._target is not None:
            self._target.removeEventFilter(self._follower)
        self._target = target
        if target is None:
            self.hide()
            return
        self.setParent(target)
        target.installEventFilter(self._follower)
        self.setGeometry(target.rect())
        self.show()
        self.raise_()

    @property
    def target(self) -> QWidget | None:
        return self._target if self.isVisible() else None


class _ResizeFollower(QObject):
    def __init__(self, frame: HighlightFrame):
        super().__init__(frame)
        self.frame_widget = frame

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.frame_widget.setGeometry(obj.rect())
        return False
