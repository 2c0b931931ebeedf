"""Presentation mode: larger text, the secondary docks folded away, one key to leave, and the
window exactly as it was afterwards."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def window(bare_window):
    return bare_window


def test_presentation_enlarges_text_folds_docks_away_and_escape_restores(qtbot, window):
    size = window.font().pointSizeF()
    shown = {name for name, dock in window.docks.items() if dock.isVisible()}
    assert {"data", "training"} <= shown
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.active, timeout=2000)
    assert window.font().pointSizeF() == pytest.approx(size * 1.5)
    visible = {name for name, dock in window.docks.items() if dock.isVisible()}
    assert "loss" in visible
    assert not visible & {"data", "network", "training", "error", "weights", "backprop"}
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.presentation.active, timeout=2000)
    assert window.font().pointSizeF() == pytest.approx(size)
    assert {name for name, dock in window.docks.items() if dock.isVisible()} == shown
    assert not window.presentation.action.isChecked()


def tick_sizes(canvas) -> set[float]:
    item = canvas.getPlotItem()
    fonts = [item.getAxis(name).style["tickFont"] for name in ("left", "bottom")]
    return {None if font is None else round(font.pointSizeF(), 2) for font in fonts}


def test_presentation_tick_labels_grow_on_canvases_built_during_it_and_shrink_after(
        qtbot, window):
    """A canvas behind a tab is built when first shown: one first shown during presentation
    (the weights histogram brought back from View, the data scatter) gets the larger tick
    labels like those already built, and every one goes back to the normal size after."""
    size = round(window.font().pointSizeF(), 2)
    big = round(size * 1.5, 2)
    weights = window.views["weights"]
    assert not weights.canvas_built
    window.presentation.action.trigger()
    qtbot.waitUntil(lambda: window.presentation.active, timeout=2000)
    assert tick_sizes(window.views["loss"].plot_widget) == {big}
    window.docks["weights"].show()
    window.docks["weights"].raise_()
    qtbot.waitUntil(lambda: weights.canvas_built, timeout=5000)
    assert tick_sizes(weights.plot_widget) == {big}
    scatter = window.views["data"].scatter.plot_widget
    assert tick_sizes(scatter) == {big}
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.presentation.active, timeout=2000)
    for canvas in (window.views["loss"].plot_widget, weights.plot_widget, scatter):
        assert tick_sizes(canvas) == {size}


def test_presentation_enlarges_the_text_of_the_themed_app(qtbot, monkeypatch):
    """The app runs under a style sheet (apply_theme), and Qt stops handing a window's font
    down under one unless asked: presentation mode made the window's font larger and the
    panels' text stayed as it was (seen on a real screen). Now the checkboxes, buttons and
    labels of the views it keeps grow with it, and shrink back after."""
    from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox
    from ui.window.main_window import MainWindow
    from ui.widgets.theme import apply_theme
    app = QApplication.instance()
    sheet, style = app.styleSheet(), app.style().name()
    attribute = Qt.ApplicationAttribute.AA_UseStyleSheetPropagationInWidgetStyles
    propagation = app.testAttribute(attribute)
    apply_theme(app)
    window = MainWindow(remember=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        kept = [window.views["loss"], window.views["decision"]]
        buttons = [b for view in kept for b in view.findChildren(QAbstractButton)]
        assert len(buttons) >= 3
        before = {b: b.font().pointSizeF() for b in buttons}
        window.presentation.action.trigger()
        qtbot.waitUntil(lambda: window.presentation.active, timeout=2000)
        for b in buttons:
            assert b.font().pointSizeF() == pytest.approx(before[b] * 1.5), b.text()
        window.presentation.action.trigger()          # F5 again
        qtbot.waitUntil(lambda: not window.presentation.active, timeout=2000)
        for b in buttons:
            assert b.font().pointSizeF() == pytest.approx(before[b]), b.text()
    finally:
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
        window.close()
        assert window.worker.wait(5000)
        app.setProperty("backpropThemed", False)
        app.setStyleSheet(sheet)
        app.setStyle(style)
        app.setAttribute(attribute, propagation)
