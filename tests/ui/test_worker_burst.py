"""At full speed a lone run trains batch after batch between two looks at the worker's
commands: the numbers are those of plain training, and pause still acts within a batch."""

from __future__ import annotations

import numpy as np

from playground import Trainer
from conftest import small_experiment


def test_full_speed_ends_with_bitwise_the_weights_of_plain_training(qtbot, worker_factory):
    d = small_experiment()
    d["training"]["epochs"] = 6
    plain = Trainer(d)
    while not plain.finished:
        plain.train_epoch()
    worker = worker_factory(Trainer(d))
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    worker.play()
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].finished, timeout=20000)
    params = worker.submit(lambda t: t.network.params.copy()).result(5)
    assert np.array_equal(params, plain.network.params)
    assert snapshots[-1].epoch == 6


def test_a_burst_ends_after_the_batch_in_which_a_command_came(qtbot, monkeypatch):
    """The worker's loop body, run here on a worker that was not started: with a command
    queued (pause, stop, an edit …) one batch is trained, without one the epoch is finished."""
    import ui.live.training_worker as training_worker
    monkeypatch.setattr(training_worker, "BURST", 60.0)   # only the command ends the burst
    trainer = Trainer(small_experiment())
    assert trainer.batches_per_epoch > 2
    worker = training_worker.TrainingWorker(trainer)
    worker._playing = True
    worker._post(lambda: None)
    worker._train_one_batch()
    assert (trainer.epoch, trainer.batch_in_epoch) == (0, 1)
    worker._drain_commands()
    worker._train_one_batch()
    assert (trainer.epoch, trainer.batch_in_epoch) == (1, 0)
    worker.gui_busy(True)                       # a redraw starts: one batch, then it waits
    worker._train_one_batch()
    assert (trainer.epoch, trainer.batch_in_epoch) == (1, 1)
    worker.gui_busy(False)


def test_between_the_layers_of_a_big_batch_the_gui_goes_first(monkeypatch):
    """A big network's batch asks between its layers whether to stop; while the GUI thread runs
    Python (here: this test's thread, which says where its event loop sleeps) the worker's
    thread first waits up to GUI_FIRST_WAIT; the loop going to sleep ends the wait, and so
    does a stop. On the GUI thread itself the question never waits."""
    import threading
    import time

    import ui.live.training_worker as training_worker
    from ui.live.gui_first import GUI
    from ui.live import gui_first
    monkeypatch.setattr(training_worker, "GUI_FIRST_WAIT", 0.2)
    monkeypatch.setattr(gui_first, "MAX_WINDOW", 0.5)       # longer than a wait, as in use
    worker = training_worker.TrainingWorker(Trainer(small_experiment()))

    def asked(after=None, spin=True, times=1) -> tuple[bool, float]:
        """``_between_layers()`` ``times`` in a row on another thread (the worker's) while this
        one runs Python (``spin``) or waits for it: the last answer and how long it all took."""
        out = []

        def ask():
            start = time.perf_counter()
            for _ in range(times):
                answer = worker._between_layers()
            out.append((answer, time.perf_counter() - start))

        thread = threading.Thread(target=ask)
        start = time.perf_counter()
        thread.start()
        if spin:
            while thread.is_alive():            # Python on the "GUI" thread
                if after is not None and time.perf_counter() - start > 0.05:
                    after()
                    after = None
        thread.join()
        return out[0]

    GUI.forget()
    try:
        answer, took = asked()
        assert answer is False and took < 0.1           # no GUI loop known: no wait
        GUI.sleeps(object())                            # its loop sleeps in another frame
        answer, took = asked()
        assert answer is False and took >= 0.19         # this thread runs Python: it waited
        answer, took = asked(spin=False, times=5)       # blocked outside its loop: the
        assert answer is False and took < 0.3           # first look may wait, no more
        start = time.perf_counter()
        assert worker._between_layers() is False        # asked on the GUI thread: no wait
        assert time.perf_counter() - start < 0.1
        answer, took = asked(after=GUI._asleep.set)     # what the next aboutToBlock sets
        assert took < 0.15                              # the loop sleeps: the wait ends
        worker._stop.set()
        answer, took = asked()
        assert answer is True and took < 0.1            # asked to stop: no wait
    finally:
        GUI.forget()


def test_a_background_job_lets_the_gui_go_first(qtbot):
    """A loss landscape or a learning-rate test asks ``cancelled()`` between its pieces; while
    the GUI thread runs Python the job waits there (the GUI does not share the lock with it)."""
    import time

    from ui.live import background
    from ui.live.background import BackgroundJob
    from ui.live.gui_first import GUI
    pieces, results = [], []

    def job(progress, cancelled):
        for _ in range(1000):                       # ~0.1 s alone: pieces of ~0.1 ms
            pieces.append(time.perf_counter())
            sum(range(2000))
            cancelled()
        return len(pieces)

    thread = BackgroundJob(job)
    thread.succeeded.connect(results.append)
    GUI.sleeps(object())                            # this thread "runs Python" from now on
    try:
        thread.start()                              # (C++, without the lock: not counted)
        start = time.perf_counter()
        while time.perf_counter() < start + 0.3:    # 0.3 s of Python on the GUI thread
            pass
        during = sum(1 for t in pieces if start <= t < start + 0.3)
    finally:
        GUI.forget()
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert thread.wait(5000)
    assert during <= 0.3 / background.MAX_YIELD + 2  # one piece per wait, not 1000
    assert results == [1000]


def test_a_runs_overview_interrupted_by_close_ends_quietly(qtbot, worker_factory, monkeypatch):
    """Found by the monkey (seed 3): close asked to stop while a big network's runs overview
    ran its probe pass; the pass raised Cancelled out of the worker's thread (an exception in
    QThread.run). Now it ends like an interrupted batch: quietly, the thread alive."""
    from playground.errors import Cancelled
    from playground.training.runset import RunSet

    def interrupted(self, **kwargs):
        raise Cancelled("the batch was interrupted (nothing updated)")

    monkeypatch.setattr(RunSet, "overview", interrupted)
    worker = worker_factory(Trainer(small_experiment()))
    snapshots, failures = [], []
    worker.snapshotReady.connect(snapshots.append)
    worker.failed.connect(failures.append)
    worker.step_epoch()
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].epoch == 1, timeout=10000)
    assert worker.submit(lambda t: t.epoch).result(5) == 1      # the thread still answers
    assert failures == []
