"""Early stopping, with the semantics of Keras' ``EarlyStopping`` callback.

After every epoch the monitored value (``val_loss`` by default) is compared with the best so
far. An epoch *improves* when the value beats the best by more than ``min_delta`` (lower for
losses, higher for accuracies). Each epoch that does not improve adds one to ``wait``; when
``wait`` reaches ``patience``, training stops. With ``restore_best_weights`` the network goes
back to the weights of the best epoch when training ends. Epochs before
``start_from_epoch`` are ignored (a warm-up).

Keras details kept on purpose: ``wait`` is incremented *before* the comparison and reset on
improvement, so training stops after exactly ``patience`` epochs without improvement; the
first monitored epoch always counts as the best; training never stops on the first epoch.

Differences, said plainly: epochs here are counted from 1 (Keras counts from 0), so
``best_epoch`` is the 1-based number of the epoch whose weights were best — the same number
as in ``history.csv``. Without a validation set a ``val_*`` monitor falls back to its
``train_*`` counterpart.
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
            self.best, self.wait = None, 0
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

    def monitored_value(self, logs: dict) -> float | None:
        value = logs.get(self.monitor)
        if value is None and self.monitor.startswith("val_"):
            value = logs.get("train_" + self.monitor[4:])
        return None if value is None else float(value)

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
        value = self.monitored_value(logs)
        if value is None or not np.isfinite(value) or epoch - 1 < self.start_from_epoch:
            return False
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
        self.best_weights = None

    def state(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch}

    def load_state(self, state: dict, best_weights: np.ndarray | None) -> None:
        self.best = state.get("best")
        self.best_epoch = int(state.get("best_epoch", 0))
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = int(state.get("stopped_epoch", 0))
        self.best_weights = None if best_weights is None else best_weights.copy()
