"""What the CSV and NPZ readers have in common: the parsed table they return, opening files with
clear errors, and turning class labels into the integers a network trains on.

A file becomes a :class:`FileTable` — every sample as a row of ``X`` (``float64``) and a target
``y`` — before anything else happens. Splitting into training and validation data and
standardizing are done later, the same way for every source, in :mod:`playground.data`.

Class labels
------------
A classifier with softmax output predicts ``K`` numbers, one per class, so labels must be the
integers ``0..K−1``. :func:`encode_labels` sorts the distinct labels (numbers numerically,
text alphabetically) and numbers them in that order; ``class_names[i]`` is the label that
became ``i``. Sorting, instead of order of appearance, means the same classes always get the
same numbers, even after the rows of the file are shuffled.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.errors import DataError
from playground.files.limits import (MAX_ARCHIVE_BYTES, MAX_CSV_BYTES, MAX_PATH_CHARS,
                                     check_regular_file, open_regular_file,
                                     read_limited_bytes)

__all__ = ["FileTable", "TASKS", "MAX_INFERRED_CLASSES", "read_file_bytes", "check_file",
           "data_file_error", "encode_labels", "format_number", "column_label", "infer_task"]

TASKS = ("classification", "regression")

MAX_INFERRED_CLASSES = 20
"""An all-integer target with at most this many distinct values is taken as class labels."""


def infer_task(values: np.ndarray) -> str:
    """The task of an all-numeric target: whole numbers with at most MAX_INFERRED_CLASSES
    distinct values are class labels, anything else is a regression target."""
    whole = bool(np.all(values == np.round(values)))
    few = len(np.unique(values)) <= MAX_INFERRED_CLASSES
    return "classification" if whole and few else "regression"


@dataclass(frozen=True, eq=False)
class FileTable:
    """A data file after parsing and checking, before splitting.

    ``columns`` are the file's columns in file order (for NPZ: the feature names, then the
    target names); ``rows`` the first few data rows as the text shown in a preview.
    ``y`` is ``int64 (n,)`` for classification and ``float64 (n, t)`` for regression.
    """

    path: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    n_rows: int
    X: np.ndarray
    y: np.ndarray
    task: str
    task_inferred: bool
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    class_names: tuple[str, ...]
    target_column: str
    #: False when only the first bytes were read (a preview of a big file): ``n_rows`` and
    #: ``class_names`` are then those of the rows read
    complete: bool = True


def column_label(index: int, name: str | None = None) -> str:
    """How errors name a column: 1-based position and, when known, its name: ``3 ('label')``."""
    return f"{index + 1} ({name!r})" if name is not None else str(index + 1)


def data_file_error(display: str):
    def make(message: str) -> DataError:
        prefix = f"{display}: "
        return DataError(message[len(prefix):] if message.startswith(prefix) else message,
                         file=display)
    return make


def check_file(path: Path, display: str, max_bytes: int = MAX_ARCHIVE_BYTES) -> None:
    """Raise :class:`DataError` unless ``path`` is an existing regular file of at most
    ``max_bytes`` (never a folder, a FIFO or a device; see :mod:`playground.files.limits`)."""
    if not os.path.lexists(path) and len(str(path)) <= MAX_PATH_CHARS:
        raise DataError(f"file not found (resolved to {path})", file=display)
    check_regular_file(path, display, max_bytes=max_bytes, what="data file",
                       error=data_file_error(display))


def read_file_bytes(path: Path, display: str, max_bytes: int = MAX_CSV_BYTES) -> bytes:
    """The whole file, or a :class:`DataError` saying why it cannot be read."""
    if not os.path.lexists(path) and len(str(path)) <= MAX_PATH_CHARS:
        raise DataError(f"file not found (resolved to {path})", file=display)
    return read_limited_bytes(path, display, max_bytes=max_bytes, what="data file",
                              error=data_file_error(display))


def read_file_head(path: Path, display: str, head_bytes: int,
                   max_bytes: int = MAX_CSV_BYTES) -> tuple[bytes, bool]:
    """``(the first lines of the file, up to head_bytes; True when that is all of it)``: a
    preview reads no more than it shows. The file passes the same checks as when it is
    read whole (regular file, at most ``max_bytes``)."""
    if not os.path.lexists(path) and len(str(path)) <= MAX_PATH_CHARS:
        raise DataError(f"file not found (resolved to {path})", file=display)
    error = data_file_error(display)
    with open_regular_file(path, display, max_bytes=max_bytes, what="data file",
                           error=error) as handle:
        try:
            data = handle.read(head_bytes + 1)
        except OSError as exc:
            raise error(f"{display}: cannot be read ({exc.strerror or exc})") from None
    if len(data) <= head_bytes:
        return data, True
    end = data.rfind(b"\n", 0, head_bytes)
    if end < 0:
        raise DataError(f"its first line is longer than {head_bytes:,} bytes; expected a "
                        "table with one row per line", file=display, line=1)
    return data[:end + 1], False


def format_number(value: float) -> str:
    """A label or cell value as text: ``2.0 -> "2"``, ``0.5 -> "0.5"``."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def encode_labels(values: np.ndarray, *, display: str, column: str | None = None
                  ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map labels to ``0..K−1`` in sorted order; return ``(labels int64, class_names)``.

    ``values`` is a 1-D array of numbers (sorted numerically) or of strings (sorted as text).
    A target with a single class is rejected: there is nothing to tell apart.
    """
    classes, labels = np.unique(values, return_inverse=True)
    if values.dtype.kind in "biuf":
        names = tuple(format_number(c) for c in classes)
    else:
        names = tuple(str(c) for c in classes)
    if len(classes) < 2:
        only = names[0] if names else "nothing"
        raise DataError(
            f"the target has only one class ({only!r}); classification needs at least two "
            "different labels", file=display, column=column)
    return labels.astype(np.int64).reshape(-1), names
