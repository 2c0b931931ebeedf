"""The main window as a user drives it: step, play, pause, reset, edit live, save and open,
close — through the real training worker thread. Dialogs are patched so nothing blocks."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDockWidget, QFileDialog, QLabel, QLineEdit, QMenu,
                               QMessageBox,
                               QPushButton, QToolBar, QToolButton)

from playground import Experiment, Trainer
from playground.presets import default_experiment
from ui.window import settings
from ui.window.file_actions import EXPERIMENT_FILTER, RUN_FILTER
from ui.window.launch import initial_window
from ui.window.main_window import MainWindow

TIMEOUT = 5000

# Qt's offscreen platform plugin warns whenever a window's minimum size changes (a plugin
# limitation, not a defect of the window): ignore just that message.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class Dialogs:
    """Stand-ins for the static QMessageBox / QFileDialog functions: record, never block."""

    def __init__(self, monkeypatch):
        self.messages: list[tuple[str, str, str]] = []
        self.answer = QMessageBox.StandardButton.Discard
        self.save_path: tuple[str, str] = ("", "")
        self.open_path = ""
        for kind in ("warning", "critical", "information"):
            monkeypatch.setattr(QMessageBox, kind, staticmethod(self._recorder(kind)))
        monkeypatch.setattr(QMessageBox, "question", staticmethod(self._question))
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, **k: self.save_path))
        monkeypatch.setattr(QFileDialog, "getOpenFileName",
                            staticmethod(lambda *a, **k: (self.open_path, "")))

    def _recorder(self, kind):
        def record(parent, title, text, *args, **kwargs):
            self.messages.append((kind, title, text))
            return QMessageBox.StandardButton.Ok
        return record

    def _question(self, parent, title, text, *args, **kwargs):
        self.messages.append(("question", title, text))
        return self.answer


@pytest.fixture
def dialogs(monkeypatch):
    return Dialogs(monkeypatch)


@pytest.fixture
def make_window(qtbot, dialogs):
    """Open MainWindows; each is closed at teardown and its worker thread must be finished."""
    windows = []

    def make(*args, **kwargs):
        window = MainWindow(*args, **kwargs)
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for window in windows:
        dialogs.answer = QMessageBox.StandardButton.Discard
        window.close()
        assert window.worker.wait(5000)
        assert window.worker.isFinished()


@pytest.fixture
def window(make_window, small_dict):
    small_dict["training"]["epochs"] = 100_000        # plays until paused
    return make_window(Experiment.from_dict(small_dict))


def button(window, name) -> QPushButton:
    widget = window.findChild(QPushButton, name)
    assert widget is not None, name
    return widget


def click(qtbot, window, name) -> None:
    qtbot.mouseClick(button(window, name), Qt.MouseButton.LeftButton)


def epoch_shown(window) -> int:
    text = window.findChild(QLabel, "epochLabel").text()
    return int(re.fullmatch(r"Epoch (\d+)", text).group(1))


def train_curve(window, canvas="lossPlot"):
    plot = window.findChild(pg.PlotWidget, canvas)
    curve = next(item for item in plot.getPlotItem().listDataItems()
                 if item.name() == "training")
    x, _ = curve.getData()
    return np.asarray([] if x is None else x)


def holds_data(window, canvas) -> bool:
    plot = window.findChild(pg.PlotWidget, canvas)      # None until a tabbed plot is seen
    return plot is not None and any(
        b is not None for b in plot.getPlotItem().getViewBox().childrenBounds())


def on_worker(window, fn, timeout=5.0):
    return window.worker.submit(fn).result(timeout)


def test_opens_on_the_default_experiment_with_docks(qtbot, make_window):
    window = make_window()
    assert window.current_experiment() == default_experiment()
    # sized to the screen it opens on (the offscreen platform's is small), never past it
    # unless the window's minimum is larger
    from ui.window.screen_fit import available_area, initial_size
    wanted = initial_size(available_area(window))
    minimum = window.minimumSizeHint()
    assert window.width() == max(wanted[0], minimum.width())
    assert window.height() == max(wanted[1], minimum.height())
    assert "Untitled" in window.windowTitle() and "*" not in window.windowTitle()
    docks = {dock.objectName() for dock in window.findChildren(QDockWidget)}
    assert {"dataDock", "networkDock", "trainingDock", "lossDock", "backpropDock",
            "errorSignalDock", "weightsDock"} <= docks
    for name in ("dataPanel", "layerEditor", "controlsPanel", "phasePanel", "networkDiagram"):
        assert window.findChild(object, name) is not None, name
    for canvas in ("lossPlot", "decisionBoundaryPlot"):
        assert window.findChild(pg.PlotWidget, canvas) is not None, canvas
    # the plots in background tabs are made when their tab is first raised and they are in
    # view: the Data tab starts behind the Lessons one, and on this small screen its dock
    # scrolls, the scatter below the fold until scrolled to
    data = window.docks["data"]
    assert window.findChild(pg.PlotWidget, "dataScatterPlot") is None
    data.raise_()
    qtbot.waitUntil(lambda: data.widget().visibleRegion().isEmpty() is False, timeout=TIMEOUT)
    data.widget().ensureWidgetVisible(window.views["data"].scatter)
    qtbot.waitUntil(lambda: window.findChild(pg.PlotWidget, "dataScatterPlot") is not None,
                    timeout=TIMEOUT)
    for dock, canvas in ((window.docks["error"], "errorSignalPlot"),
                         (window.docks["weights"], "weightHistogramPlot")):
        assert window.findChild(pg.PlotWidget, canvas) is None, canvas
        dock.raise_()
        qtbot.waitUntil(lambda: window.findChild(pg.PlotWidget, canvas) is not None,
                        timeout=TIMEOUT)


def test_scripted_session_step_play_pause_reset(qtbot, window):
    for _ in range(3):
        click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 3, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(train_curve(window)) == 3, timeout=TIMEOUT)
    assert list(train_curve(window)) == [1, 2, 3]
    window.docks["weights"].raise_()
    qtbot.waitUntil(lambda: holds_data(window, "weightHistogramPlot"), timeout=TIMEOUT)
    window.docks["error"].raise_()
    qtbot.waitUntil(lambda: holds_data(window, "errorSignalPlot"), timeout=TIMEOUT)

    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: epoch_shown(window) > 4, timeout=2000)
    speed = window.findChild(QLabel, "speedLabel")
    qtbot.waitUntil(lambda: speed.text().endswith(" epochs/s"), timeout=TIMEOUT)
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: not window.worker.playing, timeout=TIMEOUT)
    before = window.latest_snapshot
    window.worker.request_snapshot()
    qtbot.waitUntil(lambda: window.latest_snapshot is not before, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: epoch_shown(window) == window.latest_snapshot.epoch,
                    timeout=TIMEOUT)
    paused_at = epoch_shown(window)
    qtbot.wait(300)                      # event-loop turns: nothing may move while paused
    assert epoch_shown(window) == paused_at == on_worker(window, lambda t: t.epoch)
    assert window.findChild(QLabel, "speedLabel").text() == "paused"

    click(qtbot, window, "resetButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 0 and len(train_curve(window)) == 0,
                    timeout=TIMEOUT)
    assert on_worker(window, lambda t: (t.epoch, t.iteration)) == (0, 0)


def test_reset_restarts_from_the_same_weights(qtbot, window):
    first = on_worker(window, lambda t: t.network.params.copy())
    click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 1, timeout=TIMEOUT)
    click(qtbot, window, "resetButton")
    qtbot.waitUntil(lambda: on_worker(window, lambda t: t.epoch) == 0, timeout=TIMEOUT)
    assert np.array_equal(on_worker(window, lambda t: t.network.params.copy()), first)


def test_step_batch_advances_one_iteration(qtbot, window):
    click(qtbot, window, "stepBatchButton")
    # the readout is redrawn after the snapshot arrives (and, under load, the first snapshot
    # may arrive after waiting starts): wait for what the user reads
    label = window.findChild(QLabel, "epochProgressLabel")
    qtbot.waitUntil(lambda: "batch 1/" in label.text(), timeout=TIMEOUT)
    assert window.latest_snapshot.iteration == 1
    assert epoch_shown(window) == 0


def test_live_learning_rate_change_reaches_the_playing_trainer(qtbot, window):
    trainer_id = on_worker(window, id)
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: epoch_shown(window) >= 1, timeout=TIMEOUT)
    lr = window.findChild(QLineEdit, "learningRateInput")
    lr.setFocus()
    lr.selectAll()
    qtbot.keyClicks(lr, "0.0007")
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: on_worker(window, lambda t: t.learning_rate) == pytest.approx(
        0.0007), timeout=TIMEOUT)
    assert window.worker.playing                      # no restart: same trainer, still playing
    assert on_worker(window, id) == trainer_id
    window.model.set("training.early_stopping.enabled", True)
    qtbot.waitUntil(lambda: on_worker(window, lambda t: t.early_stopping.enabled),
                    timeout=TIMEOUT)
    dropout = window.findChild(QLineEdit, "dropoutInput")
    dropout.setValue(0.3)
    qtbot.waitUntil(lambda: on_worker(window, lambda t: [layer.dropout for layer in
                                                         t.network.layers]) == [0.3, 0.3, 0.0],
                    timeout=TIMEOUT)
    assert on_worker(window, id) == trainer_id


def test_architecture_change_builds_a_new_trainer(qtbot, window):
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: epoch_shown(window) >= 2, timeout=TIMEOUT)
    window.model.set("network.layers[0].units", 4)
    qtbot.waitUntil(lambda: on_worker(window, lambda t: tuple(t.network.sizes))[1] == 4,
                    timeout=TIMEOUT)
    assert "restarts" in window.statusBar().currentMessage()
    assert window.worker.playing                      # it was playing: it goes on, from 0
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: not window.worker.playing, timeout=TIMEOUT)


def test_unbuildable_settings_keep_the_old_trainer(qtbot, window, tmp_path):
    trainer_id = on_worker(window, id)
    window.model.set("data", {"source": "csv", "path": str(tmp_path / "missing.csv")})
    notice = window.notice                            # a file: read in the background
    qtbot.waitUntil(lambda: notice.isVisible() and "missing.csv" in notice.text(),
                    timeout=TIMEOUT)
    assert "missing.csv" in window.statusBar().currentMessage()
    assert not window.worker.playing
    assert on_worker(window, id) == trainer_id
    window.model.undo_stack.undo()                    # back to buildable settings
    assert not notice.isVisible()


def test_a_network_too_large_for_the_machine_keeps_the_old_trainer(qtbot, window):
    trainer_id = on_worker(window, id)
    layers = [{"units": 16384, "activation": "relu"}] * 63 + \
        [{"units": 2, "activation": "softmax"}]
    window.model.set("network.layers", layers)        # ~600 GB: refused before allocating
    qtbot.waitUntil(lambda: "too large for this machine" in window.notice.text(),
                    timeout=TIMEOUT)
    assert "GB of memory" in window.notice.text()
    assert on_worker(window, id) == trainer_id


def test_engine_failure_is_shown_and_training_pauses(qtbot, window):
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: window.worker.playing, timeout=TIMEOUT)
    window.worker.apply("training.dtype", "float64")       # not a live key: the engine refuses
    qtbot.waitUntil(lambda: "cannot change during training" in window.notice.text(),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.worker.playing, timeout=TIMEOUT)
    assert "cannot change during training" in window.notice.text()
    assert "cannot change during training" in window.statusBar().currentMessage()


def test_keyboard_shortcuts_work_wherever_the_focus_is(qtbot, window):
    window.findChild(QPushButton, "addLayerButton").setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: epoch_shown(window) == 1, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.latest_snapshot.batch_in_epoch == 1, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.worker.playing, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.worker.playing, timeout=TIMEOUT)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: epoch_shown(window) == 0 and window.latest_snapshot.iteration == 0,
                    timeout=TIMEOUT)
    lr = window.findChild(QLineEdit, "learningRateInput")
    lr.setFocus()
    qtbot.keyClick(lr, Qt.Key.Key_Space)              # typing in a field stays typing
    assert not window.worker.playing


def test_step_phase_key_enters_the_backprop_mode(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Period)
    panel = window.views["backprop"]
    qtbot.waitUntil(lambda: panel.phase is not None, timeout=TIMEOUT)
    assert panel.active and panel.phase.kind == "forward"
    assert window.docks["backprop"].isVisible()
    assert "forward" in window.findChild(QLabel, "phaseLabel").text()
    click(qtbot, window, "stepPhaseButton")
    qtbot.waitUntil(lambda: panel.phase_index == 2, timeout=TIMEOUT)
    click(qtbot, window, "playPauseButton")           # play finishes the iteration first
    qtbot.waitUntil(lambda: not panel.active and window.worker.playing, timeout=TIMEOUT)
    click(qtbot, window, "playPauseButton")


def test_title_marks_unsaved_changes(qtbot, window, dialogs, tmp_path):
    assert "*" not in window.windowTitle()
    window.model.set("training.optimizer.learning_rate", 0.2)
    assert "*" in window.windowTitle()
    dialogs.save_path = (str(tmp_path / "exp.json"), EXPERIMENT_FILTER)
    window.files.save_action.trigger()
    assert window.windowTitle().startswith("exp.json ")
    assert "*" not in window.windowTitle()


def test_save_and_open_an_experiment(qtbot, window, dialogs, tmp_path):
    window.model.set("training.optimizer.learning_rate", 0.2)
    path = tmp_path / "mine"
    dialogs.save_path = (str(path), EXPERIMENT_FILTER)    # no suffix: taken from the filter
    assert window.files.save_as()
    saved = tmp_path / "mine.json"
    assert Experiment.from_file(saved) == window.current_experiment()
    assert settings.recent_files()[0] == str(saved.resolve())
    window.files.new()
    assert window.current_experiment() == default_experiment()
    dialogs.open_path = str(saved)
    window.files.open_action.trigger()
    assert window.current_experiment().get("training.optimizer.learning_rate") == 0.2
    assert window.windowTitle().startswith("mine.json")
    assert on_worker(window, lambda t: t.learning_rate) == 0.2


def test_save_and_open_a_run(qtbot, window, dialogs, tmp_path):
    for _ in range(3):
        click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 3, timeout=TIMEOUT)
    weights = on_worker(window, lambda t: t.network.params.copy())
    dialogs.save_path = (str(tmp_path / "run"), RUN_FILTER)
    assert window.files.save_as()                     # written in the background
    qtbot.waitUntil(lambda: not window.files.saving.running, timeout=TIMEOUT)
    assert (tmp_path / "run.bpp").exists()
    window.files.new()
    qtbot.waitUntil(lambda: epoch_shown(window) == 0, timeout=TIMEOUT)
    assert window.files.open_path(tmp_path / "run.bpp")
    qtbot.waitUntil(lambda: epoch_shown(window) == 3, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: len(train_curve(window)) == 3, timeout=TIMEOUT)
    assert np.array_equal(on_worker(window, lambda t: t.network.params.copy()), weights)
    assert window.windowTitle().startswith("run.bpp")
    click(qtbot, window, "stepEpochButton")           # training resumes from epoch 3
    qtbot.waitUntil(lambda: epoch_shown(window) == 4, timeout=TIMEOUT)
    window.files.save_action.trigger()                # Save writes the run again
    qtbot.waitUntil(lambda: not window.files.saving.running, timeout=TIMEOUT)
    assert Trainer.load(tmp_path / "run.bpp").epoch == 4



def test_a_run_saved_while_stepping_says_so_and_resumes_as_training_on(qtbot, window, dialogs,
                                                                        tmp_path):
    # three phases of the first iteration: its epoch's order is drawn, nothing counted yet
    for _ in range(3):
        click(qtbot, window, "stepPhaseToolButton")
    qtbot.waitUntil(lambda: on_worker(window, lambda t: t.stepping), timeout=TIMEOUT)
    dialogs.save_path = (str(tmp_path / "stepping"), RUN_FILTER)
    assert window.files.save_as()
    qtbot.waitUntil(lambda: not window.files.saving.running, timeout=TIMEOUT)
    assert "before the iteration being stepped through" in window.statusBar().currentMessage()
    assert on_worker(window, lambda t: t.stepping)          # saving did not end the stepping
    resumed = Trainer.load(tmp_path / "stepping.bpp")
    straight = Trainer(window.current_experiment())
    assert resumed.iteration == 0 and resumed.batch_in_epoch == 0
    for trainer in (resumed, straight):
        trainer.train_epoch()
    np.testing.assert_array_equal(resumed.network.params, straight.network.params)

class Ticks:
    """A GUI-thread timer that records which events it saw tick, in order."""

    def __init__(self, qtbot):
        from PySide6.QtCore import QTimer

        self.events: list[str] = []
        self.count = 0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        self.count += 1

    def mark(self, what: str) -> None:
        self.events.append(f"{what}@{self.count}")


def test_a_slow_save_leaves_the_window_responsive_and_closes_when_written(
        qtbot, window, dialogs, tmp_path, monkeypatch):
    """The write is slow (held until the test releases it); meanwhile the GUI thread's timer
    ticks, the status bar shows the save, Close waits for it visibly, then the window closes
    and the file is complete. The old code waited inside save_to() on the GUI thread."""
    import threading

    from playground.files import runset_file
    from ui.window import file_actions

    release, writing = threading.Event(), threading.Event()
    real = runset_file.write_archive

    def slow_write(path, members, progress=None, cancelled=None):
        writing.set()
        release.wait(10)
        real(path, members, progress, cancelled)

    monkeypatch.setattr(file_actions, "write_archive", slow_write)
    click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 1, timeout=TIMEOUT)
    ticks = Ticks(qtbot)
    try:
        assert window.files.save_to(tmp_path / "run.bpp")     # returns at once
        qtbot.waitUntil(writing.is_set, timeout=TIMEOUT)
        start = ticks.count
        qtbot.waitUntil(lambda: ticks.count >= start + 3, timeout=TIMEOUT)  # GUI alive
        assert window.files.saving.isVisible() and "run.bpp" in window.files.saving.label.text()
        window.toggle_play()                            # training goes on while it is written
        qtbot.waitUntil(lambda: window.worker.playing, timeout=TIMEOUT)
        window.close()                                  # not now: when it is written
        assert window.isVisible() and window.worker.isRunning()
        assert "closes when it is written" in window.files.saving.label.text()
        qtbot.waitUntil(lambda: not window.worker.playing, timeout=TIMEOUT)    # going: paused
        assert not (tmp_path / "run.bpp").exists()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    assert window.worker.wait(5000)
    assert Trainer.load(tmp_path / "run.bpp").epoch == 1
    assert not dialogs.messages                      # no error, nothing asked


def test_a_save_the_training_thread_cannot_serve_says_why(qtbot, window, dialogs, tmp_path,
                                                           monkeypatch):
    import threading

    from ui.window import file_actions

    monkeypatch.setattr(file_actions, "SAVE_HANDOVER_TIMEOUT", 0.2)
    busy = threading.Event()
    window.worker.submit(lambda trainer: busy.wait(10))     # a batch that takes long
    try:
        assert window.files.save_to(tmp_path / "run.bpp")
        qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=TIMEOUT)
    finally:
        busy.set()
    kind, heading, text = dialogs.messages[-1]
    assert kind == "warning" and "run.bpp" in heading
    assert "did not answer within 0.2 s" in text and "pause training" in text
    on_worker(window, lambda trainer: None)                 # the worker is free again
    assert not (tmp_path / "run.bpp").exists()
    assert window.model.file_path is None


def test_a_save_into_a_missing_folder_says_why(qtbot, window, dialogs, tmp_path):
    assert window.files.save_to(tmp_path / "gone" / "run.bpp")
    qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=TIMEOUT)
    kind, heading, text = dialogs.messages[-1]
    assert kind == "warning" and "run.bpp" in heading
    assert "does not exist" in text
    assert window.model.file_path is None


def test_a_failing_write_names_its_reason(qtbot, window, dialogs, tmp_path, monkeypatch):
    from ui.window import file_actions

    def no_room(path, members, progress=None, cancelled=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(file_actions, "write_archive", no_room)
    assert window.files.save_to(tmp_path / "run.bpp")
    qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=TIMEOUT)
    kind, heading, text = dialogs.messages[-1]
    assert kind == "warning" and "No space left on device" in text
    assert not window.files.saving.isVisible()
    assert "*" not in window.windowTitle() and window.model.file_path is None


@pytest.mark.parametrize("name, content, words", [
    ("bad.json", "{not json", "not valid JSON"),
    ("bad.bpp", "not a zip", "not a saved run"),
    ("wrong.json", '{"seed": -1}', "seed"),
    ("deep.json", "[" * 100_000, "nesting limit"),
    ("long.json", '{"seed": ' + "9" * 5000 + "}", "number length limit"),
    ("pipe.json", None, "named pipe")])
def test_a_bad_file_shows_a_message_and_keeps_the_session(qtbot, window, dialogs, tmp_path,
                                                          name, content, words):
    window.model.set("training.optimizer.learning_rate", 0.2)
    before, title = window.current_experiment(), window.windowTitle()
    trainer_id = on_worker(window, id)
    bad = tmp_path / name
    if content is None:
        os.mkfifo(bad)                          # opening it must not block the window
    else:
        bad.write_text(content)
    dialogs.answer = QMessageBox.StandardButton.Discard
    assert not window.files.open_path(bad)
    kind, heading, text = dialogs.messages[-1]
    assert kind == "warning" and name in heading
    assert "Traceback" not in text and words in text
    assert window.current_experiment() == before
    assert window.windowTitle() == title
    assert on_worker(window, id) == trainer_id


def test_unsaved_changes_prompt_on_new_and_open(qtbot, window, dialogs, tmp_path):
    window.model.set("training.optimizer.learning_rate", 0.2)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    assert not window.files.new()
    assert dialogs.messages[-1][0] == "question"
    assert window.current_experiment().get("training.optimizer.learning_rate") == 0.2
    assert not window.files.open_path(tmp_path / "whatever.json")
    dialogs.answer = QMessageBox.StandardButton.Save
    dialogs.save_path = (str(tmp_path / "kept.json"), EXPERIMENT_FILTER)
    assert window.files.new_from_preset("circle")
    assert Experiment.from_file(tmp_path / "kept.json").get(
        "training.optimizer.learning_rate") == 0.2
    assert window.current_experiment().data["source"] == "circle"


def test_close_while_training_is_prompt(qtbot, make_window, dialogs):
    # the default experiment with a budget it cannot use up before the check below: its 300
    # epochs train in about a second now, and a loaded machine showed the first epoch after
    # the last one (the run had finished, so nothing was playing any more)
    window = make_window(default_experiment().replace("training.epochs", 100_000))
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: epoch_shown(window) >= 1, timeout=TIMEOUT)
    assert window.worker.playing
    window.close()
    assert window.worker.isFinished()
    assert window.stopped_promptly      # the worker stopped within the second it was given


def test_close_with_unsaved_changes_can_be_cancelled(qtbot, window, dialogs):
    window.model.set("training.l2", 0.01)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    window.close()
    assert window.isVisible() and window.worker.isRunning()


def test_layout_and_last_file_are_remembered(qtbot, make_window, dialogs, tmp_path):
    window = make_window()
    window.docks["weights"].hide()
    window.files.save_to(tmp_path / "last.json")
    window.close()
    second, error = initial_window(None)
    try:
        assert error is None
        second.show()
        qtbot.waitExposed(second)
        assert second.model.file_path == tmp_path / "last.json"
        assert not second.docks["weights"].isVisible()
        assert second.docks["loss"].isVisible()
    finally:
        second.close()
        assert second.worker.isFinished()


def test_export_plots_as_png_and_csv(qtbot, window, tmp_path):
    click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 1, timeout=TIMEOUT)
    pngs = window.files.export_plots_to(tmp_path, "png")
    csvs = window.files.export_plots_to(tmp_path, "csv")
    assert len(pngs) == len(csvs) == 6       # the landscape: empty until computed
    assert all(p.stat().st_size > 1000 for p in pngs)
    assert (tmp_path / "loss.csv").read_text().startswith("epoch,train_loss")
    assert (tmp_path / "loss_landscape.csv").read_text() == "kind,alpha,beta,t,loss\n"
    texts = [action.text() for menu in window.menuBar().findChildren(type(window.view_menu))
             for action in menu.actions()]
    assert not any("svg" in text.lower() for text in texts)
    assert any("PNG" in text for text in texts) and any("CSV" in text for text in texts)


def test_exporting_every_plot_lets_timers_run_between_plots_but_not_clicks(qtbot, window,
                                                                          tmp_path):
    """Ten plots in a row froze the window for a second (the monkey test's stall): between two
    plots the event loop runs timers (and paints), never user input."""
    from PySide6.QtCore import QTimer
    ticks = []
    timer = QTimer(interval=0)
    timer.timeout.connect(lambda: ticks.append(len(list(tmp_path.iterdir()))))
    timer.start()
    try:
        pngs = window.files.export_plots_to(tmp_path, "png")
    finally:
        timer.stop()
    assert len(pngs) == 6
    written_meanwhile = {n for n in ticks if 0 < n < len(pngs)}
    assert len(written_meanwhile) >= len(pngs) - 2      # ticks between the plots (none before)
    assert "Exported" in window.statusBar().currentMessage()


def test_backprop_overview_follows_the_optimizer(qtbot, window):
    panel = window.views["backprop"]
    qtbot.waitUntil(lambda: "update · Adam" in panel.table_text(), timeout=TIMEOUT)
    assert "SGD" not in panel.table_text()
    window.model.set("training.optimizer", {"name": "sgd", "learning_rate": 0.1,
                                            "momentum": 0.9})        # a new trainer
    qtbot.waitUntil(lambda: "update · SGD with momentum" in panel.table_text(),
                    timeout=TIMEOUT)
    assert "w ← w − η·v" in panel.table_text()
    window.model.set("training.l2", 0.01)                            # a live change
    assert "2·l2·w" in panel.table_text()
    window.model.set("training.optimizer.nesterov", True)            # live, same optimizer
    assert "update · SGD with Nesterov momentum" in panel.table_text()


def test_menu_and_toolbar_offer_the_file_actions(qtbot, window, dialogs, tmp_path):
    menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&File")
    texts = [a.text() for a in menu.actions() if a.text()]
    for text in ("&New", "&Examples", "&Open…", "Open &Recent", "&Save", "Save &As…",
                 "Export Plots as &PNG…", "Export Plot &Data as CSV…", "&Quit"):
        assert text in texts, text
    toolbar = window.findChild(QToolBar, "fileToolBar")
    assert toolbar is not None and toolbar.isVisible()
    files = window.files
    for action in (files.new_action, files.open_action, files.save_action):
        assert action in toolbar.actions() and not action.icon().isNull()
    export = toolbar.findChild(QToolButton, "exportToolButton")
    assert export.menu().actions() == [files.export_png_action, files.export_csv_action]
    # recent files: listed newest first, and opening one from the menu works
    for name in ("first.json", "second.json"):
        files.save_to(tmp_path / name)
    files.recent_menu.aboutToShow.emit()
    entries = [a for a in files.recent_menu.actions() if a.text().startswith("&")]
    assert [a.text() for a in entries[:2]] == ["&1 second.json", "&2 first.json"]
    entries[1].trigger()
    assert window.windowTitle().startswith("first.json")
    files.quit_action.trigger()                       # Quit closes the window (and its worker)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT)
    assert window.worker.isFinished()


def test_architecture_edit_while_paused_restarts_and_says_so(qtbot, window):
    for _ in range(2):
        click(qtbot, window, "stepEpochButton")
    qtbot.waitUntil(lambda: epoch_shown(window) == 2, timeout=TIMEOUT)
    window.findChild(QPushButton, "addLayerButton").click()    # paused: edit the network
    qtbot.waitUntil(lambda: len(on_worker(window, lambda t: t.network.sizes)) == 5,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: epoch_shown(window) == 0, timeout=TIMEOUT)
    assert "training restarts from epoch 0" in window.notice.text()
    assert "restarts" in window.statusBar().currentMessage()
    assert not window.worker.playing and len(train_curve(window)) == 0


def test_divergence_is_shown_and_the_weights_stay_finite(qtbot, make_window, small_dict):
    small_dict["data"] = {"source": "plane", "samples": 100, "noise": 0.1,
                          "validation_split": 0.2}
    small_dict["network"] = {"layers": [{"units": 6, "activation": "relu"},
                                        {"units": 1, "activation": "linear"}], "loss": "mse"}
    small_dict["training"]["optimizer"] = {"name": "sgd", "learning_rate": 50.0}
    window = make_window(Experiment.from_dict(small_dict))
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: "diverged" in window.notice.text(), timeout=TIMEOUT)
    assert "learning rate" in window.notice.text()
    assert not window.worker.playing
    assert on_worker(window, lambda t: bool(np.isfinite(t.network.params).all()))
    # the reason stands once, whole, in the notice bar: not in the toolbar, not on a plot
    toolbar_texts = [label.text() for label in window.findChildren(QLabel)
                     if "diverged" in label.text() and label is not window.notice.label]
    assert toolbar_texts == []
    click(qtbot, window, "playPauseButton")           # play again: refused with the reason
    qtbot.waitUntil(lambda: "Reset" in window.statusBar().currentMessage(), timeout=TIMEOUT)
    assert not window.worker.playing


def test_every_phase_of_a_three_layer_network_with_the_period_key(qtbot, window):
    """The window-level walk through one iteration: label and diagram highlight per phase."""
    expected = [("forward · layer 1 of 3", 1, "forward"), ("forward · layer 2 of 3", 2, "forward"),
                ("forward · layer 3 of 3", 3, "forward"), ("loss", 3, "loss"),
                ("backward · layer 3 of 3", 3, "backward"),
                ("backward · layer 2 of 3", 2, "backward"),
                ("backward · layer 1 of 3", 1, "backward"), ("update", None, "update")]
    panel, label = window.views["backprop"], window.findChild(QLabel, "phaseLabel")
    diagram = panel.diagram
    for index, (title, layer, kind) in enumerate(expected, start=1):
        qtbot.keyClick(window, Qt.Key.Key_Period)
        qtbot.waitUntil(lambda: panel.phase_index == index, timeout=TIMEOUT)
        assert label.text().startswith(title + ": ")
        assert (diagram.highlighted_layer, diagram.highlight_kind) == (layer, kind)
    assert label.text().endswith(panel.update_rule.formula)         # Adam, as it trains
    qtbot.waitUntil(lambda: on_worker(window, lambda t: t.iteration) == 1, timeout=TIMEOUT)


@pytest.mark.slow
def test_self_test_command_trains_and_renders_every_plot(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "BACKPROP_PLAYGROUND_CONFIG_DIR": str(tmp_path)}
    shot = tmp_path / "window.png"
    result = subprocess.run([sys.executable, "-m", "ui", "--self-test", "--screenshot",
                             str(shot)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("self-test ok")
    assert shot.stat().st_size > 10_000


def test_after_early_stopping_restores_the_header_shows_that_epochs_numbers_and_says_so(
        qtbot, make_window, small_dict):
    small_dict["training"]["early_stopping"] = {
        "enabled": True, "monitor": "val_loss", "patience": 2, "min_delta": 10.0,
        "restore_best_weights": True}
    window = make_window(Experiment.from_dict(small_dict))
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: "early stopping" in window.notice.text(), timeout=TIMEOUT)
    snap = window.latest_snapshot
    best = snap.best_epoch
    assert snap.metrics_epoch == best and best < snap.epoch
    def captions():                 # the header is redrawn on the refresh timer, after the
        return [label.text() for label in window.findChildren(QLabel)   # notice (a race)
                if label.property("role") == "caption"]
    qtbot.waitUntil(lambda: f"validation loss · epoch {best}" in captions(), timeout=TIMEOUT)
    val = window.findChild(QLabel, "valLossLabel").text()
    best_val = on_worker(window, lambda t: float(t.history.column("val_loss")[best - 1]))
    assert float(val) == pytest.approx(best_val, abs=1e-4)
    assert window.notice.property("kind") == "info"      # a normal end: blue, not red


def test_the_speed_box_paces_play(qtbot, window):
    import time
    combo = window.findChild(QComboBox, "speedCombo")
    combo.setCurrentIndex(combo.findText("1 epoch/s"))
    start = time.perf_counter()
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: epoch_shown(window) >= 2, timeout=TIMEOUT)
    # one epoch a second: epoch 2 is trained no sooner than a second after epoch 1, which is
    # after the click (a lower bound, whatever the load; at full speed this network trains an
    # epoch in milliseconds)
    assert time.perf_counter() - start > 0.95
    click(qtbot, window, "playPauseButton")
    qtbot.waitUntil(lambda: not window.worker.playing, timeout=TIMEOUT)