"""A Trainer's whole training state in memory, to fork a run or to go back to an epoch.

:func:`capture` copies everything that decides what a Trainer does next — weights, optimizer
state and learning rate, the shuffling/dropout generator, early-stopping and schedule state,
counters, and mid-epoch the shuffle order and the running metrics — and :func:`restore` puts it
into a Trainer built from the same experiment and data. A restored trainer continues bit for
bit as the original would have; :func:`clone` is the two together (a fork). The history is
not part of the state: a clone copies the rows it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground import blas
from playground.experiment import Experiment


@dataclass(frozen=True)
class TrainerState:
    experiment: Experiment
    epoch: int
    iteration: int
    batch_in_epoch: int
    params: np.ndarray
    optimizer_arrays: dict
    optimizer_scalars: dict
    learning_rate: float
    rng_state: dict
    early_stopping: dict
    best_weights: np.ndarray | None
    schedule: dict | None
    batching: tuple
    next_batching: tuple | None
    stop: tuple                 # (stop_reason, stopped_early, diverged)
    confusion: tuple | None
    mid_epoch: tuple | None     # (perm, metric sums, start-of-epoch checkpoint) mid-epoch only

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays of this state (the small dicts aside)."""
        arrays = [self.params, *self.optimizer_arrays.values()]
        if self.best_weights is not None:
            arrays.append(self.best_weights)
        if self.mid_epoch is not None:
            perm, _, start = self.mid_epoch
            arrays += [perm] if perm is not None else []
            if start is not None:
                arrays += [start[0], *start[1].values()]
        return sum(a.nbytes for a in arrays)


def state_nbytes(trainer) -> int:
    """What one epoch-boundary state of ``trainer`` holds in arrays: the weights, each
    optimizer buffer and, when early stopping keeps them, the best weights."""
    params = trainer.network.params.nbytes
    buffers = sum(a.nbytes for a in trainer.optimizer.state_arrays().values())
    es = trainer.early_stopping
    best = params if es.enabled and es.restore_best_weights else 0
    return params + buffers + best


def capture(trainer) -> TrainerState:
    es = trainer.early_stopping
    mid_epoch = None
    if trainer.batch_in_epoch:
        m = trainer._metrics
        perm = None if trainer._perm is None else trainer._perm.copy()
        start = trainer._checkpoint
        mid_epoch = (perm, (m.loss_sum, m.seen, m.correct, m.sse),
                     None if start is None else (start[0].copy(),
                                                 {k: v.copy() for k, v in start[1].items()},
                                                 *start[2:]))
    return TrainerState(
        experiment=trainer.experiment, epoch=trainer.epoch, iteration=trainer.iteration,
        batch_in_epoch=trainer.batch_in_epoch, params=trainer.network.params.copy(),
        optimizer_arrays=trainer.optimizer.state_arrays(),
        optimizer_scalars=trainer.optimizer.state_scalars(),
        learning_rate=trainer.optimizer.learning_rate,
        rng_state=trainer.rng.bit_generator.state, early_stopping=es.state(),
        best_weights=None if es.best_weights is None else es.best_weights.copy(),
        schedule=trainer.schedule.state() if trainer.schedule is not None else None,
        batching=(trainer.batch_size, trainer.shuffle), next_batching=trainer._next_batching,
        stop=(trainer.stop_reason, trainer.stopped_early, trainer.diverged),
        confusion=trainer.confusion, mid_epoch=mid_epoch)


def restore(trainer, state: TrainerState) -> None:
    """Put ``state`` into ``trainer``, which was built from ``state.experiment`` on the same
    data (the history is left as it is)."""
    trainer.network.params[...] = state.params
    trainer.optimizer.load_state(state.optimizer_arrays, state.optimizer_scalars)
    trainer.optimizer.learning_rate = state.learning_rate
    trainer.rng.bit_generator.state = state.rng_state
    trainer.early_stopping.load_state(state.early_stopping, state.best_weights)
    if trainer.schedule is not None and state.schedule is not None:
        trainer.schedule.load_state(state.schedule)
    trainer.epoch, trainer.iteration = state.epoch, state.iteration
    trainer.batch_in_epoch = state.batch_in_epoch
    trainer.batch_size, trainer.shuffle = state.batching
    trainer._next_batching = state.next_batching
    trainer._blas_threads = blas.threads_for(trainer.network.sizes, trainer.batch_size)
    trainer.stop_reason, trainer.stopped_early, trainer.diverged = state.stop
    trainer.confusion = state.confusion
    if state.mid_epoch is not None:
        perm, sums, start = state.mid_epoch
        trainer._perm = None if perm is None else perm.copy()
        trainer._metrics.restore(*sums)
        trainer._checkpoint = None if start is None else (
            start[0].copy(), {k: v.copy() for k, v in start[1].items()}, *start[2:])


def rebuild(state: TrainerState, dataset, history):
    """A new Trainer in ``state`` on ``dataset``, with ``history``'s first rows up to the
    state's epoch."""
    from .trainer import Trainer

    trainer = Trainer(state.experiment, dataset=dataset)
    restore(trainer, state)
    trainer.history = history.copy(state.epoch)
    return trainer


def clone(trainer):
    """An independent Trainer that continues exactly as ``trainer`` would (a fork)."""
    return rebuild(capture(trainer), trainer.dataset, trainer.history)
