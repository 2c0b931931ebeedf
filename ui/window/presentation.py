"""Presentation mode (View ▸ Presentation, F5): the window as a projector wants it.

Full screen, text and plot labels half as large again, and only what a lecture points at —
the decision view, the loss curves and the transport bar; the other docks fold away (View
brings any of them back). Escape or F5 leaves it and puts back the layout, the window's size and the fonts exactly
as they were.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtCore import Qt

from ui.plots.base import Canvas

#: text grows by this factor
SCALE = 1.5
#: the docks that stay on screen (beside the central decision view)
KEPT = ("loss",)


class Presentation:
    def __init__(self, window):
        self.window = window
        self.active = False
        self._saved = None
        self.action = QAction("&Presentation", window, checkable=True)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.action.setToolTip("Full screen, larger text, only the main views (Esc leaves)")
        self.action.toggled.connect(self._toggled)
        window.addAction(self.action)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self._escape.setEnabled(False)
        self._escape.activated.connect(lambda: self.action.setChecked(False))

    def _toggled(self, on: bool) -> None:
        if on != self.active:
            (self._enter if on else self._leave)()

    def _enter(self) -> None:
        window = self.window
        self._saved = (window.saveState(), window.saveGeometry(), QFont(window.font()),
                       window.isFullScreen(), window.transport.compact)
        window.transport.set_compact(True)       # room for the readouts in the larger font
        for name, dock in window.docks.items():
            if name not in KEPT:
                dock.hide()
        font = QFont(window.font())
        font.setPointSizeF(font.pointSizeF() * SCALE)
        self._set_fonts(font)
        self.active = True
        self._escape.setEnabled(True)
        window.showFullScreen()

    def _leave(self) -> None:
        window = self.window
        state, geometry, font, was_full, compact = self._saved
        window.transport.set_compact(compact)
        self._set_fonts(font)
        if not was_full:
            window.showNormal()
        window.restoreGeometry(geometry)
        window.restoreState(state)
        self.active = False
        self._escape.setEnabled(False)

    def _set_fonts(self, font: QFont) -> None:
        self.window.setFont(font)
        self.window.transport.refit_readouts()
        for canvas in self.window.findChildren(Canvas):   # (those built later take it then)
            canvas.apply_tick_font()
