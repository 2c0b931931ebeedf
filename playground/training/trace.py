"""The numbers of one backpropagation iteration, collected from the phase stepper.

:func:`trace_iteration` steps a trainer through one iteration with
:meth:`~playground.training.trainer.Trainer.phases` (the same code path as training) and gathers what
each phase produced into a JSON-ready dict::

    {"epoch": 1, "batch": 1, "input": [[…]], "target": […], "prediction": [[…]], "loss": …,
     "learning_rate": …, "layers": [{"z", "a", "error_signal", "grad_W", "grad_b",
                                     "W_before", "b_before", "W_after", "b_after", …}, …]}

Layers are listed from the first hidden layer to the output layer; a bias-free layer has
no ``grad_b``, ``b_before`` or ``b_after``. Small enough to check by hand on the classic XOR
network.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .trainer import Trainer


def _plain(value: Any) -> Any:
    """JSON-ready values. float32 numbers are written with the shortest digits that identify
    them as float32 (0.4757645, not 0.47576451301574707), so they read like what was computed."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype == np.float32:
        return np.asarray(value).astype(str).astype(np.float64).tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def trace_iteration(trainer: Trainer, batch: int = 1) -> dict:
    """Train ``batch − 1`` iterations, then trace the next one (batch numbers count from 1
    within the current epoch's sequence of iterations)."""
    if batch < 1:
        raise ValueError("--batch counts from 1")
    for _ in range(batch - 1):
        if trainer.finished:
            break
        trainer.train_batch()
    if trainer.finished:
        raise ValueError(f"training ended before batch {batch}: {trainer.stop_reason}")
    epoch, batch_in_epoch = trainer.epoch + 1, trainer.batch_in_epoch + 1
    layers: list[dict[str, Any]] = [{} for _ in trainer.network.layers]
    out: dict[str, Any] = {"epoch": epoch, "batch": batch_in_epoch,
                           "iteration": trainer.iteration + 1}
    phases = []
    for phase in trainer.phases():
        phases.append({"phase": phase.title, "formula": phase.formula})
        v = phase.values
        if phase.kind == "forward":
            entry = layers[phase.layer]
            if phase.layer == 0:
                out["input"] = _plain(v["a_prev"])
            entry.update(z=v["z"], a=v["a"])
            if "mask" in v:
                entry.update(dropout_mask=v["mask"], output_after_dropout=v["out"])
        elif phase.kind == "loss":
            out.update(target=_plain(v["target"]), prediction=_plain(v["prediction"]),
                       loss=_plain(v["loss"]), data_loss=_plain(v["data_loss"]),
                       penalty=_plain(v["penalty"]))
        elif phase.kind == "backward":
            entry = layers[phase.layer]
            entry.update(error_signal=v["delta"], grad_W=v["grad_W"])
            if "grad_b" in v:
                entry["grad_b"] = v["grad_b"]
            if "f_prime" in v:
                entry["activation_derivative"] = v["f_prime"]
            if "penalty_grad_W" in v:
                entry["penalty_grad_W"] = v["penalty_grad_W"]
        elif phase.kind == "update":
            out.update(learning_rate=float(v["learning_rate"]),
                       gradient_norm=float(v["grad_norm"]), clip_scale=float(v["clip_scale"]))
            for entry, upd in zip(layers, phase.per_layer):
                entry.update({key: upd[key] for key in ("W_before", "b_before", "W_after",
                                                        "b_after") if key in upd})
    if "learning_rate" not in out:
        raise ValueError(f"the iteration did not complete: {trainer.stop_reason}")
    net = trainer.network
    out["layers"] = [
        {"layer": i + 1, "units": layer.units, "activation": layer.activation.name,
         **{k: _plain(val) for k, val in entry.items()}}
        for i, (layer, entry) in enumerate(zip(net.layers, layers))]
    out["loss_function"] = trainer.loss.name
    out["optimizer"] = {"name": trainer.optimizer.name,
                        "update": trainer.optimizer.update_formula()}
    out["phases"] = phases
    return out
