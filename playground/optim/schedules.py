"""Learning-rate schedules: changing the step size η as training goes on.

A large learning rate makes quick progress early but keeps bouncing around a minimum; a small
one settles in but crawls.  A *schedule* starts large and lowers η over time.  The trainer
asks the schedule once per completed epoch, ``lr = schedule.on_epoch_end(epoch, lr, logs)``,
and uses the answer for the next epoch.

* ``step`` — like ``torch.optim.lr_scheduler.StepLR``: every ``step_size`` epochs multiply η by
  ``gamma`` (η = η₀·γ^⌊epoch/step_size⌋).
* ``exponential`` — like ``ExponentialLR``: multiply η by ``gamma`` after every epoch
  (η = η₀·γ^epoch).
* ``plateau`` — like Keras' ``ReduceLROnPlateau``: watch a metric (``val_loss`` by default);
  when it has not improved by more than ``min_delta`` for ``patience`` epochs, multiply η by
  ``factor`` (never below ``min_lr``), then wait ``cooldown`` epochs before watching again.

All three work *multiplicatively on the current rate* (torch's "chainable" form) rather than
recomputing η from the starting value.  Without live edits both give the same numbers; when
the learning rate is changed by hand in the middle of a run, the schedule carries on from the
new value instead of snapping back.

``plateau`` details, as in Keras: ``mode="auto"`` means "max" when the monitor's name
contains ``acc`` and "min" otherwise; an improvement is ``current < best − min_delta`` (min)
or ``current > best + min_delta`` (max), with ``best`` starting at ±∞; during cooldown
``wait`` stays 0; a reduction happens only while ``lr > min_lr``.  One addition: when the
monitored value is missing (``val_loss`` without a validation set), its ``train_``
counterpart is used instead (``val_loss`` → ``train_loss``); when that is missing too
(accuracy on a regression task), the epoch is ignored, as Keras does.
"""

from __future__ import annotations

import math

from playground import validation as v
from playground.errors import ExperimentError, PlaygroundError

SCHEDULE_DEFAULTS: dict[str, dict] = {
    "step": {"step_size": 30, "gamma": 0.1},
    "exponential": {"gamma": 0.95},
    "plateau": {"monitor": "val_loss", "factor": 0.1, "patience": 10, "min_delta": 1e-4,
                "cooldown": 0, "min_lr": 0.0, "mode": "auto"},
}
MONITORS = ("val_loss", "train_loss", "val_accuracy", "train_accuracy")
_GAMMA = {"lo": 0.0, "hi": 1.0, "lo_open": True}          # (0, 1]: schedules only decay


class Schedule:
    """Base class.  ``config`` holds the settings in use (defaults filled in, no ``name``)."""

    name = ""

    def __init__(self, config: dict, base_learning_rate: float):
        self.config = config
        self.base_learning_rate = float(base_learning_rate)

    def on_epoch_end(self, epoch: int, learning_rate: float, logs: dict) -> float:
        """Epoch number ``epoch`` (1-based) just ended; return the rate for the next one."""
        raise NotImplementedError

    def state(self) -> dict:
        """Everything needed to resume exactly (JSON-ready)."""
        return {}

    def load_state(self, d: dict) -> None:
        if not isinstance(d, dict):
            raise PlaygroundError(f"{self.name} schedule state must be an object, got {d!r}")

    def describe(self) -> str:
        """A one-line explanation for the window."""
        raise NotImplementedError


class StepLR(Schedule):
    """Multiply the learning rate by ``gamma`` after every ``step_size``-th epoch."""

    name = "step"

    def on_epoch_end(self, epoch: int, learning_rate: float, logs: dict) -> float:
        if epoch > 0 and epoch % self.config["step_size"] == 0:
            return learning_rate * self.config["gamma"]
        return learning_rate

    def describe(self) -> str:
        return f"η ← η·{self.config['gamma']:g} every {self.config['step_size']} epochs"


class ExponentialLR(Schedule):
    """Multiply the learning rate by ``gamma`` after every epoch."""

    name = "exponential"

    def on_epoch_end(self, epoch: int, learning_rate: float, logs: dict) -> float:
        return learning_rate * self.config["gamma"]

    def describe(self) -> str:
        return f"η ← η·{self.config['gamma']:g} after every epoch"


def _encode(x: float) -> float | str:
    """JSON has no infinity: keep finite floats, spell the others out ("inf", "-inf")."""
    return x if math.isfinite(x) else str(x)


def _decode(x, what: str) -> float:
    if isinstance(x, str) and x in ("inf", "-inf", "nan"):
        return float(x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise PlaygroundError(f"plateau schedule state {what!r} must be a number, got {x!r}")
    return float(x)


class ReduceLROnPlateau(Schedule):
    """Lower the learning rate when a metric stops improving (Keras ``ReduceLROnPlateau``).

    State: ``best`` value so far, ``wait`` (epochs without improvement) and
    ``cooldown_counter`` (epochs left before ``wait`` counts again).
    """

    name = "plateau"

    def __init__(self, config: dict, base_learning_rate: float):
        super().__init__(config, base_learning_rate)
        mode = config["mode"]
        if mode == "auto":
            mode = "max" if "acc" in config["monitor"] else "min"
        self.mode = mode
        self.best = math.inf if mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, current: float) -> bool:
        if self.mode == "min":
            return current < self.best - self.config["min_delta"]
        return current > self.best + self.config["min_delta"]

    def monitored(self, logs: dict) -> float | None:
        """The value watched this epoch: the monitor, else its ``train_`` counterpart."""
        monitor = self.config["monitor"]
        value = logs.get(monitor)
        if value is None and monitor.startswith("val_"):
            value = logs.get("train_" + monitor[4:])
        return None if value is None else float(value)

    def on_epoch_end(self, epoch: int, learning_rate: float, logs: dict) -> float:
        current = self.monitored(logs)
        if current is None:
            return learning_rate
        cfg = self.config
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= cfg["patience"] and learning_rate > cfg["min_lr"]:
                learning_rate = max(learning_rate * cfg["factor"], cfg["min_lr"])
                self.cooldown_counter = cfg["cooldown"]
                self.wait = 0
        return learning_rate

    def state(self) -> dict:
        return {"best": _encode(self.best), "wait": self.wait,
                "cooldown_counter": self.cooldown_counter}

    def load_state(self, d: dict) -> None:
        super().load_state(d)
        if set(d) != {"best", "wait", "cooldown_counter"}:
            raise PlaygroundError(f"plateau schedule state needs best, wait and "
                                  f"cooldown_counter, got {sorted(d)}")
        counts = []
        for key in ("wait", "cooldown_counter"):
            n = d[key]
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise PlaygroundError(f"plateau schedule state {key!r} must be a whole "
                                      f"number >= 0, got {n!r}")
            counts.append(n)
        self.best = _decode(d["best"], "best")
        self.wait, self.cooldown_counter = counts

    def describe(self) -> str:
        c = self.config
        return (f"η ← max(η·{c['factor']:g}, {c['min_lr']:g}) when {c['monitor']} has not "
                f"improved by more than {c['min_delta']:g} for {c['patience']} epochs "
                f"(then {c['cooldown']} epochs cooldown)")


SCHEDULES: dict[str, type[Schedule]] = {
    "step": StepLR, "exponential": ExponentialLR, "plateau": ReduceLROnPlateau}


def validate_schedule(config: dict, path: str = "training.lr_schedule") -> dict:
    """Check a schedule object; return its settings with defaults filled in (no ``name``)."""
    if not isinstance(config, dict):
        raise ExperimentError(path, 'must be null or an object like {"name": "step", ...}')
    if "name" not in config:
        raise ExperimentError(f"{path}.name", "missing; choose one of " + ", ".join(SCHEDULES))
    name = v.choice(config["name"], f"{path}.name", SCHEDULES)
    defaults = SCHEDULE_DEFAULTS[name]
    v.check_object(config, path, ["name", *defaults])
    out = {**defaults, **{k: val for k, val in config.items() if k != "name"}}
    p = f"{path}."
    if "step_size" in out:
        out["step_size"] = v.integer(out["step_size"], p + "step_size", 1)
    if "gamma" in out:
        out["gamma"] = v.number(out["gamma"], p + "gamma", **_GAMMA)
    if name == "plateau":
        v.choice(out["monitor"], p + "monitor", MONITORS)
        v.choice(out["mode"], p + "mode", ("auto", "min", "max"))
        out["factor"] = v.number(out["factor"], p + "factor", 0.0, 1.0,
                                 lo_open=True, hi_open=True)
        out["patience"] = v.integer(out["patience"], p + "patience", 0)
        out["cooldown"] = v.integer(out["cooldown"], p + "cooldown", 0)
        out["min_delta"] = v.number(out["min_delta"], p + "min_delta", 0.0)
        out["min_lr"] = v.number(out["min_lr"], p + "min_lr", 0.0)
    return out


def make_schedule(config: dict | None, base_learning_rate: float,
                  path: str = "training.lr_schedule") -> Schedule | None:
    """Build the schedule described by ``training.lr_schedule`` (``None``: constant rate)."""
    if config is None:
        return None
    settings = validate_schedule(config, path)
    return SCHEDULES[config["name"]](settings, base_learning_rate)
