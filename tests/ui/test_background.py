"""Jobs off the GUI thread (ui/live/background.py): none starts once its view has shut down,
and none is left running unowned (a QThread destroyed while it runs aborts the process)."""

from __future__ import annotations

import threading
import time

import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox, QProgressBar

from conftest import small_experiment
from playground import Experiment, Trainer
from ui.live.background import JobRunner
from ui.live.lingering import lingering
from ui.window.main_window import MainWindow

TIMEOUT = 20_000
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def runner(qtbot):
    parent = QObject()
    bar = QProgressBar()
    jobs = JobRunner(bar, parent)
    yield jobs
    jobs.shutdown(5.0)
    bar.deleteLater()


def blocking_job(release: threading.Event, started: threading.Event):
    """Runs until released or cancelled ("done"), or 5 s ("gave up": a GUI thread that
    joined it early would otherwise wait forever)."""
    def job(progress, cancelled):
        started.set()
        deadline = time.monotonic() + 5.0
        while not release.is_set() and not cancelled():
            if time.monotonic() > deadline:
                return "gave up"
            release.wait(0.01)
        return "done"
    return job


def test_a_runner_shut_down_starts_nothing_more(qtbot, runner):
    ran = threading.Event()
    heard = []
    runner.shutdown()
    runner.start(lambda progress, cancelled: ran.set(), heard.append, heard.append)
    assert not runner.running
    qtbot.wait(50)                      # a started thread would have run by now
    assert not ran.is_set() and heard == []


def test_a_second_start_cancels_the_first_job_and_never_orphans_its_thread(qtbot, runner):
    release, started = threading.Event(), threading.Event()
    results, stops = [], []
    runner.start(blocking_job(release, started), results.append, stops.append)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    first = runner._job
    runner.start(lambda progress, cancelled: "second", results.append, stops.append)
    assert first.is_cancelled                 # asked to stop, and kept while it runs
    assert first.isFinished() or first in lingering()
    qtbot.waitUntil(lambda: not runner.running, timeout=TIMEOUT)
    # ended: finished, or already freed (a job that stopped within the runner's wait is
    # deleted on the next turn; asking a freed one raised in CI under load)
    qtbot.waitUntil(lambda: not shiboken6.isValid(first) or first.isFinished(), timeout=TIMEOUT)
    assert results == ["second"] and stops == []   # the first one is not heard


def test_a_snapshot_arriving_after_close_starts_no_landscape(qtbot):
    """Seed 95 of the monkey test: a snapshot queued before the window closed reached the
    landscape panel with 'every N epochs' ticked; it started a job after the panel's shutdown,
    and the process aborted at exit with that thread still running."""
    trainer = Trainer(Experiment.from_dict(small_experiment()))
    for _ in range(6):
        trainer.train_epoch()
    win = MainWindow(trainer=trainer, remember=False)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.latest_snapshot is not None, timeout=TIMEOUT)
    panel = win.views["landscape"]
    win.findChild(QCheckBox, "landscapeAuto").setChecked(True)
    snapshot = win.latest_snapshot
    assert win.shutdown()
    panel.add_snapshot(snapshot)
    assert not panel.running
    win.model.undo_stack.setClean()
    win.close()


def test_a_job_that_ended_just_before_it_was_replaced_is_not_heard(qtbot, runner):
    """Its result, queued to the GUI thread before the second start, must not end the
    second job (which would then be joined early and its own result dropped)."""
    results, stops = [], []
    runner.start(lambda progress, cancelled: "first", results.append, stops.append)
    first = runner._job
    assert first.wait(10_000)            # ended; its signal waits in the GUI thread's queue
    release, started = threading.Event(), threading.Event()
    runner.start(blocking_job(release, started), results.append, stops.append)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    qtbot.wait(20)                       # the first job's queued signal is delivered now
    assert runner.running and results == []
    release.set()
    qtbot.waitUntil(lambda: not runner.running, timeout=TIMEOUT)
    assert results == ["done"] and stops == []


def test_a_hurried_job_no_longer_gives_way_to_a_busy_gui(qtbot, runner, monkeypatch):
    """The window waits for a save to close: from then on the job's pieces run back to back
    (before, each waited up to MAX_YIELD for a GUI thread that looked busy)."""
    from ui.live import background

    waits, first, go, results = [], threading.Event(), threading.Event(), []
    monkeypatch.setattr(background.GUI, "busy", lambda: True)
    monkeypatch.setattr(background.GUI, "wait", lambda timeout: waits.append(timeout))

    def job(progress, between):
        between()                          # the GUI goes first: one wait
        first.set()
        go.wait(5)
        for _ in range(3):
            between()                      # hurried: none
        return "written"

    runner.start(job, results.append, results.append)
    qtbot.waitUntil(first.is_set, timeout=TIMEOUT)
    assert len(waits) == 1
    runner.hurry()
    go.set()
    qtbot.waitUntil(lambda: results == ["written"], timeout=TIMEOUT)
    assert len(waits) == 1
