"""The lesson file (``"format": "backprop-playground-lesson/1"``), read and checked once.

::

    {"format": "backprop-playground-lesson/1", "title": "…", "goal": "…",
     "steps": [{"text": "…",
                "experiment": "../examples/spiral.json",       # or an experiment object
                "set": {"training.optimizer.learning_rate": 0.0001},
                "do": {"play": 150},                            # what the learner does
                "panel": "loss",                                # the panel to look at
                "question": {"text": "…", "choices": ["…", "…"], "answer": 1},
                "checkpoint": {"loss_above": 0.6}}, …]}

A step's ``experiment`` starts a new run; ``set`` changes settings of the one in effect (a
setting that cannot change while training, such as the seed or an activation, starts a new
run too); ``restart`` starts the current experiment again from its first weights. Every step's
experiment is built while the file is read, so a bad key path is reported at once as, for
example, ``steps[2].set.training.l2: must be a number ≥ 0 …``, before a learner gets there.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground import validation as v
from playground.errors import ExperimentError, PlaygroundError
from playground.files.limits import read_json_file
from playground.experiment import Experiment
from playground.training.live import rebuild_reason
from .checkpoints import validate_checkpoint

FORMAT = "backprop-playground-lesson/1"
#: the panels a step can point at (the window maps each to its dock or view)
PANELS = ("data", "network", "training", "boundary", "loss", "stepper", "error_signal",
          "weights", "landscape")
#: the phases of one iteration, in order (as :mod:`playground.nn.backprop` names them)
PHASES = ("forward", "loss", "backward", "update")
TRAINING_ACTIONS = ("play", "epochs", "batches", "phases_until")
STEP_KEYS = ("text", "experiment", "set", "restart", "do", "panel", "question", "checkpoint")


class LessonError(ExperimentError):
    """A lesson file is invalid; ``path`` is the key path inside it (``steps[1].do``)."""


@dataclass(frozen=True)
class Action:
    """What the learner is asked to do: change a setting (``change`` → ``to``), then train
    (``play``/``epochs`` N epochs, ``batches`` N iterations, or step phases until ``phase`` of
    ``layer``). Nothing at all means: read, then press Next."""

    change: str | None = None
    to: Any = None
    kind: str | None = None          # one of TRAINING_ACTIONS
    count: int = 0                   # epochs or batches
    phase: str | None = None
    layer: int | None = None         # 1-based, for a forward/backward phase

    def describe(self) -> str:
        parts = []
        if self.change:
            parts.append(f"set {self.change} to {json.dumps(self.to)}")
        if self.kind == "play":
            parts.append(f"press Play for {self.count} epochs")
        elif self.kind == "epochs":
            parts.append(f"press Step epoch {self.count} time{'s' * (self.count != 1)}")
        elif self.kind == "batches":
            parts.append(f"press Step batch {self.count} time{'s' * (self.count != 1)}")
        elif self.kind == "phases_until":
            where = f" of layer {self.layer}" if self.layer else ""
            parts.append(f"press Step phase until the {self.phase} phase{where}")
        return ", then ".join(parts)


@dataclass(frozen=True)
class Question:
    text: str
    choices: tuple[str, ...] = ()
    answer: int | None = None        # index into choices
    explanation: str = ""


@dataclass(frozen=True)
class Step:
    index: int                       # 0-based
    text: str
    experiment: Experiment           # in effect when the step begins (its changes applied)
    after: Experiment                # once the learner made the change ``do`` asks for
    new_run: bool                    # the step starts a new run (else it goes on training)
    changes: dict = field(default_factory=dict)    # key path → value, applied by the step
    action: Action = Action()
    panel: str | None = None
    question: Question | None = None
    checkpoint: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lesson:
    title: str
    goal: str
    steps: tuple[Step, ...]
    path: Path | None = None


def _lesson_error(message: str) -> "LessonError":
    return LessonError("", message)


def load_lesson(path: str | os.PathLike) -> Lesson:
    """Read and check a lesson file, behind the limits of every JSON file the app reads."""
    path = Path(path)
    data = read_json_file(path, what="lesson file", error=_lesson_error)
    try:
        return parse_lesson(data, path.parent.resolve(), path)
    except ExperimentError as exc:
        raise LessonError(exc.path, f"{exc.reason} (in {path})") from None


def lesson_outline(path: str | os.PathLike) -> tuple[str, int]:
    """A lesson file's title and number of steps, for a list of lessons: read behind the same
    limits as :func:`load_lesson` and checked as far as the two need (a lesson object of this
    format, a title, a non-empty list of steps), without building the steps' experiments —
    that took ~2.5 ms a lesson, ~35 ms of the window's start-up for the shipped ones. Opening
    a lesson reads it whole with :func:`load_lesson`, which reports anything else wrong."""
    path = Path(path)
    data = read_json_file(path, what="lesson file", error=_lesson_error)
    if not isinstance(data, dict):
        raise LessonError("", f"a lesson must be a JSON object, got {v.describe(data)}")
    if data.get("format") != FORMAT:
        raise LessonError("format", f"must be {FORMAT!r}, got {v.describe(data.get('format'))}")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError("steps", "must be a non-empty list of steps")
    return _text(data.get("title"), "title"), len(steps)


def is_lesson_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a JSON file that says it is a lesson (File ▸ Open tells them
    apart from experiments this way); False for anything unreadable."""
    try:
        data = read_json_file(path, what="lesson file")
    except (PlaygroundError, OSError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def shipped_lessons() -> list[Path]:
    from playground.files.resources import asset_path
    return sorted(asset_path("lessons").glob("*.json"))


def parse_lesson(data: Any, base_dir: Path, path: Path | None = None) -> Lesson:
    if not isinstance(data, dict):
        raise LessonError("", f"a lesson must be a JSON object, got {v.describe(data)}")
    v.check_object(data, "", ("format", "title", "goal", "steps"))
    if data.get("format") != FORMAT:
        raise LessonError("format", f"must be {FORMAT!r}, got {v.describe(data.get('format'))}")
    title = _text(data.get("title"), "title")
    goal = _text(data.get("goal", ""), "goal", required=False)
    steps_data = data.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        raise LessonError("steps", "must be a non-empty list of steps")
    steps: list[Step] = []
    current: Experiment | None = None
    for i, raw in enumerate(steps_data):
        step = _parse_step(raw, i, current, base_dir)
        for key in ("loss_below_step", "val_loss_below_step"):
            ref = step.checkpoint.get(key)
            if ref is not None and not 1 <= ref <= i:
                raise LessonError(f"steps[{i}].checkpoint.{key}",
                                  f"must name an earlier step (1 … {i}), got {ref}")
        steps.append(step)
        current = step.after
    return Lesson(title, goal, tuple(steps), path)


def _text(value: Any, where: str, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(where, f"must be a non-empty string, got {v.describe(value)}")
    return value


def _parse_step(raw: Any, i: int, current: Experiment | None, base_dir: Path) -> Step:
    p = f"steps[{i}]"
    v.check_object(raw, p, STEP_KEYS)
    text = _text(raw.get("text"), f"{p}.text")
    new_run = False
    if "experiment" in raw:
        current, new_run = _experiment(raw["experiment"], f"{p}.experiment", base_dir), True
    if current is None:
        raise LessonError(f"{p}.experiment", "the first step must load an experiment")
    if v.boolean(raw.get("restart", False), f"{p}.restart"):
        new_run = True
    changes = _changes(raw.get("set", {}), f"{p}.set")
    before = current
    for key, value in changes.items():
        current = _replace(current, key, value, f"{p}.set.{key}")
    new_run = new_run or rebuild_reason(before, current) is not None
    action = _action(raw.get("do", {}), f"{p}.do", current)
    after = current
    if action.change:
        after = _replace(current, action.change, action.to, f"{p}.do.to")
    panel = raw.get("panel")
    if panel is not None:
        v.choice(panel, f"{p}.panel", PANELS)
    question = _question(raw["question"], f"{p}.question") if "question" in raw else None
    checkpoint = validate_checkpoint(raw.get("checkpoint", {}), f"{p}.checkpoint",
                                     after.network["layers"])
    for key in ("weight_changed_by", "formula_holds"):
        if key in checkpoint and action.kind != "phases_until":
            raise LessonError(f"{p}.checkpoint.{key}",
                              "needs a step that steps phases (do.phases_until)")
    return Step(i, text, current, after, new_run, changes, action, panel, question, checkpoint)


def _replace(experiment: Experiment, key: str, value: Any, where: str) -> Experiment:
    try:
        return experiment.replace(key, value)
    except ExperimentError as exc:
        raise LessonError(where, exc.reason if exc.path == key else str(exc)) from None


def _experiment(value: Any, where: str, base_dir: Path) -> Experiment:
    if isinstance(value, str):
        try:
            return Experiment.from_file(base_dir / value)
        except ExperimentError as exc:
            raise LessonError(where, str(exc)) from None
    if isinstance(value, dict):
        try:
            return Experiment.from_dict(value, base_dir)
        except ExperimentError as exc:
            raise LessonError(v.join(where, exc.path) if exc.path else where,
                              exc.reason) from None
    raise LessonError(where, f"must be a file path or an experiment object, got "
                             f"{v.describe(value)}")


def _changes(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise LessonError(where, f"must be an object of key path → value, got "
                                 f"{v.describe(value)}")
    return dict(value)


def _action(value: Any, where: str, experiment: Experiment) -> Action:
    v.check_object(value, where, ("change", "to") + TRAINING_ACTIONS + ("layer",))
    if ("change" in value) != ("to" in value):
        raise LessonError(where, "change and to go together: the key path and its new value")
    kinds = [k for k in TRAINING_ACTIONS if k in value]
    if len(kinds) > 1:
        raise LessonError(where, f"one of {', '.join(TRAINING_ACTIONS)} at a time, got "
                                 f"{' and '.join(kinds)}")
    change = value.get("change")
    if change is not None and not isinstance(change, str):
        raise LessonError(f"{where}.change", f"must be a key path, got {v.describe(change)}")
    kind = kinds[0] if kinds else None
    count, phase, layer = 0, None, None
    if kind in ("play", "epochs", "batches"):
        count = v.integer(value[kind], f"{where}.{kind}", 1, 10_000_000)
    elif kind == "phases_until":
        phase = v.choice(value[kind], f"{where}.phases_until", PHASES)
    if "layer" in value:
        if phase not in ("forward", "backward"):
            raise LessonError(f"{where}.layer", "only with phases_until forward or backward")
        layer = v.integer(value["layer"], f"{where}.layer", 1,
                          len(experiment.network["layers"]))
    return Action(change, value.get("to"), kind, count, phase, layer)


def _question(value: Any, where: str) -> Question:
    if isinstance(value, str):
        return Question(_text(value, where))
    v.check_object(value, where, ("text", "choices", "answer", "explanation"))
    text = _text(value.get("text"), f"{where}.text")
    choices = value.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise LessonError(f"{where}.choices", "must be a list of strings")
    answer = None
    if "answer" in value:
        if len(choices) < 2:
            raise LessonError(f"{where}.answer", "needs at least two choices")
        answer = v.integer(value["answer"], f"{where}.answer", 0, len(choices) - 1)
    explanation = _text(value.get("explanation", ""), f"{where}.explanation", required=False)
    return Question(text, tuple(choices), answer, explanation)
