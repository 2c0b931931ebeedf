"""Whether the error signal reaches the first layer: vanishing and exploding gradients.

Backpropagation multiplies the error signal ``δ = ∂L/∂z`` by each layer's weights and by the
derivative of its activation on the way back. When the product shrinks layer after layer
(sigmoid stacks: the derivative is at most 1/4) the first layers barely learn; when it grows
(large initial weights, many linear layers) the updates blow up. The rule here compares the
first layer's ‖δ‖ with the last layer's: below 1/1000 is *vanishing*, above 1000× is
*exploding*. A first layer that gets no error signal at all (zero initialization, all-dead
ReLUs) is vanishing with ratio 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: ratio first/last layer ‖δ‖ beyond which the error signal counts as vanishing / exploding
VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3


@dataclass(frozen=True)
class GradientHealth:
    kind: str            # "" (healthy or unknown), "vanishing" or "exploding"
    ratio: float         # ‖δ‖ of the first layer / ‖δ‖ of the last (nan when unknown)
    layers: int


def gradient_health(norms: Sequence[float]) -> GradientHealth:
    """Classify per-layer ‖δ‖ (first layer first). Unknown (non-finite norms, a last layer
    with no error signal, a single layer) is healthy: nothing is claimed."""
    n = len(norms)
    if n < 2:
        return GradientHealth("", math.nan, n)
    first, last = float(norms[0]), float(norms[-1])
    if not (math.isfinite(first) and math.isfinite(last)) or last <= 0 or first < 0:
        return GradientHealth("", math.nan, n)
    ratio = first / last
    if ratio < VANISHING_RATIO:
        return GradientHealth("vanishing", ratio, n)
    if ratio > EXPLODING_RATIO:
        return GradientHealth("exploding", ratio, n)
    return GradientHealth("", ratio, n)


#: samples of the probe batch the error signal is measured on (as the Snapshot's)
PROBE_SAMPLES = 256


def probe_error_signal(trainer, params: np.ndarray | None = None) -> list[float]:
    """‖δ‖ per layer on the first training samples (no dropout), at ``params`` if given (the
    network's own otherwise). The trainer's weights and gradients are put back bitwise."""
    from playground.nn.backprop import IterationResult, iteration

    net = trainer.network
    n = min(PROBE_SAMPLES, len(trainer.X_train))
    if n == 0:
        return []
    saved_params = net.params.copy() if params is not None else None
    saved_grads = net.grads.copy()
    try:
        if params is not None:
            net.params[...] = params
        ws = net.workspace(n, training=False)
        with np.errstate(all="ignore"):
            for _ in iteration(net, trainer.loss, trainer.X_train[:n], trainer.Y_train[:n], ws,
                               rng=None, training=False, l1=trainer.l1, l2=trainer.l2,
                               result=IterationResult()):
                pass
            return [float(np.sqrt(np.vdot(buf.delta, buf.delta))) for buf in ws.layers]
    finally:
        if saved_params is not None:
            net.params[...] = saved_params
        net.grads[...] = saved_grads
