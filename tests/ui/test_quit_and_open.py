"""Quitting the application without closing the window, and opening a big run file without
the GUI thread reading it (issue 19, item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from playground import Experiment, Trainer
from playground.presets import default_experiment
from ui.window import file_actions, launch
from test_main_window import (TIMEOUT, dialogs, make_window, on_worker,  # noqa: F401 - fixtures
                              window)

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
ROOT = Path(__file__).resolve().parents[2]

#: quit the application while the window is open, training plays and an "Unsaved changes"
#: question is up (app.quit ends every event loop: no closeEvent ever accepts)
QUIT_SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication(sys.argv[:1])
    from ui.window.main_window import MainWindow
    window = MainWindow(remember=False)
    window.model.set("training.optimizer.learning_rate", 0.2)     # unsaved changes
    window.show()
    window.worker.play()

    def ask():
        QTimer.singleShot(300, app.quit)
        window.close()                     # the question stays up until the quit
    QTimer.singleShot(300, ask)
    code = app.exec()
    print("running after exec:", window.worker.isRunning(), flush=True)
    sys.exit(code)
""")


def test_quitting_the_application_stops_the_worker_like_closing(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BACKPROP_PLAYGROUND_SETTINGS="test",
               BACKPROP_PLAYGROUND_CONFIG_DIR=str(tmp_path / "config"),
               PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", QUIT_SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert "QThread: Destroyed while thread" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert "running after exec: False" in result.stdout


# -- opening a big run file -------------------------------------------------------------------


def saved_run(tmp_path, small_dict, name: str, lr: float, epochs: int = 2):
    small_dict = {**small_dict, "training": {**small_dict["training"],
                                            "optimizer": {"name": "adam",
                                                          "learning_rate": lr}}}
    trainer = Trainer(Experiment.from_dict(small_dict))
    for _ in range(epochs):
        trainer.train_epoch()
    path = tmp_path / name
    trainer.save(path)
    return path, trainer.network.params.copy()


class HeldReader:
    """``read_runs`` for the background: every file in ``held`` waits for ``gate`` (the
    thread that reads it says so on ``reached``), the others are read at once."""

    def __init__(self, monkeypatch, *held):
        self.held = {p.name for p in held}
        self.gate, self.reached = threading.Event(), threading.Event()
        self.threads: list[str] = []
        real = file_actions.read_runs

        def read(path):
            self.threads.append(threading.current_thread().name)
            if Path(path).name in self.held:
                self.reached.set()
                assert self.gate.wait(10)
            return real(path)

        monkeypatch.setattr(file_actions, "read_runs", read)
        monkeypatch.setattr(file_actions, "OPEN_IN_BACKGROUND_BYTES", 100)


def record_opens(window) -> list:
    seen = []
    window.files.opened.connect(lambda path, ok: seen.append((Path(path).name, ok)))
    return seen


def test_a_big_run_file_is_read_off_the_gui_thread_with_the_status_bar_busy(
        qtbot, window, dialogs, small_dict, tmp_path, monkeypatch):
    path, weights = saved_run(tmp_path, small_dict, "big.bpp", 0.05)
    reader = HeldReader(monkeypatch, path)
    before, opens = window.current_experiment(), record_opens(window)
    ticks = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: ticks.append(reader.gate.is_set()))
    timer.start(1)
    assert window.files.open_path(path)                # started, not done
    qtbot.waitUntil(reader.reached.is_set, timeout=TIMEOUT)
    job = window.files.opening
    assert job.running and not job.isHidden()
    assert job.label.text() == "Opening big.bpp…" and job.bar.maximum() == 0   # busy bar
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=TIMEOUT)   # the GUI thread goes on
    assert not any(ticks) and opens == []
    assert window.current_experiment() == before       # nothing switched yet
    assert reader.threads[-1] != threading.main_thread().name
    reader.gate.set()
    qtbot.waitUntil(lambda: opens == [("big.bpp", True)], timeout=TIMEOUT)
    timer.stop()
    assert job.isHidden() and not job.running
    assert window.current_experiment().get("training.optimizer.learning_rate") == 0.05
    assert window.windowTitle().startswith("big.bpp")
    assert np.array_equal(on_worker(window, lambda t: t.network.params.copy()), weights)


def test_a_newer_open_drops_an_older_one_still_reading(qtbot, window, dialogs, small_dict,
                                                       tmp_path, monkeypatch):
    first, _ = saved_run(tmp_path, small_dict, "first.bpp", 0.05)
    second, weights = saved_run(tmp_path, small_dict, "second.bpp", 0.07, epochs=3)
    reader = HeldReader(monkeypatch, first)
    opens = record_opens(window)
    assert window.files.open_path(first)
    qtbot.waitUntil(reader.reached.is_set, timeout=TIMEOUT)
    assert window.files.open_path(second)              # waits for the first to end
    reader.gate.set()
    qtbot.waitUntil(lambda: opens == [("second.bpp", True)], timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.files.opening.running, timeout=TIMEOUT)
    assert opens == [("second.bpp", True)]             # the first was never installed
    assert window.current_experiment().get("training.optimizer.learning_rate") == 0.07
    assert np.array_equal(on_worker(window, lambda t: t.network.params.copy()), weights)


def start_held_open(qtbot, window, small_dict, tmp_path, monkeypatch):
    """Open a saved big.bpp whose read is held on ``reader.gate``; returns when it is held."""
    path, _ = saved_run(tmp_path, small_dict, "big.bpp", 0.05)
    reader = HeldReader(monkeypatch, path)
    opens = record_opens(window)
    assert window.files.open_path(path)
    qtbot.waitUntil(reader.reached.is_set, timeout=TIMEOUT)
    return path, reader, opens


def test_new_while_a_big_file_is_read_keeps_the_new_experiment(qtbot, window, dialogs,
                                                               small_dict, tmp_path,
                                                               monkeypatch):
    _, reader, opens = start_held_open(qtbot, window, small_dict, tmp_path, monkeypatch)
    assert window.files.new()
    reader.gate.set()
    qtbot.waitUntil(lambda: not window.files.opening.running, timeout=TIMEOUT)
    assert opens == [] and window.current_experiment() == default_experiment()


def test_edits_made_while_a_big_file_is_read_are_asked_about(qtbot, window, dialogs,
                                                             small_dict, tmp_path,
                                                             monkeypatch):
    _, reader, opens = start_held_open(qtbot, window, small_dict, tmp_path, monkeypatch)
    window.model.set("training.optimizer.learning_rate", 0.3)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    reader.gate.set()
    qtbot.waitUntil(lambda: opens == [("big.bpp", False)], timeout=TIMEOUT)
    assert dialogs.messages[-1][:2] == ("question", "Unsaved changes")
    assert window.current_experiment().get("training.optimizer.learning_rate") == 0.3
    assert "big.bpp was not opened" in window.statusBar().currentMessage()


def test_cancel_in_the_status_bar_keeps_the_session(qtbot, window, dialogs, small_dict,
                                                   tmp_path, monkeypatch):
    path, _ = saved_run(tmp_path, small_dict, "big.bpp", 0.05)
    reader = HeldReader(monkeypatch, path)
    before, opens = window.current_experiment(), record_opens(window)
    assert window.files.open_path(path)
    qtbot.waitUntil(reader.reached.is_set, timeout=TIMEOUT)
    window.files.opening.cancel_button.click()
    assert window.files.opening.label.text() == "Opening big.bpp — cancelling…"
    reader.gate.set()                                  # the read ends; it is not installed
    qtbot.waitUntil(lambda: opens == [("big.bpp", False)], timeout=TIMEOUT)
    assert "Opening big.bpp was cancelled" in window.statusBar().currentMessage()
    assert window.current_experiment() == before


def test_closing_while_a_big_file_is_read_does_not_wait_for_it(qtbot, window, dialogs,
                                                               small_dict, tmp_path,
                                                               monkeypatch):
    from ui.live import lingering
    _, reader, opens = start_held_open(qtbot, window, small_dict, tmp_path, monkeypatch)
    dialogs.answer = QMessageBox.StandardButton.Discard
    window.close()                                     # the read is still held
    assert not window.isVisible() and window.worker.isFinished()
    held = lingering.lingering()
    assert held                                        # the reading thread, not waited for
    reader.gate.set()
    for thread in held:
        assert thread.wait(5000)
    qtbot.wait(50)                                     # anything it sent is delivered
    assert opens == []


def test_a_bad_big_file_says_why_and_keeps_the_session(qtbot, window, dialogs, tmp_path,
                                                       monkeypatch):
    monkeypatch.setattr(file_actions, "OPEN_IN_BACKGROUND_BYTES", 100)
    bad = tmp_path / "broken.bpp"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 4096)     # not a whole zip archive
    window.model.set("training.optimizer.learning_rate", 0.2)
    dialogs.answer = QMessageBox.StandardButton.Discard
    before, trainer_id = window.current_experiment(), on_worker(window, id)
    opens = record_opens(window)
    assert window.files.open_path(bad)
    qtbot.waitUntil(lambda: opens == [("broken.bpp", False)], timeout=TIMEOUT)
    kind, heading, text = dialogs.messages[-1]
    assert kind == "warning" and heading == "Cannot open broken.bpp"
    assert text and "Traceback" not in text and "internal error" not in text
    assert window.current_experiment() == before and on_worker(window, id) == trainer_id


def test_a_big_file_on_the_command_line_opens_after_the_window_shows(
        qtbot, dialogs, small_dict, tmp_path, monkeypatch):
    path, weights = saved_run(tmp_path, small_dict, "big.bpp", 0.05)
    reader = HeldReader(monkeypatch, path)
    monkeypatch.setattr(launch, "OPEN_IN_BACKGROUND_BYTES", 100)
    win, error = launch.initial_window(str(path), remember=False)
    try:
        assert error is None
        qtbot.waitUntil(reader.reached.is_set, timeout=TIMEOUT)
        assert win.current_experiment() == default_experiment()
        reader.gate.set()
        qtbot.waitUntil(lambda: win.windowTitle().startswith("big.bpp"), timeout=TIMEOUT)
        assert np.array_equal(on_worker(win, lambda t: t.network.params.copy()), weights)
    finally:
        reader.gate.set()
        win.close()
        assert win.worker.wait(5000)
