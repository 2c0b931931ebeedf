"""What a running trainer can take: the rule that decides between a live change and a new run.

A trainer built from one experiment can take another one *live* when every difference is a
setting under ``LIVE_KEYS`` (declared with the settings' defaults in
:mod:`playground.experiment`: the optimizer's settings but not its kind, L1/L2, clipping,
early stopping, the epoch budget, batch size, shuffling, and within ``network.layers`` only
the dropout rates). Anything else — data, seed, precision, architecture, loss, another kind
of optimizer — needs a new :class:`~playground.training.trainer.Trainer`. The comparison is by
content, so undo/redo, presets and multi-key edits are classified alike; ``Trainer.update``
and the window ask the same two functions.
"""

from __future__ import annotations

from typing import Any

from playground.experiment import LIVE_KEYS, LIVE_LAYER_KEYS, Experiment

__all__ = ["LIVE_KEYS", "is_live_key", "live_changes", "rebuild_reason"]

#: keys that describe the experiment but do not affect training
COSMETIC = ("format", "name", "description")

_RESTART = "start a new run"


def is_live_key(dotted: str) -> bool:
    """Whether the setting at key path ``dotted`` may change while training runs."""
    return dotted.startswith(LIVE_KEYS) and dotted != "training.optimizer.name"


def _comparable(experiment: Experiment) -> dict:
    d = experiment.to_dict()
    for key in COSMETIC:
        d.pop(key, None)
    return d


def _architecture(layers: list[dict]) -> list[dict]:
    """The layers without their live settings (dropout)."""
    return [{k: v for k, v in layer.items() if k not in LIVE_LAYER_KEYS} for layer in layers]


def _reason(a: dict, b: dict) -> str | None:
    for key in ("seed", "data"):
        if a[key] != b[key]:
            return f"{key} cannot change during training; {_RESTART}"
    if a["network"]["loss"] != b["network"]["loss"]:
        return f"network.loss cannot change during training; {_RESTART}"
    if _architecture(a["network"]["layers"]) != _architecture(b["network"]["layers"]):
        return f"the architecture changed; {_RESTART}"
    ta, tb = a["training"], b["training"]
    if ta["optimizer"]["name"] != tb["optimizer"]["name"]:
        return f"the optimizer cannot change during training; {_RESTART}"
    for key in sorted(set(ta) | set(tb)):
        path = f"training.{key}"
        if ta.get(key) != tb.get(key) and not is_live_key(path):
            return f"{path} cannot change during training; {_RESTART}"
    return None


def rebuild_reason(old: Experiment, new: Experiment) -> str | None:
    """Why a trainer built from ``old`` cannot take ``new`` live; None when it can."""
    return _reason(_comparable(old), _comparable(new))


def live_changes(old: Experiment, new: Experiment) -> list[tuple[str, Any]] | None:
    """The ``(key, value)`` pairs that turn a trainer of ``old`` into one of ``new``, to pass
    to ``Trainer.update`` one by one; ``[]`` when nothing that trains differs; None when a
    new trainer is needed (:func:`rebuild_reason` says why)."""
    a, b = _comparable(old), _comparable(new)
    if _reason(a, b) is not None:
        return None
    changes: list[tuple[str, Any]] = []
    if a["network"]["layers"] != b["network"]["layers"]:
        changes.append(("network.layers", b["network"]["layers"]))
    ta, tb = a["training"], b["training"]
    changes += [(f"training.{key}", tb[key]) for key in tb if ta.get(key) != tb[key]]
    return changes
