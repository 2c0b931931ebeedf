"""A Trainer's whole training state in memory, to fork a run or to go back to an epoch.

:func:`capture` keeps the trainer's own :meth:`~playground.training.trainer.Trainer.state_dict`
(weights, optimizer, generator, early stopping, schedule, counters, and mid-epoch the shuffle
order, the running metrics and the start-of-epoch checkpoint) without the history, plus the
experiment it belongs to and the confusion counts a snapshot shows; :func:`rebuild` makes a
Trainer from it with :meth:`load_state_dict`, which checks it and continues bit for bit as the
original would have; :func:`clone` is the two together (a fork). The rule for what a trainer's
state is lives in one place, the Trainer's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.experiment import Experiment

#: state arrays that only matter inside an epoch (kept only when captured mid-epoch)
_MID_EPOCH_ARRAYS = ("perm", "checkpoint_")


@dataclass(frozen=True)
class TrainerState:
    experiment: Experiment
    parts: dict                 # Trainer.state_dict(history=False)
    confusion: tuple | None

    @property
    def epoch(self) -> int:
        return self.parts["state"]["epoch"]

    @property
    def mid_epoch(self) -> tuple | None:
        """(the epoch's shuffle order or None, the running metric sums) when captured inside
        an epoch, else None."""
        state = self.parts["state"]
        if not state["batch_in_epoch"]:
            return None
        m = state["metrics"]
        return self.parts["arrays"].get("perm"), (m["loss_sum"], m["seen"], m["correct"],
                                                  m["sse"])

    @property
    def next_batching(self) -> tuple | None:
        """The experiment's (batch size, shuffle) when it waits for the next epoch (a live
        change made mid-epoch), else None."""
        state, training = self.parts["state"], self.experiment.training
        configured = (training["batch_size"], training["shuffle"])
        return configured if configured != (state["batch_size"], state["shuffle"]) else None

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays of this state (the small dicts aside)."""
        parts = self.parts
        arrays = [*parts["weights"].values(), *parts["optimizer"].values(),
                  *parts["arrays"].values()]
        return sum(np.asarray(a).nbytes for a in arrays)


def state_nbytes(trainer) -> int:
    """What one epoch-boundary state of ``trainer`` holds in arrays: the weights, each
    optimizer buffer and, when early stopping keeps them, the best weights."""
    params = trainer.network.params.nbytes
    buffers = sum(a.nbytes for a in trainer.optimizer.state_arrays().values())
    es = trainer.early_stopping
    best = params if es.enabled and es.restore_best_weights else 0
    return params + buffers + best


def capture(trainer) -> TrainerState:
    parts = trainer.state_dict(history=False)
    if not trainer.batch_in_epoch:          # between epochs: the next one draws its own
        parts["arrays"] = {k: v for k, v in parts["arrays"].items()
                           if not k.startswith(_MID_EPOCH_ARRAYS)}
    return TrainerState(trainer.experiment, parts, trainer.confusion)


def rebuild(state: TrainerState, dataset, history):
    """A new Trainer in ``state`` on ``dataset``, with ``history``'s first rows up to the
    state's epoch."""
    from .trainer import Trainer

    trainer = Trainer(state.experiment, dataset=dataset)
    trainer.load_state_dict({**state.parts, "history": history.copy(state.epoch)})
    trainer.confusion = state.confusion
    return trainer


def clone(trainer):
    """An independent Trainer that continues exactly as ``trainer`` would (a fork)."""
    return rebuild(capture(trainer), trainer.dataset, trainer.history)
