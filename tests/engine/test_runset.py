"""Run sets: each run of a sweep or a fork trains exactly as it would alone.

References are trainers built from plain dicts and trained on their own (or resumed from a
saved .bpp file for forks), never the run set's own objects read back."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from conftest import small_experiment
from playground import Experiment, ExperimentError, Trainer
from playground.training.runset import (RunSet, describe_settings, parse_vary, short_key)

LR = "training.optimizer.learning_rate"
LEARNING_RATES = [0.003, 0.03, 0.3]


def noisy_experiment(**training) -> dict:
    """Shuffling and dropout use the training stream, so sharing it would show."""
    d = small_experiment()
    d["network"]["layers"][0]["dropout"] = 0.2
    d["training"].update({"epochs": 30, "shuffle": True, **training})
    return d


def alone(d: dict, epochs: int) -> Trainer:
    trainer = Trainer(copy.deepcopy(d))
    for _ in range(epochs):
        trainer.train_epoch()
    return trainer


def with_lr(d: dict, lr: float) -> dict:
    d = copy.deepcopy(d)
    d["training"]["optimizer"]["learning_rate"] = lr
    return d


def test_each_run_of_a_learning_rate_sweep_ends_with_the_weights_it_has_alone():
    base = noisy_experiment()
    runs = RunSet.sweep(Experiment.from_dict(base), {LR: LEARNING_RATES})
    runs.train(epochs=7)
    assert len(runs) == 3
    for run, lr in zip(runs, LEARNING_RATES):
        reference = alone(with_lr(base, lr), 7)
        assert run.settings == {LR: lr}
        assert run.trainer.network.params.tobytes() == reference.network.params.tobytes()
        assert np.array_equal(run.trainer.history.column("train_loss"),
                              reference.history.column("train_loss"))


def test_the_number_and_order_of_runs_does_not_change_any_run():
    base = Experiment.from_dict(noisy_experiment())
    three = RunSet.sweep(base, {LR: LEARNING_RATES})
    one = RunSet.sweep(base, {LR: LEARNING_RATES[1:2]})
    reverse = RunSet.sweep(base, {LR: LEARNING_RATES[::-1]})
    for runs in (three, one, reverse):
        runs.train(epochs=5)
    middle = three[1].trainer.network.params.tobytes()
    assert one[0].trainer.network.params.tobytes() == middle
    assert reverse[1].trainer.network.params.tobytes() == middle
    assert reverse[0].trainer.network.params.tobytes() == \
        three[2].trainer.network.params.tobytes()


def test_runs_trained_batch_by_batch_in_turn_match_runs_trained_alone():
    base = noisy_experiment()
    runs = RunSet.sweep(Experiment.from_dict(base), {"training.batch_size": [7, 30]})
    for _ in range(40):                     # interleave single batches of the two runs
        for run in runs:
            run.train_batch()
    for run, size in zip(runs, [7, 30]):
        d = copy.deepcopy(base)
        d["training"]["batch_size"] = size
        reference = Trainer(d)
        for _ in range(40):
            reference.train_batch()
        assert run.trainer.network.params.tobytes() == reference.network.params.tobytes()


def test_a_sweep_over_two_keys_makes_one_run_per_combination():
    base = Experiment.from_dict(small_experiment())
    runs = RunSet.sweep(base, {LR: [0.01, 0.1], "network.layers[0].units": [3, 5, 7]})
    assert [run.settings for run in runs][:4] == [
        {LR: 0.01, "network.layers[0].units": 3}, {LR: 0.01, "network.layers[0].units": 5},
        {LR: 0.01, "network.layers[0].units": 7}, {LR: 0.1, "network.layers[0].units": 3}]
    assert len(runs) == 6
    assert [run.trainer.network.sizes[1] for run in runs] == [3, 5, 7] * 2
    assert sorted(runs.differing()) == ["network.layers[0].units", LR]


def test_a_seed_sweep_gives_each_run_the_data_and_weights_of_its_seed():
    base = small_experiment()
    runs = RunSet.sweep(Experiment.from_dict(base), {"seed": [1, 2]})
    runs.train(epochs=3)
    for run, seed in zip(runs, [1, 2]):
        reference = alone({**base, "seed": seed}, 3)
        assert np.array_equal(run.trainer.dataset.X_train, reference.dataset.X_train)
        assert run.trainer.network.params.tobytes() == reference.network.params.tobytes()
    assert not np.array_equal(runs[0].trainer.dataset.X_train, runs[1].trainer.dataset.X_train)


def test_a_bad_key_or_value_in_a_sweep_names_the_key_path():
    base = Experiment.from_dict(small_experiment())
    with pytest.raises(ExperimentError, match=r"training\.optimizer\.learning_rte"):
        RunSet.sweep(base, {"training.optimizer.learning_rte": [0.1]})
    with pytest.raises(ExperimentError, match=r"network\.layers\[0\]\.units"):
        RunSet.sweep(base, {"network.layers[0].units": [4, "eight"]})
    with pytest.raises(ExperimentError, match=r"network\.layers\[9\]"):
        RunSet.sweep(base, {"network.layers[9].units": [4]})


def test_a_fork_trains_as_the_saved_run_resumed_with_the_changed_setting(tmp_path):
    base = noisy_experiment(early_stopping={"enabled": True, "patience": 50})
    runs = RunSet.sweep(Experiment.from_dict(base), {LR: [0.01]})
    runs.train(epochs=6)
    runs[0].trainer.save(tmp_path / "at6.bpp")
    fork = runs.fork(0, {LR: 0.1})
    runs.train(epochs=5)

    reference = Trainer.load(tmp_path / "at6.bpp")
    reference.update(LR, 0.1)
    for _ in range(5):
        reference.train_epoch()
    assert fork.trainer.epoch == 11
    assert fork.trainer.network.params.tobytes() == reference.network.params.tobytes()
    assert np.array_equal(fork.trainer.history.column("val_loss"),
                          reference.history.column("val_loss"))
    assert fork.trainer.best_epoch == reference.best_epoch
    # the original goes on as if nothing had been forked from it
    assert runs[0].trainer.network.params.tobytes() == \
        alone(with_lr(base, 0.01), 11).network.params.tobytes()


def test_a_fork_in_the_middle_of_an_epoch_continues_that_epoch_exactly(tmp_path):
    base = noisy_experiment()
    runs = RunSet.sweep(Experiment.from_dict(base), {})
    runs.train(epochs=2)
    for _ in range(3):
        runs[0].train_batch()
    runs[0].trainer.save(tmp_path / "mid.bpp")
    fork = runs.fork(0, {"network.layers[0].dropout": 0.0})
    fork.train_epoch()
    fork.train_epoch()
    reference = Trainer.load(tmp_path / "mid.bpp")
    reference.update("network.layers[0].dropout", 0.0)
    reference.train_epoch()
    reference.train_epoch()
    assert fork.trainer.network.params.tobytes() == reference.network.params.tobytes()


def test_a_fork_from_a_timeline_checkpoint_trains_as_the_run_did_from_there():
    base = noisy_experiment()
    runs = RunSet.sweep(Experiment.from_dict(base), {LR: [0.02]})
    runs.train(epochs=8)
    fork = runs.fork(0, {LR: 0.2}, epoch=3)
    assert fork.trainer.epoch == 3 and len(fork.trainer.history) == 3
    for _ in range(4):
        fork.train_epoch()
    reference = alone(with_lr(base, 0.02), 3)
    reference.update(LR, 0.2)
    for _ in range(4):
        reference.train_epoch()
    assert fork.trainer.network.params.tobytes() == reference.network.params.tobytes()
    assert fork.origin == "fork of run 1 at epoch 3"


def test_a_fork_cannot_change_the_architecture_or_the_seed():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {})
    for key, value in (("network.layers[0].units", 9), ("seed", 4),
                       ("training.optimizer.name", "sgd")):
        with pytest.raises(ExperimentError, match="cannot change in a fork") as info:
            runs.fork(0, {key: value})
        assert info.value.path == key
    with pytest.raises(ExperimentError, match=r"training\.l2"):
        runs.fork(0, {"training.l2": -1})
    assert len(runs) == 1


def test_removing_runs_keeps_the_current_run_pointing_at_a_run():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {LR: LEARNING_RATES})
    runs.current = 2
    runs.remove(0)
    assert runs.current == 1 and runs[runs.current].settings == {LR: 0.3}
    runs.remove(1)
    assert runs.current == 0 and len(runs) == 1


def test_difference_names_what_another_run_changed():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()),
                        {"training.batch_size": [10, 20]})
    assert runs.difference(1) == {"training.batch_size": 20}
    assert runs.difference(0, reference=1) == {"training.batch_size": 10}
    assert runs.difference(0) == {}


def test_vary_arguments_are_read_as_json_or_text():
    assert parse_vary("training.optimizer.learning_rate=0.01, 0.1") == (LR, [0.01, 0.1])
    assert parse_vary("training.optimizer.name=adam,sgd") == ("training.optimizer.name",
                                                              ["adam", "sgd"])
    assert parse_vary("training.clip_norm=null,1") == ("training.clip_norm", [None, 1])
    for bad in ("training.batch_size", "=1,2", "training.batch_size="):
        with pytest.raises(ExperimentError, match="KEY=V1,V2"):
            parse_vary(bad)


def test_labels_use_the_end_of_the_key_path():
    assert short_key(LR) == "learning_rate"
    assert short_key("network.layers[0].units") == "layers[0].units"
    assert short_key("seed") == "seed"
    assert describe_settings({LR: 0.1, "training.optimizer.name": "adam"}) == \
        'learning_rate=0.1, name="adam"'


def test_an_optimizer_sweep_gives_each_run_that_optimizer_with_the_same_learning_rate():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()),
                        {"training.optimizer.name": ["sgd", "rmsprop"]})
    assert [run.trainer.optimizer.name for run in runs] == ["sgd", "rmsprop"]
    assert [run.trainer.learning_rate for run in runs] == [0.01, 0.01]
    with pytest.raises(ExperimentError, match=r"training\.optimizer\.name.*adagrad"):
        RunSet.sweep(Experiment.from_dict(small_experiment()),
                     {"training.optimizer.name": ["adagard"]})


def test_a_pinned_run_is_a_frozen_copy_and_the_current_run_goes_on():
    runs = RunSet.sweep(Experiment.from_dict(noisy_experiment()), {})
    runs.train(epochs=3)
    pinned = runs.pin()
    runs.train(epochs=2)
    assert pinned.pinned and pinned.trainer.epoch == 3 and runs[0].trainer.epoch == 5
    assert pinned.origin == "pinned at epoch 3"
    assert np.array_equal(pinned.trainer.history.column("train_loss"),
                          runs[0].trainer.history.column("train_loss")[:3])


def test_the_overview_labels_each_run_by_what_differs_from_the_current_one():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {LR: [0.01, 0.1]})
    runs.train(epochs=2)
    runs.pin()
    views = runs.overview()
    assert [v.label for v in views] == ["current", "learning_rate=0.1",
                                        "same settings (pinned at epoch 2)"]
    assert [v.number for v in views] == [1, 2, 3]
    assert [v.epoch for v in views] == [2, 2, 2]
    assert list(views[1].history["epoch"]) == [1.0, 2.0]
    runs.current = 1
    assert runs.overview()[0].label == "learning_rate=0.01"


def test_replacing_the_current_run_keeps_its_number_and_the_other_runs():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {LR: [0.01, 0.1]})
    runs.remove(0)
    runs.add(Trainer(small_experiment()))
    fresh = Trainer(small_experiment(seed=5))
    runs.replace_current(fresh)
    assert [r.number for r in runs] == [2, 3]
    assert runs[0].trainer is fresh and runs[1].settings == {}


def test_a_new_sweep_keeps_the_pinned_runs_and_replaces_the_others():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {})
    runs.train(epochs=1)
    runs.pin()
    base = runs[0].trainer.experiment
    made = runs.start_sweep(base, {"training.batch_size": [5, 20]})
    assert [r.pinned for r in runs] == [True, False, False]
    assert runs.current == 1 and runs[1] is made[0]
    assert [r.trainer.epoch for r in runs] == [1, 0, 0]
    with pytest.raises(ExperimentError, match="training.batch_size"):
        runs.start_sweep(base, {"training.batch_size": [0]})
    assert len(runs) == 3


def test_the_overview_carries_each_visible_runs_decision_surface_when_asked():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {LR: [0.01, 0.1]})
    runs.train(epochs=2)
    runs[1].visible = False
    plain, with_surfaces = runs.overview(), runs.overview(surfaces=True)
    assert plain[0].surface is None
    assert with_surfaces[1].surface is None
    grid = with_surfaces[0].surface
    xs, ys = np.meshgrid(grid.xs, grid.ys)
    raw = np.column_stack([xs.ravel(), ys.ravel()])
    trainer = runs[0].trainer
    probability = trainer.predict(trainer.dataset.transform(raw))[:, 1]
    assert np.allclose(grid.values.ravel(), probability)


def test_the_overview_carries_each_visible_runs_error_signal_as_its_snapshot_reports_it():
    d = small_experiment()
    runs = RunSet.sweep(Experiment.from_dict(d), {LR: [0.01, 0.1]})
    runs.train(epochs=2)
    runs[0].visible = False
    assert all(view.error_signals == () for view in runs.overview())
    hidden, shown = runs.overview(error_signals=True)
    assert hidden.error_signals == ()
    reference = alone(with_lr(d, 0.1), 2).snapshot().layers
    assert len(reference) == 3
    assert shown.error_signals == tuple(layer.error_signal_norm for layer in reference)
    assert len(set(shown.error_signals)) == 3            # one value per layer, not a copy


def test_the_overview_takes_the_current_runs_surface_as_given():
    runs = RunSet.sweep(Experiment.from_dict(small_experiment()), {LR: [0.01, 0.1]})
    runs.train(epochs=1)
    given = runs[runs.current].trainer.snapshot().surface
    views = runs.overview(surfaces=True, current_surface=given)
    assert views[runs.current].surface is given
    other = views[1 - runs.current].surface              # the other run's: computed
    assert other is not None and not np.array_equal(other.values, given.values)
