"""The live-vs-rebuild rule: which edits a running trainer takes, and that Trainer.update
follows the same rule the window asks."""

from __future__ import annotations

import numpy as np
import pytest

from playground import Experiment, Trainer
from playground.training.live import live_changes, rebuild_reason


@pytest.fixture
def exp(small_dict):
    return Experiment.from_dict(small_dict)


def test_live_settings_are_listed_as_the_keys_to_apply(exp):
    lr = exp.replace("training.optimizer.learning_rate", 0.5)
    assert live_changes(exp, lr) == [("training.optimizer", lr.get("training.optimizer"))]
    layers = exp.get("network.layers")
    layers[0]["dropout"] = 0.5
    assert live_changes(exp, exp.replace("network.layers", layers)) == [
        ("network.layers", layers)]
    assert live_changes(exp, exp.replace("training.epochs", 9)) == [("training.epochs", 9)]
    assert live_changes(exp, exp) == []
    assert live_changes(exp, exp.replace("name", "renamed")) == []


@pytest.mark.parametrize("key, value, words", [
    ("network.layers[0].units", 3, "architecture"),
    ("seed", 5, "seed"),
    ("training.dtype", "float64", "training.dtype"),
    ("training.optimizer", {"name": "sgd"}, "optimizer"),
    ("data.noise", 0.3, "data"),
])
def test_other_settings_need_a_new_trainer_and_say_why(exp, key, value, words):
    new = exp.replace(key, value)
    assert live_changes(exp, new) is None
    assert words in rebuild_reason(exp, new) and "start a new run" in rebuild_reason(exp, new)


@pytest.mark.parametrize("key, value", [
    ("network.layers[0].units", 3), ("seed", 5), ("training.dtype", "float64"),
    ("training.optimizer", {"name": "sgd"}), ("data.noise", 0.3)])
def test_update_refuses_exactly_what_the_rule_refuses(exp, key, value):
    trainer = Trainer(exp)
    with pytest.raises(ValueError, match="start a new run"):
        trainer.update(key, value)
    assert trainer.experiment == exp
    assert trainer.live_changes(exp.replace(key, value)) is None


def test_applying_the_listed_changes_trains_like_a_trainer_built_with_them(exp):
    edited = exp.replace("training.optimizer.learning_rate", 0.05).replace(
        "training.l2", 0.001)
    live = Trainer(exp)
    for key, value in live.live_changes(edited):
        live.update(key, value)
    fresh = Trainer(edited)
    live.train_epoch()
    fresh.train_epoch()
    assert live.experiment == edited
    np.testing.assert_array_equal(live.network.params, fresh.network.params)


# A live optimizer change that adds or drops a state buffer mid-epoch (momentum turned on,
# RMSprop centred, AMSGrad) met a start-of-epoch checkpoint taken under the old settings:
# every state_dict of the rest of that epoch then failed to load ("the checkpoint's optimizer
# state has [], expected ['momentum_buffer']"), so a run saved then was lost, and a phase
# stepper dropped then (its trainer put back as before) raised on the training thread.
BUFFER_CHANGES = [
    ({"name": "sgd", "learning_rate": 0.05, "momentum": 0.0}, "momentum", 0.9),
    ({"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}, "momentum", 0.0),
    ({"name": "rmsprop", "learning_rate": 0.01}, "centered", True),
    ({"name": "rmsprop", "learning_rate": 0.01}, "momentum", 0.5),
    ({"name": "adam", "learning_rate": 0.01}, "amsgrad", True),
]


def _mid_epoch_change(small_dict, optimizer, key, value) -> Trainer:
    small_dict["training"]["optimizer"] = optimizer
    trainer = Trainer(Experiment.from_dict(small_dict))
    trainer.train_epoch()
    trainer.train_batch()                   # mid-epoch: the checkpoint is this epoch's start
    trainer.update(f"training.optimizer.{key}", value)
    trainer.train_batch()
    assert 0 < trainer.batch_in_epoch
    return trainer


@pytest.mark.parametrize("optimizer, key, value", BUFFER_CHANGES)
def test_a_run_saved_after_a_mid_epoch_optimizer_change_resumes_exactly(
        small_dict, optimizer, key, value):
    trainer = _mid_epoch_change(small_dict, optimizer, key, value)
    resumed = Trainer(trainer.experiment)
    resumed.load_state_dict(trainer.state_dict())
    for t in (trainer, resumed):
        t.train_epoch()
        t.train_epoch()
    np.testing.assert_array_equal(resumed.network.params, trainer.network.params)
    assert resumed.history.to_csv() == trainer.history.to_csv()


@pytest.mark.parametrize("optimizer, key, value", BUFFER_CHANGES)
def test_a_phase_stepper_dropped_after_a_mid_epoch_optimizer_change_undoes_its_iteration(
        small_dict, optimizer, key, value):
    trainer = _mid_epoch_change(small_dict, optimizer, key, value)
    params, position = trainer.network.params.copy(), (trainer.epoch, trainer.batch_in_epoch)
    steps = trainer.phases()
    next(steps)
    next(steps)
    steps.close()                           # raised StateError here
    np.testing.assert_array_equal(trainer.network.params, params)
    assert (trainer.epoch, trainer.batch_in_epoch) == position
    assert not trainer.stepping


def test_a_run_saved_with_the_old_unconformed_checkpoint_still_loads(small_dict):
    trainer = _mid_epoch_change(small_dict, {"name": "sgd", "learning_rate": 0.05,
                                             "momentum": 0.0}, "momentum", 0.9)
    sd = trainer.state_dict()
    del sd["arrays"]["checkpoint_optimizer.momentum_buffer"]    # as such runs were written
    resumed = Trainer(trainer.experiment)
    resumed.load_state_dict(sd)
    trainer.train_epoch()
    resumed.train_epoch()
    np.testing.assert_array_equal(resumed.network.params, trainer.network.params)
