"""Backpropagation computes the true gradient: central differences in float64.

Two angles: a property-based check over random architectures written independently of the
engine's gradcheck module, and the engine's own ``check_gradients`` (what
``backprop-playground gradcheck`` runs) over every activation × loss × penalty combination.
"""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground import Experiment
from playground.nn.backprop import gradients
from playground.training.gradcheck import check_gradients
from playground.nn.losses import LOSSES
from playground.nn.network import Network

HIDDEN = ["linear", "relu", "leaky_relu", "tanh", "sigmoid", "elu", "gelu"]
INITS = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal",
         "uniform"]
#: (loss, output activation) pairs the engine accepts
HEADS = [("cross_entropy", "softmax"), ("binary_cross_entropy", "sigmoid"), ("mse", "linear"),
         ("mse", "tanh"), ("mse", "sigmoid")]


def loss_of(net, loss, x, y, l1, l2):
    ws = net.workspace(len(x), training=False)
    net.forward(x, ws)
    last = ws.layers[-1]
    return loss.value(last.z, last.a, y) + net.penalty(l1, l2)


def numeric_gradient(net, loss, x, y, l1, l2, h=1e-6):
    grad = np.empty_like(net.params)
    for j in range(net.params.size):
        old = net.params[j]
        net.params[j] = old + h
        plus = loss_of(net, loss, x, y, l1, l2)
        net.params[j] = old - h
        minus = loss_of(net, loss, x, y, l1, l2)
        net.params[j] = old
        grad[j] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, n):
    scale = max(np.linalg.norm(a), np.linalg.norm(n))
    return 0.0 if scale < 1e-8 else np.linalg.norm(a - n) / scale


def targets(loss_name, out_units, n, rng):
    if loss_name == "cross_entropy":
        return rng.integers(0, out_units, n)
    if loss_name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, out_units)).astype(np.float64)
    return rng.normal(size=(n, out_units))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_inputs=st.integers(1, 4),
    hidden=st.lists(st.tuples(st.integers(1, 5), st.sampled_from(HIDDEN),
                              st.sampled_from(INITS)), min_size=0, max_size=3),
    head=st.sampled_from(HEADS),
    out_units=st.integers(1, 3),
    batch=st.integers(1, 6),
    l1=st.sampled_from([0.0, 0.01]),
    l2=st.sampled_from([0.0, 0.05]),
    seed=st.integers(0, 2**31),
)
def test_backprop_matches_central_differences(n_inputs, hidden, head, out_units, batch, l1,
                                              l2, seed):
    loss_name, out_act = head
    if loss_name == "cross_entropy":
        out_units = max(out_units, 2)
    rng = np.random.default_rng(seed)
    specs = [{"units": u, "activation": a, "init": i} for u, a, i in hidden]
    specs.append({"units": out_units, "activation": out_act, "init": "xavier_uniform"})
    net = Network(n_inputs, specs, np.float64, rng)
    net.params += rng.normal(0, 0.1, net.params.size)      # non-zero biases too
    x = rng.normal(size=(batch, n_inputs))
    y = targets(loss_name, out_units, batch, rng)
    loss = LOSSES[loss_name]
    value, analytic = gradients(net, loss, x, y, l1=l1, l2=l2)
    assert value == pytest.approx(loss_of(net, loss, x, y, l1, l2), rel=1e-12)
    numeric = numeric_gradient(net, loss, x, y, l1, l2)
    # the whole gradient to 1e-6 relative (the gradcheck criterion); every layer's own block
    # too, with an absolute floor for blocks whose gradient is so small (|g| ~ 1e-5) that the
    # central difference's float64 round-off (~eps·loss/h ~ 1e-10 per entry) dominates
    assert relative_error(analytic, numeric) < 1e-6
    for w_slice, b_slice in net.slices:
        for part in (w_slice, b_slice):
            a, n = analytic[part], numeric[part]
            scale = max(np.linalg.norm(a), np.linalg.norm(n))
            assert np.linalg.norm(a - n) <= 1e-6 * scale + 1e-8


def experiment(hidden_act, head, l1, l2):
    loss_name, out_act = head
    units = {"cross_entropy": 3, "binary_cross_entropy": 1, "mse": 1}[loss_name]
    source = "sine" if (loss_name == "mse" and out_act == "linear") else "blobs"
    if loss_name != "cross_entropy":
        source = "sine" if out_act == "linear" else "moons"
    data = {"source": source, "samples": 60, "noise": 0.1}
    if source == "blobs":
        data["classes"] = 3
    return Experiment.from_dict({
        "seed": 1, "data": data,
        "network": {"layers": [{"units": 5, "activation": hidden_act},
                               {"units": 4, "activation": hidden_act},
                               {"units": units, "activation": out_act}],
                    "loss": loss_name},
        "training": {"l1": l1, "l2": l2},
    })


COMBOS = list(itertools.product(HIDDEN, HEADS, [(0.0, 0.0), (0.01, 0.0), (0.0, 0.01),
                                                (0.01, 0.02)]))


@pytest.mark.parametrize("hidden_act,head,penalty", COMBOS,
                         ids=[f"{a}-{h[0]}-{h[1]}-l1={p[0]}-l2={p[1]}" for a, h, p in COMBOS])
def test_gradcheck_passes_for_every_combination(hidden_act, head, penalty):
    report = check_gradients(experiment(hidden_act, head, *penalty), samples=16)
    assert report.passed, [(c.name, c.error) for c in report.layers]
    assert report.max_error < 1e-6


def test_gradcheck_detects_a_wrong_gradient(monkeypatch):
    from playground.nn.layers import Dense

    original = Dense.parameter_gradients

    def wrong(self, a_prev, delta, l1, l2, *ext):
        original(self, a_prev, delta, l1, l2, *ext)
        self.grad_W *= 1.001

    monkeypatch.setattr(Dense, "parameter_gradients", wrong)
    report = check_gradients(experiment("tanh", HEADS[0], 0.0, 0.0))
    assert not report.passed
    assert report.max_error > 1e-4


def test_gradcheck_checks_at_trained_weights():
    exp = experiment("relu", HEADS[0], 0.0, 0.01)
    from playground import Trainer
    trainer = Trainer(exp)
    trainer.train_epoch()
    report = check_gradients(exp, weights=trainer.network.weights())
    assert report.passed


def test_gradcheck_passes_the_vanishing_gradients_example_whose_first_layers_are_tiny():
    """Its first layers' gradients (‖g‖ ≈ 1e-5) are below the central differences' rounding
    noise: compared against the noise floor they agree; without it they 'failed' at 3e-5."""
    from playground.presets import preset
    report = check_gradients(preset("vanishing_gradients"))
    assert report.passed, [(c.name, c.error) for c in report.layers]


def test_gradcheck_still_fails_a_wrong_sigmoid_derivative_in_a_deep_stack(monkeypatch):
    from playground.nn.activations import Sigmoid
    from playground.presets import preset

    original = Sigmoid.backward

    def wrong(self, z, a, grad_a, out, scratch):
        original(self, z, a, grad_a, out, scratch)
        out *= 1.001                       # f′ off by 0.1 %
        return out

    monkeypatch.setattr(Sigmoid, "backward", wrong)
    report = check_gradients(preset("vanishing_gradients"))
    assert not report.passed
    assert report.max_error > 1e-4


def test_noise_floor_grows_with_the_loss_and_the_entries():
    from playground.training.gradcheck import noise_floor
    eps = np.finfo(np.float64).eps
    assert noise_floor(1.0, 1) == pytest.approx(16 * eps / 1e-6 / 1e-6)
    assert noise_floor(2.0, 4) == pytest.approx(4 * noise_floor(1.0, 1))
