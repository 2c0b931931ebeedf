"""Data typed into the experiment itself: ``"source": "table"`` with ``inputs`` and ``targets``.

A worked example from a textbook has one or four samples, not a file: ``inputs`` is a list of
rows of numbers (one row per sample, every row as long as the first) and ``targets`` one entry
per sample, which is

* a class label (a string, or a whole number) — classification;
* a number — regression with one output (or classification, inferred as for a CSV target:
  whole numbers with at most 20 distinct values, at least two of them, are class labels);
* a row of numbers — regression with several outputs (e.g. the two outputs of a 2-2-2
  network).

The result is the same :class:`~playground.data.table.FileTable` a CSV file becomes, so
splitting and standardizing happen exactly as for files. Every bad cell is reported with its
key path (``data.inputs[3][1]``) as a :class:`~playground.data.config.DataConfigError`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playground.errors import DataError
from .config import MAX_SAMPLES, DataConfigError
from .table import FileTable, encode_labels, infer_task

__all__ = ["read_inline"]


def _is_number(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and math.isfinite(value))


def _rows(inputs: Any) -> np.ndarray:
    if not isinstance(inputs, list) or not inputs:
        raise DataConfigError("inputs", "source 'table' needs inputs: a list of rows of "
                                        "numbers, one row per sample")
    if len(inputs) > MAX_SAMPLES:
        raise DataConfigError("inputs", f"at most {MAX_SAMPLES} samples, got {len(inputs)}")
    return _number_rows(inputs, "inputs", "must be a row (a list) of numbers, not {row!r}",
                        "expected {width} numbers like inputs[0], got {n}")


def _regression_rows(targets: list) -> np.ndarray:
    wrong = "expected a row of {width} numbers like targets[0], got {row!r}"
    return _number_rows(targets, "targets", wrong, wrong)


def _number_rows(rows: list, key: str, not_a_row: str, wrong_width: str) -> np.ndarray:
    """``rows`` as a float array: every row a list of the first row's width, every cell a
    finite number; a bad one is named by its key path (``inputs[3][1]``)."""
    width = None
    for i, row in enumerate(rows):
        if not isinstance(row, list) or not row:
            raise DataConfigError(f"{key}[{i}]", not_a_row.format(
                row=row, width=width if width is not None else (
                    len(rows[0]) if isinstance(rows[0], list) else 0)))
        width = len(row) if width is None else width
        if len(row) != width:
            raise DataConfigError(f"{key}[{i}]", wrong_width.format(width=width, n=len(row),
                                                                    row=row))
        for j, cell in enumerate(row):
            if not _is_number(cell):
                raise DataConfigError(f"{key}[{i}][{j}]", f"must be a finite number, not "
                                                          f"{cell!r}")
    return np.array(rows, dtype=np.float64)


def _labels_or_numbers(targets: list, task: str | None) -> tuple[str, np.ndarray]:
    """``(task, values)`` for a list of single targets (strings or numbers, not mixed)."""
    texts = [isinstance(t, str) for t in targets]
    for i, target in enumerate(targets):
        if not (isinstance(target, str) or _is_number(target)):
            raise DataConfigError(f"targets[{i}]", f"must be a class label, a number or a row "
                                                   f"of numbers, not {target!r}")
        if texts[i] != texts[0]:
            raise DataConfigError(f"targets[{i}]", "mixes text labels and numbers; write "
                                                   "every label the same way")
    if texts[0]:
        if task == "regression":
            raise DataConfigError("targets", "text labels cannot be a regression target "
                                             "(set task to classification or null)")
        return "classification", np.array(targets)
    values = np.array(targets, dtype=np.float64)
    if task is None:     # one value only (one sample, say) is nothing to classify: a number
        task = infer_task(values) if len(np.unique(values)) > 1 else "regression"
    return task, values


def read_inline(inputs: Any, targets: Any, task: str | None) -> FileTable:
    """The samples of a ``table`` source, checked; see the module docstring."""
    X = _rows(inputs)
    if not isinstance(targets, list) or len(targets) != len(X):
        got = f"{len(targets)} targets" if isinstance(targets, list) else repr(targets)
        raise DataConfigError("targets", f"needs one target per row of inputs ({len(X)}), "
                                         f"got {got}")
    if isinstance(targets[0], list):
        if task == "classification":
            raise DataConfigError("targets", "rows of numbers are regression targets (several "
                                             "outputs); a class label is one value per sample")
        y, task, class_names = _regression_rows(targets), "regression", ()
    else:
        task, values = _labels_or_numbers(targets, task)
        if task == "classification":
            try:
                y, class_names = encode_labels(values, display="data.targets")
            except DataError as exc:
                raise DataConfigError("targets", exc.reason) from None
        else:
            y, class_names = values.reshape(-1, 1), ()
    n_targets = 1 if task == "classification" else y.shape[1]
    target_names = ("y",) if n_targets == 1 else tuple(f"y{k + 1}" for k in range(n_targets))
    feature_names = tuple(f"x{j + 1}" for j in range(X.shape[1]))
    return FileTable(
        path="table", columns=feature_names + target_names, rows=(), n_rows=len(X), X=X,
        y=y, task=task, task_inferred=False, feature_names=feature_names,
        target_names=target_names, class_names=class_names,
        target_column=", ".join(target_names))
