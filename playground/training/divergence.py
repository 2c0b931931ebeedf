"""When training has diverged, and why: the rule the trainer asks after every epoch.

A loss that is not a finite number has diverged, but so has one that stays far above what
predicting a constant would cost: SGD at learning rate 1000 on the spiral "completes" at a loss
of 2,596 where guessing costs 0.69. :func:`runaway_loss` says so once the loss has been more
than :data:`GROWTH` times that baseline for :data:`PATIENCE` epochs in a row.
:func:`likely_cause` then names the culprit: data that overflow the training dtype, weights
that were not finite before the epoch began (a damaged saved run), or else the learning rate.
"""

from __future__ import annotations

import math

import numpy as np

from .gradient_flow import gradient_health

GROWTH = 10.0
"""The loss has run away when it is this many times the constant-prediction baseline …"""
PATIENCE = 5
"""… for this many epochs in a row (a noisy start recovers sooner than that)."""
HUGE_DATA = 1e15
"""Inputs or targets beyond this size make products that overflow float32 after a few layers."""


def baseline_loss(loss, Y: np.ndarray) -> float:
    """The loss of the best constant prediction on targets ``Y`` (class frequencies for the
    cross-entropies, the mean for squared error): what a network that learned nothing costs."""
    if len(Y) == 0:
        return math.nan
    if loss.target_kind == "labels":
        labels = np.asarray(Y, dtype=np.int64).ravel()
        p = np.clip(np.bincount(labels) / len(labels), 1e-12, 1.0)
        a = np.tile(p, (len(labels), 1))
        return float(loss.value(np.log(a), a, labels))
    Y = np.asarray(Y, dtype=np.float64)
    mean = Y.mean(axis=0)
    if loss.fused_activation == "sigmoid":
        mean = np.clip(mean, 1e-12, 1 - 1e-12)
        z = np.tile(np.log(mean / (1 - mean)), (len(Y), 1))
        return float(loss.value(z, np.tile(mean, (len(Y), 1)), Y))
    a = np.tile(mean, (len(Y), 1))
    return float(loss.value(a, a, Y))


def runaway_loss(losses: np.ndarray, baseline: float, epoch: int | None = None) -> str | None:
    """What happened, when the last :data:`PATIENCE` training losses all exceed
    :data:`GROWTH` × ``baseline``; else None."""
    recent = np.asarray(losses[-PATIENCE:], dtype=np.float64)
    if len(recent) < PATIENCE or not math.isfinite(baseline) or baseline <= 0:
        return None
    limit = GROWTH * baseline
    if not np.all(recent > limit):
        return None
    last = float(recent[-1])
    at = f" at epoch {epoch}" if epoch is not None else ""
    return (f"the loss grew to {last:,.4g}{at}, {last / baseline:,.0f} times what predicting a "
            f"constant costs ({baseline:.3g}), and stayed over {GROWTH:g} times that for "
            f"{PATIENCE} epochs")


def check_runaway(trainer) -> str | None:
    """:func:`runaway_loss` for a trainer's history and training targets."""
    losses = trainer.history.column("train_loss")
    if len(losses) < PATIENCE:
        return None
    return runaway_loss(losses, baseline_loss(trainer.loss, trainer.Y_train), trainer.epoch)


def _data_problem(name: str, values: np.ndarray, raw: np.ndarray | None) -> str | None:
    if values.size == 0 or values.dtype.kind != "f":
        return None
    if not np.all(np.isfinite(values)):
        if raw is not None and raw.dtype != values.dtype and np.all(np.isfinite(raw)):
            big = float(np.max(np.abs(raw)))
            return (f"the {name} overflow {values.dtype} (values as large as {big:.3g}); "
                    "rescale the data")
        return f"the {name} hold infinite or NaN values (the data overflow); rescale the data"
    big = float(np.max(np.abs(values)))
    if big > HUGE_DATA:
        return (f"the {name} hold values as large as {big:.3g}, so the network's sums "
                "overflow; rescale the data or standardize it")
    return None


def likely_cause(trainer, checkpoint: tuple | None) -> str:
    """Why a trainer diverged, as the end of its stop reason; ``checkpoint`` is what the
    current epoch started from: ``(params, optimizer arrays, …)``."""
    ds = trainer.dataset
    targets_raw = ds.y_train if ds.task == "regression" else None
    for name, values, raw in (("training inputs", trainer.X_train, ds.X_train),
                              ("training targets", trainer.Y_train, targets_raw),
                              ("validation inputs", trainer.X_val, ds.X_val)):
        problem = _data_problem(name, values, raw)
        if problem:
            return f"{problem}; the learning rate is not the cause"
    if checkpoint is not None:
        params, arrays = checkpoint[0], checkpoint[1]
        if not np.all(np.isfinite(params)):
            return ("the weights were already infinite or NaN before this epoch's first "
                    "update (as read from a saved run?), so no learning rate can help; "
                    "reinitialize the network")
        bad = [key for key, value in arrays.items()
               if value.dtype.kind == "f" and not np.all(np.isfinite(value))]
        if bad:
            return (f"the optimizer's state ({', '.join(sorted(bad))}) was already infinite "
                    "or NaN before this epoch (as read from a saved run?); reset the "
                    "optimizer")
    norms = trainer.last_finite_error_signal or []
    health = gradient_health(norms)
    if health.kind == "exploding":
        return (f"the error signal grows layer by layer (‖δ‖ in layer 1 was "
                f"{health.ratio:,.0f} × ‖δ‖ in layer {health.layers} before it diverged): the "
                "initialization or the depth is the likely cause, not the learning rate; try "
                "Xavier/He initialization, fewer layers, or gradient clipping "
                "(training.clip_norm)")
    growing = _grew_epoch_over_epoch(trainer.history.column("train_loss"))
    return (f"the learning rate ({trainer.optimizer.learning_rate:g}) is probably too high"
            + ("; the loss grew epoch over epoch" if growing else ""))


def _grew_epoch_over_epoch(losses: np.ndarray, epochs: int = 3) -> bool:
    """The last ``epochs`` finite training losses each larger than the one before."""
    finite = np.asarray(losses, dtype=np.float64)
    finite = finite[np.isfinite(finite)][-epochs:]
    return len(finite) == epochs and bool(np.all(np.diff(finite) > 0))
