"""The Dense layer: ``z = a_prev @ W + b``, ``a = f(z)``, then (training only) dropout.

A layer made with ``"use_bias": false`` has no ``b`` at all (``b`` and ``grad_b`` are None):
``z = a_prev W``, and nothing about a bias is computed, stored or shown.

A layer knows how to do its three parts of backpropagation:

``forward``
    ``z = a_prev W + b``; ``a = f(z)``; with dropout in training, ``out = a ⊙ m`` where
    ``m`` is 0 with probability ``rate`` and ``1/(1 − rate)`` otherwise (inverted dropout, so
    nothing changes at evaluation time).
``error_signal``
    given ``∂L/∂out`` from the layer above, ``δ = (∂L/∂out ⊙ m) ⊙ f′(z)``.
``parameter_gradients``
    ``∂L/∂W = a_prevᵀ δ`` (+ the penalty's gradient), ``∂L/∂b = Σ_rows δ``.
``propagate``
    ``∂L/∂a_prev = δ Wᵀ``, what the layer below needs.

The layer does not own its arrays: ``W``, ``b`` and their gradients are views into the
network's single flat parameter and gradient buffers (one optimizer call updates everything),
and the per-batch arrays (``z``, ``a``, ``δ`` …) live in a :class:`LayerBuffers` the network
allocates once per batch size. Nothing is allocated inside a training step.

Two layouts make small batches cheap (each NumPy call costs ~0.3–1 µs there): ``b`` follows
``W`` in the flat buffer, so ``[W; b]`` is one matrix and, with a column of ones beside the
layer's input (``[a_prev, 1]``), ``z = [a_prev, 1] [W; b]`` and ``∂L/∂[W; b] = [a_prev, 1]ᵀ δ``
are single products (no bias add, no bias-gradient sum); and the per-batch arrays are stored
transposed (see :class:`LayerBuffers`), so element-wise work runs over contiguous memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation

# bound once: these run several times per layer per batch, where attribute lookups show
_matmul, _add, _add_reduce = np.matmul, np.add, np.add.reduce


@dataclass
class LayerBuffers:
    """Per-batch arrays of one layer, reused for every batch of the same size.

    Each ``(batch, units)`` array is the transposed view of a C-ordered ``(units, batch)``
    array (``zT``, ``aT``, ``deltaT``, ``scratchT``): the layers compute ``zᵀ = [W; b]ᵀ [a, 1]ᵀ``
    and ``δ_prevᵀ = W δᵀ``, so every element-wise call runs over contiguous memory and the
    column of ones beside ``out`` (``ext``) is a contiguous row of ``extT``. Readers see
    ordinary ``(batch, units)`` arrays."""

    z: np.ndarray            # pre-activation
    a: np.ndarray            # activation f(z) (the same array as z for a linear layer)
    out: np.ndarray          # what the next layer sees: a, or a ⊙ mask with dropout
    delta: np.ndarray        # error signal ∂L/∂z
    scratch: np.ndarray      # temporary for derivatives
    mask: np.ndarray | None  # dropout mask (0 or 1/keep), None when the layer has no dropout
    uniform: np.ndarray | None  # random numbers behind the mask
    dropout_active: bool = False  # whether `mask` was applied in the last forward pass
    #: ``[out, 1]``: ``out`` with a column of ones beside it (``out`` is a view of its first
    #: columns), so that the next layer's product ``[out, 1] [W; b]`` adds the bias itself;
    #: None for the output layer
    ext: np.ndarray | None = None
    #: the C-ordered (units, batch) arrays behind z, a, delta and scratch
    zT: np.ndarray | None = None
    aT: np.ndarray | None = None
    deltaT: np.ndarray | None = None
    scratchT: np.ndarray | None = None


class Dense:
    """A fully connected layer with an activation and optional dropout on its output."""

    def __init__(self, fan_in: int, units: int, activation: Activation, init: str,
                 dropout: float, W: np.ndarray, b: np.ndarray | None, grad_W: np.ndarray,
                 grad_b: np.ndarray | None, Wb: np.ndarray | None = None,
                 grad_Wb: np.ndarray | None = None):
        self.fan_in = fan_in
        self.units = units
        self.activation = activation
        self.init = init
        self.dropout = float(dropout)
        self.W, self.b, self.grad_W, self.grad_b = W, b, grad_W, grad_b
        self.W_T = W.T          # views, made once: the passes need them every batch
        self.b_column = None if b is None else b[:, None]
        #: ``[W; b]`` and its gradient as one (fan_in + 1) × units matrix, when the caller
        #: has them as views (the network does: b is stored right after W), else None
        self.Wb, self.grad_Wb = (Wb, grad_Wb) if b is not None else (None, None)
        self.Wb_T = None if self.Wb is None else self.Wb.T

    @property
    def use_bias(self) -> bool:
        """False for a bias-free layer (``"use_bias": false``): ``b`` and ``grad_b`` are None."""
        return self.b is not None

    @property
    def n_params(self) -> int:
        return self.W.size + (self.b.size if self.b is not None else 0)

    def make_buffers(self, batch: int, dtype, with_dropout: bool,
                     extended: bool = False) -> LayerBuffers:
        """The per-batch arrays; ``extended``: ``out`` gets a column of ones beside it
        (``buf.ext``), for the next layer's bias."""
        shape, shape_t = (batch, self.units), (self.units, batch)
        ext_t = np.ones((self.units + 1, batch), dtype) if extended else None
        z_t = np.empty(shape_t, dtype)
        linear = self.activation.name == "linear"
        mask = uniform = None
        out_t = ext_t[:-1] if extended else None
        if with_dropout:
            mask = np.empty(shape, dtype)
            uniform = np.empty(shape, dtype)
            a_t = z_t if linear else np.empty(shape_t, dtype)
            if out_t is None:
                out_t = np.empty(shape_t, dtype)
        else:
            if out_t is None:
                out_t = z_t if linear else np.empty(shape_t, dtype)
            a_t = out_t
        delta_t, scratch_t = np.empty(shape_t, dtype), np.empty(shape_t, dtype)
        z = z_t.T
        a = z if a_t is z_t else a_t.T
        out = a if out_t is a_t else out_t.T
        return LayerBuffers(z=z, a=a, out=out, delta=delta_t.T, scratch=scratch_t.T,
                            mask=mask, uniform=uniform,
                            ext=None if ext_t is None else ext_t.T,
                            zT=z_t, aT=a_t, deltaT=delta_t, scratchT=scratch_t)

    # -- forward -------------------------------------------------------------------------
    def forward(self, a_prev: np.ndarray, buf: LayerBuffers, training: bool,
                rng: np.random.Generator | None, a_prev_ext: np.ndarray | None = None
                ) -> np.ndarray:
        """``a_prev_ext``: ``[a_prev, 1]`` when the caller has it; the product with
        ``[W; b]`` then adds the bias (one matrix product instead of a product and a sum)."""
        z_t = buf.zT
        if a_prev_ext is not None and self.Wb is not None:
            _matmul(self.Wb_T, a_prev_ext.T, out=z_t)
        else:
            _matmul(self.W_T, a_prev.T, out=z_t)
            if self.b is not None:
                _add(z_t, self.b_column, out=z_t)
        if self.activation.elementwise:
            self.activation.forward(z_t, buf.aT)
        else:
            self.activation.forward(z_t, buf.aT, 0)      # softmax over each column
        if buf.mask is None:
            return buf.a
        buf.dropout_active = training and self.dropout > 0.0
        if not buf.dropout_active:
            np.copyto(buf.out, buf.a)
            return buf.out
        keep = 1.0 - self.dropout
        rng.random(out=buf.uniform, dtype=buf.uniform.dtype)
        np.less(buf.uniform, keep, out=buf.mask)
        buf.mask *= 1.0 / keep
        np.multiply(buf.a, buf.mask, out=buf.out)
        return buf.out

    # -- backward ------------------------------------------------------------------------
    def error_signal(self, grad_out: np.ndarray, buf: LayerBuffers) -> np.ndarray:
        """δ = (∂L/∂out ⊙ mask) ⊙ f′(z), written into ``buf.delta`` (``grad_out`` may be it)."""
        if buf.mask is not None and buf.dropout_active:
            np.multiply(grad_out, buf.mask, out=buf.delta)
            grad_out = buf.delta
        if self.activation.elementwise:
            self.activation.backward(buf.zT, buf.aT, grad_out.T, buf.deltaT, buf.scratchT)
        else:
            self.activation.backward(buf.zT, buf.aT, grad_out.T, buf.deltaT, buf.scratchT, 0)
        return buf.delta

    def parameter_gradients(self, a_prev: np.ndarray, delta: np.ndarray, l1: float,
                            l2: float, a_prev_ext: np.ndarray | None = None) -> None:
        """∂L/∂W = a_prevᵀ δ + 2·l2·W + l1·sign(W) and ∂L/∂b = Σ δ, into the grad views.
        With ``a_prev_ext`` = ``[a_prev, 1]`` both come out of one product
        ``[a_prev, 1]ᵀ δ`` (its last row is Σ δ)."""
        if a_prev_ext is not None and self.grad_Wb is not None:
            _matmul(a_prev_ext.T, delta, out=self.grad_Wb)
        else:
            _matmul(a_prev.T, delta, out=self.grad_W)
            if self.grad_b is not None:
                _add_reduce(delta, 0, None, self.grad_b)
        if l2:
            self.grad_W += (2.0 * l2) * self.W
        if l1:
            self.grad_W += l1 * np.sign(self.W)

    def propagate(self, delta: np.ndarray, out: np.ndarray) -> np.ndarray:
        """∂L/∂a_prev = δ Wᵀ, the gradient the layer below receives (computed as
        ``outᵀ = W δᵀ``: ``out`` is a layer buffer, the transpose of a C-ordered array)."""
        _matmul(self.W, delta.T, out=out.T)
        return out

    def penalty(self, l1: float, l2: float) -> float:
        total = 0.0
        if l1:
            total += l1 * float(np.abs(self.W).sum(dtype=np.float64))
        if l2:
            total += l2 * float(np.vdot(self.W, self.W))
        return total

    def describe(self) -> str:
        text = f"{self.units} {self.activation.name}"
        if self.b is None:
            text += ", no bias"
        if self.dropout:
            text += f", dropout {self.dropout:g}"
        return text

