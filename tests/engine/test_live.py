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
