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

from typing import Callable

import numpy as np

from playground.data import Dataset

_add_reduce = np.add.reduce


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


def predicted_labels(output: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The predicted class of each row: arg-max, or output > 0.5 for a single unit
    (written into ``out`` when given: an intp array of len(output))."""
    if output.shape[1] > 1:
        return np.argmax(output, axis=1, out=out)
    labels = (output[:, 0] > 0.5).astype(np.intp)
    if out is None:
        return labels
    out[...] = labels
    return out


def true_labels(target: np.ndarray) -> np.ndarray:
    """The class of each row of an encoded target (labels, a 0/1 column, or one-hot rows)."""
    if target.ndim == 1:
        return target
    if target.shape[1] == 1:
        return (target[:, 0] > 0.5).astype(np.intp)
    return target.argmax(axis=1)


def correct_count(output: np.ndarray, target: np.ndarray) -> int:
    return int(np.count_nonzero(predicted_labels(output) == true_labels(target)))


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """Counts ``[true class, predicted class]`` (k × k, int64)."""
    flat = np.asarray(truth, np.intp) * k + np.asarray(predicted, np.intp)
    return np.bincount(flat, minlength=k * k).reshape(k, k).astype(np.int64)


def total_sum_of_squares(target: np.ndarray) -> float:
    if len(target) == 0:
        return float("nan")
    centered = target - target.mean(axis=0, dtype=np.float64)
    return float(np.vdot(centered, centered))


class EpochMetrics:
    """Running loss / accuracy / R² over the batches of the current epoch.

    For classification the predicted and true class of every sample seen this epoch are kept
    (two integer arrays of the training-set size, written in place per batch), so accuracy
    and the training confusion matrix come out of one pass at the end of the epoch.
    """

    def __init__(self, task: str, n_classes: int, Y_train: np.ndarray):
        self.regression = task == "regression"
        self.sst = total_sum_of_squares(Y_train) if self.regression else None
        self.classes = 0 if self.regression else n_classes
        size = 0 if self.regression else len(Y_train)
        self._pred = np.zeros(size, np.intp)
        self._truth = np.zeros(size, np.intp)
        self.reset()

    def staging(self, dtype) -> np.ndarray:
        """The buffer (one slot per training sample, in the epoch's order) into which a
        cross-entropy batch's right-class probabilities are taken when its loss is left for
        later (``add_batch(None, …)``); made once."""
        if self._p is None or self._p.dtype != dtype or self._p.size < self._pred.size:
            self._p = np.empty(max(self._pred.size, 1), dtype)
        return self._p

    _p = None
    #: the true labels of the epoch in its order, when the caller keeps them (the trainer's
    #: epoch array, a batch's targets being its slice at the batch's place): not copied then
    shared_truth: np.ndarray | None = None

    def _truth_of_epoch(self) -> np.ndarray:
        return self._truth if self.shared_truth is None else self.shared_truth

    def reset(self) -> None:
        #: per batch since the last flush: (loss or None = still in the staging buffer,
        #: samples, where the batch starts in the epoch)
        self._batches = []
        self.loss_sum = 0.0
        self.seen = 0
        self.sse = 0.0
        self._correct_before = 0   # right answers counted before a restore (resumed runs)
        self._first = 0            # where this epoch's recorded labels start

    def state(self) -> dict:
        """The running sums (JSON-ready), for :meth:`restore`."""
        self._flush()
        return {"loss_sum": self.loss_sum, "seen": self.seen, "correct": self.correct,
                "sse": self.sse}

    def restore(self, loss_sum: float, seen: int, correct: int, sse: float) -> None:
        """Continue an epoch saved mid-way (its per-sample labels were not saved)."""
        self._batches = []
        self.loss_sum, self.seen, self.sse = loss_sum, seen, sse
        self._correct_before, self._first = correct, seen

    @property
    def correct(self) -> int:
        first, seen = self._first, self.seen
        return self._correct_before + int(np.count_nonzero(
            self._pred[first:seen] == self._truth_of_epoch()[first:seen]))

    def add_batch(self, loss: float | None, output: np.ndarray, target: np.ndarray) -> None:
        """``loss`` None: a cross-entropy loss whose right-class probabilities are in
        :meth:`staging` at this batch's place (the loss follows at the next flush)."""
        n = len(target)
        start = self.seen
        self._batches.append((loss, n, start))
        self.seen += n
        if self.regression:
            diff = output - target
            self.sse += float(np.vdot(diff, diff))
            return
        if self.seen > self._pred.size:          # never in an epoch; be safe anyway
            grow = max(self.seen, 2 * self._pred.size)
            self._pred = np.resize(self._pred, grow)
            self._truth = np.resize(self._truth, grow)
        if output.shape[1] > 1:
            output.argmax(1, self._pred[start:self.seen])     # predicted_labels, called direct
        else:
            predicted_labels(output, self._pred[start:self.seen])
        if self.shared_truth is None:
            self._truth[start:self.seen] = target if target.ndim == 1 else true_labels(target)

    def staged_adder(self, output: np.ndarray, n: int) -> Callable[[], bool] | None:
        """A function that does ``add_batch(None, output, target)`` for one more batch of
        ``n`` samples, each call, with what ``add_batch`` looks up per batch fixed once: a
        classification epoch whose true labels are shared (:attr:`shared_truth`) and whose
        outputs have a column per class. None where that does not hold (or the epoch's label
        buffer is full; the function then returns False): call :meth:`add_batch` then."""
        if self.regression or self.shared_truth is None or output.ndim != 2 \
                or output.shape[1] < 2 or output.shape[0] != n:
            return None
        def add() -> bool:
            start = self.seen
            end = start + n
            pred = self._pred
            if end > pred.size:
                return False
            self._batches.append((None, n, start))
            self.seen = end
            output.argmax(1, pred[start:end])
            return True
        return add

    def confusion(self) -> np.ndarray | None:
        """The confusion matrix of the batches seen since the epoch (or the restore) began."""
        if self.regression or self.seen <= self._first:
            return None
        return confusion_matrix(self._truth_of_epoch()[self._first:self.seen],
                                self._pred[self._first:self.seen], self.classes)

    def _flush(self) -> None:
        """Add the batches' losses to ``loss_sum``, in batch order. A staged batch's loss is
        ``−Σ log p / n`` as :meth:`CrossEntropy.value` computes it — the logarithm taken
        element-wise (the same per element however many at once), the sum in float64 over
        the batch's own samples — for all staged batches at once: one log, and one reduction
        over the rows of a (batches × batch size) array for the full batches (each row is the
        same float64 reduction of that batch; ``tests/engine/test_metrics.py`` checks it)."""
        batches = self._batches
        if not batches:
            return
        staged = [b for b in batches if b[0] is None]
        sums = {}
        if staged:
            lo, hi = staged[0][2], staged[-1][2] + staged[-1][1]
            size = staged[0][1]
            with np.errstate(all="ignore"):   # slots of batches not staged hold old values
                logs = np.log(self._p[lo:hi])
            full = (hi - lo) // size
            rows = _add_reduce(logs[:full * size].astype(np.float64).reshape(full, size), 1)
            for _, n, start in staged:
                row = (start - lo) // size
                if n == size and (start - lo) % size == 0 and row < full:
                    sums[start] = rows[row]
                else:
                    sums[start] = _add_reduce(logs[start - lo:start - lo + n], 0, np.float64)
        total = self.loss_sum
        for loss, n, start in batches:
            if loss is None:
                loss = -float(sums[start]) / n + 0.0      # as step(): data loss + 0.0
            total += loss * n
        self.loss_sum = total
        batches.clear()

    def epoch_logs(self) -> dict:
        self._flush()
        n = max(self.seen, 1)
        logs = {"train_loss": self.loss_sum / n}
        if self.regression:
            logs["train_r2"] = 1.0 - self.sse / self.sst if self.sst else float("nan")
        else:
            logs["train_accuracy"] = self.correct / n
        return logs


def evaluate(trainer, X: np.ndarray, Y: np.ndarray, chunk: int = 4096,
             with_confusion: bool = False) -> dict:
    """Loss (with penalty), accuracy or R² on ``(X, Y)`` in evaluation mode; {} if empty.
    ``with_confusion`` adds the confusion matrix (classification) under ``"confusion"``."""
    if len(X) == 0:
        return {}
    net, loss = trainer.network, trainer.loss
    classification = trainer.dataset.task != "regression"
    k = trainer.dataset.n_classes if classification else 0
    loss_sum, correct, sse = 0.0, 0, 0.0
    confusion = np.zeros((k, k), np.int64) if classification and with_confusion else None
    for start in range(0, len(X), chunk):
        xb, yb = X[start:start + chunk], Y[start:start + chunk]
        ws = net.workspace(len(xb), training=False)
        out = net.forward(xb, ws)
        last = ws.layers[-1]
        loss_sum += loss.value(last.z, last.a, yb) * len(xb)
        if not classification:
            diff = out - yb
            sse += float(np.vdot(diff, diff))
            continue
        predicted, truth = predicted_labels(out), true_labels(yb)
        correct += int(np.count_nonzero(predicted == truth))
        if confusion is not None:
            confusion += confusion_matrix(truth, predicted, k)
    n = len(X)
    result = {"loss": loss_sum / n + net.penalty(trainer.l1, trainer.l2)}
    if not classification:
        sst = total_sum_of_squares(Y)
        result["r2"] = 1.0 - sse / sst if sst else float("nan")
    else:
        result["accuracy"] = correct / n
        if confusion is not None:
            result["confusion"] = confusion
    return result
