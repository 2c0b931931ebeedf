"""Saved runs: one ``.bpp`` file (a zip) that resumes exactly where training stopped.

Members:

``experiment.json``    the experiment, as in an experiment file
``weights.npz``        ``W0, b0, W1, b1, …`` (``W`` has shape ``(fan_in, fan_out)``)
``optimizer.npz``      the optimizer's state arrays (momentum, Adam moments, …)
``state.json``         counters, the random generator's state, early-stopping and schedule
                       state, the optimizer's scalar state, the running epoch metrics
``state.npz``          arrays of the trainer's state: the current shuffle order, the
                       early-stopping best weights, the start-of-epoch checkpoint
``history.csv``        one row per epoch
``dataset.npz``        for CSV/NPZ data only: the prepared arrays, so the run reopens even
                       when the original file has moved

Arrays are written with ``np.savez`` and read with ``allow_pickle=False``; nothing is ever
unpickled. The file is written to a temporary name and renamed (atomic). Because weights,
optimizer state and the generator state round-trip bitwise, a resumed run continues exactly as
an uninterrupted one would.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from playground import __version__
from .atomic import atomic_write_with
from playground.data import FILE_SOURCES, Dataset
from playground.errors import ExperimentError, PlaygroundError, RunFileError
from playground.experiment import Experiment
from playground.training.history import History
from playground.training.state import StateError

RUN_FORMAT = "backprop-playground-run/1"
REQUIRED = ("experiment.json", "weights.npz", "optimizer.npz", "state.json", "history.csv")
#: where each part of a trainer's state dict is stored
MEMBERS = {"weights": "weights.npz", "optimizer": "optimizer.npz / state.json",
           "state": "state.json", "arrays": "state.npz", "history": "history.csv"}


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _dataset_arrays(ds: Dataset) -> dict[str, np.ndarray]:
    return {"X_train": ds.X_train, "y_train": ds.y_train, "X_val": ds.X_val, "y_val": ds.y_val,
            "feature_names": np.array(ds.feature_names, dtype=str),
            "class_names": np.array(ds.class_names, dtype=str),
            "target_names": np.array(ds.target_names, dtype=str),
            "task": np.array(ds.task), "source": np.array(ds.source),
            "description": np.array(ds.description)}


def save_run(trainer, path: str | os.PathLike) -> None:
    path = Path(path)
    experiment = trainer.experiment.rebased(path.parent.resolve())
    sd = trainer.state_dict()
    state = {"format": RUN_FORMAT, "version": __version__, **sd["state"]}

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("experiment.json", experiment.to_json())
            zf.writestr("weights.npz", _npz_bytes(sd["weights"]))
            zf.writestr("optimizer.npz", _npz_bytes(sd["optimizer"]))
            zf.writestr("state.json", json.dumps(state, indent=1))
            zf.writestr("state.npz", _npz_bytes(sd["arrays"]))
            zf.writestr("history.csv", sd["history"].to_csv())
            if trainer.experiment.data["source"] in FILE_SOURCES:
                zf.writestr("dataset.npz", _npz_bytes(_dataset_arrays(trainer.dataset)))

    atomic_write_with(path, write)


_DAMAGED = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError)


def _read(zf: zipfile.ZipFile, name: str, source: Path) -> bytes:
    try:
        return zf.read(name)
    except (*_DAMAGED, KeyError) as exc:
        raise RunFileError(f"{source}: {name} cannot be read from the archive ({exc})") \
            from None


def _load_npz(zf: zipfile.ZipFile, name: str, source: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` member, never unpickling (object arrays are refused)."""
    data = _read(zf, name, source)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (*_DAMAGED, AttributeError) as exc:
        raise RunFileError(f"{source}: {name} is damaged or not a plain array file ({exc})") \
            from None


def _text(zf: zipfile.ZipFile, name: str, source: Path) -> str:
    try:
        return _read(zf, name, source).decode("utf-8")
    except UnicodeDecodeError:
        raise RunFileError(f"{source}: {name} is damaged (not UTF-8 text)") from None


def _dataset_from_arrays(a: dict[str, np.ndarray], source: Path) -> Dataset:
    try:
        ds = Dataset(source=str(a["source"]), task=str(a["task"]),
                     X_train=a["X_train"], y_train=a["y_train"], X_val=a["X_val"],
                     y_val=a["y_val"], feature_names=tuple(map(str, a["feature_names"])),
                     class_names=tuple(map(str, a["class_names"])),
                     target_names=tuple(map(str, a["target_names"])), raw_train=None,
                     raw_val=None, transform=None, bounds=None,
                     description=str(a["description"]))
    except KeyError as exc:
        raise RunFileError(f"{source}: dataset.npz lacks {exc}") from None
    except TypeError as exc:
        raise RunFileError(f"{source}: dataset.npz is damaged ({exc})") from None
    ok = (ds.task in ("classification", "regression") and ds.X_train.ndim == 2
          and ds.X_val.ndim == 2 and ds.X_train.shape[1] == ds.X_val.shape[1]
          and len(ds.y_train) == len(ds.X_train) and len(ds.y_val) == len(ds.X_val)
          and ds.X_train.dtype.kind == "f" and ds.X_val.dtype.kind == "f"
          and len(ds.feature_names) == ds.X_train.shape[1])
    if ok and ds.task == "classification":
        labels = np.concatenate([ds.y_train.ravel(), ds.y_val.ravel()])
        ok = (ds.y_train.ndim == 1 and labels.dtype.kind in "iu"
              and (labels.size == 0 or (labels.min() >= 0
                                        and labels.max() < len(ds.class_names))))
    elif ok:
        ok = ds.y_train.ndim == 2 and ds.y_train.dtype.kind == "f"
    if not ok:
        raise RunFileError(f"{source}: dataset.npz is damaged (its arrays do not fit together)")
    return ds


def load_run(path: str | os.PathLike):
    """Read a saved run; a :class:`RunFileError` naming the file says what is wrong."""
    from playground.training.trainer import Trainer

    path = Path(path)
    if path.is_dir():
        raise RunFileError(f"{path}: is a folder, not a saved run")
    if not path.is_file():
        raise RunFileError(f"{path}: no such file")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise RunFileError(f"{path}: not a saved run (.bpp files are zip archives)") from None
    with zf:
        names = set(zf.namelist())
        missing = [m for m in REQUIRED if m not in names]
        if missing:
            raise RunFileError(f"{path}: not a complete saved run (missing "
                               f"{', '.join(missing)})")
        try:
            state = json.loads(_text(zf, "state.json", path))
        except json.JSONDecodeError as exc:
            raise RunFileError(f"{path}: state.json is damaged (not JSON: {exc})") from None
        if not isinstance(state, dict):
            raise RunFileError(f"{path}: state.json is damaged (not a JSON object)")
        if state.get("format") != RUN_FORMAT:
            raise RunFileError(f"{path}: state.json: unknown run format "
                               f"{state.get('format')!r} (expected {RUN_FORMAT!r})")
        try:
            experiment = Experiment.from_json(_text(zf, "experiment.json", path),
                                              base_dir=path.parent.resolve(),
                                              source=f"{path}: experiment.json")
        except ExperimentError as exc:
            raise RunFileError(f"{path}: experiment.json: {exc}" if exc.path else str(exc)) \
                from None
        history = History.from_csv(_text(zf, "history.csv", path), f"{path}: history.csv")
        dataset = None
        if "dataset.npz" in names:
            dataset = _dataset_from_arrays(_load_npz(zf, "dataset.npz", path), path)
        weights = _load_npz(zf, "weights.npz", path)
        opt_arrays = _load_npz(zf, "optimizer.npz", path)
        state_arrays = _load_npz(zf, "state.npz", path) if "state.npz" in names else {}

    try:
        trainer = Trainer(experiment, dataset=dataset)
    except PlaygroundError as exc:
        raise RunFileError(f"{path}: the saved experiment cannot be rebuilt: {exc}") from None
    sd = {"weights": weights, "optimizer": opt_arrays, "state": state,
          "arrays": state_arrays, "history": history}
    try:
        trainer.load_state_dict(sd)
    except StateError as exc:
        raise RunFileError(f"{path}: {MEMBERS[exc.part]}: {exc.reason}") from None
    return trainer
