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
