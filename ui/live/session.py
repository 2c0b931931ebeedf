"""Does an edit apply to the running trainer, or does it need a new one?

:func:`live_changes` compares the experiment the trainer was built from with the edited one.
It returns the list of ``(key, value)`` pairs to send to ``Trainer.update`` (through
``worker.apply``) when every difference is a *live* setting (a key under
``playground.training.trainer.LIVE_KEYS``: the optimizer's settings, L1/L2, clipping, early stopping,
the epoch budget, batch size, shuffling, and — within ``network.layers`` — only the dropout
rates). It returns ``None`` when the trainer must be rebuilt: other data, seed, precision,
architecture, loss, or another kind of optimizer.

The comparison is by content, not by which field was edited, so undo/redo, presets and
multi-key edits are all classified the same way.
"""

from __future__ import annotations

from typing import Any

from playground import Experiment
from playground.training.trainer import LIVE_KEYS

#: keys that describe the experiment but do not affect training
COSMETIC = ("format", "name", "description")


def _without_dropout(layers: list[dict]) -> list[dict]:
    return [{k: v for k, v in layer.items() if k != "dropout"} for layer in layers]


def live_changes(old: Experiment, new: Experiment) -> list[tuple[str, Any]] | None:
    """What to apply live to turn ``old`` into ``new``; None when a rebuild is needed."""
    a, b = old.to_dict(), new.to_dict()
    for key in COSMETIC:
        a.pop(key, None)
        b.pop(key, None)
    if a == b:
        return []
    if a["seed"] != b["seed"] or a["data"] != b["data"]:
        return None
    if a["network"]["loss"] != b["network"]["loss"]:
        return None
    if _without_dropout(a["network"]["layers"]) != _without_dropout(b["network"]["layers"]):
        return None
    ta, tb = a["training"], b["training"]
    if ta["optimizer"]["name"] != tb["optimizer"]["name"]:
        return None
    changes: list[tuple[str, Any]] = []
    if a["network"]["layers"] != b["network"]["layers"]:
        changes.append(("network.layers", b["network"]["layers"]))
    for key in tb:
        if ta.get(key) != tb[key]:
            path = f"training.{key}"
            if not path.startswith(LIVE_KEYS):
                return None
            changes.append((path, tb[key]))
    return changes


def describe_change(old: Experiment, new: Experiment) -> str:
    """A few words for the status bar: what made the rebuild necessary."""
    a, b = old.to_dict(), new.to_dict()
    parts = []
    if a["data"] != b["data"]:
        parts.append("Data")
    if a["seed"] != b["seed"]:
        parts.append("Seed")
    if a["network"] != b["network"]:
        parts.append("Network")
    if a["training"]["optimizer"]["name"] != b["training"]["optimizer"]["name"]:
        parts.append("Optimizer")
    if a["training"]["dtype"] != b["training"]["dtype"]:
        parts.append("Precision")
    if not parts:
        return "Settings"
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def input_info(trainer) -> tuple[int, str]:
    """The input width and a line about the output the data asks for, for the layer editor
    ("2 classes → 2 softmax units or 1 sigmoid unit")."""
    ds = trainer.dataset
    if ds.task == "regression":
        targets = len(getattr(ds, "target_names", ()) or ()) or 1
        unit = "unit" if targets == 1 else "units"
        text = f"regression → {targets} linear {unit} (loss mse)"
    elif ds.n_classes == 2:
        text = "2 classes → 2 softmax units (cross_entropy) or 1 sigmoid unit"
    else:
        text = f"{ds.n_classes} classes → {ds.n_classes} softmax units (cross_entropy)"
    return int(ds.n_inputs), text
