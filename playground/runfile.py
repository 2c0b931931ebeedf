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
from pathlib import Path

import numpy as np

from . import __version__
from .atomic import atomic_write_with
from .data import FILE_SOURCES, Dataset
from .errors import PlaygroundError, RunFileError
from .experiment import Experiment
from .history import History

RUN_FORMAT = "backprop-playground-run/1"
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
    experiment = trainer.experiment.rebased(path.parent.resolve())
    es = trainer.early_stopping
    state = {
        "format": RUN_FORMAT, "version": __version__,
        "epoch": trainer.epoch, "iteration": trainer.iteration,
        "batch_in_epoch": trainer.batch_in_epoch,
        "learning_rate": trainer.optimizer.learning_rate,
        "rng": trainer.rng.bit_generator.state,
        "stop_reason": trainer.stop_reason, "stopped_early": trainer.stopped_early,
        "diverged": trainer.diverged,
        "optimizer": trainer.optimizer.state_scalars(),
        "early_stopping": es.state(),
        "schedule": trainer.schedule.state() if trainer.schedule is not None else None,
        "metrics": {"loss_sum": trainer._metrics.loss_sum, "seen": trainer._metrics.seen,
                    "correct": trainer._metrics.correct, "sse": trainer._metrics.sse},
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

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("experiment.json", experiment.to_json())
            zf.writestr("weights.npz", _npz_bytes(trainer.network.weights()))
            zf.writestr("optimizer.npz", _npz_bytes(trainer.optimizer.state_arrays()))
            zf.writestr("state.json", json.dumps(state, indent=1))
            zf.writestr("state.npz", _npz_bytes(state_arrays))
            zf.writestr("history.csv", trainer.history.to_csv())
            if trainer.experiment.data["source"] in FILE_SOURCES:
                zf.writestr("dataset.npz", _npz_bytes(_dataset_arrays(trainer.dataset)))

    atomic_write_with(path, write)


def _load_npz(zf: zipfile.ZipFile, name: str, source: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(io.BytesIO(zf.read(name)), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise RunFileError(f"{source}: {name} is damaged or not a plain array file ({exc})") \
            from None


def _dataset_from_arrays(a: dict[str, np.ndarray], source: Path) -> Dataset:
    try:
        return Dataset(source=str(a["source"]), task=str(a["task"]),
                       X_train=a["X_train"], y_train=a["y_train"], X_val=a["X_val"],
                       y_val=a["y_val"], feature_names=tuple(map(str, a["feature_names"])),
                       class_names=tuple(map(str, a["class_names"])),
                       target_names=tuple(map(str, a["target_names"])), raw_train=None,
                       raw_val=None, transform=None, bounds=None,
                       description=str(a["description"]))
    except KeyError as exc:
        raise RunFileError(f"{source}: dataset.npz lacks {exc}") from None


def load_run(path: str | os.PathLike):
    from .training import Trainer

    path = Path(path)
    if not path.is_file():
        raise RunFileError(f"{path}: no such file")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise RunFileError(f"{path}: not a saved run (.bpp files are zip archives)") from None
    with zf:
        names = set(zf.namelist())
        missing = [m for m in REQUIRED if m not in names]
        if missing:
            raise RunFileError(f"{path}: not a complete saved run (missing "
                               f"{', '.join(missing)})")
        try:
            state = json.loads(zf.read("state.json").decode("utf-8"))
            experiment = Experiment.from_json(zf.read("experiment.json").decode("utf-8"),
                                              base_dir=path.parent.resolve(),
                                              source=f"{path}: experiment.json")
            history = History.from_csv(zf.read("history.csv").decode("utf-8"),
                                       f"{path}: history.csv")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RunFileError(f"{path}: damaged ({exc})") from None
        if state.get("format") != RUN_FORMAT:
            raise RunFileError(f"{path}: unknown run format {state.get('format')!r}")
        dataset = None
        if "dataset.npz" in names:
            dataset = _dataset_from_arrays(_load_npz(zf, "dataset.npz", path), path)
        weights = _load_npz(zf, "weights.npz", path)
        opt_arrays = _load_npz(zf, "optimizer.npz", path)
        state_arrays = _load_npz(zf, "state.npz", path) if "state.npz" in names else {}

    trainer = Trainer(experiment, dataset=dataset)
    try:
        trainer.network.set_weights(weights)
        trainer.optimizer.load_state(opt_arrays, state["optimizer"])
    except (KeyError, ValueError) as exc:
        raise RunFileError(f"{path}: the weights do not fit the experiment's network ({exc})") \
            from None
    except PlaygroundError as exc:
        raise RunFileError(f"{path}: {exc}") from None
    try:
        trainer.optimizer.learning_rate = float(state["learning_rate"])
        trainer.rng.bit_generator.state = state["rng"]
        trainer.epoch = int(state["epoch"])
        trainer.iteration = int(state["iteration"])
        trainer.batch_in_epoch = int(state["batch_in_epoch"])
        trainer.stop_reason = state["stop_reason"]
        trainer.stopped_early = bool(state["stopped_early"])
        trainer.diverged = bool(state["diverged"])
        m = state["metrics"]
        metrics = trainer._metrics
        metrics.loss_sum, metrics.seen = float(m["loss_sum"]), int(m["seen"])
        metrics.correct, metrics.sse = int(m["correct"]), float(m["sse"])
        trainer.early_stopping.load_state(state["early_stopping"],
                                          state_arrays.get("best_weights"))
        if trainer.schedule is not None and state.get("schedule") is not None:
            trainer.schedule.load_state(state["schedule"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RunFileError(f"{path}: state.json is damaged ({exc})") from None
    if "perm" in state_arrays:
        trainer._perm = state_arrays["perm"]
    if "checkpoint_params" in state_arrays:
        prefix = "checkpoint_optimizer."
        trainer._checkpoint = (state_arrays["checkpoint_params"],
                               {k[len(prefix):]: v for k, v in state_arrays.items()
                                if k.startswith(prefix)})
    trainer.history = history
    return trainer
