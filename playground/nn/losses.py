"""Loss functions: one number that says how wrong the network is, and where backprop starts.

Every loss is a mean over the batch (PyTorch's ``reduction="mean"``). Backpropagation starts at
the last layer with its error signal ``δ_L = ∂L/∂z_L``. For the two classic pairs the chain
rule collapses to the same simple, numerically stable expression::

    softmax + cross-entropy:          δ_L = (ŷ − y_onehot) / N
    sigmoid + binary cross-entropy:   δ_L = (ŷ − y) / (N·K)

so we compute it directly from the prediction instead of multiplying ``∂L/∂ŷ`` by the
activation's derivative (which would divide by ŷ and lose precision). The values themselves are
computed from the logits ``z`` with the log-sum-exp trick, so they never take ``log(0)``.

Mean squared error works with any element-wise output activation:
``δ_L = 2(ŷ − y)/(N·K) ⊙ f′(z_L)``.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation

_add_reduce, _min_reduce = np.add.reduce, np.minimum.reduce

__all__ = ["Loss", "LOSSES", "get_loss"]


class Loss:
    name = ""
    formula = ""
    error_formula = ""
    #: the output activation this loss is fused with, or None for "any element-wise"
    fused_activation: str | None = None
    #: the shape of targets: "labels" (integer class per sample) or "matrix" (N×K floats)
    target_kind = "matrix"

    def value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """Mean loss of a batch from its logits ``z``, outputs ``a`` and targets ``y``."""
        raise NotImplementedError

    def error_signal(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
                     activation: Activation, out: np.ndarray, scratch: np.ndarray,
                     onehot: np.ndarray | None = None) -> np.ndarray:
        """Write ``δ_L = ∂L/∂z_L`` for the batch into ``out``. ``onehot``: the labels ``y`` as
        one-hot rows, when the caller has them (cross-entropy; the result is the same)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    name = "mse"
    formula = "L = mean((ŷ − y)²)"
    error_formula = "δ_L = 2(ŷ − y)/(N·K) ⊙ f′(z_L)"

    def value(self, z, a, y):
        diff = a - y
        return float(np.vdot(diff, diff)) / diff.size

    def error_signal(self, z, a, y, activation, out, scratch, onehot=None):
        np.subtract(a, y, out=out)
        out *= 2.0 / out.size
        return activation.backward(z, a, out, out, scratch)


class BinaryCrossEntropy(Loss):
    name = "binary_cross_entropy"
    formula = "L = −mean(y·log ŷ + (1 − y)·log(1 − ŷ))"
    error_formula = "δ_L = (ŷ − y)/(N·K)"
    fused_activation = "sigmoid"

    def value(self, z, a, y):
        # log(1 + e^(−|z|)) + max(z, 0) − z·y  equals the BCE of sigmoid(z), for any z.
        zf = z.astype(np.float64, copy=False)
        per = np.maximum(zf, 0) - zf * y + np.log1p(np.exp(-np.abs(zf)))
        return float(per.mean())

    def error_signal(self, z, a, y, activation, out, scratch, onehot=None):
        np.subtract(a, y, out=out)
        out *= 1.0 / out.size
        return out


class CrossEntropy(Loss):
    name = "cross_entropy"
    formula = "L = −mean(log ŷ_y)"
    error_formula = "δ_L = (ŷ − onehot(y))/N"
    fused_activation = "softmax"
    target_kind = "labels"

    def value(self, z, a, y):
        rows = _rows(z.shape[0])
        p = a[rows, y]
        if _min_reduce(p) > 1e-30:
            # the usual case: −log of the predicted probability of the right class
            np.log(p, out=p)
            return -float(_add_reduce(p, 0, np.float64)) / len(p)
        # a probability underflowed: −log softmax(z)_y = logsumexp(z) − z_y, exactly
        m = z.max(axis=1)
        shifted_sum = np.exp(z - m[:, None]).sum(axis=1)
        per = m + np.log(shifted_sum) - z[rows, y]
        return float(per.mean(dtype=np.float64))

    def error_signal(self, z, a, y, activation, out, scratch, onehot=None):
        # (ŷ − onehot(y)) · (1/N), as torch computes it; from one-hot rows two element-wise
        # calls, else the same numbers by subtracting 1 at each label (ŷ − 0 is exact)
        n = out.shape[0]
        if onehot is not None:
            np.subtract(a, onehot, out=out)
        else:
            np.copyto(out, a)
            out[_rows(n), y] -= 1.0
        np.multiply(out, _inverse(n, out.dtype), out=out)
        return out


_ROWS: dict[int, np.ndarray] = {}
_INVERSES: dict[tuple[int, np.dtype], np.ndarray] = {}


def _inverse(n: int, dtype) -> np.ndarray:
    """``1/n`` as a 0-d array of ``dtype``, cached: the value a Python ``1.0 / n`` becomes in
    arithmetic with a ``dtype`` array, without converting it on every call."""
    key = (n, dtype)
    value = _INVERSES.get(key)
    if value is None:
        value = _INVERSES[key] = np.array(1.0 / n, dtype)
    return value


def _rows(n: int) -> np.ndarray:
    """``arange(n)``, cached: the row index of every sample in a batch."""
    rows = _ROWS.get(n)
    if rows is None:
        rows = _ROWS[n] = np.arange(n)
    return rows


LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (MeanSquaredError, BinaryCrossEntropy,
                                                       CrossEntropy)}


def get_loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise KeyError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
