"""File ▸ Export ▸ PyTorch Script… / ONNX Model…: the window exports what it has, through the
engine, and shows the engine's reason when it cannot (torch and onnx are not needed here: the
script is checked by reading it, its parity in tests/engine/test_export_pytorch.py)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtWidgets import QMenu

from test_main_window import (TIMEOUT, click, dialogs, epoch_shown, make_window,  # noqa: F401
                              on_worker, window)

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def out(tmp_path):
    """An empty folder to export into (tmp_path also holds the test's settings)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def export_menu(window) -> QMenu:
    menu = window.findChild(QMenu, "exportNetworkMenu")
    assert menu is not None
    return menu


def test_the_file_menu_offers_both_exports(window):
    file_menu = next(a.menu() for a in window.menuBar().actions()
                     if a.text().replace("&", "") == "File")
    assert export_menu(window).menuAction() in file_menu.actions()
    texts = [a.text().replace("&", "") for a in export_menu(window).actions()]
    assert texts == ["PyTorch Script…", "ONNX Model…"]


def test_exporting_a_trained_network_writes_the_script_of_the_run(qtbot, window, dialogs,
                                                                 out):
    for _ in range(2):
        click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 2, timeout=TIMEOUT)
    dialogs.save_path = (str(out / "mine"), "")          # the suffix is added
    export_menu(window).actions()[0].trigger()
    script = out / "mine.py"
    qtbot.waitUntil(lambda: not window.files.exporting.running, timeout=TIMEOUT)
    assert script.is_file() and not dialogs.messages
    text = script.read_text(encoding="utf-8")
    assert "FIRST_EPOCH = 3" in text and "the unsaved experiment" in text
    with np.load(out / "mine_weights.npz", allow_pickle=False) as weights:
        np.testing.assert_array_equal(weights["W0"],
                                      on_worker(window, lambda t: t.network.layers[0].W.copy()))
    assert "mine.py" in window.statusBar().currentMessage()


def test_mid_epoch_the_script_finishes_the_epoch(qtbot, window, dialogs, out):
    on_worker(window, lambda t: t.train_batch())
    dialogs.save_path = (str(out / "net.py"), "")
    export_menu(window).actions()[0].trigger()
    qtbot.waitUntil(lambda: not window.files.exporting.running, timeout=TIMEOUT)
    assert not dialogs.messages
    assert "RESUME_BATCHES_DONE = 1" in (out / "net.py").read_text(encoding="utf-8")


def test_an_unwritable_place_shows_why_and_writes_nothing(qtbot, window, dialogs, out):
    dialogs.save_path = (str(out / "missing folder" / "net.py"), "")
    export_menu(window).actions()[0].trigger()
    qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=TIMEOUT)
    kind, title, text = dialogs.messages[-1]
    assert kind == "warning" and "net.py" in title and "does not exist" in text
    assert list(out.iterdir()) == []


def test_without_onnx_the_message_names_the_package(qtbot, window, dialogs, out, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    dialogs.save_path = (str(out / "net.onnx"), "")
    export_menu(window).actions()[1].trigger()
    qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=TIMEOUT)
    kind, _, text = dialogs.messages[-1]
    assert kind == "warning" and "pip install onnx" in text
    assert list(out.iterdir()) == []


def test_cancelling_the_dialog_exports_nothing(window, dialogs, out):
    dialogs.save_path = ("", "")
    export_menu(window).actions()[0].trigger()
    assert not dialogs.messages and list(out.iterdir()) == []
