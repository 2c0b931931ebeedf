"""Play a lesson headless: each step's changes, the learner's part, then its checkpoint.

:class:`LessonRun` does to a :class:`~playground.training.trainer.Trainer` exactly what the
window does when a learner follows the steps (load the experiment, change the setting, train
the epochs, step the phases), then judges the checkpoint on the same kind of
:class:`~playground.lessons.checkpoints.Observation` the window builds from its snapshots.
``lesson --check`` runs every step this way; the tests run every shipped lesson.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.training.live import live_changes
from playground.training.trainer import Trainer
from .checkpoints import Check, Observation, evaluate, passed
from .format import Lesson, Step


@dataclass(frozen=True)
class StepResult:
    step: Step
    checks: list[Check]
    observation: Observation

    @property
    def passed(self) -> bool:
        return passed(self.checks)


def start_step(trainer: Trainer | None, step: Step) -> Trainer:
    """The trainer the step begins with: a new run, or the current one with the changes."""
    if trainer is None or step.new_run:
        return Trainer(step.experiment)
    return become(trainer, step.experiment)


def become(trainer: Trainer, experiment) -> Trainer:
    """The trainer, changed live into one of ``experiment`` when it can be, else a new run
    (the rule of :mod:`playground.training.live`, which the window follows too)."""
    changes = live_changes(trainer.experiment, experiment)
    if changes is None:
        return Trainer(experiment)
    for key, value in changes:
        trainer.update(key, value)
    return trainer


def train_epochs(trainer: Trainer, epochs: int) -> None:
    """Train ``epochs`` more, raising the epoch budget when it is too small (as the window's
    lesson does); a run that diverged or stopped early stays stopped."""
    target = trainer.epoch + epochs
    if not (trainer.diverged or trainer.stopped_early) and target > trainer.max_epochs:
        trainer.continue_training(extra_epochs=epochs)
    while not trainer.finished and trainer.epoch < target:
        trainer.train_epoch()


def step_phases(trainer: Trainer, kind: str, layer: int | None):
    """Step phases until the named one (``layer`` 1-based), finish that iteration, and return
    the phase. None when training ended first (a diverged loss has no backward phase)."""
    while not trainer.finished:
        phases = trainer.phases()
        for phase in phases:
            if phase.kind == kind and (layer is None or phase.layer == layer - 1):
                for _ in phases:           # finish the iteration, as the stepper would
                    pass
                return phase
    return None


class LessonRun:
    """The state of a lesson being played: the trainer and what each finished step saw."""

    def __init__(self, lesson: Lesson):
        self.lesson = lesson
        self.trainer: Trainer | None = None
        self.observations: dict[int, Observation] = {}     # 1-based step → observation

    def run_step(self, step: Step) -> StepResult:
        trainer = start_step(self.trainer, step)
        action = step.action
        if action.change:
            trainer = become(trainer, step.after)
        start_epoch, start_iteration = trainer.epoch, trainer.iteration
        phase = None
        if action.kind in ("play", "epochs"):
            train_epochs(trainer, action.count)
        elif action.kind == "batches":
            for _ in range(action.count):
                if trainer.finished:
                    break
                trainer.train_batch()
        elif action.kind == "phases_until":
            phase = step_phases(trainer, action.phase, action.layer)
        self.trainer = trainer
        obs = Observation(trainer.snapshot(), trainer.history.columns(0), start_epoch,
                          start_iteration, phase, dict(self.observations))
        self.observations[step.index + 1] = obs
        return StepResult(step, evaluate(step.checkpoint, obs), obs)

    def run(self):
        """Yield a StepResult per step, in order."""
        for step in self.lesson.steps:
            yield self.run_step(step)
