"""Data sets: where the numbers a network learns from come from, and how they are prepared.

:func:`load_dataset` turns the experiment's ``"data"`` object into a :class:`Dataset` — inputs
and targets split into a *training* part (the network learns from it) and a *validation* part
(held back to measure how well it generalizes). Sources:

* generated 2-D sets (:mod:`playground.data.generated`): ``xor circle gaussian spiral moons
  blobs`` (classification) and ``plane sine`` (regression);
* the shipped ``digits`` set (8×8 images of handwritten digits, 10 classes);
* your own ``csv`` (:mod:`playground.data.csv_reader`) or ``npz`` (:mod:`playground.data.npz_reader`);
* a ``table`` typed into the experiment (:mod:`playground.data.inline`): a worked example's
  few samples, or points drawn by hand; with two inputs it is a set of the plane like the
  generated ones (plotted, and ``features`` apply).

Preparation, always in this order:

1. **Draw or read** the samples. Generated sets use ``rng`` (see their module for the draws).
2. **Features** (2-D sets only): raw points ``(x1, x2)`` → the chosen feature columns.
3. **Split**: one ``rng.permutation(n)`` (drawn even when ``validation_split`` is 0);
   ``n_val = floor(n · validation_split + 0.5)``; the *last* ``n_val`` indices of the
   permutation are validation, the rest training. Inside each part the samples keep their
   original order (row order of a file, generation order of a generated set), so with
   ``validation_split = 0`` the training set *is* the source, in order.
4. **Standardize** (optional): subtract the mean and divide by the standard deviation of each
   input column, both measured on the *training* part only — the validation part plays the
   role of data from the future, so it must not influence the preparation. A constant column
   keeps std 1.

The same config and the same seed therefore give bitwise the same arrays.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .config import (ALL_SOURCES, CLASSES_DEFAULTS, DATA_DEFAULTS, FILE_SOURCES,
                     GENERATED, GENERATED_CLASSIFICATION, GENERATED_REGRESSION,
                     INLINE_SOURCES, SHIPPED, DataConfigError, resolve_data_config,
                     resolve_path)
from .inline import read_inline
from .table import TASKS, FileTable
from .formats import FILE_FORMATS, file_filter, file_kind, read_table
from .generated import FEATURES, GENERATED_SETS, feature_matrix, generate
from playground.errors import DataError, PlaygroundError
from playground.files.resources import asset_path

__all__ = [
    "GENERATED_CLASSIFICATION", "GENERATED_REGRESSION", "SHIPPED", "FILE_SOURCES",
    "INLINE_SOURCES",
    "ALL_SOURCES", "FEATURES", "DATA_DEFAULTS", "CLASSES_DEFAULTS", "Dataset", "FilePreview",
    "DataConfigError", "load_dataset", "preview_file", "resolve_data_config",
    "split_indices", "DIGIT_PIXELS", "FILE_FORMATS", "GENERATED_SETS", "file_kind",
    "file_filter",
]


@dataclass(frozen=True, eq=False)
class Dataset:
    """Prepared data, ready for training. Arrays are read-only; see the module docstring.

    ``X_*`` are ``float64 (n, n_inputs)``; ``y_*`` are ``int64 (n,)`` labels for
    classification and ``float64 (n, n_targets)`` for regression. 2-D generated sets also keep
    their raw points, the ``transform`` from raw points to model inputs and plot ``bounds``.
    """

    source: str
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    target_names: tuple[str, ...]
    raw_train: np.ndarray | None
    raw_val: np.ndarray | None
    transform: Callable[[np.ndarray], np.ndarray] | None
    bounds: tuple[float, float, float, float] | None
    description: str

    @property
    def n_inputs(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def n_targets(self) -> int:
        return 1 if self.task == "classification" else int(self.y_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.X_val.shape[0])

    @property
    def is_2d(self) -> bool:
        return self.raw_train is not None


@dataclass(frozen=True)
class FilePreview:
    """What the import dialog shows about a CSV or NPZ file before it is used."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    n_rows: int
    target_column: str
    task: str
    class_names: tuple[str, ...]
    n_features: int
    message: str
    feature_names: tuple[str, ...] = ()
    task_inferred: bool = False
    #: False when only the file's first lines were read (see :data:`PREVIEW_BYTES`)
    complete: bool = True


# ------------------------------------------------------------------------------- sources
def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The shipped digits: pixels scaled from 0..16 to 0..1, labels 0..9."""
    path = asset_path("data", "digits.npz")
    with np.load(path, allow_pickle=False) as archive:
        X, y = archive["X"], archive["y"]
    if X.ndim != 2 or X.shape[1] != 64 or y.shape != (X.shape[0],):
        raise PlaygroundError(f"shipped file {path} is damaged (X {X.shape}, y {y.shape})")
    return X.astype(np.float64) / 16.0, y.astype(np.int64)


DIGIT_PIXELS = tuple(f"px{r}_{c}" for r in range(8) for c in range(8))


# ------------------------------------------------------------------------------ preparing
def split_indices(n: int, validation_split: float, rng: np.random.Generator,
                  where: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation indices (each sorted), as described in the module docstring."""
    order = rng.permutation(n)
    n_val = int(math.floor(n * validation_split + 0.5))
    if validation_split > 0 and n_val == 0:
        raise DataError(f"validation_split {validation_split} of {n} samples rounds to 0 "
                        "validation samples; use more samples, a larger validation_split, "
                        "or 0 for no validation set", file=where)
    if n - n_val < 1:
        raise DataError(f"validation_split {validation_split} of {n} samples leaves no "
                        "training samples; use a smaller validation_split", file=where)
    return np.sort(order[:n - n_val]), np.sort(order[n - n_val:])


def _standardizer(X_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of each training column; a (numerically) constant column gets std 1."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std <= 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0
    return mean, std


def _check_classes_in_training(y_train: np.ndarray, class_names: tuple[str, ...],
                               where: str | None) -> None:
    counts = np.bincount(y_train, minlength=len(class_names))
    missing = [class_names[k] for k in np.flatnonzero(counts == 0)]
    if missing:
        raise DataError(f"class {missing[0]!r} has no training samples after the split "
                        f"({len(missing)} class(es) missing); use more samples or a smaller "
                        "validation_split", file=where)


def _bounds(raw: np.ndarray) -> tuple[float, float, float, float]:
    low, high = raw.min(axis=0), raw.max(axis=0)
    margin = np.maximum(0.1 * (high - low), 0.2)
    return (float(low[0] - margin[0]), float(high[0] + margin[0]),
            float(low[1] - margin[1]), float(high[1] + margin[1]))


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


def _describe(name: str, task: str, n_classes: int, n_inputs: int, n_targets: int,
              n_train: int, n_val: int, show_inputs: bool) -> str:
    what = (f"{n_classes} classes" if task == "classification"
            else f"regression, {n_targets} target{'s' if n_targets > 1 else ''}")
    inputs = f", {n_inputs} input{'s' if n_inputs > 1 else ''}" if show_inputs else ""
    split = (f"{n_train} train / {n_val} validation samples" if n_val
             else f"{n_train} train samples, no validation set")
    return f"{name}: {what}{inputs}, {split}"


def load_dataset(config: dict | None, rng: np.random.Generator,
                 base_dir: str | os.PathLike | None = None) -> Dataset:
    """Build the :class:`Dataset` described by the experiment's ``data`` object.

    ``rng`` is used first to generate (generated sets only), then for the split's one
    permutation. A relative ``path`` is resolved against ``base_dir`` (the experiment file's
    folder) when given, else the current directory. Raises :class:`DataConfigError` for bad
    settings and :class:`DataError` for bad files or impossible splits.
    """
    cfg = resolve_data_config(config)
    source = cfg["source"]
    raw = transform = None
    where = None
    if source in GENERATED:
        raw, y = generate(source, cfg["samples"], float(cfg["noise"]), cfg["classes"] or 2,
                          rng)
        features = cfg["features"]
        X = feature_matrix(raw, features)
        if GENERATED_SETS[source].task == "classification":
            task, class_names, target_names = "classification", tuple(
                str(k) for k in range(cfg["classes"])), ("class",)
        else:
            task, class_names, target_names = "regression", (), ("y",)
        feature_names, name = features, source
    elif source == "digits":
        X, y = _load_digits()
        task, feature_names, name = "classification", DIGIT_PIXELS, "digits"
        class_names, target_names = tuple(str(k) for k in range(10)), ("digit",)
    elif source in INLINE_SOURCES:
        table = read_inline(cfg["inputs"], cfg["targets"], cfg["task"])
        X, y, task, name = table.X, table.y, table.task, "table"
        feature_names, class_names = table.feature_names, table.class_names
        target_names = table.target_names
        if X.shape[1] == 2:         # points of the plane: plotted, and features apply
            raw, feature_names = X, cfg["features"]
            X = feature_matrix(raw, feature_names)
    else:
        path = resolve_path(cfg["path"], base_dir)
        where = str(cfg["path"])
        table = read_table(source, path, where, cfg["target"], cfg["task"], keep_rows=0)
        X, y, task = table.X, table.y, table.task
        feature_names, class_names = table.feature_names, table.class_names
        target_names, name = table.target_names, path.name
    train, val = split_indices(X.shape[0], cfg["validation_split"], rng, where)
    if task == "classification":
        _check_classes_in_training(y[train], class_names, where)
    X_train, X_val = X[train], X[val]
    if cfg["standardize"]:
        mean, std = _standardizer(X_train)
        X_train, X_val = (X_train - mean) / std, (X_val - mean) / std
    else:
        mean = std = None
    if raw is not None:
        transform = _make_transform(cfg["features"], mean, std)
    description = _describe(name, task, len(class_names), X.shape[1],
                            1 if task == "classification" else y.shape[1], len(train),
                            len(val), show_inputs=source in FILE_SOURCES + INLINE_SOURCES)
    return Dataset(
        source=source, task=task, X_train=_readonly(X_train), y_train=_readonly(y[train]),
        X_val=_readonly(X_val), y_val=_readonly(y[val]), feature_names=tuple(feature_names),
        class_names=tuple(class_names), target_names=tuple(target_names),
        raw_train=None if raw is None else _readonly(raw[train]),
        raw_val=None if raw is None else _readonly(raw[val]), transform=transform,
        bounds=None if raw is None else _bounds(raw), description=description)


def _make_transform(features: tuple[str, ...], mean: np.ndarray | None,
                    std: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    def transform(points: np.ndarray) -> np.ndarray:
        """Raw ``(m, 2)`` points → model inputs: the features, then the standardization."""
        X = feature_matrix(points, features)
        return X if mean is None else (X - mean) / std
    return transform


# -------------------------------------------------------------------------------- preview
#: a preview reads at most this much of a text file: enough rows to see the columns and
#: infer the task, in a few milliseconds whatever the file's size
PREVIEW_BYTES = 1 << 18


def preview_file(path: str | os.PathLike, *, target: str | int | None = None,
                 task: str | None = None, max_rows: int = 8,
                 base_dir: str | os.PathLike | None = None,
                 head_bytes: int | None = PREVIEW_BYTES) -> FilePreview:
    """Read a ``.csv`` or ``.npz`` file the way :func:`load_dataset` would, for the import
    dialog: the columns, the first ``max_rows`` rows as text, and what the target means.
    Of a CSV file only the first ``head_bytes`` are read (``None``: all of it); when there
    is more, the counts are those of the rows read and ``complete`` is False.

    Raises the same :class:`DataError` as loading the file would (the split is not tried),
    for the part read.
    """
    resolved = resolve_path(path, base_dir)
    display = str(path)
    if task is not None and task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)} or null, not {task!r}",
                        file=display)
    table = read_table(file_kind(resolved), resolved, display, target, task,
                       keep_rows=max(0, max_rows), head_bytes=head_bytes)
    if table.task == "classification":
        shown = ", ".join(table.class_names[:5]) + (", …" if len(table.class_names) > 5 else "")
        outcome = f"classification with {len(table.class_names)} classes ({shown})"
    else:
        outcome = f"regression on {len(table.target_names)} target(s)"
    inferred = " (inferred)" if table.task_inferred else ""
    rows = f"{table.n_rows} rows" if table.complete else \
        f"first {table.n_rows:,} rows of {_size(resolved)} read"
    message = (f"{resolved.name}: {rows}, {len(table.feature_names)} features, "
               f"target {table.target_column!r} → {outcome}{inferred}")
    if not table.complete:
        message += "; the whole file is read and checked when it is used"
    return FilePreview(
        path=str(resolved), columns=table.columns, rows=table.rows, n_rows=table.n_rows,
        target_column=table.target_column, task=table.task, class_names=table.class_names,
        n_features=len(table.feature_names), message=message,
        feature_names=table.feature_names, task_inferred=table.task_inferred,
        complete=table.complete)


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "the file"
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"

