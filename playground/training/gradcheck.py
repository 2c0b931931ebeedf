"""Gradient checking: does backpropagation compute the true derivative of the loss?

For a parameter ``p`` the central difference ``(L(p + h) − L(p − h)) / 2h`` approximates
``∂L/∂p`` with an error of order ``h²``. We compare it with the analytic gradient from
:func:`playground.nn.backprop.gradients` — the same code path training uses — in float64 with
``h = 1e-6``, where the difference is typically 1e-9 or smaller relative to the gradient.

Per weight matrix and bias vector the relative error is
``‖g_analytic − g_numeric‖ / max(‖g_analytic‖, ‖g_numeric‖, floor)``; a layer's error is the
larger of its two. The *floor* keeps rounding noise from posing as an error: each loss value
carries a rounding error of about ``c·ε·|L|`` (ε the float64 epsilon, ``c = 16`` for the sums
inside the loss), so each central difference is uncertain by about ``c·ε·|L| / h`` — 1e-8 for a
loss near 1. Over ``n`` entries that is ``√n`` times more; the floor is that noise divided by
the threshold, so a tensor whose gradient is smaller than the noise can tell (the first layers
of a deep sigmoid stack, ‖g‖ ≈ 1e-5) passes when the two gradients agree to within the noise,
and a wrong derivative still fails. Gradients that are exactly 0 (zero initialisation) have
nothing to compare and report 0. Dropout is switched off (the check needs a fixed function);
the L1/L2 penalties are included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.nn.backprop import gradients
from playground.experiment import Experiment
from .trainer import Trainer

THRESHOLD = 1e-6
STEP = 1e-6
ZERO_NORM = 1e-8
#: rounding error of one loss evaluation, in units of ε·|L| (sums over samples and outputs)
ROUNDING_FACTOR = 16.0


@dataclass(frozen=True)
class LayerCheck:
    index: int
    name: str
    checked: int          # how many entries were compared
    total: int
    error_W: float
    error_b: float

    @property
    def error(self) -> float:
        return max(self.error_W, self.error_b)


@dataclass(frozen=True)
class GradcheckReport:
    layers: tuple[LayerCheck, ...]
    samples: int
    threshold: float = THRESHOLD
    loss: float = float("nan")        # the loss the differences were taken of

    @property
    def max_error(self) -> float:
        return max(layer.error for layer in self.layers)

    @property
    def passed(self) -> bool:
        return self.max_error <= self.threshold


def noise_floor(loss: float, entries: int, threshold: float = THRESHOLD) -> float:
    """The gradient norm below which a central difference cannot tell an error from rounding:
    the difference's rounding noise over ``entries`` entries, divided by ``threshold``."""
    per_entry = ROUNDING_FACTOR * np.finfo(np.float64).eps * max(abs(loss), 1e-300) / STEP
    return float(per_entry * np.sqrt(max(entries, 1)) / threshold)


def _relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float) -> float:
    scale = max(float(np.linalg.norm(analytic)), float(np.linalg.norm(numeric)))
    if scale < ZERO_NORM:
        return 0.0
    return float(np.linalg.norm(analytic - numeric)) / max(scale, floor)


def _loss(trainer: Trainer, x: np.ndarray, y: np.ndarray) -> float:
    net = trainer.network
    ws = net.workspace(x.shape[0], training=False)
    net.forward(x, ws)
    last = ws.layers[-1]
    return trainer.loss.value(last.z, last.a, y) + net.penalty(trainer.l1, trainer.l2)


def check_gradients(experiment: Experiment, *, samples: int = 16, max_entries: int = 300,
                    seed: int = 0, weights: dict | None = None,
                    dataset=None) -> GradcheckReport:
    """Check every layer on up to ``samples`` training samples; tensors with more than
    ``max_entries`` entries are checked on a seeded random subset of that many. ``weights``
    (``W0, b0, …``) check at a trained state instead of the initial one."""
    trainer = Trainer(experiment.replace("training.dtype", "float64"), dataset=dataset)
    if weights is not None:
        trainer.network.set_weights(weights)
    rng = np.random.default_rng(seed)
    n = min(samples, len(trainer.X_train))
    x, y = trainer.X_train[:n], trainer.Y_train[:n]
    net = trainer.network
    _, analytic = gradients(net, trainer.loss, x, y, l1=trainer.l1, l2=trainer.l2)
    loss = _loss(trainer, x, y)
    params = net.params
    results = []
    for i, (layer, (w_slice, b_slice)) in enumerate(zip(net.layers, net.slices)):
        errors, checked = [], 0
        for part in (w_slice, b_slice):
            if part is None:            # a layer without a bias: nothing to check
                errors.append(0.0)
                continue
            indices = np.arange(part.start, part.stop)
            if indices.size > max_entries:
                indices = np.sort(rng.choice(indices, max_entries, replace=False))
            numeric = np.empty(indices.size)
            for j, p in enumerate(indices):
                original = params[p]
                params[p] = original + STEP
                plus = _loss(trainer, x, y)
                params[p] = original - STEP
                minus = _loss(trainer, x, y)
                params[p] = original
                numeric[j] = (plus - minus) / (2 * STEP)
            errors.append(_relative_error(analytic[indices], numeric,
                                          noise_floor(loss, indices.size)))
            checked += indices.size
        results.append(LayerCheck(i, f"layer {i + 1}: {layer.describe()}", checked,
                                  layer.n_params, errors[0], errors[1]))
    return GradcheckReport(tuple(results), n, loss=loss)
