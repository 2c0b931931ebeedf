"""Losses: values against naive formulas, stability, and the fused error signals."""

import numpy as np
import pytest

from playground.nn.activations import ACTIVATIONS
from playground.nn.losses import LOSSES


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_cross_entropy_value_and_signal():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 3))
    y = np.array([0, 2, 1, 1, 0])
    a = softmax(z)
    loss = LOSSES["cross_entropy"]
    expected = -np.mean(np.log(a[np.arange(5), y]))
    assert loss.value(z, a, y) == pytest.approx(expected, rel=1e-12)
    delta = loss.error_signal(z, a, y, ACTIVATIONS["softmax"], np.empty_like(z),
                              np.empty_like(z))
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(delta, (a - onehot) / 5, rtol=1e-12)


def test_cross_entropy_is_finite_when_softmax_underflows():
    z = np.array([[200.0, -200.0]], dtype=np.float32)
    a = softmax(z.astype(np.float64)).astype(np.float32)   # a[0, 1] == 0 in float32
    value = LOSSES["cross_entropy"].value(z, a, np.array([1]))
    assert value == pytest.approx(400.0, rel=1e-6)


def test_binary_cross_entropy_from_logits():
    z = np.array([[-50.0], [0.0], [3.0], [60.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    a = 1 / (1 + np.exp(-z))
    value = LOSSES["binary_cross_entropy"].value(z, a, y)
    per = [np.log1p(np.exp(-50.0)), np.log(2.0), np.log1p(np.exp(-3.0)), 60.0 + np.log1p(np.exp(-60.0))]
    assert value == pytest.approx(np.mean(per), rel=1e-12)
    delta = LOSSES["binary_cross_entropy"].error_signal(
        z, a, y, ACTIVATIONS["sigmoid"], np.empty_like(z), np.empty_like(z))
    np.testing.assert_allclose(delta, (a - y) / 4)


def test_mse_is_mean_over_samples_and_outputs():
    a = np.array([[1.0, 2.0], [3.0, 5.0]])
    y = np.array([[0.0, 2.0], [3.0, 3.0]])
    loss = LOSSES["mse"]
    assert loss.value(a, a, y) == pytest.approx((1 + 0 + 0 + 4) / 4)
    delta = loss.error_signal(a, a, y, ACTIVATIONS["linear"], np.empty_like(a),
                              np.empty_like(a))
    np.testing.assert_allclose(delta, 2 * (a - y) / 4)
