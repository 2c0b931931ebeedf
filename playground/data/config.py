"""The ``data`` object of an experiment: its keys, their defaults, and the checks of their values.

``DATA_DEFAULTS`` lists every key. ``None`` means the default depends on the source:

* ``classes`` — number of classes of ``spiral`` (2 arms) and ``blobs`` (3 blobs); the other
  generated classification sets always have 2, and the key is ignored for them;
* ``standardize`` — on for ``csv`` and ``npz`` (columns of a real table can have wildly
  different scales), off for the generated sets (already about ±1.5) and ``digits`` (pixels are
  scaled to 0..1 instead);
* ``target`` — the last column; ``task`` — inferred from the target column.

Keys that do not apply to the chosen source (``features`` for ``csv``, ``path`` for
``spiral``, …) are ignored rather than rejected, so the app can keep them while the user
switches between sources. Config mistakes raise :class:`DataConfigError`, which is both a
:class:`~playground.errors.DataError` and an :class:`~playground.errors.ExperimentError` with
the key path (``data.samples``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from .table import TASKS
from .formats import FILE_FORMATS
from .generated import CLASSES_DEFAULTS, FEATURES, FIXED_CLASSES, GENERATED_SETS
from playground.errors import DataError, ExperimentError

__all__ = [
    "GENERATED_CLASSIFICATION", "GENERATED_REGRESSION", "GENERATED", "SHIPPED",
    "FILE_SOURCES", "INLINE_SOURCES", "ALL_SOURCES", "DATA_DEFAULTS", "CLASSES_DEFAULTS", "MAX_SAMPLES", "MAX_NOISE",
    "MAX_CLASSES", "DataConfigError", "resolve_data_config", "resolve_path",
]

GENERATED_CLASSIFICATION = tuple(n for n, s in GENERATED_SETS.items()
                                 if s.task == "classification")
GENERATED_REGRESSION = tuple(n for n, s in GENERATED_SETS.items() if s.task == "regression")
SHIPPED = ("digits",)
FILE_SOURCES = tuple(FILE_FORMATS)
INLINE_SOURCES = ("table",)
ALL_SOURCES = (GENERATED_CLASSIFICATION + GENERATED_REGRESSION + SHIPPED + FILE_SOURCES
               + INLINE_SOURCES)
GENERATED = GENERATED_CLASSIFICATION + GENERATED_REGRESSION

DATA_DEFAULTS: dict[str, Any] = {
    "source": "spiral",
    "samples": 500,              # generated sets: total before the split, 2..100000
    "noise": 0.1,                # std of Gaussian noise (points, or target for regression)
    "validation_split": 0.2,     # 0 <= v < 1; 0 = no validation set
    "features": ["x1", "x2"],    # generated sets: model inputs, drawn from FEATURES
    "classes": None,             # None = per source: spiral 2, blobs 3 (others fixed at 2)
    "standardize": None,         # None = per source: True for csv/npz, False otherwise
    "path": None,                # csv/npz: the file, relative to the experiment's folder
    "target": None,              # csv: column name or index (or a list: several outputs);
                                 # None = last column
    "task": None,                # csv/npz/table: "classification" | "regression" | None = infer
    "inputs": None,              # table: rows of input numbers, one per sample
    "targets": None,             # table: one class label, number or row of numbers per sample
}
"""Default of every key of the ``data`` object; ``None`` means "decided per source"."""

MAX_SAMPLES = 100_000
#: the noise's standard deviation, at most: the generated sets span about ±1, so 100 is
#: already nothing but noise, and far larger values overflow the data (1e308 → inf)
MAX_NOISE = 100.0
MAX_CLASSES = 10


class DataConfigError(DataError, ExperimentError):
    """A value in the ``data`` object is wrong. Both a :class:`DataError` and an
    :class:`ExperimentError` whose ``path`` is the key, e.g. ``data.samples``."""

    def __init__(self, key: str, message: str):
        self.path = f"data.{key}"
        self.reason = message
        self.file = self.line = self.column = None
        Exception.__init__(self, f"{self.path}: {message}")


def _number(cfg: dict, key: str, low: float, high: float, *, integer: bool,
            high_open: bool = False) -> None:
    value = cfg[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
        raise DataConfigError(key, f"must be {'an integer' if integer else 'a number'}, "
                                   f"not {value!r}")
    too_high = value >= high if high_open else value > high
    if value < low or too_high:
        upper = f"below {high}" if high_open else f"at most {high}"
        raise DataConfigError(key, f"must be at least {low} and {upper}, not {value!r}")


def resolve_data_config(config: dict | None) -> dict:
    """The ``data`` object with every key present and per-source defaults decided.

    Checks the values (not only their types) and raises :class:`DataConfigError` naming the
    key. Keys that do not apply to the source (e.g. ``features`` for ``csv``) are checked but
    otherwise ignored. ``classes`` becomes the effective number of classes of a generated
    classification set, ``features`` a tuple, ``standardize`` a bool.
    """
    config = {} if config is None else config
    unknown = sorted(set(config) - set(DATA_DEFAULTS))
    if unknown:
        raise DataConfigError(unknown[0], f"unknown key; the data keys are "
                                          f"{', '.join(DATA_DEFAULTS)}")
    cfg = {**DATA_DEFAULTS, **config}
    source = cfg["source"]
    if source not in ALL_SOURCES:
        raise DataConfigError("source", f"must be one of {', '.join(ALL_SOURCES)}, "
                                        f"not {source!r}")
    _number(cfg, "samples", 2, MAX_SAMPLES, integer=True)
    _number(cfg, "noise", 0, MAX_NOISE, integer=False)
    _number(cfg, "validation_split", 0, 1, integer=False, high_open=True)
    features = cfg["features"]
    if isinstance(features, str) or not isinstance(features, (list, tuple)) or not features:
        raise DataConfigError("features", f"must be a non-empty list drawn from "
                                          f"{', '.join(FEATURES)}")
    for i, name in enumerate(features):
        if name not in FEATURES:
            raise DataConfigError(f"features[{i}]", f"unknown feature {name!r}; choose "
                                                    f"from {', '.join(FEATURES)}")
        if name in features[:i]:
            raise DataConfigError(f"features[{i}]", f"{name!r} is listed twice")
    cfg["features"] = tuple(features)
    if source in CLASSES_DEFAULTS:
        if cfg["classes"] is None:
            cfg["classes"] = CLASSES_DEFAULTS[source]
        _number(cfg, "classes", 2, MAX_CLASSES, integer=True)
    elif source in FIXED_CLASSES:
        cfg["classes"] = FIXED_CLASSES[source]
    if source in CLASSES_DEFAULTS and cfg["samples"] < cfg["classes"]:
        raise DataConfigError("samples", f"{cfg['samples']} samples cannot cover "
                                         f"{cfg['classes']} classes")
    if cfg["standardize"] is None:
        cfg["standardize"] = source in FILE_SOURCES
    elif not isinstance(cfg["standardize"], bool):
        raise DataConfigError("standardize", f"must be true, false or null, not "
                                             f"{cfg['standardize']!r}")
    if cfg["task"] is not None and cfg["task"] not in TASKS:
        raise DataConfigError("task", f"must be one of {', '.join(TASKS)} or null, "
                                      f"not {cfg['task']!r}")
    _check_target(cfg["target"])
    if source in FILE_SOURCES:
        path = cfg["path"]
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise DataConfigError("path", f"source {source!r} needs the path of a file")
    if source in INLINE_SOURCES:
        from .inline import read_inline          # checks every cell, naming its key path
        read_inline(cfg["inputs"], cfg["targets"], cfg["task"])
    return cfg


def _is_column(target: Any) -> bool:
    return not isinstance(target, bool) and isinstance(target, (int, str))


def _check_target(target: Any) -> None:
    """A column name or index, a non-empty list of them (several outputs), or null."""
    if target is None or _is_column(target):
        return
    if isinstance(target, list) and target:
        for i, column in enumerate(target):
            if not _is_column(column):
                raise DataConfigError(f"target[{i}]", f"must be a column name or an index, "
                                                      f"not {column!r}")
            if column in target[:i]:
                raise DataConfigError(f"target[{i}]", f"{column!r} is listed twice")
        return
    raise DataConfigError("target", f"must be a column name, an index, a list of them or "
                                    f"null, not {target!r}")


def resolve_path(path: str | os.PathLike, base_dir: str | os.PathLike | None) -> Path:
    """A data file's path: ``~`` expanded; a relative path joined to ``base_dir`` (the
    experiment file's folder) when one is given, else left relative to the current folder."""
    resolved = Path(path).expanduser()
    if not resolved.is_absolute() and base_dir is not None:
        resolved = Path(base_dir) / resolved
    return resolved
