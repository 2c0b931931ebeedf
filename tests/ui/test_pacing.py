"""A speed you can watch: paced training only changes when steps happen, never the numbers."""

from __future__ import annotations

import numpy as np
import pytest

from playground import Trainer
from conftest import small_experiment


def tiny(epochs: int) -> dict:
    d = small_experiment()
    d["data"]["samples"] = 60
    d["training"]["epochs"] = epochs
    return d


def full_speed_weights(epochs: int) -> np.ndarray:
    trainer = Trainer(tiny(epochs))
    while not trainer.finished:
        trainer.train_epoch()
    return trainer.network.params.copy()


@pytest.mark.parametrize("pace", [("epochs", 100.0), ("batches", 400.0)])
def test_paced_training_ends_with_bitwise_the_weights_of_full_speed(qtbot, worker_factory,
                                                                    pace):
    epochs = 4
    trainer = Trainer(tiny(epochs))
    worker = worker_factory(trainer)
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    worker.set_pace(*pace)
    worker.play()
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].finished, timeout=20000)
    final = worker.submit(lambda t: t.network.params.copy()).result(5)
    assert np.array_equal(final, full_speed_weights(epochs))
    epochs_seen = sorted({s.epoch for s in snapshots})
    assert epochs_seen == list(range(epochs + 1))          # every paced epoch was shown
    if pace[0] == "batches":                                 # slow motion: every batch too
        batches = trainer.batches_per_epoch
        assert len({(s.epoch, s.batch_in_epoch) for s in snapshots}) >= epochs * batches


def test_a_slow_pace_waits_and_pause_still_acts_at_once(qtbot, worker_factory):
    trainer = Trainer(tiny(1000))
    worker = worker_factory(trainer)
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    worker.set_pace("epochs", 1.0)
    worker.play()
    qtbot.waitUntil(lambda: any(s.epoch >= 1 for s in snapshots), timeout=5000)
    worker.pause()                                   # inside a one-second wait
    qtbot.waitUntil(lambda: not worker.playing, timeout=500)
    epoch = worker.submit(lambda t: t.epoch).result(5)
    assert epoch <= 2                                # paced: not hundreds of epochs


def test_a_bad_pace_is_refused(worker_factory):
    worker = worker_factory(Trainer(tiny(1)))
    with pytest.raises(ValueError):
        worker.set_pace("epochs", 0.0)
    with pytest.raises(ValueError):
        worker.set_pace("minutes", 1.0)
