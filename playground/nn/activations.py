"""Activation functions: the non-linearity f in ``a = f(z)`` and its derivative.

Backpropagation needs, for every layer, the error signal ``δ = ∂L/∂z``. A layer receives
``∂L/∂a`` from the layer above and multiplies it element by element with ``f′(z)``::

    δ = ∂L/∂a ⊙ f′(z)

Each activation here computes ``f`` forward and that product backward, writing into buffers
the caller owns (``out=``), so a training step allocates nothing. Where ``f′`` is cheaper to
express through the output ``a`` (tanh: ``1 − a²``, sigmoid: ``a(1 − a)``) we use ``a``.

Softmax is different: its Jacobian is not diagonal, and it only ever appears as the last layer
together with cross-entropy, where ``δ = ŷ − y`` (see :mod:`playground.nn.losses`). Its
``backward`` is therefore the full Jacobian-vector product, used only by gradient checks.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "erf"]

_SQRT_HALF = math.sqrt(0.5)
#: 1 as a 0-d array per dtype: a Python ``1`` in ``np.subtract(1, x)`` is converted on every
#: call (~0.2 µs, which shows on a tiny network's batches); the numbers are the same
_ONE = {np.dtype(t): np.ones((), t) for t in (np.float16, np.float32, np.float64)}
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Activation:
    """Base class. ``name`` is the file-format name; ``formula`` and ``derivative`` are the
    teaching texts shown by the phase stepper."""

    name = ""
    formula = ""
    derivative = ""
    elementwise = True

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray, out: np.ndarray,
                 scratch: np.ndarray) -> np.ndarray:
        """Write ``grad_a ⊙ f′(z)`` into ``out`` (``out`` may be ``grad_a``)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Linear(Activation):
    name, formula, derivative = "linear", "a = z", "f′(z) = 1"

    def forward(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out

    def backward(self, z, a, grad_a, out, scratch):
        if out is not grad_a:
            np.copyto(out, grad_a)
        return out


class ReLU(Activation):
    name, formula, derivative = "relu", "a = max(0, z)", "f′(z) = 1 if z > 0 else 0"

    def forward(self, z, out):
        return np.maximum(z, 0, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        # Multiplying by the boolean mask (z > 0) zeroes the gradient of inactive units.
        np.greater(z, 0, out=scratch)
        return np.multiply(grad_a, scratch, out=out)


class LeakyReLU(Activation):
    """``max(z, 0.01·z)``, PyTorch's default negative slope 0.01."""

    name, formula, derivative = "leaky_relu", "a = z if z > 0 else 0.01·z", "f′(z) = 1 or 0.01"
    slope = 0.01

    def forward(self, z, out):
        np.multiply(z, self.slope, out=out)
        return np.maximum(z, out, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        # scratch = 1 where z > 0, else slope
        np.greater(z, 0, out=scratch)
        scratch *= 1.0 - self.slope
        scratch += self.slope
        return np.multiply(grad_a, scratch, out=out)


class Tanh(Activation):
    name, formula, derivative = "tanh", "a = tanh(z)", "f′(z) = 1 − a²"

    def forward(self, z, out):
        return np.tanh(z, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        np.multiply(a, a, out=scratch)
        np.subtract(_ONE.get(scratch.dtype, 1), scratch, out=scratch)
        return np.multiply(grad_a, scratch, out=out)


class Sigmoid(Activation):
    name, formula, derivative = "sigmoid", "a = 1 / (1 + e^(−z))", "f′(z) = a·(1 − a)"

    def forward(self, z, out):
        # 1/(1+exp(-z)) overflows harmlessly to 0 for very negative z; silence the warning.
        with np.errstate(over="ignore", under="ignore"):
            np.negative(z, out=out)
            np.exp(out, out=out)
            out += 1
            np.reciprocal(out, out=out)
        return out

    def backward(self, z, a, grad_a, out, scratch):
        np.subtract(_ONE.get(scratch.dtype, 1), a, out=scratch)
        scratch *= a
        return np.multiply(grad_a, scratch, out=out)


class ELU(Activation):
    """``z`` for ``z > 0`` else ``α(eᶻ − 1)`` with PyTorch's default ``α = 1``."""

    name, formula, derivative = "elu", "a = z if z > 0 else eᶻ − 1", "f′(z) = 1 or a + 1"

    def forward(self, z, out):
        np.minimum(z, 0, out=out)
        np.expm1(out, out=out)
        np.copyto(out, z, where=z > 0)
        return out

    def backward(self, z, a, grad_a, out, scratch):
        # for z <= 0: f'(z) = e^z = a + 1
        np.add(a, 1, out=scratch)
        np.copyto(scratch, 1, where=z > 0)
        return np.multiply(grad_a, scratch, out=out)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised, accurate to about 1e-15 in float64.

    NumPy has no ``erf``. For ``|x| < 2.5`` we sum the Maclaurin series
    ``erf(x) = 2/√π · Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1))`` (60 terms, Horner form); beyond, the
    continued fraction ``erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …))))``.
    Both are smooth, so finite differences of GELU agree with its analytic derivative.
    """
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    result = np.empty_like(x)
    small = ax < 2.5
    if np.any(small):
        xs = x[small]
        x2 = xs * xs
        # coefficients c_n = (-1)^n / (n! (2n+1)), summed by Horner in x².
        total = np.zeros_like(xs)
        for n in range(60, -1, -1):
            c = (-1.0) ** n / (math.factorial(n) * (2 * n + 1))
            total = total * x2 + c
        result[small] = _TWO_OVER_SQRT_PI * xs * total
    large = ~small
    if np.any(large):
        xl = ax[large]
        frac = xl.copy()
        for k in range(80, 0, -1):
            frac = xl + (k / 2.0) / frac
        erfc = np.exp(-xl * xl) / (math.sqrt(math.pi) * frac)
        result[large] = np.sign(x[large]) * (1.0 - erfc)
    return result


class GELU(Activation):
    """``z·Φ(z)`` with Φ the standard normal CDF: PyTorch's exact (erf) GELU."""

    name, formula, derivative = "gelu", "a = z·Φ(z)", "f′(z) = Φ(z) + z·φ(z)"

    def forward(self, z, out):
        phi = 0.5 * (1.0 + erf(z * _SQRT_HALF))
        np.multiply(z, phi, out=out, casting="same_kind")
        return out

    def backward(self, z, a, grad_a, out, scratch):
        z64 = z.astype(np.float64)
        cdf = 0.5 * (1.0 + erf(z64 * _SQRT_HALF))
        pdf = np.exp(-0.5 * z64 * z64) * _INV_SQRT_2PI
        np.copyto(scratch, cdf + z64 * pdf, casting="same_kind")
        return np.multiply(grad_a, scratch, out=out)


_max_reduce, _add_reduce = np.maximum.reduce, np.add.reduce


class Softmax(Activation):
    """``aᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)`` along each row, computed with the maximum subtracted first
    so that large logits do not overflow."""

    name, formula, derivative = "softmax", "aᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)", "∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ)"
    elementwise = False

    def forward(self, z, out, axis: int = 1):
        """Along ``axis`` (1: rows are samples; 0: columns are, as the layers store them)."""
        # the ufuncs' own reduce: z.max()/out.sum() add a Python wrapper per call, which
        # shows on the small batches of a tiny network
        np.subtract(z, _max_reduce(z, axis, None, None, True), out=out)
        np.exp(out, out=out)
        np.divide(out, _add_reduce(out, axis, None, None, True), out=out)
        return out

    def backward(self, z, a, grad_a, out, scratch, axis: int = 1):
        # Jacobian-vector product: δ = a ⊙ (g − Σⱼ gⱼ aⱼ)
        inner = np.sum(grad_a * a, axis=axis, keepdims=True)
        np.subtract(grad_a, inner, out=out)
        out *= a
        return out


ACTIVATIONS: dict[str, Activation] = {
    cls.name: cls() for cls in (Linear, ReLU, LeakyReLU, Tanh, Sigmoid, ELU, GELU, Softmax)
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
