"""Reading a NumPy ``.npz`` archive into a :class:`~playground.data.table.FileTable`.

The archive must hold two arrays (``np.savez(path, X=X, y=y)``):

``X``  the inputs, 2-D ``(n_samples, n_features)``, any real numeric dtype, all finite.
``y``  the targets, ``n_samples`` long:

       * 1-D integers, booleans or strings → classification (labels numbered in sorted order);
       * 1-D floats → regression with one target (``task="classification"`` turns the
         distinct values into classes instead);
       * 2-D ``(n, t)`` numbers → regression with ``t`` targets (``(n, 1)`` integers are
         treated like 1-D integers).

Optional arrays, 1-D string arrays that name things for the plots:
``feature_names`` (``n_features`` long, default ``x1 … xd``), ``target_names`` (default ``y``
or ``y1 … yt``) and ``class_names`` (for integer labels ``0..K−1``: the name of each label;
then the labels are used as they are instead of being renumbered).

Loading uses ``allow_pickle=False``: an array of Python objects (``dtype=object``) could run
code when unpickled, so it is refused with an explanation of how to save it instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .table import (TASKS, FileTable, data_file_error, check_file, column_label, encode_labels,
                    format_number)
from playground.errors import DataError
from playground.files.limits import MAX_ARCHIVE_BYTES, CheckedNpz, open_regular_file

__all__ = ["read_npz"]


def _open(path: Path, display: str):
    """Open the archive after a look at its first bytes, so each wrong kind of file gets its
    own explanation (NumPy alone would call every non-archive "pickled data")."""
    check_file(path, display)
    with open_regular_file(path, display, max_bytes=MAX_ARCHIVE_BYTES, what="data file",
                           error=data_file_error(display)) as handle:
        magic = handle.read(6)
    if magic.startswith(b"\x93NUMPY"):
        raise DataError("holds a single .npy array, not an .npz archive; save with "
                        "np.savez(path, X=X, y=y)", file=display)
    if magic[:1] == b"\x80":
        raise DataError("is not an .npz archive: it holds pickled Python data, which is never "
                        "loaded because it can run code", file=display)
    if not magic.startswith(b"PK"):
        raise DataError("is not a readable .npz archive (an .npz file is the zip archive "
                        "written by np.savez(path, X=X, y=y))", file=display)
    return CheckedNpz(path, display, error=data_file_error(display))


def _array(archive, key: str, display: str, required: bool = True) -> np.ndarray | None:
    if key not in archive.files:
        if not required:
            return None
        raise DataError(f"has no array {key!r}; found: {', '.join(archive.files) or 'none'}. "
                        "Save with np.savez(path, X=X, y=y)", file=display)
    return archive[key]


def _names(archive, key: str, count: int, default: tuple[str, ...], display: str
           ) -> tuple[str, ...]:
    names = _array(archive, key, display, required=False)
    if names is None:
        return default
    if names.ndim != 1 or names.dtype.kind not in "US" or len(names) != count:
        raise DataError(f"{key!r} must be a 1-D string array of length {count}, got "
                        f"dtype {names.dtype} and shape {names.shape}", file=display)
    return tuple(_text(names, key, display).tolist())


def _text(values: np.ndarray, key: str, display: str) -> np.ndarray:
    if values.dtype.kind != "S":
        return values
    try:
        return np.char.decode(values, "utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{key!r} holds byte strings that are not UTF-8 text ({exc.reason} "
                        f"at byte {exc.start}); save text as a str array", file=display) \
            from None


def _check_finite(values: np.ndarray, key: str, names: tuple[str, ...], display: str) -> None:
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        i, j = (int(bad[0][0]), int(bad[0][1]))
        raise DataError(f"{key}[{i}, {j}] (sample {i + 1}) is {values[i, j]}; every value "
                        "must be a finite number", file=display,
                        column=column_label(j, names[j]))


def _check_X(X: np.ndarray, display: str) -> None:
    if X.dtype.kind not in "biuf":
        raise DataError(f"X must hold real numbers, not dtype {X.dtype}", file=display)
    if X.ndim != 2:
        hint = "; for a single feature use X.reshape(-1, 1)" if X.ndim == 1 else ""
        raise DataError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}{hint}",
                        file=display)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"X is empty (shape {X.shape}); it needs samples and features",
                        file=display)


def _targets(archive, y: np.ndarray, task: str | None, display: str):
    """Return ``(task, inferred, y, target_names, class_names)``."""
    kind = y.dtype.kind
    if kind not in "biufUS":
        raise DataError(f"y must hold numbers or strings, not dtype {y.dtype}", file=display)
    if y.ndim == 2 and y.shape[1] == 1 and kind in "biuUS":
        y = y[:, 0]
    if y.ndim == 2:
        if kind in "US" or task == "classification":
            raise DataError(f"a 2-D y (shape {y.shape}) means several regression targets; "
                            "class labels must be 1-D", file=display)
        if y.shape[1] == 0:
            raise DataError("y has no target columns", file=display)
        default = ("y",) if y.shape[1] == 1 else tuple(f"y{j + 1}" for j in range(y.shape[1]))
        names = _names(archive, "target_names", y.shape[1], default, display)
        values = y.astype(np.float64)
        _check_finite(values, "y", names, display)
        return "regression", task is None, values, names, ()
    names = _names(archive, "target_names", 1, ("y",), display)
    if kind in "US":
        if task == "regression":
            raise DataError("y holds strings, but a regression target must be numeric",
                            file=display)
        labels, classes = encode_labels(_text(y, 'y', display), display=display, column=names[0])
        return "classification", task is None, labels, names, classes
    values = y.astype(np.float64)
    _check_finite(values.reshape(-1, 1), "y", names, display)
    inferred = task is None
    task = task or ("regression" if kind == "f" else "classification")
    if task == "regression":
        return task, inferred, values.reshape(-1, 1), names, ()
    class_names = _array(archive, "class_names", display, required=False)
    if class_names is not None and kind in "biu":
        k = len(class_names)
        given = _names(archive, "class_names", k, (), display)
        if y.min() < 0 or y.max() >= k:
            raise DataError(f"with {k} class_names the labels in y must be 0..{k - 1}, "
                            f"found {format_number(y.min())}..{format_number(y.max())}",
                            file=display)
        if k < 2:
            raise DataError("class_names must name at least two classes", file=display)
        return task, inferred, y.astype(np.int64), names, given
    labels, classes = encode_labels(values, display=display, column=names[0])
    return task, inferred, labels, names, classes


def read_npz(path: Path, *, display: str | None = None, task: str | None = None,
             keep_rows: int = 8) -> FileTable:
    """Load and check the ``.npz`` archive at ``path`` (rules in the module docstring)."""
    display = str(path) if display is None else display
    if task is not None and task not in TASKS:
        raise DataError(f"task must be one of {', '.join(TASKS)} or null, not {task!r}",
                        file=display)
    with _open(Path(path), display) as archive:
        X = _array(archive, "X", display)
        y = _array(archive, "y", display)
        _check_X(X, display)
        n, d = X.shape
        feature_names = _names(archive, "feature_names", d,
                               tuple(f"x{j + 1}" for j in range(d)), display)
        if y.ndim not in (1, 2):
            raise DataError(f"y must be 1-D (labels or one target) or 2-D (n_samples, "
                            f"n_targets), got shape {y.shape}", file=display)
        if y.shape[0] != n:
            raise DataError(f"X has {n} samples but y has {y.shape[0]}; they must match",
                            file=display)
        X = X.astype(np.float64)
        _check_finite(X, "X", feature_names, display)
        task, inferred, y_out, target_names, class_names = _targets(archive, y, task, display)
    rows = []
    for i in range(min(keep_rows, n)):
        if task == "classification":
            target_text: tuple[str, ...] = (class_names[y_out[i]],)
        else:
            target_text = tuple(format_number(v) for v in y_out[i])
        rows.append(tuple(format_number(v) for v in X[i]) + target_text)
    return FileTable(
        path=display, columns=feature_names + target_names, rows=tuple(rows), n_rows=n,
        X=np.ascontiguousarray(X), y=y_out, task=task, task_inferred=inferred,
        feature_names=feature_names, target_names=target_names, class_names=class_names,
        target_column=", ".join(target_names))
