"""How many data points a scatter draws.

A 2-D picture of 100,000 points is one blot, and pyqtgraph spends over a second of the GUI
thread building and painting it (the GUI monkey's longest stalls followed a change of the
sample count). Past :data:`MAX_DRAWN` points the data panel and the decision view draw every
k-th point — the same points in both, the same on every redraw — and say so in their legends.
Training always uses every sample; this is only what is drawn.
"""

from __future__ import annotations

#: at most this many points (training and validation together) are drawn
MAX_DRAWN = 20_000


def drawn_every(total: int) -> int:
    """The step k: every k-th point is drawn so that at most :data:`MAX_DRAWN` are."""
    return max(1, -(-int(total) // MAX_DRAWN))


def thinning_note(total: int, step: int) -> str:
    """The legend's words for a thinned picture ("" when every point is drawn)."""
    if step <= 1:
        return ""
    return f"every {step}th of {total:,} points shown"
