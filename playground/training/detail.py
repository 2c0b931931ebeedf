"""Detailed statistics every N epochs: which live snapshots carry them (issue #15 item 4).

A detailed snapshot (``Trainer.snapshot(detail=True)``) carries the per-layer statistics, the
decision surface (or the confusion counts and predictions), copies of the weights and the
neuron maps; on a big network these cost more than an epoch. With statistics *every N
epochs*, a playing worker takes them on its first snapshot and then once ``N`` epochs have
passed since the last detailed one (:func:`detail_due`); a snapshot in between is taken
without them (the losses, metrics and history rows are always fresh) and carries the last
detailed statistics (:func:`carry_detail`), so a view never goes blank. Whenever training
stops — pause, a step, the end — the snapshot is detailed: what is shown then is the latest
epoch's.
"""

from __future__ import annotations

import dataclasses

from .snapshot import Snapshot

#: the statistics every N epochs the window offers (1: every snapshot is detailed)
CHOICES = (1, 5, 20, 100)
#: the Snapshot fields a snapshot without detail leaves empty
DETAIL_FIELDS = ("layers", "probe_loss", "surface", "confusion", "confusion_source",
                 "predictions", "weights", "neurons")


def check_every(every) -> int:
    """``every`` as a whole number of epochs ≥ 1 (ValueError otherwise)."""
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"statistics every N epochs: N must be a whole number ≥ 1, "
                         f"not {every!r}")
    return every


def detail_due(epoch: int, last_detailed: int | None, every: int) -> bool:
    """Whether a live snapshot at ``epoch`` is detailed, when the last detailed one was at
    epoch ``last_detailed`` (None: none yet) and statistics are wanted every ``every``
    epochs. A trainer that went back (reset, another run) starts over."""
    if last_detailed is None or every <= 1 or epoch < last_detailed:
        return True
    return epoch - last_detailed >= every


def carry_detail(light: Snapshot, detailed: Snapshot) -> Snapshot:
    """``light`` (taken without detail) with the statistics of ``detailed``."""
    return dataclasses.replace(light, **{name: getattr(detailed, name)
                                         for name in DETAIL_FIELDS})
