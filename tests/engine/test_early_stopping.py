"""Early stopping: Keras ``EarlyStopping`` semantics, traced by hand and through a real run.

Reference: Keras 3, ``keras/src/callbacks/early_stopping.py`` — ``on_epoch_end`` increments
``wait`` before comparing, an improvement is ``monitor_op(current - min_delta, best)`` with
``min_delta`` negated for "min", training never stops at epoch 0, and ``on_train_end``
restores the best weights whenever ``restore_best_weights`` is set (also when training ran
to the end of its budget). Our epochs count from 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from playground import Trainer
from playground.training.early_stopping import EARLY_STOPPING_DEFAULTS, EarlyStopping


def make(**kw) -> EarlyStopping:
    return EarlyStopping.from_config({**EARLY_STOPPING_DEFAULTS, "enabled": True, **kw})


def feed(es: EarlyStopping, values, key="val_loss", start=1):
    """Run ``values`` through ``on_epoch_end``; return [(stop, wait, best, best_epoch)]."""
    out = []
    for epoch, value in enumerate(values, start=start):
        params = np.full(3, float(epoch), np.float32)       # "the weights of epoch k" = k
        stop = es.on_epoch_end(epoch, {key: value}, params)
        out.append((stop, es.wait, es.best, es.best_epoch))
        if stop:
            break
    return out


# -- hand-traced sequences ---------------------------------------------------------------
def test_patience_counts_epochs_without_improvement():
    es = make(patience=2)
    trace = feed(es, [1.0, 0.9, 0.95, 0.92, 0.85])
    assert trace == [
        (False, 0, 1.0, 1),   # first monitored epoch is always the best
        (False, 0, 0.9, 2),   # improvement resets wait
        (False, 1, 0.9, 2),   # worse: wait 1 < 2
        (True, 2, 0.9, 2),    # worse again: wait 2 >= patience -> stop (0.85 never seen)
    ]
    assert es.stopped_epoch == 4
    np.testing.assert_array_equal(es.best_weights, np.full(3, 2.0, np.float32))


def test_wait_is_incremented_before_the_comparison():
    """Keras increments ``wait`` and then resets it on improvement, so an improving epoch
    leaves wait at 0, and a run stops after exactly ``patience`` non-improving epochs."""
    es = make(patience=3)
    trace = feed(es, [5.0, 6.0, 7.0, 4.0, 4.5, 4.5, 4.5, 1.0])
    waits = [w for _, w, _, _ in trace]
    assert waits == [0, 1, 2, 0, 1, 2, 3]
    assert [s for s, *_ in trace] == [False] * 6 + [True]
    assert es.best == 4.0 and es.best_epoch == 4 and es.stopped_epoch == 7


def test_patience_zero_stops_at_the_first_non_improvement():
    es = make(patience=0)
    assert feed(es, [1.0, 0.5, 0.25, 0.3]) == [
        (False, 0, 1.0, 1), (False, 0, 0.5, 2), (False, 0, 0.25, 3), (True, 1, 0.25, 3)]


def test_never_stops_at_the_first_epoch():
    # a best carried over (e.g. from a loaded run) makes epoch 1 non-improving; Keras's
    # `epoch > 0` guard still lets it pass
    es = make(patience=0)
    es.best = 0.1
    assert es.on_epoch_end(1, {"val_loss": 0.5}, np.zeros(2)) is False
    assert es.wait == 1
    assert es.on_epoch_end(2, {"val_loss": 0.5}, np.zeros(2)) is True
    assert es.stopped_epoch == 2


def test_min_delta_is_strict():
    # an improvement must beat best by MORE than min_delta (exactly binary numbers)
    es = make(patience=1, min_delta=0.25)
    assert feed(es, [1.0, 0.75]) == [(False, 0, 1.0, 1), (True, 1, 1.0, 1)]
    es = make(patience=1, min_delta=0.25)
    assert feed(es, [1.0, 0.5, 0.375]) == [(False, 0, 1.0, 1), (False, 0, 0.5, 2),
                                           (True, 1, 0.5, 2)]
    es = make(patience=1, min_delta=0.0)
    assert feed(es, [1.0, 1.0]) == [(False, 0, 1.0, 1), (True, 1, 1.0, 1)]   # equal: no


def test_accuracy_is_maximized_in_auto_mode():
    es = make(monitor="val_accuracy", patience=2)
    assert es.maximize
    trace = feed(es, [0.5, 0.625, 0.625, 0.5], key="val_accuracy")
    assert trace == [(False, 0, 0.5, 1), (False, 0, 0.625, 2), (False, 1, 0.625, 2),
                     (True, 2, 0.625, 2)]


def test_accuracy_min_delta_in_max_mode():
    es = make(monitor="train_accuracy", patience=1, min_delta=0.125)
    trace = feed(es, [0.5, 0.625, 0.875], key="train_accuracy")
    assert trace == [(False, 0, 0.5, 1), (True, 1, 0.5, 1)]   # +0.125 is not > 0.125


def test_explicit_mode_overrides_the_name():
    es = make(monitor="val_accuracy", mode="min", patience=1)
    assert not es.maximize
    assert feed(es, [0.5, 0.25, 0.75], key="val_accuracy")[-1] == (True, 1, 0.25, 2)
    es = make(monitor="val_loss", mode="max", patience=1)
    assert feed(es, [0.5, 0.75, 0.5])[-1] == (True, 1, 0.75, 2)


def test_start_from_epoch_is_a_warm_up():
    es = make(patience=1, start_from_epoch=2)
    trace = feed(es, [0.1, 9.0, 5.0, 6.0])
    # epochs 1 and 2 are ignored entirely (even the excellent 0.1)
    assert trace[:2] == [(False, 0, None, 0), (False, 0, None, 0)]
    assert trace[2:] == [(False, 0, 5.0, 3), (True, 1, 5.0, 3)]
    np.testing.assert_array_equal(es.best_weights, np.full(3, 3.0, np.float32))


def test_best_epoch_is_one_based_and_weights_are_copies():
    es = make(patience=5)
    params = np.array([1.0, 2.0], np.float32)
    es.on_epoch_end(1, {"val_loss": 0.5}, params)
    params += 10                                  # training goes on in place
    es.on_epoch_end(2, {"val_loss": 0.7}, params)
    assert es.best_epoch == 1
    np.testing.assert_array_equal(es.best_weights, [1.0, 2.0])
    assert es.best_weights is not params


def test_without_restore_no_weights_are_kept():
    es = make(patience=1, restore_best_weights=False)
    feed(es, [1.0, 2.0])
    assert es.best_weights is None and es.best_epoch == 1


def test_falls_back_to_train_loss_without_validation():
    es = make(monitor="val_loss", patience=1)
    assert es.on_epoch_end(1, {"train_loss": 1.0, "train_accuracy": 0.5}, np.zeros(1)) is False
    assert es.monitored == "train_loss" and es.best == 1.0
    assert es.on_epoch_end(2, {"train_loss": 1.5}, np.zeros(1)) is True
    # a real val_loss takes precedence over the fallback
    es = make(monitor="val_loss")
    es.on_epoch_end(1, {"train_loss": 1.0, "val_loss": 3.0}, np.zeros(1))
    assert es.best == 3.0 and es.monitored == "val_loss"


def test_missing_or_non_finite_values_are_ignored():
    es = make(monitor="val_accuracy", patience=0)
    # regression logs have no accuracy at all: nothing to watch, never stops
    for epoch in range(1, 5):
        assert es.on_epoch_end(epoch, {"train_loss": 1.0, "train_r2": 0.5}, np.zeros(1)) is False
    assert es.best is None and es.wait == 0
    es = make(patience=0)
    es.on_epoch_end(1, {"val_loss": 1.0}, np.zeros(1))
    assert es.on_epoch_end(2, {"val_loss": float("nan")}, np.zeros(1)) is False
    assert es.best == 1.0 and es.wait == 0


def test_disabled_never_stops():
    es = EarlyStopping.from_config({"enabled": False, "patience": 0})
    assert not any(es.on_epoch_end(e, {"val_loss": float(e)}, np.zeros(1))
                   for e in range(1, 10))
    assert es.best is None


def test_configure_keeps_the_best_unless_the_monitor_changes():
    es = make(patience=5)
    feed(es, [1.0, 2.0])
    es.configure({**EARLY_STOPPING_DEFAULTS, "enabled": True, "patience": 1})
    assert es.best == 1.0 and es.wait == 1 and es.patience == 1
    assert es.on_epoch_end(3, {"val_loss": 2.0}, np.zeros(3)) is True
    es.configure({**EARLY_STOPPING_DEFAULTS, "enabled": True, "monitor": "val_accuracy"})
    assert es.best is None and es.wait == 0


def test_state_round_trip_and_bad_state():
    es = make(patience=4)
    feed(es, [1.0, 0.5, 0.75])
    other = make(patience=4)
    other.load_state(es.state(), es.best_weights)
    assert other.state() == es.state()
    np.testing.assert_array_equal(other.best_weights, es.best_weights)
    for bad in ([1], {"best": "low"}, {"wait": -1}, {"best_epoch": 1.5}, {"wait": True}):
        with pytest.raises(ValueError):
            other.load_state(bad, None)
    assert other.state() == es.state()          # a refused state changes nothing


# -- through a real Trainer ---------------------------------------------------------------
def overfitting(**es) -> dict:
    """60 noisy moons, a 64x64 ReLU network, Adam 0.01: overfits within a few epochs."""
    return {
        "seed": 0,
        "data": {"source": "moons", "samples": 60, "noise": 0.3, "validation_split": 0.3},
        "network": {"layers": [{"units": 64, "activation": "relu", "init": "he_uniform"},
                               {"units": 64, "activation": "relu", "init": "he_uniform"},
                               {"units": 2, "activation": "softmax"}],
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 8,
                     "epochs": 200,
                     "early_stopping": {"enabled": True, "patience": 3, **es}},
    }


def train_recording(trainer: Trainer) -> list[np.ndarray]:
    """Train to the end, epoch by epoch; the parameters after each epoch (the last entry is
    after the final restore, if any)."""
    recorded = []
    while not trainer.finished:
        epoch = trainer.epoch
        trainer.train_epoch()
        assert trainer.epoch == epoch + 1
        recorded.append(trainer.network.params.copy())
    return recorded


def params_per_epoch(experiment: dict, epochs: int) -> list[np.ndarray]:
    """The weights after each epoch of a run without early stopping."""
    d = {**experiment, "training": {**experiment["training"], "epochs": epochs,
                                    "early_stopping": {"enabled": False}}}
    trainer = Trainer(d)
    out = []
    for _ in range(epochs):
        trainer.train_epoch()
        out.append(trainer.network.params.copy())
    return out


def test_trainer_stops_early_and_restores_the_best_weights():
    exp = overfitting()
    trainer = Trainer(exp)
    recorded = train_recording(trainer)
    val = trainer.history.column("val_loss")
    best = int(np.argmin(val)) + 1
    assert trainer.stopped_early and trainer.finished and not trainer.diverged
    assert trainer.epoch < 200
    assert trainer.best_epoch == best
    assert trainer.epoch - best == 3                        # exactly `patience` epochs later
    assert np.all(val[best:] >= val[best - 1])
    assert trainer.stop_reason.startswith("early stopping: val_loss did not improve for 3")
    assert f"restored the weights of epoch {best}" in trainer.stop_reason
    # the weights are bitwise those recorded after the best epoch …
    assert np.array_equal(trainer.network.params, recorded[best - 1])
    # … and those of the same run without early stopping, which went on changing them
    reference = params_per_epoch(exp, trainer.epoch)
    assert np.array_equal(trainer.network.params, reference[best - 1])
    assert not np.array_equal(trainer.network.params, reference[-1])
    snap = trainer.snapshot(detail=False)
    assert snap.stopped_early and snap.best_epoch == best and snap.finished


def test_without_restore_the_last_weights_stay():
    exp = overfitting(restore_best_weights=False)
    trainer = Trainer(exp)
    train_recording(trainer)
    assert trainer.stopped_early and "restored" not in trainer.stop_reason
    reference = params_per_epoch(exp, trainer.epoch)
    assert np.array_equal(trainer.network.params, reference[-1])


def test_best_weights_are_restored_at_the_end_of_the_budget_too():
    """Keras 3's on_train_end restores the best weights even without an early stop."""
    exp = overfitting(patience=1000)
    exp["training"]["epochs"] = 8
    trainer = Trainer(exp)
    train_recording(trainer)
    assert not trainer.stopped_early and trainer.epoch == 8
    best = int(np.argmin(trainer.history.column("val_loss"))) + 1
    assert best < 8                                          # the check is meaningful
    assert trainer.stop_reason == f"completed 8 epochs; restored the weights of epoch {best}"
    reference = params_per_epoch(exp, 8)
    assert np.array_equal(trainer.network.params, reference[best - 1])


def test_start_from_epoch_delays_stopping_in_a_run():
    exp = overfitting(start_from_epoch=12)
    trainer = Trainer(exp)
    train_recording(trainer)
    assert trainer.stopped_early
    assert trainer.best_epoch > 12 and trainer.epoch >= 16


def test_accuracy_monitor_in_a_run():
    exp = overfitting(monitor="val_accuracy", patience=4)
    trainer = Trainer(exp)
    train_recording(trainer)
    acc = trainer.history.column("val_accuracy")
    best = int(np.argmax(acc)) + 1                            # first maximum wins (strict >)
    assert trainer.best_epoch == best
    assert trainer.early_stopping.best == acc[best - 1]


def test_without_validation_set_train_loss_is_monitored():
    exp = overfitting(min_delta=10.0, patience=2)     # nothing can improve by 10
    exp["data"]["validation_split"] = 0.0
    trainer = Trainer(exp)
    train_recording(trainer)
    assert np.all(np.isnan(trainer.history.column("val_loss")))
    assert trainer.stopped_early and trainer.epoch == 3 and trainer.best_epoch == 1
    assert trainer.early_stopping.best == trainer.history.column("train_loss")[0]
    assert trainer.stop_reason.startswith("early stopping: train_loss did not improve")


def test_without_validation_set_train_loss_best_epoch():
    exp = overfitting(patience=3)
    exp["data"]["validation_split"] = 0.0
    exp["training"]["epochs"] = 15
    trainer = Trainer(exp)
    train_recording(trainer)
    train = trainer.history.column("train_loss")
    assert trainer.best_epoch == int(np.argmin(train)) + 1
    reference = params_per_epoch(exp, trainer.epoch)
    assert np.array_equal(trainer.network.params, reference[trainer.best_epoch - 1])


def test_continue_after_early_stop_goes_on_from_the_restored_weights():
    trainer = Trainer(overfitting())
    train_recording(trainer)
    stopped_at, best = trainer.epoch, trainer.best_epoch
    restored = trainer.network.params.copy()
    trainer.continue_training()
    assert not trainer.finished and not trainer.stopped_early
    assert trainer.early_stopping.wait == 0 and trainer.early_stopping.best_epoch == best
    trainer.train_batch()
    assert not np.array_equal(trainer.network.params, restored)
    train_recording(trainer)
    assert trainer.epoch > stopped_at and len(trainer.history) == trainer.epoch


def test_after_restoring_the_best_weights_the_snapshot_reports_that_epochs_numbers():
    from conftest import small_experiment
    d = small_experiment()
    d["training"]["early_stopping"] = {"enabled": True, "monitor": "val_loss", "patience": 2,
                                       "min_delta": 10.0, "restore_best_weights": True}
    trainer = Trainer(d)
    while not trainer.finished:
        trainer.train_epoch()
    assert trainer.stopped_early and trainer.best_epoch < trainer.epoch
    snap = trainer.snapshot()
    best = trainer.best_epoch
    val = trainer.history.column("val_loss")
    train = trainer.history.column("train_loss")
    assert snap.metrics_epoch == best
    assert snap.val_loss == val[best - 1] and snap.train_loss == train[best - 1]
    assert snap.val_loss != val[-1]                  # not the last epoch's numbers


def test_without_a_restore_the_snapshot_reports_the_last_epoch():
    from conftest import small_experiment
    trainer = Trainer(small_experiment())
    trainer.train_epoch()
    trainer.train_epoch()
    snap = trainer.snapshot()
    assert snap.metrics_epoch is None
    assert snap.train_loss == trainer.history.column("train_loss")[-1]
