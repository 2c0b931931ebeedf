"""A non-blocking message strip above the main plot, for things the user must not miss.

Engine failures during training ("diverged …", a data file that cannot be read when the
network is rebuilt) appear here in red and stay until dismissed or replaced; training is
paused meanwhile, and nothing pops up in front of the work. Informational notes (blue) use the
same strip. The status bar keeps a short copy of each message.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class NoticeBar(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setObjectName("noticeLabel")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setObjectName("noticeCloseButton")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        """Show ``text``; ``kind`` is "error" (red) or "info" (blue)."""
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            self.style().unpolish(self)
            self.style().polish(self)
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        """The message on show ('' when none)."""
        return "" if self.isHidden() else self.label.text()

    def dismiss(self) -> None:
        self.label.setText("")
        self.hide()
