"""What the window says about a rebuild: a few words naming what changed.

Whether an edit can be applied live is the engine's rule
(:func:`playground.training.live.live_changes`); this module only words the status line.
"""

from __future__ import annotations

from playground import Experiment


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
