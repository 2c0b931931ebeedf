"""The checks a trainer's saved state passes before ``Trainer.load_state_dict`` puts it back.

A state dict (``Trainer.state_dict()``) has five parts, one per member of a saved run:
``weights`` and ``optimizer`` (arrays), ``state`` (counters, the random generator, early
stopping, schedule, optimizer scalars and the running epoch metrics: JSON-ready), ``arrays``
(the shuffle order, the early-stopping best weights, the start-of-epoch checkpoint) and
``history``. :func:`checked_state` reads it against the trainer it is meant for and returns
the values to restore, or raises :class:`StateError` naming the part that does not fit; it
changes nothing, so the trainer stays as it was built when the state is refused. The two
methods themselves are the Trainer's (:class:`Resumable`, which it inherits): nothing
outside the Trainer writes its attributes.
"""

from __future__ import annotations

import copy

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from playground import blas

from playground.errors import PlaygroundError

PARTS = ("weights", "optimizer", "state", "arrays", "history")
MAX_COUNTER = 2**53                 # epochs / iterations: exact as floats, never infinite
CHECKPOINT_PREFIX = "checkpoint_optimizer."


class StateError(PlaygroundError):
    """A part of a state dict does not fit the trainer (``part``: one of :data:`PARTS`)."""

    def __init__(self, part: str, reason: str):
        self.part, self.reason = part, reason
        super().__init__(self.about(part))

    def about(self, holder: str) -> str:
        """The reason said of ``holder`` (what holds the part: "state.json is damaged (…)",
        "state.npz: the shuffle order is not …")."""
        predicate = self.reason.split(" ", 1)[0] in ("is", "has", "does")
        return f"{holder} {self.reason}" if predicate else f"{holder}: {self.reason}"


@contextmanager
def state_part(part: str, damaged: bool = False):
    """Turn the errors of reading ``part`` into a :class:`StateError` naming it."""
    try:
        yield
    except StateError:
        raise
    except KeyError as exc:
        raise StateError(part, f"is damaged (no {exc})") from None
    except (PlaygroundError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise StateError(part, f"is damaged ({exc})" if damaged else str(exc)) from None


@dataclass(frozen=True)
class CheckedState:
    epoch: int
    iteration: int
    batch_in_epoch: int
    batching: tuple[int, bool]
    stop_reason: str | None
    flags: tuple[bool, bool]             # stopped early, diverged
    metrics: tuple[float, int, int, float]
    perm: np.ndarray | None
    best_weights: np.ndarray | None
    checkpoint: tuple[np.ndarray, dict] | None


def _check_array(arrays: dict, key: str, like: np.ndarray, part: str):
    value = arrays.get(key)
    if value is None:
        return None
    if value.shape != like.shape or value.dtype != like.dtype:
        raise StateError(part, f"{key} has shape {value.shape} and dtype {value.dtype}; this "
                               f"network needs {like.shape} {like.dtype}")
    return value


def check_weights(network, weights: dict) -> None:
    shapes = {name: array.shape for name, array in network.weights().items()}
    expected = set(shapes)
    if set(weights) != expected:
        raise StateError("weights", f"has arrays {sorted(weights)}; the experiment's network "
                                    f"needs {sorted(expected)}")
    for key, value in weights.items():
        if value.dtype.kind != "f":
            raise StateError("weights", f"{key} holds {value.dtype} values, not "
                                        f"floating-point numbers")
    for key, shape in shapes.items():
        if weights[key].shape != shape:
            raise StateError("weights", f"does not fit the experiment's network ({key} has "
                                        f"shape {weights[key].shape}, expected {shape})")


def _check_perm(perm, n: int):
    if perm is not None and not (perm.shape == (n,) and perm.dtype.kind in "iu"
                                 and np.array_equal(np.sort(perm), np.arange(n))):
        raise StateError("arrays", f"the shuffle order is not a permutation of the {n} "
                                   f"training samples")
    return None if perm is None else perm.astype(np.intp, copy=False)


def _check_counters(state: dict, n: int, batching: tuple, shuffled: bool) -> dict:
    counters = {k: state[k] for k in ("epoch", "iteration", "batch_in_epoch")}
    for key, value in counters.items():
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= MAX_COUNTER:
            raise ValueError(f"{key!r} must be a whole number from 0 to {MAX_COUNTER:,}, "
                             f"got {value!r}")
    batch_size, shuffle = batching
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
            or not 1 <= batch_size <= max(n, 1) or not isinstance(shuffle, bool):
        raise ValueError(f"bad batch size {batch_size!r} or shuffle {shuffle!r}")
    batches = -(-n // batch_size)
    if counters["batch_in_epoch"] >= batches:
        raise ValueError(f"batch_in_epoch {counters['batch_in_epoch']} is beyond the "
                         f"{batches} batches of an epoch")
    if counters["batch_in_epoch"] and shuffle and not shuffled:
        raise ValueError("the run stopped mid-epoch but state.npz has no shuffle order")
    return counters


def _check_running_metrics(metrics: tuple, samples: int) -> None:
    """A run saved inside an epoch: its running counts must be those of the batches it says
    it trained (every batch but an epoch's last is full), or the epoch's loss comes out wrong
    and its flush fails (a fuzzed run: a ValueError from a reshape)."""
    _, seen, correct, _ = metrics
    if seen != samples:
        raise ValueError(f"the epoch's running metrics count {seen} samples, but the batches "
                         f"trained so far hold {samples}")
    if not 0 <= correct <= seen:
        raise ValueError(f"the epoch's running metrics count {correct} correct of {seen}")


def _check_checkpoint(arrays: dict, params: np.ndarray, optimizer):
    checkpoint = _check_array(arrays, "checkpoint_params", params, "arrays")
    if checkpoint is None:
        return None
    saved = {k[len(CHECKPOINT_PREFIX):]: v for k, v in arrays.items()
             if k.startswith(CHECKPOINT_PREFIX)}
    current = optimizer.state_arrays()
    for key, like in current.items():
        if key in saved:
            _check_array(saved, key, like, "arrays")
    # runs saved before live changes conformed the checkpoint (momentum turned on mid-epoch
    # left it no velocity): its buffers as that change made them, not a refusal to load
    saved, _ = optimizer.conformed_state(saved, {})
    return checkpoint, saved


def checked_state(trainer, sd: dict) -> CheckedState:
    """The values of ``sd`` to restore into ``trainer`` (read only; see the module docstring)."""
    check_weights(trainer.network, sd["weights"])
    state, arrays, n = sd["state"], sd["arrays"], len(trainer.X_train)
    params = trainer.network.params
    best = _check_array(arrays, "best_weights", params, "arrays")
    checkpoint = _check_array(arrays, "checkpoint_params", params, "arrays")
    perm = _check_perm(arrays.get("perm"), n)
    with state_part("state", damaged=True):
        if not isinstance(state["optimizer"], dict):
            raise ValueError("the optimizer state is not an object")
        batching = (state.get("batch_size", trainer.batch_size),
                    state.get("shuffle", trainer.shuffle))
        counters = _check_counters(state, n, batching, perm is not None)
        m = state["metrics"]
        metrics = (float(m["loss_sum"]), int(m["seen"]), int(m["correct"]), float(m["sse"]))
        if counters["batch_in_epoch"]:
            _check_running_metrics(metrics, counters["batch_in_epoch"] * batching[0])
        stop_reason = state["stop_reason"]
        if stop_reason is not None and not isinstance(stop_reason, str):
            raise ValueError(f"stop_reason must be text or null, got {stop_reason!r}")
        flags = (bool(state["stopped_early"]), bool(state["diverged"]))
    if checkpoint is not None:
        checkpoint = _check_checkpoint(arrays, params, trainer.optimizer)
    if len(sd["history"]) != counters["epoch"]:
        raise StateError("history", f"has {len(sd['history'])} rows, but the run completed "
                                    f"{counters['epoch']} epochs")
    return CheckedState(counters["epoch"], counters["iteration"], counters["batch_in_epoch"],
                        batching, stop_reason, flags, metrics, perm, best, checkpoint)


class Resumable:
    """``state_dict`` / ``load_state_dict`` of :class:`~playground.training.trainer.Trainer`."""

    def state_dict(self, history: bool = True) -> dict:
        """Everything a resumed run needs besides the experiment and the data, as copies:
        parts ``weights``, ``optimizer``, ``state``, ``arrays``, ``history`` (see
        :mod:`playground.training.state`). :meth:`load_state_dict` puts it back bit for bit.
        While an iteration is being stepped through (``Trainer.phases``), the state from just
        before it began: an iteration half done cannot be resumed exactly."""
        if self._open_state is not None:    # set and cleared with the open iteration
            return dict(copy.deepcopy(self._open_state),
                        history=self.history.copy() if history else None)
        es = self.early_stopping
        state = {
            "epoch": self.epoch, "iteration": self.iteration,
            "batch_in_epoch": self.batch_in_epoch,
            # in use this epoch (a live change made mid-epoch waits for the next one)
            "batch_size": self.batch_size, "shuffle": self.shuffle,
            "learning_rate": self.optimizer.learning_rate,
            "rng": self.rng.bit_generator.state,
            "stop_reason": self.stop_reason, "stopped_early": self.stopped_early,
            "diverged": self.diverged,
            "optimizer": self.optimizer.state_scalars(),
            "early_stopping": es.state(),
            "schedule": self.schedule.state() if self.schedule is not None else None,
            "metrics": self._metrics.state(),
            "edits": [dict(e) for e in self.history.edits],     # weights set by hand
        }
        arrays = {}
        if self._perm is not None:
            arrays["perm"] = self._perm.copy()
        if es.best_weights is not None:
            arrays["best_weights"] = es.best_weights.copy()
        if self._checkpoint is not None:
            arrays["checkpoint_params"] = self._checkpoint[0].copy()
            for key, value in self._checkpoint[1].items():
                arrays[CHECKPOINT_PREFIX + key] = value.copy()
        return {"weights": self.network.weights(), "optimizer": self.optimizer.state_arrays(),
                "state": state, "arrays": arrays,
                "history": self.history.copy() if history else None}

    def load_state_dict(self, sd: dict) -> None:
        """Continue from a :meth:`state_dict` of a trainer of the same experiment and data;
        :class:`~playground.training.state.StateError` names the part that does not fit."""
        checked = checked_state(self, sd)
        state = sd["state"]
        with state_part("weights"):
            self.network.set_weights(sd["weights"])
        with state_part("optimizer"):
            self.optimizer.load_state(sd["optimizer"], state["optimizer"])
        with state_part("state", damaged=True):
            self.optimizer.learning_rate = state["learning_rate"]
            self.rng.bit_generator.state = state["rng"]
            self.early_stopping.load_state(state["early_stopping"], checked.best_weights)
            if self.schedule is not None and state.get("schedule") is not None:
                self.schedule.load_state(state["schedule"])
        self.epoch, self.iteration = checked.epoch, checked.iteration
        self.batch_in_epoch = checked.batch_in_epoch
        configured = (self.batch_size, self.shuffle)
        self.batch_size, self.shuffle = checked.batching
        self._next_batching = configured if configured != checked.batching else None
        self._blas_threads = blas.threads_for(self.network.sizes, self.batch_size)
        self.stop_reason = checked.stop_reason
        self.stopped_early, self.diverged = checked.flags
        self._metrics.restore(*checked.metrics)
        if checked.perm is not None:
            self._perm = checked.perm
        if checked.checkpoint is not None:
            self._checkpoint = checked.checkpoint
        edits = state.get("edits", [])
        if not isinstance(edits, list) or not all(isinstance(e, dict) for e in edits):
            raise StateError("state", "is damaged (the weight edits are not a list)")
        self.history = sd["history"]
        self.history.edits = [dict(e) for e in edits]
        # the path in between is not saved: it resumes from the start and the saved weights
        self.trajectory.record(self.epoch, self.network.params)
