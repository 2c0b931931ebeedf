"""Saved runs: one ``.bpp`` file (a zip) that resumes exactly where training stopped.

Members:

``experiment.json``    the experiment, as in an experiment file
``weights.npz``        ``W0, b0, W1, b1, …`` (``W`` is ``(fan_in, fan_out)``; no ``b`` without a bias)
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
from pathlib import Path

import numpy as np

from playground import __version__
from .atomic import atomic_write_with
from .limits import (MAX_JSON_BYTES, MAX_MEMBER_BYTES, MAX_ZIP_MEMBERS, check_zip_directory,
                     loads_json, npz_array_names, open_zip, read_member,
                     read_npz_array)
from playground.data import FILE_SOURCES, Dataset
from playground.errors import ExperimentError, PlaygroundError, RunFileError
from playground.experiment import Experiment
from playground.training.history import History
from playground.training.state import StateError

RUN_FORMAT = "backprop-playground-run/1"
MAX_TEXT_MEMBER_BYTES = MAX_JSON_BYTES * 8   # history.csv of a long run is the largest
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

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            write_members(zf, trainer, path.parent.resolve())

    atomic_write_with(path, write)


def write_members(zf: zipfile.ZipFile, trainer, base_dir: Path, prefix: str = "") -> None:
    """Write the members of one run into ``zf``, their names starting with ``prefix``
    (a run set keeps its other runs under ``runs/<i>/``)."""
    for name, data in run_members(trainer, base_dir, prefix).items():
        zf.writestr(name, data)


def run_members(trainer, base_dir: Path, prefix: str = "") -> dict[str, bytes | str]:
    """The members of one run, serialized: a copy that no later training step changes
    (taken on the thread that owns the trainer; writing it can happen on any thread)."""
    experiment = trainer.experiment.rebased(base_dir)
    sd = trainer.state_dict()
    state = {"format": RUN_FORMAT, "version": __version__, **sd["state"]}
    members = {"experiment.json": experiment.to_json(),
               "weights.npz": _npz_bytes(sd["weights"]),
               "optimizer.npz": _npz_bytes(sd["optimizer"]),
               "state.json": json.dumps(state, indent=1),
               "state.npz": _npz_bytes(sd["arrays"]),
               "history.csv": sd["history"].to_csv()}
    if trainer.experiment.data["source"] in FILE_SOURCES:
        members["dataset.npz"] = _npz_bytes(_dataset_arrays(trainer.dataset))
    return {prefix + name: data for name, data in members.items()}


def _run_error(path: Path):
    def make(message: str) -> RunFileError:
        return RunFileError(message if message.startswith(str(path)) else f"{path}: {message}")
    return make


def _load_npz(zf: zipfile.ZipFile, name: str, source: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` member, each header checked before its data is read, never
    unpickling; a member over the size limit is refused before it is inflated."""
    error = _run_error(source)
    data = read_member(zf, name, str(source), max_bytes=MAX_MEMBER_BYTES, error=error)
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        # NotImplementedError: a zip version or feature Python's zipfile does not read
        raise RunFileError(f"{source}: {name} is damaged or not a plain array file (not an "
                           ".npz archive)") from None
    display = f"{source}: {name}"
    with inner:
        check_zip_directory(inner, display, max_members=MAX_ZIP_MEMBERS,
                            max_member_bytes=MAX_MEMBER_BYTES, error=error)
        return {key: read_npz_array(inner, key, display, error=error)
                for key in npz_array_names(inner)}


def _text(zf: zipfile.ZipFile, name: str, source: Path) -> str:
    data = read_member(zf, name, str(source), max_bytes=MAX_TEXT_MEMBER_BYTES,
                       error=_run_error(source))
    try:
        return data.decode("utf-8")
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


def open_archive(path: str | os.PathLike) -> zipfile.ZipFile:
    """The zip archive of a saved run, its directory checked against the limits; a
    :class:`RunFileError` when it is not one."""
    path = Path(path)
    return open_zip(path, what="saved run", error=_run_error(path))


def load_run(path: str | os.PathLike):
    """Read a saved run; a :class:`RunFileError` naming the file says what is wrong."""
    path = Path(path)
    with open_archive(path) as zf:
        return read_members(zf, path)


def read_members(zf: zipfile.ZipFile, path: Path, prefix: str = ""):
    """The Trainer whose members in ``zf`` start with ``prefix`` (see :func:`write_members`)."""
    from playground.training.trainer import Trainer

    source = Path(f"{path} ({prefix.rstrip('/')})") if prefix else path
    names = {name[len(prefix):] for name in zf.namelist() if name.startswith(prefix)}
    members = _Members(zf, prefix)
    missing = [m for m in REQUIRED if m not in names]
    if missing:
        raise RunFileError(f"{source}: not a complete saved run (missing "
                           f"{', '.join(missing)})")
    state = loads_json(members.text("state.json", source), f"{source}: state.json",
                       allow_nonfinite=True, error=_run_error(source))
    if not isinstance(state, dict):
        raise RunFileError(f"{source}: state.json is damaged (not a JSON object)")
    if state.get("format") != RUN_FORMAT:
        raise RunFileError(f"{source}: state.json: unknown run format "
                           f"{state.get('format')!r} (expected {RUN_FORMAT!r})")
    try:
        experiment = Experiment.from_json(members.text("experiment.json", source),
                                          base_dir=path.parent.resolve(),
                                          source=f"{source}: experiment.json")
    except ExperimentError as exc:
        raise RunFileError(f"{source}: experiment.json: {exc}" if exc.path else str(exc)) \
            from None
    history = History.from_csv(members.text("history.csv", source), f"{source}: history.csv")
    dataset = None
    if "dataset.npz" in names:
        dataset = _dataset_from_arrays(members.npz("dataset.npz", source), source)
    weights = members.npz("weights.npz", source)
    opt_arrays = members.npz("optimizer.npz", source)
    state_arrays = members.npz("state.npz", source) if "state.npz" in names else {}
    try:
        trainer = Trainer(experiment, dataset=dataset)
    except PlaygroundError as exc:
        raise RunFileError(f"{source}: the saved experiment cannot be rebuilt: {exc}") \
            from None
    sd = {"weights": weights, "optimizer": opt_arrays, "state": state,
          "arrays": state_arrays, "history": history}
    try:
        trainer.load_state_dict(sd)
    except StateError as exc:
        raise RunFileError(f"{source}: {exc.about(MEMBERS[exc.part])}") from None
    return trainer


class _Members:
    """Reads the members of one run, named relative to its prefix."""

    def __init__(self, zf: zipfile.ZipFile, prefix: str):
        self.zf, self.prefix = zf, prefix

    def text(self, name: str, source) -> str:
        return _text(self.zf, self.prefix + name, source)

    def npz(self, name: str, source) -> dict[str, np.ndarray]:
        return _load_npz(self.zf, self.prefix + name, source)
