"""Checkpoints: what a lesson step asks the numbers of training to show before moving on.

A checkpoint is an object of conditions that must all hold, for example
``{"val_loss_rose": 5}`` (validation loss rose 5 epochs in a row), ``{"error_signal_ratio_below":
1e-3}`` (‖δ‖ of layer 1 < 1/1000 of the last layer's, as
:mod:`playground.training.gradient_flow` measures it) or ``{"weight_changed_by": "-lr*grad",
"weight": [1, 0, 0]}`` (this weight moved by exactly −η·∂L/∂w in the update just stepped). Each
condition is judged from an :class:`Observation` — the latest snapshot, the run's history and
the phase the stepper showed — and reports the number it saw, so a learner (and ``lesson
--check``) reads *why* a checkpoint passed or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from playground import validation as v
from playground.errors import ExperimentError
from playground.training.gradient_flow import gradient_health

_NUMBER = ("loss_below", "loss_above", "val_loss_below", "val_loss_above",
           "accuracy_at_least", "accuracy_below", "val_accuracy_at_least",
           "error_signal_ratio_below", "error_signal_ratio_above")
_COUNT = ("val_loss_rose", "loss_rose_at_least", "iterations", "epochs")
_LAYER = ("units_identical", "units_differ")
_FLAG = ("diverged", "stopped_early")
_STEP = ("loss_below_step", "val_loss_below_step")
CONDITIONS = _NUMBER + _COUNT + _LAYER + _FLAG + _STEP + ("formula_holds",
                                                          "weight_changed_by", "weight")
WEIGHT_RULES = ("-lr*grad",)


@dataclass(frozen=True)
class Observation:
    """What the learner's actions in one step produced. ``history`` holds the run's columns
    from epoch 1; ``start_epoch``/``start_iteration`` are where the step began; ``phase`` is
    the last phase the stepper showed in this step (or None); ``earlier`` maps a 1-based step
    number to the Observation its checkpoint was judged on."""

    snapshot: Any
    history: dict
    start_epoch: int = 0
    start_iteration: int = 0
    phase: Any = None
    earlier: dict | None = None


@dataclass(frozen=True)
class Check:
    condition: str
    passed: bool
    seen: str                     # e.g. "loss 0.2400 < 0.3"


def validate_checkpoint(value: Any, where: str, layers: list[dict]) -> dict:
    v.check_object(value, where, CONDITIONS)
    out: dict = {}
    for key, item in value.items():
        p = f"{where}.{key}"
        if key in _NUMBER:
            out[key] = v.number(item, p)
        elif key in _COUNT:
            out[key] = v.integer(item, p, 1)
        elif key in _LAYER:
            out[key] = v.integer(item, p, 1, max(len(layers) - 1, 1))
        elif key in _FLAG or key == "formula_holds":
            out[key] = v.boolean(item, p)
        elif key in _STEP:
            out[key] = v.integer(item, p, 1)
        elif key == "weight_changed_by":
            out[key] = v.choice(item, p, WEIGHT_RULES)
    if "weight_changed_by" in value:
        out["weight"] = _weight(value.get("weight"), f"{where}.weight", layers)
    elif "weight" in value:
        raise ExperimentError(f"{where}.weight", "goes with weight_changed_by")
    return out


def _weight(value: Any, where: str, layers: list[dict]) -> tuple[int, int, int]:
    """[layer (1-based), row (input unit, 0-based), column (unit, 0-based)]."""
    if not isinstance(value, list) or len(value) != 3:
        raise ExperimentError(where, "must be [layer, row, column]: layer from 1, the row "
                                     "(input) and column (unit) of W from 0")
    layer = v.integer(value[0], f"{where}[0]", 1, len(layers))
    column = v.integer(value[2], f"{where}[2]", 0, layers[layer - 1]["units"] - 1)
    row = v.integer(value[1], f"{where}[1]", 0)
    if layer > 1:
        v.integer(row, f"{where}[1]", 0, layers[layer - 2]["units"] - 1)
    return layer, row, column


def evaluate(checkpoint: dict, obs: Observation) -> list[Check]:
    """One :class:`Check` per condition (the ``weight`` companion key is not one)."""
    return [_JUDGES[key](value, obs, checkpoint) for key, value in checkpoint.items()
            if key != "weight"]


def passed(checks: list[Check]) -> bool:
    return all(check.passed for check in checks)


# -- the numbers ------------------------------------------------------------------------------
def current_loss(obs: Observation, name: str) -> float | None:
    """The training or validation loss of the weights the network has now: the last epoch's,
    or the best epoch's when early stopping restored its weights."""
    snap = obs.snapshot
    column = obs.history.get(name)
    if column is None or not len(column):
        return None
    index = len(column) - 1
    if snap.stop_reason and "restored the weights" in snap.stop_reason and snap.best_epoch:
        index = snap.best_epoch - 1
    value = float(column[index])
    return value if math.isfinite(value) else None


def _fmt(x: float | None) -> str:
    if x is None:
        return "none yet"
    return f"{x:.4g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


def _compare(label: str, value: float | None, op: str, limit: float) -> tuple[bool, str]:
    ok = value is not None and {"<": value < limit, ">": value > limit,
                                "≥": value >= limit}[op]
    return ok, f"{label} {_fmt(value)} {op if ok else _NOT[op]} {_fmt(limit)}"


_NOT = {"<": "≥", ">": "≤", "≥": "<"}


def _loss_check(name: str, label: str, op: str) -> Callable:
    def judge(limit, obs, _cp):
        return Check(label, *_compare(label, current_loss(obs, name), op, limit))
    return judge


def _accuracy_check(name: str, label: str, op: str) -> Callable:
    def judge(limit, obs, _cp):
        value = getattr(obs.snapshot, name)
        return Check(label, *_compare(label, value, op, limit))
    return judge


def _ratio(obs: Observation) -> float:
    return gradient_health([layer.error_signal_norm for layer in obs.snapshot.layers]).ratio


def _ratio_check(op: str) -> Callable:
    def judge(limit, obs, _cp):
        ratio = _ratio(obs)
        value = None if math.isnan(ratio) else ratio
        return Check("‖δ₁‖/‖δ_L‖", *_compare("‖δ₁‖/‖δ_last‖", value, op, limit))
    return judge


def _longest_rise(column: np.ndarray) -> int:
    best = run = 0
    for rose in np.diff(column) > 0:
        run = run + 1 if rose else 0
        best = max(best, run)
    return best


def _val_loss_rose(count, obs, _cp) -> Check:
    column = np.asarray(obs.history.get("val_loss", ()), dtype=float)
    longest = _longest_rise(column[np.isfinite(column)])
    return Check("val_loss_rose", longest >= count,
                 f"validation loss rose {longest} epochs in a row at most (need {count})")


def _loss_rose_at_least(count, obs, _cp) -> Check:
    column = np.asarray(obs.history.get("train_loss", ()), dtype=float)[obs.start_epoch:]
    rises = int(np.sum(np.diff(column[np.isfinite(column)]) > 0))
    return Check("loss_rose_at_least", rises >= count,
                 f"loss went up in {rises} of {max(len(column) - 1, 0)} epochs (need {count})")


def _count_check(name: str, label: str) -> Callable:
    def judge(count, obs, _cp):
        done = getattr(obs.snapshot, name) - (obs.start_iteration if name == "iteration"
                                              else obs.start_epoch)
        return Check(label, done == count, f"{done} {label} in this step (expected {count})")
    return judge


def _flag_check(name: str) -> Callable:
    def judge(wanted, obs, _cp):
        value = bool(getattr(obs.snapshot, name))
        word = name.replace("_", " ")
        return Check(name, value == wanted, word if value else f"not {word}")
    return judge


def _columns(obs: Observation, layer: int) -> np.ndarray | None:
    weights = obs.snapshot.weights
    return None if weights is None else np.asarray(weights[layer - 1][0])


def _units_check(identical: bool) -> Callable:
    def judge(layer, obs, _cp):
        W = _columns(obs, layer)
        if W is None:
            return Check("units", False, "the network is too large to compare its units")
        spread = float(np.max(np.ptp(W, axis=1))) if W.shape[1] > 1 else 0.0
        same = spread <= 1e-6 * max(1.0, float(np.max(np.abs(W))))
        word = "identical" if same else "different"
        return Check("units", same == identical,
                     f"the {W.shape[1]} units of layer {layer} have {word} weights "
                     f"(largest spread across units {_fmt(spread)})")
    return judge


def _below_step(name: str, label: str) -> Callable:
    def judge(step, obs, _cp):
        earlier = (obs.earlier or {}).get(step)
        then = current_loss(earlier, name) if earlier is not None else None
        now = current_loss(obs, name)
        ok = now is not None and then is not None and now < then
        return Check(label, ok, f"{label} {_fmt(now)} {'<' if ok else 'not <'} "
                                f"{_fmt(then)} (step {step})")
    return judge


def _weight_changed_by(rule, obs, cp) -> Check:
    layer, row, column = cp["weight"]
    phase = obs.phase
    name = f"W{layer}[{row},{column}]"
    if phase is None or phase.kind != "update":
        return Check("weight_changed_by", False, f"{name}: the update phase was not stepped yet")
    entry = phase.per_layer[layer - 1]
    before = float(entry["W_before"][row, column])
    after = float(entry["W_after"][row, column])
    grad = float(entry["grad_W"][row, column])
    lr = float(phase.values["learning_rate"])          # grad_W is the gradient as applied
    expected = -lr * grad
    change = after - before
    ok = math.isclose(change, expected, rel_tol=1e-4, abs_tol=1e-7)
    return Check("weight_changed_by", ok,
                 f"{name}: {before:.6g} → {after:.6g}, change {change:.6g} "
                 f"{'=' if ok else '≠'} −η·∂L/∂w = −{lr:g}·{grad:.6g} = {expected:.6g}")


def _formula_holds(wanted, obs, _cp) -> Check:
    """Recompute the stepped phase's formula from the numbers it shows: forward
    ``z = a_prev W + b``; backward ``∂L/∂W = a_prevᵀ δ`` and, below the top,
    ``δ = (δ_next W_nextᵀ) ⊙ f′(z)``."""
    phase = obs.phase
    if phase is None or phase.kind not in ("forward", "backward"):
        return Check("formula_holds", False, "no forward or backward phase was stepped")
    values, k = phase.values, phase.layer + 1
    if phase.kind == "forward":
        # a layer without a bias (use_bias false) has no "b": z = a_prev W
        shown, recomputed = values["z"], values["a_prev"] @ values["W"] + values.get("b", 0.0)
        what = (f"z{k}[-1,0] = {float(shown[-1, 0]):.6g}, a_prev·W + b = "
                f"{float(recomputed[-1, 0]):.6g}")
    else:
        shown, recomputed = values["grad_W"], values["a_prev"].T @ values["delta"]
        what = (f"∂L/∂W{k}[0,0] = {float(shown[0, 0]):.6g}, a_prevᵀδ = "
                f"{float(recomputed[0, 0]):.6g}")
        if "grad_out" in values and values.get("f_prime") is not None and "mask" not in values:
            chain = values["grad_out"] * values["f_prime"]
            what += (f"; δ{k}[0,0] = {float(values['delta'][0, 0]):.6g} = "
                     f"(δW)·f′(z) = {float(chain[0, 0]):.6g}")
            shown = np.concatenate([shown.ravel(), values["delta"].ravel()])
            recomputed = np.concatenate([recomputed.ravel(), chain.ravel()])
    holds = bool(np.allclose(shown, recomputed, rtol=1e-4, atol=1e-6))
    return Check("formula_holds", holds == wanted, what)


_JUDGES: dict[str, Callable] = {
    "formula_holds": _formula_holds,
    "loss_below": _loss_check("train_loss", "loss", "<"),
    "loss_above": _loss_check("train_loss", "loss", ">"),
    "val_loss_below": _loss_check("val_loss", "validation loss", "<"),
    "val_loss_above": _loss_check("val_loss", "validation loss", ">"),
    "accuracy_at_least": _accuracy_check("train_accuracy", "accuracy", "≥"),
    "accuracy_below": _accuracy_check("train_accuracy", "accuracy", "<"),
    "val_accuracy_at_least": _accuracy_check("val_accuracy", "validation accuracy", "≥"),
    "error_signal_ratio_below": _ratio_check("<"),
    "error_signal_ratio_above": _ratio_check(">"),
    "val_loss_rose": _val_loss_rose,
    "loss_rose_at_least": _loss_rose_at_least,
    "iterations": _count_check("iteration", "iterations"),
    "epochs": _count_check("epoch", "epochs"),
    "diverged": _flag_check("diverged"),
    "stopped_early": _flag_check("stopped_early"),
    "units_identical": _units_check(True),
    "units_differ": _units_check(False),
    "loss_below_step": _below_step("train_loss", "loss"),
    "val_loss_below_step": _below_step("val_loss", "validation loss"),
    "weight_changed_by": _weight_changed_by,
}
