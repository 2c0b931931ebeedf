"""Activations: values against their definitions, derivatives against finite differences."""

import math

import numpy as np
import pytest

from playground.nn.activations import ACTIVATIONS, erf

ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.elementwise]


def reference(name, z):
    if name == "linear":
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "elu":
        return np.where(z > 0, z, np.exp(z) - 1)
    if name == "gelu":
        return np.array([x * 0.5 * (1 + math.erf(x / math.sqrt(2))) for x in z.ravel()]
                        ).reshape(z.shape)
    raise KeyError(name)


def test_erf_matches_math_erf_to_float64_precision():
    x = np.linspace(-9, 9, 40001)
    expected = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(erf(x) - expected)) < 1e-14


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_matches_definition(name):
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, (7, 5))
    out = np.empty_like(z)
    ACTIVATIONS[name].forward(z, out)
    np.testing.assert_allclose(out, reference(name, z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_grad_times_derivative(name):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, (6, 4))
    z[np.abs(z) < 1e-3] = 0.5          # keep away from the kinks of relu-like functions
    act = ACTIVATIONS[name]
    a = act.forward(z, np.empty_like(z))
    grad_a = rng.normal(size=z.shape)
    delta = act.backward(z, a, grad_a.copy(), np.empty_like(z), np.empty_like(z))
    h = 1e-6
    numeric = (reference(name, z + h) - reference(name, z - h)) / (2 * h)
    np.testing.assert_allclose(delta, grad_a * numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_in_place_on_grad(name):
    """The engine computes δ in the buffer that held ∂L/∂a: results must not change."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 3)).astype(np.float32)
    act = ACTIVATIONS[name]
    a = act.forward(z, np.empty_like(z))
    g = rng.normal(size=z.shape).astype(np.float32)
    separate = act.backward(z, a, g, np.empty_like(z), np.empty_like(z))
    inplace = g.copy()
    act.backward(z, a, inplace, inplace, np.empty_like(z))
    np.testing.assert_array_equal(separate, inplace)


def test_float32_stays_float32():
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for act in ACTIVATIONS.values():
        out = np.empty_like(z)
        act.forward(z, out)
        assert out.dtype == np.float32


def test_softmax_rows_sum_to_one_and_survive_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]])
    out = ACTIVATIONS["softmax"].forward(z, np.empty_like(z))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    np.testing.assert_allclose(out[1], 1 / 3)


def test_softmax_backward_is_jacobian_product():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(1, 4))
    act = ACTIVATIONS["softmax"]
    a = act.forward(z, np.empty_like(z))
    g = rng.normal(size=(1, 4))
    jac = np.diag(a[0]) - np.outer(a[0], a[0])
    delta = act.backward(z, a, g, np.empty_like(z), np.empty_like(z))
    np.testing.assert_allclose(delta[0], jac @ g[0], rtol=1e-12)


def test_sigmoid_extremes_do_not_warn():
    z = np.array([[-1000.0, 1000.0]], dtype=np.float32)
    with np.errstate(all="raise"):
        out = ACTIVATIONS["sigmoid"].forward(z, np.empty_like(z))
    np.testing.assert_array_equal(out, [[0.0, 1.0]])


@pytest.mark.parametrize("old,new,init,expected", [
    ("sigmoid", "relu", "xavier_uniform", "he_uniform"),     # recommended: follows
    ("sigmoid", "relu", "xavier_normal", "he_normal"),       # its normal twin follows too
    ("relu", "tanh", "he_uniform", "xavier_uniform"),
    ("relu", "leaky_relu", "he_normal", "he_normal"),        # same family: unchanged
    ("sigmoid", "relu", "uniform", "uniform"),               # the user's own choice stays
    ("tanh", "relu", "he_uniform", "he_uniform"),            # not tanh's recommendation
])
def test_the_initializer_follows_the_activation_until_the_user_picks_one(old, new, init,
                                                                         expected):
    from playground.nn.initializers import init_after_activation_change
    assert init_after_activation_change(old, new, init) == expected
