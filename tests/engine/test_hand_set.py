"""Hand-set weights and bias-free layers (DESIGN.md §6): given numbers replace the
initializer, ``"use_bias": false`` removes the bias from every part of the engine, and shapes
that do not fit are refused with the key path."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from conftest import small_experiment
from playground import Experiment, ExperimentError, Trainer
from playground.training.gradcheck import check_gradients
from playground.training.trace import trace_iteration

W0 = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]       # 2 inputs → 3 units
B0 = [0.01, 0.02, -0.03]


def hand_set(first_layer: dict, **training) -> dict:
    d = small_experiment()
    d["network"]["layers"][0] = {"units": 3, "activation": "tanh", **first_layer}
    d["training"].update(training)
    return d


def bias_free(**training) -> dict:
    d = small_experiment()
    for layer in d["network"]["layers"]:
        layer["use_bias"] = False
    d["training"].update(training)
    return d


def test_given_weights_and_bias_replace_the_initializer_and_leave_other_layers_drawn():
    trainer = Trainer(hand_set({"weights": W0, "bias": B0}))
    drawn = Trainer(hand_set({}))
    first, other = trainer.network.layers[0], trainer.network.layers[1]
    assert np.array_equal(first.W, np.array(W0, np.float32))
    assert np.array_equal(first.b, np.array(B0, np.float32))
    # the draw for layer 1 is still made, so the next layer's random weights do not move
    assert np.array_equal(other.W, drawn.network.layers[1].W)


def test_a_bias_free_network_computes_x_times_w_and_holds_no_bias_parameters():
    trainer = Trainer(bias_free(dtype="float64"))
    net = trainer.network
    assert net.n_params == sum(layer.W.size for layer in net.layers)
    assert all(layer.b is None and layer.grad_b is None for layer in net.layers)
    x = trainer.X_train[:5]
    expected = x
    for layer in net.layers[:-1]:
        expected = np.tanh(expected @ layer.W)
    logits = expected @ net.layers[-1].W
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    assert np.allclose(net.predict(x), softmax, atol=1e-12)


def test_a_bias_free_network_passes_the_gradient_check():
    exp = Experiment.from_dict(bias_free())
    report = check_gradients(exp)
    assert report.passed
    assert report.max_error < 1e-7
    assert all(layer.error_b == 0.0 and layer.checked == layer.total
               for layer in report.layers[:1])


def test_bias_free_gradients_match_central_differences_computed_outside_the_engine():
    trainer = Trainer(bias_free(dtype="float64"))
    net = trainer.network
    x, y = trainer.X_train[:8], trainer.Y_train[:8]
    weights = [layer.W.copy() for layer in net.layers]

    def loss(ws):
        a = x
        for W in ws[:-1]:
            a = np.tanh(a @ W)
        z = a @ ws[-1]
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return -logp[np.arange(len(y)), y].mean()

    from playground.nn.backprop import gradients
    _, grads = gradients(net, trainer.loss, x, y)
    offset = 0
    for i, W in enumerate(weights):
        numeric = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[i][idx] += 1e-6
            minus[i][idx] -= 1e-6
            numeric[idx] = (loss(plus) - loss(minus)) / 2e-6
        analytic = grads[offset:offset + W.size].reshape(W.shape)
        offset += W.size
        assert np.allclose(analytic, numeric, atol=1e-8), i
    assert offset == grads.size


def test_a_saved_bias_free_run_has_no_b_keys_and_resumes_bitwise(tmp_path):
    d = bias_free(optimizer={"name": "adam", "learning_rate": 0.01}, epochs=4, shuffle=True)
    d["network"]["layers"][1]["use_bias"] = True       # a mix: only layer 2 keeps a bias
    uninterrupted = Trainer(d)
    for _ in range(4):
        uninterrupted.train_epoch()
    first = Trainer(d)
    first.train_epoch()
    first.train_batch()
    path = tmp_path / "run.bpp"
    first.save(path)
    with zipfile.ZipFile(path) as zf, zf.open("weights.npz") as member:
        with np.load(member, allow_pickle=False) as archive:
            assert sorted(archive.files) == ["W0", "W1", "W2", "b1"]
    resumed = Trainer.load(path)
    assert np.array_equal(resumed.network.params, first.network.params)
    while resumed.epoch < 4:
        resumed.train_epoch()
    assert np.array_equal(resumed.network.params, uninterrupted.network.params)
    for key, value in uninterrupted.optimizer.state_arrays().items():
        assert value.shape == (uninterrupted.network.n_params,)
        assert np.array_equal(resumed.optimizer.state_arrays()[key], value)


def test_trace_and_stepper_of_a_bias_free_layer_show_no_bias():
    trainer = Trainer(bias_free())
    phases = list(Trainer(bias_free()).phases())
    forward = phases[0]
    assert "b" not in forward.values and "+ b" not in forward.formula
    backward = [p for p in phases if p.kind == "backward"]
    assert all("grad_b" not in p.values and "∂L/∂b" not in p.formula for p in backward)
    update = phases[-1]
    assert all("b_before" not in layer for layer in update.per_layer)
    traced = trace_iteration(trainer)
    for layer in traced["layers"]:
        assert not {"grad_b", "b_before", "b_after"} & set(layer)
        assert {"grad_W", "W_before", "W_after"} <= set(layer)


def test_snapshot_of_a_bias_free_network_reports_no_bias_norm():
    snap = Trainer(bias_free()).step_batch()
    assert all(layer.bias_norm is None and layer.bias_grad_norm is None
               for layer in snap.layers)
    assert all(b is None for _, b in snap.weights)


@pytest.mark.parametrize("layer, where, message", [
    ({"weights": [[0.1, 0.2], [0.3, 0.4]]}, "network.layers[0].weights[0]",
     "expected 3 numbers, got 2"),
    ({"weights": [[0.1, 0.2, 0.3], [0.1, "x", 0.3]]}, "network.layers[0].weights[1][1]",
     "must be a number"),
    ({"weights": "ones"}, "network.layers[0].weights", "must be a list of rows"),
    ({"bias": [0.1, 0.2]}, "network.layers[0].bias", "expected 3 numbers, got 2"),
    ({"use_bias": False, "bias": [0, 0, 0]}, "network.layers[0].bias", "has no bias"),
    ({"use_bias": "no"}, "network.layers[0].use_bias", "must be true or false"),
])
def test_hand_set_values_that_do_not_fit_are_refused_with_the_key_path(layer, where, message):
    with pytest.raises(ExperimentError) as info:
        Experiment.from_dict(hand_set(layer))
    assert str(info.value).startswith(where + ":")
    assert message in str(info.value)


def test_wrong_row_counts_are_refused_for_inner_layers_and_for_the_inputs():
    d = small_experiment()
    d["network"]["layers"][1]["weights"] = [[0.0] * 6] * 5     # layer 0 has 6 units
    with pytest.raises(ExperimentError, match=r"^network\.layers\[1\]\.weights: expected 6 "
                                              r"rows"):
        Experiment.from_dict(d)
    three_rows = hand_set({"weights": W0 + [[0.0, 0.0, 0.0]]})   # the spiral has 2 inputs
    Experiment.from_dict(three_rows)                             # the file alone cannot tell
    with pytest.raises(ExperimentError, match=r"^network\.layers\[0\]\.weights: expected 2 "
                                              r"rows .*got 3"):
        Trainer(three_rows)


def test_the_normalised_experiment_keeps_hand_set_values_and_omits_default_use_bias():
    layers = Experiment.from_dict(hand_set({"weights": W0, "use_bias": False})).network["layers"]
    assert layers[0]["weights"] == W0 and layers[0]["use_bias"] is False
    assert "use_bias" not in layers[1] and "weights" not in layers[1]


def test_one_weight_set_by_hand_is_recorded_saved_and_bad_targets_are_refused(tmp_path):
    trainer = Trainer(bias_free())
    trainer.train_batch()
    old = float(trainer.network.layers[1].W[2, 3])
    assert trainer.set_parameter(1, "W", 2, 3, -0.5) == old
    assert trainer.network.layers[1].W[2, 3] == np.float32(-0.5)
    assert trainer.history.edits == [{"epoch": 0, "iteration": 1, "parameter": "W1[2, 3]",
                                      "old": old, "new": -0.5}]
    for args, message in (((0, "b", None, 0, 1.0), "has no bias"),
                          ((0, "W", 9, 0, 1.0), "no entry"),
                          ((5, "W", 0, 0, 1.0), "no layer 6"),
                          ((0, "W", 0, 0, float("nan")), "finite")):
        with pytest.raises(ValueError, match=message):
            trainer.set_parameter(*args)
    path = tmp_path / "edited.bpp"
    trainer.save(path)
    assert Trainer.load(path).history.edits == trainer.history.edits
