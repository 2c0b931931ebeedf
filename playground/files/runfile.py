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

RUN_FORMAT = "backprop-playground-run/1"
MAX_TEXT_MEMBER_BYTES = MAX_JSON_BYTES * 8   # history.csv of a long run is the largest
MAX_COUNTER = 2**53                 # epochs / iterations: exact as floats, never infinite
REQUIRED = ("experiment.json", "weights.npz", "optimizer.npz", "state.json", "history.csv")


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
    experiment = trainer.experiment.rebased(base_dir)
    es = trainer.early_stopping
    state = {
        "format": RUN_FORMAT, "version": __version__,
        "epoch": trainer.epoch, "iteration": trainer.iteration,
        "batch_in_epoch": trainer.batch_in_epoch,
        # in use this epoch (a live change made mid-epoch waits for the next one)
        "batch_size": trainer.batch_size, "shuffle": trainer.shuffle,
        "learning_rate": trainer.optimizer.learning_rate,
        "rng": trainer.rng.bit_generator.state,
        "stop_reason": trainer.stop_reason, "stopped_early": trainer.stopped_early,
        "diverged": trainer.diverged,
        "optimizer": trainer.optimizer.state_scalars(),
        "early_stopping": es.state(),
        "schedule": trainer.schedule.state() if trainer.schedule is not None else None,
        "metrics": {"loss_sum": trainer._metrics.loss_sum, "seen": trainer._metrics.seen,
                    "correct": trainer._metrics.correct, "sse": trainer._metrics.sse},
        "edits": list(trainer.history.edits),
    }
    state_arrays = {}
    if trainer._perm is not None:
        state_arrays["perm"] = trainer._perm
    if es.best_weights is not None:
        state_arrays["best_weights"] = es.best_weights
    if trainer._checkpoint is not None:
        state_arrays["checkpoint_params"] = trainer._checkpoint[0]
        for key, value in trainer._checkpoint[1].items():
            state_arrays["checkpoint_optimizer." + key] = value

    members = {"experiment.json": experiment.to_json(),
               "weights.npz": _npz_bytes(trainer.network.weights()),
               "optimizer.npz": _npz_bytes(trainer.optimizer.state_arrays()),
               "state.json": json.dumps(state, indent=1),
               "state.npz": _npz_bytes(state_arrays),
               "history.csv": trainer.history.to_csv()}
    if trainer.experiment.data["source"] in FILE_SOURCES:
        members["dataset.npz"] = _npz_bytes(_dataset_arrays(trainer.dataset))
    for name, data in members.items():
        zf.writestr(prefix + name, data)


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
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
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
    _restore(trainer, source, state, history, weights, opt_arrays, state_arrays)
    # the path in between is not saved: it resumes from the start and the saved weights
    trainer.trajectory.record(trainer.epoch, trainer.network.params)
    return trainer


class _Members:
    """Reads the members of one run, named relative to its prefix."""

    def __init__(self, zf: zipfile.ZipFile, prefix: str):
        self.zf, self.prefix = zf, prefix

    def text(self, name: str, source) -> str:
        return _text(self.zf, self.prefix + name, source)

    def npz(self, name: str, source) -> dict[str, np.ndarray]:
        return _load_npz(self.zf, self.prefix + name, source)


def _check_array(arrays: dict, key: str, like: np.ndarray, path: Path, member: str):
    value = arrays.get(key)
    if value is None:
        return None
    if value.shape != like.shape or value.dtype != like.dtype:
        raise RunFileError(f"{path}: {member}: {key} has shape {value.shape} and dtype "
                           f"{value.dtype}; this network needs {like.shape} {like.dtype}")
    return value


def _restore(trainer, path: Path, state: dict, history: History, weights: dict,
             opt_arrays: dict, state_arrays: dict) -> None:
    net = trainer.network
    expected = set(net.parameter_names())
    if set(weights) != expected:
        raise RunFileError(f"{path}: weights.npz has arrays {sorted(weights)}; the "
                           f"experiment's network needs {sorted(expected)}")
    for key, value in weights.items():
        if value.dtype.kind != "f":
            raise RunFileError(f"{path}: weights.npz: {key} holds {value.dtype} values, "
                               f"not floating-point numbers")
    try:
        net.set_weights(weights)
    except ValueError as exc:
        raise RunFileError(f"{path}: weights.npz does not fit the experiment's network "
                           f"({exc})") from None
    try:
        if not isinstance(state["optimizer"], dict):
            raise RunFileError(f"{path}: state.json is damaged (the optimizer state is not an "
                               f"object)")
        trainer.optimizer.load_state(opt_arrays, state["optimizer"])
    except KeyError as exc:
        raise RunFileError(f"{path}: state.json is damaged (no {exc})") from None
    except RunFileError:
        raise
    except (PlaygroundError, AttributeError, TypeError, ValueError) as exc:
        raise RunFileError(f"{path}: optimizer.npz / state.json: {exc}") from None
    params = net.params
    best = _check_array(state_arrays, "best_weights", params, path, "state.npz")
    checkpoint = _check_array(state_arrays, "checkpoint_params", params, path, "state.npz")
    perm = state_arrays.get("perm")
    n = len(trainer.X_train)
    if perm is not None and not (perm.shape == (n,) and perm.dtype.kind in "iu"
                                 and np.array_equal(np.sort(perm), np.arange(n))):
        raise RunFileError(f"{path}: state.npz: the shuffle order is not a permutation of "
                           f"the {n} training samples")
    try:
        rng_state = state["rng"]
        counters = {k: state[k] for k in ("epoch", "iteration", "batch_in_epoch")}
        for key, value in counters.items():
            if isinstance(value, bool) or not isinstance(value, int) \
                    or not 0 <= value <= MAX_COUNTER:
                raise ValueError(f"{key!r} must be a whole number from 0 to {MAX_COUNTER:,}, "
                                 f"got {value!r}")
        batch_size = state.get("batch_size", trainer.batch_size)
        shuffle = state.get("shuffle", trainer.shuffle)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
                or not 1 <= batch_size <= max(n, 1) or not isinstance(shuffle, bool):
            raise ValueError(f"bad batch size {batch_size!r} or shuffle {shuffle!r}")
        batches = -(-n // batch_size)
        if counters["batch_in_epoch"] >= batches:
            raise ValueError(f"batch_in_epoch {counters['batch_in_epoch']} is beyond the "
                             f"{batches} batches of an epoch")
        if counters["batch_in_epoch"] and shuffle and perm is None:
            raise ValueError("the run stopped mid-epoch but state.npz has no shuffle order")
        m = state["metrics"]
        metrics = (float(m["loss_sum"]), int(m["seen"]), int(m["correct"]), float(m["sse"]))
        stop_reason = state["stop_reason"]
        if stop_reason is not None and not isinstance(stop_reason, str):
            raise ValueError(f"stop_reason must be text or null, got {stop_reason!r}")
        flags = [bool(state[k]) for k in ("stopped_early", "diverged")]
        learning_rate = state["learning_rate"]
        trainer.optimizer.learning_rate = learning_rate
        trainer.rng.bit_generator.state = rng_state
        trainer.early_stopping.load_state(state["early_stopping"], best)
        if trainer.schedule is not None and state.get("schedule") is not None:
            trainer.schedule.load_state(state["schedule"])
    except KeyError as exc:
        raise RunFileError(f"{path}: state.json is damaged (no {exc})") from None
    except (PlaygroundError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise RunFileError(f"{path}: state.json is damaged ({exc})") from None
    trainer.epoch, trainer.iteration = counters["epoch"], counters["iteration"]
    trainer.batch_in_epoch = counters["batch_in_epoch"]
    configured = (trainer.batch_size, trainer.shuffle)
    trainer.batch_size, trainer.shuffle = batch_size, shuffle
    trainer._next_batching = configured if configured != (batch_size, shuffle) else None
    trainer.stop_reason = stop_reason
    trainer.stopped_early, trainer.diverged = flags
    mt = trainer._metrics
    mt.restore(*metrics)
    if perm is not None:
        trainer._perm = perm.astype(np.intp, copy=False)
    if checkpoint is not None:
        prefix = "checkpoint_optimizer."
        saved = {k[len(prefix):]: v for k, v in state_arrays.items() if k.startswith(prefix)}
        current = trainer.optimizer.state_arrays()
        if set(saved) != set(current):
            raise RunFileError(f"{path}: state.npz: the checkpoint's optimizer state has "
                               f"{sorted(saved)}, expected {sorted(current)}")
        for key, like in current.items():
            _check_array(saved, key, like, path, "state.npz")
        trainer._checkpoint = (checkpoint, saved)
    if len(history) != trainer.epoch:
        raise RunFileError(f"{path}: history.csv has {len(history)} rows, but the run "
                           f"completed {trainer.epoch} epochs")
    edits = state.get("edits", [])
    if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
        raise RunFileError(f"{path}: state.json is damaged (the weight edits are not a list)")
    history.edits = edits
    trainer.history = history
