"""Early stopping, with the semantics of Keras' ``EarlyStopping`` callback.

After every epoch the monitored value (``val_loss`` by default) is compared with the best so
far. An epoch *improves* when the value beats the best by more than ``min_delta`` (lower for
losses, higher for accuracies). Each epoch that does not improve adds one to ``wait``; when
``wait`` reaches ``patience``, training stops. With ``restore_best_weights`` the network goes
back to the weights of the best epoch when training ends. Epochs before
``start_from_epoch`` are ignored (a warm-up).

Keras details kept on purpose (as in Keras 3's ``keras/src/callbacks/early_stopping.py``):
``wait`` is incremented *before* the comparison and reset on improvement, so training stops
after exactly ``patience`` epochs without improvement; an improvement is
``value + min_delta < best`` (``value − min_delta > best`` when maximizing), so a change of
exactly ``min_delta`` does not count; the first monitored epoch always counts as the best (and
its weights are kept even before any comparison); training never stops on the first epoch;
and the best weights are restored whenever training *ends* — by early stopping or because the
epoch budget is used up — not only when it stopped early (Keras 3's ``on_train_end``).

Differences, said plainly: epochs here are counted from 1 (Keras counts from 0), so
``best_epoch`` is the 1-based number of the epoch whose weights were best — the same number
as in ``history.csv``. Without a validation set a ``val_*`` monitor falls back to its
``train_*`` counterpart (``monitored`` says which value was used). A value that is not a
finite number is ignored (the trainer stops on a non-finite loss anyway). There is no
``baseline``. A diverged run keeps its last finite weights instead of the best ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARLY_STOPPING_DEFAULTS = {"enabled": False, "monitor": "val_loss", "patience": 20,
                           "min_delta": 0.0, "restore_best_weights": True,
                           "start_from_epoch": 0, "mode": "auto"}
MONITORS = ("val_loss", "train_loss", "val_accuracy", "train_accuracy")


@dataclass
class EarlyStopping:
    monitor: str = "val_loss"
    patience: int = 20
    min_delta: float = 0.0
    restore_best_weights: bool = True
    start_from_epoch: int = 0
    mode: str = "auto"
    enabled: bool = True
    # state
    best: float | None = None
    best_epoch: int = 0
    wait: int = 0
    stopped_epoch: int = 0
    best_weights: np.ndarray | None = None
    monitored: str | None = None      # the log key actually compared (after the fallback)

    @classmethod
    def from_config(cls, config: dict) -> "EarlyStopping":
        cfg = {**EARLY_STOPPING_DEFAULTS, **(config or {})}
        return cls(monitor=cfg["monitor"], patience=int(cfg["patience"]),
                   min_delta=float(cfg["min_delta"]),
                   restore_best_weights=bool(cfg["restore_best_weights"]),
                   start_from_epoch=int(cfg["start_from_epoch"]), mode=cfg["mode"],
                   enabled=bool(cfg["enabled"]))

    def configure(self, config: dict) -> None:
        """Apply new settings live (from the window) without losing the best-so-far."""
        cfg = {**EARLY_STOPPING_DEFAULTS, **(config or {})}
        if cfg["monitor"] != self.monitor or cfg["mode"] != self.mode:
            self.best, self.wait, self.monitored = None, 0, None
        self.monitor, self.mode = cfg["monitor"], cfg["mode"]
        self.patience = int(cfg["patience"])
        self.min_delta = float(cfg["min_delta"])
        self.restore_best_weights = bool(cfg["restore_best_weights"])
        self.start_from_epoch = int(cfg["start_from_epoch"])
        self.enabled = bool(cfg["enabled"])

    @property
    def maximize(self) -> bool:
        if self.mode == "max":
            return True
        if self.mode == "min":
            return False
        return "acc" in self.monitor

    def monitored_key(self, logs: dict) -> str | None:
        """The key of ``logs`` to watch: the monitor, else its ``train_`` counterpart."""
        if logs.get(self.monitor) is not None:
            return self.monitor
        fallback = "train_" + self.monitor[4:] if self.monitor.startswith("val_") else None
        return fallback if fallback and logs.get(fallback) is not None else None

    def monitored_value(self, logs: dict) -> float | None:
        key = self.monitored_key(logs)
        return None if key is None else float(logs[key])

    def is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        delta = abs(self.min_delta)
        if self.maximize:
            return value - delta > reference
        return value + delta < reference

    def on_epoch_end(self, epoch: int, logs: dict, params: np.ndarray) -> bool:
        """Record epoch ``epoch`` (1-based); return True when training should stop.

        ``params`` is the network's flat parameter vector (copied when it is the best)."""
        if not self.enabled:
            return False
        key = self.monitored_key(logs)
        value = None if key is None else float(logs[key])
        if value is None or not np.isfinite(value) or epoch - 1 < self.start_from_epoch:
            return False
        self.monitored = key
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = params.copy()
            self.best_epoch = epoch
        self.wait += 1
        if self.is_improvement(value, self.best):
            self.best = value
            self.best_epoch = epoch
            if self.restore_best_weights:
                self._keep(params)
            self.wait = 0
            return False
        if self.wait >= self.patience and epoch > 1:
            self.stopped_epoch = epoch
            return True
        return False

    def _keep(self, params: np.ndarray) -> None:
        if self.best_weights is None or self.best_weights.shape != params.shape:
            self.best_weights = params.copy()
        else:
            np.copyto(self.best_weights, params)

    def reset(self) -> None:
        self.best, self.best_epoch, self.wait, self.stopped_epoch = None, 0, 0, 0
        self.best_weights = self.monitored = None

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "monitored": self.monitored}

    def load_state(self, state: dict, best_weights: np.ndarray | None) -> None:
        """Restore :meth:`state`; ValueError (changing nothing) when it is malformed."""
        if not isinstance(state, dict):
            raise ValueError(f"early-stopping state must be an object, got {state!r}")
        best = state.get("best")
        if best is not None and (isinstance(best, bool) or not isinstance(best, (int, float))):
            raise ValueError(f"early-stopping 'best' must be a number or null, got {best!r}")
        counts = {}
        for key in ("best_epoch", "wait", "stopped_epoch"):
            n = state.get(key, 0)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"early-stopping {key!r} must be a whole number >= 0, "
                                 f"got {n!r}")
            counts[key] = n
        monitored = state.get("monitored")
        self.best = None if best is None else float(best)
        self.best_epoch, self.wait = counts["best_epoch"], counts["wait"]
        self.stopped_epoch = counts["stopped_epoch"]
        self.monitored = monitored if monitored in MONITORS else None
        self.best_weights = None if best_weights is None else best_weights.copy()
