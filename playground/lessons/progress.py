"""Following a lesson step live: what the window hands over, and when the step is done.

The window trains on its own thread and reports Snapshots (with the history since the last
one), the phases the stepper showed, and each change of the experiment. :class:`StepProgress`
collects them for the current step — the run's whole history, where the step started, the
phase asked for — and says whether the learner has done what the step asks and whether its
checkpoint passes, judged exactly as ``lesson --check`` judges it.
"""

from __future__ import annotations

import numpy as np

from .checkpoints import Check, Observation, evaluate, passed
from .format import Step


def budget_for(step: Step, start_epoch: int) -> int | None:
    """The epoch budget that makes Play stop where the step's checkpoint is judged."""
    if step.action.kind in ("play", "epochs"):
        return start_epoch + step.action.count
    return None


class StepProgress:
    def __init__(self, step: Step, snapshot=None, history: dict | None = None,
                 earlier: dict | None = None):
        self.step = step
        self.earlier = dict(earlier or {})
        self.snapshot = snapshot
        self.history = {k: np.asarray(v) for k, v in (history or {}).items()}
        self.start_epoch = snapshot.epoch if snapshot is not None else 0
        self.start_iteration = snapshot.iteration if snapshot is not None else 0
        self.phase = None
        self.changed = step.action.change is None
        #: a new run was asked for: snapshots of the old trainer may still be on their way
        self.awaiting_start = snapshot is None

    # -- what the window reports -----------------------------------------------------------
    def new_run(self) -> None:
        """A new trainer (the step's experiment, or a change that needs one): start at 0."""
        self.history, self.start_epoch, self.start_iteration = {}, 0, 0
        self.snapshot, self.phase = None, None
        self.awaiting_start = True

    def add_snapshot(self, snapshot) -> None:
        """Take a snapshot in; while a new run is awaited, only its first one (iteration 0)
        starts the step's record."""
        if self.awaiting_start:
            if snapshot.iteration != 0 or snapshot.history_start != 0:
                return
            self.awaiting_start = False
        start = snapshot.history_start
        if start == 0 and snapshot.iteration < self.start_iteration:
            self.new_run()
        for key, column in snapshot.history.items():
            old = self.history.get(key, np.empty(0))[:start]
            self.history[key] = np.concatenate([old, np.asarray(column, dtype=float)])
        self.snapshot = snapshot

    def add_phase(self, phase) -> None:
        if self.changed and self._wanted(phase):
            self.phase = phase

    def experiment_changed(self, experiment) -> None:
        change = self.step.action.change
        if change is not None and not self.changed:
            self.changed = experiment.get(change) == self.step.after.get(change)
            if self.changed and self.snapshot is not None:
                self.start_epoch = self.snapshot.epoch
                self.start_iteration = self.snapshot.iteration

    # -- what the lesson panel shows -------------------------------------------------------
    def _wanted(self, phase) -> bool:
        action = self.step.action
        return phase.kind == action.phase and (action.layer is None
                                               or phase.layer == action.layer - 1)

    def done(self) -> bool:
        """The learner did what ``do`` asks (training that ended early counts as done)."""
        action, snap = self.step.action, self.snapshot
        if not self.changed:
            return False
        if action.kind is None:
            return True
        if action.kind == "phases_until":
            return self.phase is not None
        if snap is None:
            return False
        if snap.finished and (snap.diverged or snap.stopped_early):
            return True
        if action.kind == "batches":
            return snap.iteration - self.start_iteration >= action.count
        return snap.epoch - self.start_epoch >= action.count

    def observation(self) -> Observation:
        return Observation(self.snapshot, self.history, self.start_epoch, self.start_iteration,
                           self.phase, self.earlier)

    def checks(self) -> list[Check]:
        if not self.done() or self.snapshot is None:
            return []
        return evaluate(self.step.checkpoint, self.observation())

    def passed(self) -> bool:
        return self.done() and (self.snapshot is not None or not self.step.checkpoint) \
            and passed(self.checks())
