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
