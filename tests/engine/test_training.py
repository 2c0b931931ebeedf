"""The Trainer: divergence, determinism, counters, live changes, snapshots, special data."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

from conftest import small_experiment
from playground import Experiment, ExperimentError, Trainer


def experiment(**training) -> dict:
    d = small_experiment()          # spiral, 120 samples, 25% validation: 90 training samples
    d["training"].update(training)
    return d


def finish(trainer: Trainer) -> Trainer:
    while not trainer.finished:
        trainer.train_epoch()
    return trainer


def relu_net(d: dict) -> dict:
    d["network"]["layers"] = [{"units": 32, "activation": "relu"},
                              {"units": 32, "activation": "relu"},
                              {"units": 2, "activation": "softmax"}]
    return d


# -- divergence ---------------------------------------------------------------------------------
def test_a_huge_learning_rate_diverges_with_a_clear_reason():
    t = Trainer(relu_net(experiment(optimizer={"name": "sgd", "learning_rate": 1e6},
                                    epochs=50)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # reported in stop_reason, never warned about
        snaps = list(t.run())
    assert t.finished and t.diverged and not t.stopped_early
    assert t.epoch < 50
    reason = t.stop_reason
    assert reason.startswith("diverged: the loss became nan")
    assert "learning rate (1e+06)" in reason and "too high" in reason
    assert np.all(np.isfinite(t.network.params))
    assert snaps[-1].diverged and snaps[-1].finished and snaps[-1].stop_reason == reason
    with pytest.raises(RuntimeError, match="training has ended"):
        t.train_batch()
    assert list(t.run()) == []


def test_stepping_a_diverging_network_warns_nothing_and_leaves_numpy_settings_alone():
    t = Trainer(relu_net(experiment(optimizer={"name": "sgd", "learning_rate": 1e30},
                                    epochs=50)))
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        while not t.finished:
            for phase in t.phases():
                assert np.geterr() == before        # the caller's settings while it looks
    assert t.diverged


@pytest.mark.parametrize("validation_split", [0.0, 0.25])
@pytest.mark.parametrize("batch_size", [10, 1000])
def test_divergence_keeps_finite_weights(validation_split, batch_size):
    """Adam with a learning rate of 1e39 turns the weights into ±inf on its first step,
    while that step's loss was still finite; full-batch training without a validation set
    ends the epoch right there. The trainer must still end with finite weights."""
    d = relu_net(experiment(optimizer={"name": "adam", "learning_rate": 1e39},
                            batch_size=batch_size, epochs=20))
    d["data"]["validation_split"] = validation_split
    t = Trainer(d)
    initial = t.network.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        finish(t)
    assert t.diverged and "learning rate (1e+39)" in t.stop_reason
    assert np.all(np.isfinite(t.network.params)), t.stop_reason
    assert np.array_equal(t.network.params, initial)       # the last finite ones
    for buf in t.optimizer.state_arrays().values():
        assert np.all(np.isfinite(buf))
    t.snapshot()                                          # drawing it works


def test_nothing_diverges_with_a_sane_learning_rate():
    t = finish(Trainer(experiment(epochs=5)))
    assert not t.diverged and t.stop_reason == "completed 5 epochs"


# -- determinism -----------------------------------------------------------------------------
def noisy(seed=0) -> dict:
    d = experiment(epochs=6, shuffle=True)
    d["seed"] = seed
    d["network"]["layers"][0]["dropout"] = 0.3
    return d


def test_same_experiment_trains_bitwise_identically():
    a, b = finish(Trainer(noisy())), finish(Trainer(noisy()))
    assert np.array_equal(a.network.params, b.network.params)
    for name, column in a.history.columns().items():
        assert np.array_equal(column, b.history.column(name), equal_nan=True)


def test_a_different_seed_gives_a_different_run():
    a, b = finish(Trainer(noisy(0))), finish(Trainer(noisy(1)))
    assert not np.array_equal(a.network.params, b.network.params)
    assert not np.array_equal(a.dataset.X_train, b.dataset.X_train)


def test_changing_the_architecture_keeps_the_data():
    d = noisy()
    d["network"]["layers"][0]["units"] = 12
    assert np.array_equal(Trainer(d).dataset.X_train, Trainer(noisy()).dataset.X_train)


# -- counters and stepping -----------------------------------------------------------------------
def test_counters_step_batch_step_epoch_run():
    t = Trainer(experiment(epochs=8))
    assert (t.epoch, t.iteration, t.batch_in_epoch, t.batches_per_epoch) == (0, 0, 0, 9)
    snap = t.step_batch()
    assert (snap.epoch, snap.iteration, snap.batch_in_epoch, snap.batches_per_epoch) == \
        (0, 1, 1, 9)
    assert snap.train_loss is None and len(t.history) == 0     # no epoch finished yet
    ends = [t.train_batch() for _ in range(8)]
    assert ends == [False] * 7 + [True]
    assert (t.epoch, t.iteration, t.batch_in_epoch) == (1, 9, 0)
    t.train_batch()
    snap = t.step_epoch()                                       # finishes the current epoch
    assert (snap.epoch, snap.iteration, snap.batch_in_epoch) == (2, 18, 0)
    snap = t.step_epoch()                                       # a whole new one
    assert (snap.epoch, snap.iteration) == (3, 27)
    assert snap.train_loss == t.history.last()["train_loss"]
    snaps = list(t.run(epochs=2))
    assert [s.epoch for s in snaps] == [4, 5] and t.iteration == 45 and not t.finished
    snaps = list(t.run())
    assert [s.epoch for s in snaps] == [6, 7, 8]
    assert t.finished and t.stop_reason == "completed 8 epochs" and snaps[-1].finished
    assert list(t.history.column("epoch")) == list(range(1, 9))
    assert snaps[-1].max_epochs == 8


def test_last_batch_of_an_epoch_is_smaller():
    t = Trainer(experiment(batch_size=20, shuffle=False))
    sizes = []
    for _ in range(t.batches_per_epoch):
        phases = list(t.phases())
        sizes.append(phases[0].values["a_prev"].shape[0])
    assert sizes == [20, 20, 20, 20, 10] and t.epoch == 1
    assert np.array_equal(phases[0].values["a_prev"], t.X_train[80:])   # in order, unshuffled


def test_batch_larger_than_the_dataset_is_one_full_batch():
    t = Trainer(experiment(batch_size=1000))
    assert t.batch_size == 90 and t.batches_per_epoch == 1
    assert t.train_batch() is True and t.epoch == 1 and t.iteration == 1


def test_phases_are_the_same_step_as_train_batch():
    a, b = Trainer(noisy()), Trainer(noisy())
    kinds = [p.kind for p in a.phases()]
    assert kinds == ["forward"] * 3 + ["loss"] + ["backward"] * 3 + ["update"]
    b.train_batch()
    assert np.array_equal(a.network.params, b.network.params)
    assert a.iteration == b.iteration == 1


# -- live changes ----------------------------------------------------------------------------------
def test_learning_rate_reaches_the_optimizer():
    a = Trainer(experiment(optimizer={"name": "adam", "learning_rate": 0.01}, epochs=3))
    b = Trainer(experiment(optimizer={"name": "adam", "learning_rate": 0.5}, epochs=3))
    b.set_learning_rate(0.01)
    assert b.optimizer.learning_rate == 0.01 == b.learning_rate
    assert b.experiment.training["optimizer"]["learning_rate"] == 0.01
    finish(a), finish(b)
    assert np.array_equal(a.network.params, b.network.params)

    c = Trainer(experiment(epochs=3))
    c.train_epoch()
    c.update("training.optimizer.learning_rate", 0.002)
    c.train_epoch()
    assert c.history.column("learning_rate").tolist() == [0.01, 0.002]
    assert c.snapshot(detail=False).learning_rate == 0.002


def test_plain_sgd_step_uses_the_new_learning_rate():
    t = Trainer(experiment(optimizer={"name": "sgd", "learning_rate": 0.1}))
    t.update("training.optimizer.learning_rate", 0.25)
    update = [p for p in t.phases()][-1]
    for layer, values in zip(t.network.layers, update.per_layer):
        expected = values["W_before"] - np.float32(0.25) * values["grad_W"]
        np.testing.assert_array_equal(values["W_after"], expected)


def test_other_optimizer_settings_change_live_and_keep_the_state():
    t = Trainer(experiment())
    t.train_epoch()
    moments = t.optimizer.state_arrays()
    t.update("training.optimizer.betas", [0.8, 0.99])
    assert t.optimizer.hyper["betas"] == [0.8, 0.99]
    for key, value in moments.items():
        assert np.array_equal(t.optimizer.state_arrays()[key], value)


def test_live_changes_keep_the_scheduled_learning_rate():
    t = Trainer(experiment(lr_schedule={"name": "step", "step_size": 1, "gamma": 0.5}))
    t.train_epoch()
    assert t.learning_rate == 0.005
    t.update("training.early_stopping.patience", 5)
    t.update("training.l2", 0.001)
    t.set_dropout(0.1)
    assert t.learning_rate == 0.005
    t.set_learning_rate(0.1)                           # an explicit change still applies
    assert t.learning_rate == 0.1


def test_dropout_changes_only_hidden_layers():
    t = Trainer(experiment())
    t.set_dropout(0.5)
    assert [layer.dropout for layer in t.network.layers] == [0.5, 0.5, 0.0]
    assert [layer["dropout"] for layer in t.experiment.network["layers"]] == [0.5, 0.5, 0.0]
    t.update("network.layers[1].dropout", 0.2)
    assert [layer.dropout for layer in t.network.layers] == [0.5, 0.2, 0.0]
    # dropout really acts: the same step with and without it differs
    with_dropout, without = Trainer(experiment()), Trainer(experiment())
    with_dropout.set_dropout(0.5)
    with_dropout.train_batch(), without.train_batch()
    assert not np.array_equal(with_dropout.network.params, without.network.params)
    with_dropout.set_dropout(0.0)
    assert [layer.dropout for layer in with_dropout.network.layers] == [0.0, 0.0, 0.0]
    with_dropout.train_epoch()                       # buffers without masks work again


def state_of(t: Trainer):
    return (t.experiment.to_dict(), t.network.params.copy(), t.optimizer.learning_rate,
            dict(t.optimizer.hyper), [layer.dropout for layer in t.network.layers],
            t.batch_size, t.max_epochs)


def same_state(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


@pytest.mark.parametrize("dotted, value, path", [
    ("training.optimizer.learning_rate", -1.0, "training.optimizer.learning_rate"),
    ("training.optimizer.learning_rate", "fast", "training.optimizer.learning_rate"),
    ("training.optimizer.betas", [0.9, 1.5], "training.optimizer.betas[1]"),
    ("network.layers[2].dropout", 0.5, "network.layers[2].dropout"),
    ("network.layers[0].dropout", 0.99, "network.layers[0].dropout"),
    ("training.batch_size", 0, "training.batch_size"),
    ("training.epochs", -3, "training.epochs"),
    ("training.early_stopping.patience", "x", "training.early_stopping.patience"),
    ("training.early_stopping.monitor", "acc", "training.early_stopping.monitor"),
    ("training.lr_schedule", {"name": "step", "gamma": 3}, "training.lr_schedule.gamma"),
    ("training.optimizer.momentum", 0.9, "training.optimizer.momentum"),
    ("network.layers[5].dropout", 0.1, "network.layers[5].dropout"),
])
def test_invalid_live_values_raise_and_change_nothing(dotted, value, path):
    t = Trainer(experiment())
    t.train_batch()
    before = state_of(t)
    with pytest.raises(ExperimentError) as info:
        t.update(dotted, value)
    assert info.value.path == path and str(info.value).startswith(path + ": ")
    assert same_state(before, state_of(t))
    t.train_epoch()                                     # and training goes on


@pytest.mark.parametrize("dotted, value", [
    ("network.layers[0].units", 7),
    ("network.layers[0].activation", "relu"),
    ("network.layers[0].init", "he_normal"),
    ("network.layers", [{"units": 6}, {"units": 2, "activation": "softmax"}]),
    ("network.loss", "mse"),
    ("data.samples", 50),
    ("seed", 3),
    ("training.dtype", "float64"),
    ("training.optimizer.name", "sgd"),
    ("training.optimizer", {"name": "sgd", "learning_rate": 0.1}),
])
def test_architecture_changes_need_a_new_run(dotted, value):
    t = Trainer(experiment())
    before = state_of(t)
    with pytest.raises(ValueError):
        t.update(dotted, value)
    assert same_state(before, state_of(t))


def test_batch_size_change_mid_epoch_applies_from_the_next_epoch():
    t = Trainer(experiment(batch_size=10))
    for _ in range(5):
        t.train_batch()
    t.update("training.batch_size", 30)               # 3 batches of 30 from the next epoch
    assert t.batch_size == 10 and t.experiment.training["batch_size"] == 30
    t.train_epoch()
    assert (t.epoch, t.iteration, t.batch_in_epoch) == (1, 9, 0)
    t.train_epoch()
    assert (t.epoch, t.iteration, t.batches_per_epoch) == (2, 12, 3)
    t.update("training.batch_size", 45)                # between epochs: at once
    assert t.batches_per_epoch == 2


def test_shuffle_switched_on_mid_epoch():
    t = Trainer(experiment(shuffle=False))
    for _ in range(3):
        t.train_batch()
    t.update("training.shuffle", True)
    assert not t.shuffle                                # the rest of this epoch: in order
    t.train_epoch()
    assert t.epoch == 1
    t.train_batch()
    assert t.shuffle and t._perm is not None            # shuffled from the next epoch on
    t.train_epoch()
    assert t.epoch == 2


def test_an_equal_change_mid_epoch_is_harmless():
    a, b = Trainer(experiment()), Trainer(experiment())
    for t in (a, b):
        t.train_batch()
    b.update("training.batch_size", 10)
    b.update("training.shuffle", True)
    for t in (a, b):
        t.train_epoch()
    assert np.array_equal(a.network.params, b.network.params)


# -- continuing ------------------------------------------------------------------------------------
def test_continue_after_the_budget():
    t = finish(Trainer(experiment(epochs=3)))
    with pytest.raises(ValueError, match="extra_epochs"):
        t.continue_training()
    t.continue_training(extra_epochs=2)
    assert not t.finished and t.max_epochs == 5
    finish(t)
    assert t.epoch == 5 and t.stop_reason == "completed 5 epochs"


def test_continue_after_early_stopping():
    d = experiment(epochs=100, early_stopping={"enabled": True, "patience": 1,
                                               "min_delta": 10.0})
    t = finish(Trainer(d))
    assert t.stopped_early and t.epoch == 2
    t.continue_training()
    assert not t.finished and t.stop_reason is None and t.max_epochs == 100
    t.train_epoch()
    assert t.epoch == 3 and t.finished and t.stopped_early     # patience 1 again


# -- data without validation, regression -----------------------------------------------------------
def test_without_validation_set():
    d = experiment(epochs=3)
    d["data"]["validation_split"] = 0.0
    t = Trainer(d)
    snap = t.step_epoch()
    assert t.dataset.n_val == 0 and len(t.X_train) == 120
    assert snap.val_loss is None and snap.val_accuracy is None
    assert snap.train_loss is not None and 0 <= snap.train_accuracy <= 1
    finish(t)
    assert np.all(np.isnan(t.history.column("val_loss")))
    assert np.all(np.isnan(t.history.column("val_accuracy")))
    assert np.all(np.isfinite(t.history.column("train_loss")))


@pytest.mark.parametrize("validation_split", [0.25, 0.0])
def test_regression_reports_r2_and_no_accuracy(validation_split):
    d = experiment(epochs=40, batch_size=16, optimizer={"name": "adam", "learning_rate": 0.02})
    d["data"] = {"source": "sine", "samples": 200, "noise": 0.05,
                 "validation_split": validation_split}
    d["network"]["layers"] = [{"units": 16, "activation": "tanh"},
                              {"units": 16, "activation": "tanh"},
                              {"units": 1, "activation": "linear"}]
    d["network"]["loss"] = "mse"
    t = Trainer(d)
    first = t.step_epoch()
    finish(t)
    snap = t.snapshot()
    assert snap.task == "regression"
    assert snap.train_accuracy is None and snap.val_accuracy is None
    assert np.all(np.isnan(t.history.column("train_accuracy")))
    assert snap.train_r2 > 0.8 and snap.train_r2 > first.train_r2
    if validation_split:
        assert snap.val_r2 > 0.8
    else:
        assert snap.val_r2 is None and snap.val_loss is None


def test_mse_classification_with_one_unit():
    d = experiment(epochs=3)
    d["network"]["layers"][2] = {"units": 1, "activation": "sigmoid"}
    d["network"]["loss"] = "mse"
    snap = finish(Trainer(d)).snapshot()
    assert 0 <= snap.val_accuracy <= 1 and snap.train_r2 is None


# -- snapshots ------------------------------------------------------------------------------------
def test_snapshot_fields():
    t = Trainer(experiment())
    t.train_epoch()
    s = t.snapshot()
    last = t.history.last()
    assert (s.epoch, s.iteration, s.batch_in_epoch, s.batches_per_epoch, s.max_epochs) == \
        (1, 9, 0, 9, 50)
    assert s.train_loss == last["train_loss"] and s.val_loss == last["val_loss"]
    assert s.train_accuracy == last["train_accuracy"] and s.val_accuracy == last["val_accuracy"]
    assert s.learning_rate == 0.01 and s.task == "classification"
    assert s.n_params == t.network.n_params == 2 * 6 + 6 + 6 * 6 + 6 + 6 * 2 + 2
    assert s.sizes == (2, 6, 6, 2) and s.activations == ("tanh", "tanh", "softmax")
    assert len(s.layers) == 3 and s.surface is not None
    assert not s.finished and s.stop_reason is None and s.best_epoch == 0
    assert set(s.history) >= {"epoch", "train_loss", "val_loss", "learning_rate"}
    assert s.history["epoch"].tolist() == [1.0]
    for i, (W, b) in enumerate(s.weights):
        assert np.array_equal(W, t.network.layers[i].W)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_counts_every_finite_value_in_the_right_bin(dtype):
    from playground.training.snapshot import HISTOGRAM_BINS, _histogram
    rng = np.random.default_rng(3)
    values = rng.standard_normal(100_003).astype(dtype)
    values[17] = -values[np.argmax(np.abs(values))] * 1.0   # the extremes are ±top
    counts, edges = _histogram(values)
    assert counts.shape == (HISTOGRAM_BINS,) and edges.shape == (HISTOGRAM_BINS + 1,)
    assert counts.sum() == values.size
    assert edges[0] == -edges[-1] == -np.abs(values).max()
    reference, _ = np.histogram(values.astype(np.float64), bins=edges)
    assert np.abs(counts - reference).sum() <= 4       # only rounding right at an edge differs
    assert counts[0] >= 1 and counts[-1] >= 1          # both extremes counted, the top one too
    layer = np.array([0.0, 0.25, 1.0, np.nan, np.inf, -np.inf], dtype)
    counts, edges = _histogram(layer)
    assert counts.sum() == 3 and counts[-1] == 1 and edges[-1] == 1.0   # non-finite left out
    assert counts[HISTOGRAM_BINS // 2] == 1                             # 0 → the middle bin
    assert _histogram(np.zeros(5, dtype))[0].sum() == 5
    tiny = np.full(100, 1e-39, dtype)                 # vanishing gradients, below float32's
    tiny[0] = -1e-39                                  # normal range: no overflow, all counted
    assert _histogram(tiny)[0].sum() == 100


def test_histogram_edges_are_numpys_linspace_bitwise():
    from playground.training.snapshot import HISTOGRAM_BINS, _histogram
    rng = np.random.default_rng(11)
    tops = np.concatenate([10.0 ** rng.uniform(-30, 30, 2000), rng.random(2000),
                           [1e-30, 1e-8, 1.0, 3.0, 1e30, np.float32(0.1)]])
    for top in tops:
        values = np.array([-top, top * 0.3, top])
        expected = np.linspace(-float(top), float(top), HISTOGRAM_BINS + 1)
        assert np.array_equal(_histogram(values)[1], expected), top


def test_snapshot_holds_copies():
    t = Trainer(experiment())
    t.train_epoch()
    params = t.network.params.copy()
    grads = t.network.grads.copy()
    s = t.snapshot()
    s.weights[0][0][...] = 123.0
    s.weights[0][1][...] = 123.0
    s.history["train_loss"][...] = -1.0
    s.data.y_train[...] = 0
    s.surface.values[...] = 0
    assert np.array_equal(t.network.params, params)
    assert np.array_equal(t.network.grads, grads)           # the probe put grads back
    assert t.history.column("train_loss")[0] > 0
    assert np.any(t.dataset.y_train == 1)
    assert t.snapshot().history["train_loss"][0] > 0


def test_taking_snapshots_does_not_change_training():
    a, b = Trainer(noisy()), Trainer(noisy())
    for _ in range(3 * a.batches_per_epoch + 4):
        a.step_batch()
        b.train_batch()
    a.snapshot(history_from=1, detail=True)
    for t in (a, b):
        finish(t)
    assert np.array_equal(a.network.params, b.network.params)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def test_snapshot_history_from():
    t = Trainer(experiment())
    for _ in range(4):
        t.train_epoch()
    s = t.snapshot(history_from=2, detail=False)
    assert s.history_start == 2 and s.history["epoch"].tolist() == [3.0, 4.0]
    assert s.layers == () and s.weights is None


def test_trainer_accepts_a_dict_or_an_experiment():
    d = experiment()
    assert Trainer(d).experiment == Trainer(Experiment.from_dict(copy.deepcopy(d))).experiment


def exploding_experiment() -> dict:
    """Eight linear layers with U[0,1) weights: ‖δ‖ grows ~1500× from the output back."""
    return {"seed": 0, "data": {"source": "spiral", "samples": 200},
            "network": {"layers": [{"units": 8, "activation": "linear", "init": "uniform"}] * 8
                        + [{"units": 2, "activation": "softmax", "init": "uniform"}],
                        "loss": "cross_entropy"},
            "training": {"optimizer": {"name": "sgd", "learning_rate": 0.03},
                         "batch_size": 10, "epochs": 5}}


def test_a_divergence_from_an_exploding_error_signal_blames_the_initialization():
    t = Trainer(exploding_experiment())
    snap = t.step_epoch()
    assert t.diverged and t.epoch == 0                 # in its first epoch
    reason = t.stop_reason
    assert "error signal grows layer by layer" in reason
    assert "initialization or the depth" in reason and "clip_norm" in reason
    assert "learning rate" not in reason.split("—")[1].split(";")[0].replace(
        "not the learning rate", "")
    # the last finite error signal stays visible: the profile and the badge need it
    norms = [layer.error_signal_norm for layer in snap.layers]
    assert all(np.isfinite(norms)) and norms[0] > 1000 * norms[-1]


def test_a_divergence_with_a_healthy_error_signal_blames_the_learning_rate():
    t = Trainer(relu_net(experiment(optimizer={"name": "sgd", "learning_rate": 1e6},
                                    epochs=50)))
    while not t.finished:
        t.train_epoch()
    assert "learning rate (1e+06) is probably too high" in t.stop_reason
    assert "error signal grows" not in t.stop_reason
