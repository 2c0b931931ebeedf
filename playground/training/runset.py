"""Run sets: several trainers that differ in chosen settings, trained in turn, compared.

A :class:`Run` is one Trainer with its :class:`~playground.training.timeline.Timeline` and the
settings it was given (key paths such as ``training.optimizer.learning_rate``). Every run owns
its random generators (spawned from its own experiment's seed), so training the runs one epoch
each in turn gives each exactly the numbers it would have had alone, whatever the number of
runs and their order. :meth:`RunSet.sweep` makes one run per combination of values;
:meth:`RunSet.fork` duplicates a run at its current epoch (or at a timeline checkpoint) with
settings changed, and both go on.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from playground.errors import ExperimentError
from playground.files.limits import loads_json
from playground.experiment import Experiment
from .timeline import Timeline
from .trainer import Trainer
from .trainer_state import capture, clone, rebuild


_NOT_JSON = object()


def parse_value(text: str) -> Any:
    """A value as typed after ``KEY=``: JSON (``0.1``, ``true``, ``null``, ``[8, 8]``) or,
    when it is not JSON, the text itself (``adam``)."""
    text = text.strip()
    value = loads_json(text, f"the value {text[:30]!r}", not_json=_NOT_JSON,
                       error=lambda message: ExperimentError("", message))
    return text if value is _NOT_JSON else value


def parse_vary(text: str) -> tuple[str, list]:
    """``"training.batch_size=10,50"`` → ``("training.batch_size", [10, 50])``."""
    key, sep, values = str(text).partition("=")
    key = key.strip()
    if not sep or not key:
        raise ExperimentError("", f"--vary {text!r}: write KEY=V1,V2,… (for example "
                                  "training.optimizer.learning_rate=0.01,0.1)")
    parts = [part for part in values.split(",") if part.strip()]
    if not parts:
        raise ExperimentError(key, "--vary names no values (write KEY=V1,V2,…)")
    return key, [parse_value(part) for part in parts]


def apply_settings(experiment: Experiment, settings: dict[str, Any]) -> Experiment:
    """``experiment`` with each key path set, validated; a bad key or value raises
    :class:`~playground.errors.ExperimentError` naming the key path. Another optimizer
    ``name`` brings that optimizer's defaults and keeps the learning rate (the old one's other
    settings, such as Adam's ``betas``, mean nothing to it)."""
    for key, value in settings.items():
        if key == "training.optimizer.name":
            lr = experiment.get("training.optimizer.learning_rate")
            experiment = experiment.replace("training.optimizer",
                                            {"name": value, "learning_rate": lr})
        else:
            experiment = experiment.replace(key, value)
    return experiment


def short_key(key: str) -> str:
    """The part of a key path a label needs: ``learning_rate``, ``layers[0].units``."""
    head, _, last = key.rpartition(".")
    return f"{head.rpartition('.')[2]}.{last}" if head.endswith("]") else last


def describe_settings(settings: dict[str, Any]) -> str:
    return ", ".join(f"{short_key(k)}={json.dumps(v)}" for k, v in settings.items()) or "base"


@dataclass(frozen=True)
class RunView:
    """What a window shows of one run (copies; safe to hand to another thread)."""
    number: int                 # stable: colours and names follow it, never reused
    label: str                  # what differs from the current run
    current: bool
    visible: bool
    pinned: bool
    epoch: int
    finished: bool
    history: dict               # epoch, train_loss, val_loss, train_metric, val_metric
    surface: object = None      # the decision surface (2-D data), when asked for
    checkpoints: tuple = ()     # the epochs its timeline can show (the current run only)
    error_signals: tuple = ()   # its latest ‖δ‖ per layer, when asked for (visible runs)


@dataclass
class Run:
    trainer: Trainer
    settings: dict = field(default_factory=dict)      # key path → value given to this run
    origin: str | None = None                         # "fork of run 1 at epoch 20", …
    visible: bool = True
    pinned: bool = False                              # kept on the plots as a reference
    timeline: Timeline = field(default_factory=Timeline)
    number: int = 0                                   # given by the RunSet

    def __post_init__(self):
        if not len(self.timeline):
            self.timeline.record(self.trainer)

    @property
    def label(self) -> str:
        text = describe_settings(self.settings)
        return f"{text} ({self.origin})" if self.origin else text

    def train_epoch(self) -> None:
        """Finish the current epoch (or train one) and keep a checkpoint when one is due."""
        self.trainer.train_epoch()
        self.timeline.record(self.trainer)

    def trainer_at(self, epoch: int, exact: bool = True) -> Trainer:
        """A new Trainer as this run was after ``epoch`` (see Timeline.trainer_at)."""
        if epoch == self.trainer.epoch and not self.trainer.batch_in_epoch:
            return clone(self.trainer)
        return self.timeline.trainer_at(epoch, self.trainer.dataset, self.trainer.history,
                                        exact)

    def snapshot_at(self, epoch: int, exact: bool = True):
        """The Snapshot this run gave after ``epoch`` (what the views showed then)."""
        return self.trainer_at(epoch, exact).snapshot()

    def train_batch(self) -> bool:
        done = self.trainer.train_batch()
        if done:
            self.timeline.record(self.trainer)
        return done

    def train_batches(self, stop=None) -> bool:
        """Batches until an epoch ends (True) or ``stop()`` (False): ``Trainer.train_batches``."""
        done = self.trainer.train_batches(stop)
        if done:
            self.timeline.record(self.trainer)
        return done


class RunSet:
    def __init__(self, runs: Iterable[Run] = ()):
        self.runs: list[Run] = []
        self.current = 0
        self._numbers = 0
        for run in runs:
            self._append(run)

    def _append(self, run: Run) -> Run:
        self._numbers += 1
        run.number = self._numbers
        self.runs.append(run)
        return run

    def __len__(self) -> int:
        return len(self.runs)

    def __getitem__(self, i: int) -> Run:
        return self.runs[i]

    def __iter__(self):
        return iter(self.runs)

    # -- making runs ---------------------------------------------------------------------
    @classmethod
    def sweep(cls, base: Experiment, vary: dict[str, list], **timeline) -> "RunSet":
        """One run per combination of the values in ``vary`` (key path → values), the first
        key varying slowest. Every experiment is validated and every trainer built before
        any training, so a bad value is reported at once. Runs with the same data share it."""
        combos = [dict(zip(vary, values)) for values in itertools.product(*vary.values())]
        experiments = [apply_settings(base, settings) for settings in combos]
        runs, datasets = [], {}
        for settings, exp in zip(combos, experiments):
            key = json.dumps([exp.seed, exp.data], sort_keys=True)
            trainer = Trainer(exp, dataset=datasets.get(key))
            datasets.setdefault(key, trainer.dataset)
            runs.append(Run(trainer, settings, timeline=Timeline(**timeline)))
        return cls(runs)

    def add(self, trainer: Trainer, settings: dict | None = None, origin: str | None = None
            ) -> Run:
        return self._append(Run(trainer, dict(settings or {}), origin))

    def fork(self, index: int, changes: dict[str, Any], epoch: int | None = None) -> Run:
        """A new run that starts as run ``index`` is now (or as it was at the timeline
        checkpoint ``epoch``) with ``changes`` (key path → value) applied; both go on.
        Only settings a running trainer can take (Trainer.update) can change in a fork."""
        source = self.runs[index]
        apply_settings(source.trainer.experiment, changes)      # key-path messages first
        if epoch is None:
            state, at = capture(source.trainer), source.trainer.epoch
        else:
            state = source.timeline.at(epoch)
            at = state.epoch
        trainer = rebuild(state, source.trainer.dataset, source.trainer.history)
        for key, value in changes.items():
            try:
                trainer.update(key, value)     # the trainer owns what can change live
            except ValueError as exc:
                raise ExperimentError(key, f"cannot change in a fork ({exc}); make a sweep "
                                           "instead") from None
            if trainer.finished and trainer.epoch < trainer.max_epochs:
                trainer.continue_training()
        timeline = source.timeline.until(at)
        timeline.record(trainer, origin=True)
        run = Run(trainer, {**source.settings, **changes},
                  f"fork of run {source.number} at epoch {at}", source.visible,
                  timeline=timeline)
        return self._append(run)

    def pin(self) -> Run:
        """Keep the current run as it is now as a reference (a frozen copy: it does not
        train); the current run goes on."""
        source = self.runs[self.current]
        return self._append(Run(clone(source.trainer), dict(source.settings),
                                f"pinned at epoch {source.trainer.epoch}", pinned=True,
                                timeline=source.timeline.until(source.trainer.epoch)))

    def start_sweep(self, base: Experiment, vary: dict[str, list]) -> list[Run]:
        """The runs that are not pinned give way to one new run per combination of ``vary``
        on ``base`` (see :meth:`sweep`); the first becomes current. Nothing changes when a
        value is refused."""
        new = RunSet.sweep(base, vary).runs
        self.runs = [run for run in self.runs if run.pinned]
        self.current = len(self.runs)
        for run in new:
            self._append(run)
        return new

    def replace_current(self, trainer: Trainer) -> Run:
        """The current run starts over as ``trainer`` (new settings); the others stay."""
        run = Run(trainer, {})
        run.number = self.runs[self.current].number
        self.runs[self.current] = run
        return run

    def remove(self, index: int) -> None:
        del self.runs[index]
        if self.current >= len(self.runs) or self.current > index:
            self.current = max(0, self.current - 1)

    # -- training ------------------------------------------------------------------------
    @property
    def training(self) -> list[Run]:
        """The runs that train: not pinned, not finished."""
        return [run for run in self.runs if not run.pinned and not run.trainer.finished]

    @property
    def finished(self) -> bool:
        return not self.training

    def train_epoch(self) -> None:
        """One epoch of every run that has not finished, in turn."""
        for run in self.training:
            run.train_epoch()

    def train(self, epochs: int | None = None, on_epoch=None) -> None:
        """Train every run until it ends, or ``epochs`` more epochs each; ``on_epoch(self)``
        after each round."""
        targets = [None if epochs is None else run.trainer.epoch + epochs for run in self.runs]
        while True:
            todo = [run for run, target in zip(self.runs, targets) if run in self.training
                    and (target is None or run.trainer.epoch < target)]
            if not todo:
                return
            for run in todo:
                run.train_epoch()
            if on_epoch is not None:
                on_epoch(self)

    # -- comparing -----------------------------------------------------------------------
    def differing(self) -> list[str]:
        """Key paths whose values are not the same in every run's experiment."""
        flat = [_flatten(run.trainer.experiment.to_dict()) for run in self.runs]
        keys = list(dict.fromkeys(k for f in flat for k in f))
        return [k for k in keys if len({json.dumps(f.get(k)) for f in flat}) > 1]

    def difference(self, index: int, reference: int | None = None) -> dict[str, Any]:
        """Settings of run ``index`` that differ from run ``reference`` (the current one)."""
        ref = self.current if reference is None else reference
        mine = _flatten(self.runs[index].trainer.experiment.to_dict())
        theirs = _flatten(self.runs[ref].trainer.experiment.to_dict())
        return {k: v for k, v in mine.items() if theirs.get(k, None) != v}


    def overview(self, surfaces: bool = False, error_signals: bool = False,
                 current_surface=None) -> list[RunView]:
        """Every run as a window shows it, labelled by what differs from the current run;
        with ``surfaces``, each visible run's decision surface too (2-D data), with
        ``error_signals`` its ‖δ‖ per layer as its snapshot reports it. ``current_surface``:
        the current run's surface, already computed (its snapshot's), instead of again."""
        from .snapshot import decision_surface, error_signal_norms

        views = []
        for i, run in enumerate(self.runs):
            diff = describe_settings(self.difference(i)) if i != self.current else "current"
            label = diff if diff != "base" else "same settings"
            if run.origin:
                label += f" ({run.origin})"
            views.append(RunView(run.number, label, i == self.current, run.visible,
                                 run.pinned, run.trainer.epoch, run.trainer.finished,
                                 _curves(run.trainer),
                                 (current_surface if i == self.current
                                  and current_surface is not None
                                  else decision_surface(run.trainer))
                                 if surfaces and run.visible else None,
                                 tuple(run.timeline.epochs) if i == self.current else (),
                                 error_signal_norms(run.trainer)
                                 if error_signals and run.visible else ()))
        return views


def _curves(trainer) -> dict:
    metric = "r2" if trainer.dataset.task == "regression" else "accuracy"
    h = trainer.history
    return {"epoch": h.column("epoch"), "train_loss": h.column("train_loss"),
            "val_loss": h.column("val_loss"), "train_metric": h.column(f"train_{metric}"),
            "val_metric": h.column(f"val_{metric}")}


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [{"c": 1}]}}`` → ``{"a.b[0].c": 1}`` (leaves are scalars or lists of
    scalars)."""
    if isinstance(d, dict):
        out = {}
        for key, value in d.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(d, list) and any(isinstance(x, (dict, list)) for x in d):
        out = {}
        for i, value in enumerate(d):
            out.update(_flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: d}
