"""How well the network does: targets in the shape each loss wants, accuracy, R², evaluation.

Classification data carries integer labels. What the network is trained against depends on the
loss and the output layer:

* ``cross_entropy`` (softmax, K units): the labels themselves;
* ``binary_cross_entropy`` (sigmoid, 1 unit, 2 classes): a column of 0/1;
* ``mse`` with 1 unit and 2 classes: a column of 0/1 (the classic XOR network);
  with K units: one-hot rows.

Accuracy compares the predicted class (arg-max, or output > 0.5 for a single unit) with the
label. Regression reports R² = 1 − Σ(ŷ − y)² / Σ(y − ȳ)², the share of the target's variance
the network explains (1 is perfect, 0 is "always predict the mean").

The training numbers of an epoch are running means over its batches, weighted by batch size,
taken while the weights change (as Keras reports them); validation numbers come from one pass
over the validation set at the end of the epoch, without dropout. Both include the L1/L2
penalty in the loss (Keras convention), so they are comparable.
"""

from __future__ import annotations

import numpy as np

from .data import Dataset
from .errors import ExperimentError


def check_compatibility(ds: Dataset, network: dict) -> None:
    """Raise ExperimentError (naming the key) if the output layer or loss does not fit."""
    layers, loss = network["layers"], network["loss"]
    last = len(layers) - 1
    units = layers[last]["units"]
    path = f"network.layers[{last}].units"
    name = ds.source
    if ds.task == "regression":
        if loss != "mse":
            raise ExperimentError("network.loss", f"the {name} data is a regression task; use "
                                                  f"the mse loss, not {loss}")
        if units != ds.n_targets:
            raise ExperimentError(path, f"the {name} data has {ds.n_targets} target(s); the "
                                        f"output layer needs {ds.n_targets} unit(s), not {units}")
        return
    k = ds.n_classes
    if loss == "cross_entropy" and units != k:
        raise ExperimentError(path, f"the {name} data has {k} classes; the output layer needs "
                                    f"{k} units for cross_entropy, not {units}")
    if loss == "binary_cross_entropy":
        if k != 2:
            raise ExperimentError("network.loss", f"binary_cross_entropy needs 2 classes; the "
                                                  f"{name} data has {k} (use cross_entropy)")
        if units != 1:
            raise ExperimentError(path, f"binary_cross_entropy needs 1 output unit, not {units}")
    if loss == "mse" and not (units == k or (units == 1 and k == 2)):
        need = "1 unit (0/1 target) or 2 units (one-hot)" if k == 2 else f"{k} units (one-hot)"
        raise ExperimentError(path, f"the {name} data has {k} classes; with mse the output "
                                    f"layer needs {need}, not {units}")


def encode_targets(ds: Dataset, y: np.ndarray, loss, network: dict, dtype) -> np.ndarray:
    if ds.task == "regression":
        # (n, targets) even for an empty validation set, where reshape(0, -1) is ambiguous
        return np.ascontiguousarray(np.asarray(y).reshape(len(y), ds.n_targets), dtype=dtype)
    labels = np.asarray(y, dtype=np.intp)
    if loss.target_kind == "labels":
        return np.ascontiguousarray(labels)
    units = network["layers"][-1]["units"]
    if units == 1:
        return labels.reshape(-1, 1).astype(dtype)
    return np.eye(units, dtype=dtype)[labels]


def correct_count(output: np.ndarray, target: np.ndarray) -> int:
    if target.ndim == 1:                              # integer labels
        return int(np.count_nonzero(output.argmax(axis=1) == target))
    if output.shape[1] == 1:                          # one unit: threshold at 0.5
        return int(np.count_nonzero((output > 0.5) == (target > 0.5)))
    return int(np.count_nonzero(output.argmax(axis=1) == target.argmax(axis=1)))


def total_sum_of_squares(target: np.ndarray) -> float:
    if len(target) == 0:
        return float("nan")
    centered = target - target.mean(axis=0, dtype=np.float64)
    return float(np.vdot(centered, centered))


class EpochMetrics:
    """Running loss / accuracy / R² over the batches of the current epoch."""

    def __init__(self, trainer):
        self.regression = trainer.dataset.task == "regression"
        self.sst = total_sum_of_squares(trainer.Y_train) if self.regression else None
        self.reset()

    def reset(self) -> None:
        self.loss_sum = 0.0
        self.seen = 0
        self.correct = 0
        self.sse = 0.0

    def add_batch(self, loss: float, output: np.ndarray, target: np.ndarray) -> None:
        n = len(target)
        self.loss_sum += loss * n
        self.seen += n
        if self.regression:
            diff = output - target
            self.sse += float(np.vdot(diff, diff))
        else:
            self.correct += correct_count(output, target)

    def epoch_logs(self) -> dict:
        n = max(self.seen, 1)
        logs = {"train_loss": self.loss_sum / n}
        if self.regression:
            logs["train_r2"] = 1.0 - self.sse / self.sst if self.sst else float("nan")
        else:
            logs["train_accuracy"] = self.correct / n
        return logs


def evaluate(trainer, X: np.ndarray, Y: np.ndarray, chunk: int = 4096) -> dict:
    """Loss (with penalty), accuracy or R² on ``(X, Y)`` in evaluation mode; {} if empty."""
    if len(X) == 0:
        return {}
    net, loss = trainer.network, trainer.loss
    loss_sum, correct, sse = 0.0, 0, 0.0
    for start in range(0, len(X), chunk):
        xb, yb = X[start:start + chunk], Y[start:start + chunk]
        ws = net.workspace(len(xb), training=False)
        out = net.forward(xb, ws)
        last = ws.layers[-1]
        loss_sum += loss.value(last.z, last.a, yb) * len(xb)
        if trainer.dataset.task == "regression":
            diff = out - yb
            sse += float(np.vdot(diff, diff))
        else:
            correct += correct_count(out, yb)
    n = len(X)
    result = {"loss": loss_sum / n + net.penalty(trainer.l1, trainer.l2)}
    if trainer.dataset.task == "regression":
        sst = total_sum_of_squares(Y)
        result["r2"] = 1.0 - sse / sst if sst else float("nan")
    else:
        result["accuracy"] = correct / n
    return result
