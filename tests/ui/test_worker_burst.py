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
    Python (here: this test, on the thread that told the worker where its loop sleeps) the
    worker first waits up to MAX_YIELD, and a stop ends the wait at once."""
    import threading
    import time

    import ui.live.training_worker as training_worker
    monkeypatch.setattr(training_worker, "MAX_YIELD", 0.2)
    worker = training_worker.TrainingWorker(Trainer(small_experiment()))
    start = time.perf_counter()
    assert worker._between_layers() is False            # no GUI loop known: no wait
    assert time.perf_counter() - start < 0.1
    worker.gui_sleeps(object())                         # its loop sleeps in another frame
    start = time.perf_counter()
    assert worker._between_layers() is False
    assert time.perf_counter() - start >= 0.19          # this thread runs Python: it waited
    timer = threading.Timer(0.05, worker._gui_asleep.set)   # what aboutToBlock sets
    timer.start()                                       # the loop goes to sleep again …
    start = time.perf_counter()
    worker._between_layers()
    assert time.perf_counter() - start < 0.15           # … and the wait ends with it
    timer.join()
    worker._stop.set()
    start = time.perf_counter()
    assert worker._between_layers() is True             # asked to stop: no wait
    assert time.perf_counter() - start < 0.1
