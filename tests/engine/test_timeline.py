"""The timeline keeps a bounded, evenly thinned set of epoch checkpoints, and rebuilds the run
as it was at any epoch (compared with the experiment trained alone to that epoch)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import small_experiment
from playground import Trainer
from playground.training.timeline import Timeline


def experiment() -> dict:
    d = small_experiment()
    d["training"].update({"epochs": 100, "shuffle": True})
    return d


def trained(d: dict, epochs: int, timeline: Timeline | None = None) -> Trainer:
    trainer = Trainer(copy.deepcopy(d))
    if timeline is not None:
        timeline.record(trainer)
    for _ in range(epochs):
        trainer.train_epoch()
        if timeline is not None:
            timeline.record(trainer)
    return trainer


def test_every_epoch_is_kept_until_the_store_is_full():
    timeline = Timeline(max_checkpoints=8)
    trained(experiment(), 7, timeline)
    assert timeline.epochs == list(range(8))


def test_a_long_run_keeps_at_most_the_limit_evenly_spaced():
    timeline = Timeline(max_checkpoints=8)
    trained(experiment(), 37, timeline)
    # 0..8 overflowed to every 2nd epoch, 0..16 to every 4th, 0..32 to every 8th
    assert timeline.epochs == [0, 8, 16, 24, 32]
    assert timeline.stride == 8


def test_the_memory_bound_is_the_weights_and_optimizer_buffers_per_checkpoint():
    timeline = Timeline(max_checkpoints=16)
    trainer = trained(experiment(), 40, timeline)
    # 2→6→6→2: (2·6+6) + (6·6+6) + (6·2+2) = 74 float32 numbers; Adam keeps two buffers
    per_checkpoint = 3 * 74 * 4
    assert timeline.bound_bytes(trainer) == 17 * per_checkpoint
    assert timeline.nbytes == len(timeline) * per_checkpoint
    assert timeline.nbytes <= timeline.bound_bytes(trainer)


def test_the_run_at_an_epoch_between_checkpoints_is_replayed_exactly():
    d = experiment()
    timeline = Timeline(max_checkpoints=4)
    run = trained(d, 20, timeline)
    assert 13 not in timeline.epochs
    past = timeline.trainer_at(13, run.dataset, run.history)
    reference = trained(d, 13)
    assert past.epoch == 13
    assert past.network.params.tobytes() == reference.network.params.tobytes()
    assert np.array_equal(past.history.column("train_loss"),
                          reference.history.column("train_loss"))
    assert run.epoch == 20          # looking back leaves the run as it is


def test_after_a_setting_changed_the_run_is_shown_at_the_checkpoint_before():
    timeline = Timeline(max_checkpoints=4)
    run = trained(experiment(), 9, timeline)           # kept: 0 4 8
    run.update("training.optimizer.learning_rate", 0.5)
    for _ in range(3):
        run.train_epoch()
        timeline.record(run)
    past = timeline.trainer_at(11, run.dataset, run.history)
    assert timeline.epochs == [0, 4, 8, 12]
    assert past.epoch == 8          # replaying 9..11 with the old rate would be wrong
    assert past.learning_rate == pytest.approx(0.01)


def test_asking_before_the_first_checkpoint_says_where_the_timeline_starts():
    timeline = Timeline()
    run = Trainer(experiment())
    run.train_epoch()
    timeline.record(run)
    with pytest.raises(ValueError, match="starts at epoch 1"):
        timeline.at(0)


def test_a_runs_snapshot_at_a_past_epoch_shows_that_epochs_weights_and_losses():
    from playground import Experiment
    from playground.training.runset import RunSet

    d = experiment()
    runs = RunSet.sweep(Experiment.from_dict(d), {})
    for _ in range(6):
        runs[0].train_epoch()
    past = runs[0].snapshot_at(4)
    reference = trained(d, 4).snapshot()
    assert past.epoch == 4 and runs[0].trainer.epoch == 6
    assert past.train_loss == reference.train_loss
    assert np.array_equal(past.surface.values, reference.surface.values)


def test_a_byte_budget_lowers_the_number_of_checkpoints_for_a_big_network():
    per_checkpoint = 3 * 74 * 4                       # as above: weights and Adam's buffers
    timeline = Timeline(max_checkpoints=128, max_bytes=10 * per_checkpoint)
    trainer = trained(experiment(), 30, timeline)
    assert timeline.max_checkpoints == 9
    assert timeline.bound_bytes(trainer) <= 10 * per_checkpoint
    assert len(timeline) <= 9 and timeline.nbytes <= 10 * per_checkpoint


def test_a_past_epoch_and_a_fork_carry_the_live_runs_data_view_not_a_copy():
    """The window redraws its data scatter plots when a snapshot's ``data`` is another object
    (10-60 ms on the GUI thread): a timeline scrub, and the live snapshot after it, must not
    look like new data."""
    from playground import Experiment
    from playground.training.runset import RunSet
    from playground.training.trainer_state import clone

    runs = RunSet.sweep(Experiment.from_dict(experiment()), {})
    for _ in range(3):
        runs[0].train_epoch()
    live = runs[0].trainer.snapshot().data
    assert runs[0].snapshot_at(1).data is live
    assert runs[0].snapshot_at(3).data is live           # the present, rebuilt as a clone
    assert clone(runs[0].trainer).snapshot().data is live
    other = Trainer(experiment())                          # new data of equal content: a new view
    assert other.snapshot().data is not live
    np.testing.assert_array_equal(other.snapshot().data.raw_train, live.raw_train)
