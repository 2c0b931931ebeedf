"""A run's timeline: a bounded store of epoch checkpoints to look back at or fork from.

Every epoch is kept at first. When more than ``max_checkpoints`` are held, the stride doubles
and the checkpoints off the new stride are dropped, so the store keeps between half and all of
``max_checkpoints`` evenly spaced epochs however long the run grows (after 10,000 epochs with
128 checkpoints: every 128th epoch). A fork also keeps the checkpoint it started from. Memory
is bounded by ``(max_checkpoints + 1) × state_nbytes(trainer)`` — the weights, each optimizer
buffer and the early-stopping best weights of one epoch (see :meth:`Timeline.bound_bytes`) —
and ``max_checkpoints`` is lowered so that this stays within ``max_bytes`` (64 MB by default,
at least 2 checkpoints): a 784-256-128-10 network with Adam keeps 22, not 128.

Between two kept epochs, :meth:`Timeline.trainer_at` replays training from the checkpoint
before, which is exact when no setting changed in between (training is deterministic).
"""

from __future__ import annotations

import bisect

from .trainer_state import TrainerState, capture, rebuild, state_nbytes

DEFAULT_CHECKPOINTS = 128
#: the most a timeline holds by default: a big network keeps fewer checkpoints, not more bytes
DEFAULT_BUDGET = 64 * 2**20


class Timeline:
    def __init__(self, max_checkpoints: int = DEFAULT_CHECKPOINTS,
                 max_bytes: int | None = DEFAULT_BUDGET):
        self.max_checkpoints = max(2, int(max_checkpoints))
        self.max_bytes = max_bytes
        self._sized = max_bytes is None
        self.stride = 1
        self._states: dict[int, TrainerState] = {}
        self._origin: TrainerState | None = None     # where a fork started; never thinned
        self._changes: list[int] = []   # epochs trained with other settings than the one before
        self._experiment = None

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def epochs(self) -> list[int]:
        """The kept epochs, in order."""
        kept = set(self._states)
        if self._origin is not None:
            kept.add(self._origin.epoch)
        return sorted(kept)

    @property
    def nbytes(self) -> int:
        states = list(self._states.values())
        if self._origin is not None and self._origin.epoch not in self._states:
            states.append(self._origin)
        return sum(state.nbytes for state in states)

    def bound_bytes(self, trainer) -> int:
        """The most this timeline can hold for ``trainer``'s network and optimizer."""
        return (self.max_checkpoints + 1) * state_nbytes(trainer)

    def record(self, trainer, origin: bool = False) -> None:
        """Note that ``trainer`` finished an epoch; keep a checkpoint when one is due.
        ``origin``: this is where a fork starts (always kept)."""
        if trainer.batch_in_epoch and not origin:
            return
        epoch = trainer.epoch
        if self._experiment is not None and trainer.experiment is not self._experiment:
            self._changes.append(epoch + 1 if origin else epoch)
        self._experiment = trainer.experiment
        if not self._sized:                  # fewer checkpoints for a big network
            self._sized = True
            fit = self.max_bytes // max(state_nbytes(trainer), 1) - 1
            self.max_checkpoints = max(2, min(self.max_checkpoints, fit))
        if origin:
            self._origin = capture(trainer)
            return
        if epoch % self.stride:
            return
        self._states[epoch] = capture(trainer)
        while len(self._states) > self.max_checkpoints:
            self.stride *= 2
            self._states = {k: s for k, s in self._states.items() if k % self.stride == 0}

    def until(self, epoch: int) -> "Timeline":
        """A new timeline holding this one's checkpoints up to ``epoch`` (for a fork)."""
        other = Timeline(self.max_checkpoints, self.max_bytes)
        other._sized = self._sized
        other.stride = self.stride
        other._states = {k: s for k, s in self._states.items() if k <= epoch}
        if self._origin is not None and self._origin.epoch <= epoch:
            other._origin = self._origin
        other._changes = [e for e in self._changes if e <= epoch]
        return other

    def at(self, epoch: int) -> TrainerState:
        """The checkpoint of the latest kept epoch at or before ``epoch``."""
        epochs = self.epochs
        i = bisect.bisect_right(epochs, epoch) - 1
        if i < 0:
            raise ValueError(f"no checkpoint at or before epoch {epoch} (the timeline starts "
                             f"at epoch {epochs[0] if epochs else '—'})")
        kept = epochs[i]
        if self._origin is not None and self._origin.epoch == kept:
            return self._origin       # a fork's own start, not its parent's state there
        return self._states[kept]

    def replayable(self, start: int, epoch: int) -> bool:
        """True when epochs ``start+1 … epoch`` ran with the settings of epoch ``start``."""
        return not any(start < e <= epoch for e in self._changes)

    def trainer_at(self, epoch: int, dataset, history, exact: bool = True):
        """A new Trainer as the run was after ``epoch``: rebuilt from the checkpoint before
        and, when ``exact`` and no setting changed in between, trained forward to ``epoch``
        (otherwise it stays at the checkpoint's epoch; look at its ``epoch``)."""
        state = self.at(epoch)
        trainer = rebuild(state, dataset, history)
        if exact and self.replayable(state.epoch, epoch):
            while trainer.epoch < epoch and not trainer.finished:
                trainer.train_epoch()
        return trainer
