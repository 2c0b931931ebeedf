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
