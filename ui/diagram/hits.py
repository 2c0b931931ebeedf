"""What is under the mouse in the network diagram: a node (a neuron) or a link (a weight).

Geometry only: :func:`hit` takes the :class:`~ui.diagram.layout.Layout` the painter used and
a point, and names the node (column, unit) within its radius, else the link (layer, i, j)
whose curve passes within ``LINK_SLOP`` pixels. Links of a summarised diagram are bundles,
not weights, so they are not hit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LINK_SLOP = 4.0
CURVE_SAMPLES = 24


@dataclass(frozen=True)
class Hit:
    kind: str            # "node" | "link"
    column: int          # node: 0 = input, 1…L; link: the Dense layer 1…L it feeds
    unit: int            # node: the unit; link: the unit it feeds (j of W[i, j])
    source: int = -1     # link: the unit it comes from (i of W[i, j])


def curve_points(x1, y1, x2, y2) -> np.ndarray:
    """Points on the painter's link curve (a cubic with both handles at mid-x)."""
    t = np.linspace(0.0, 1.0, CURVE_SAMPLES)[:, None]
    mid = (x1 + x2) / 2
    p0, p1, p2, p3 = (np.array(p, float) for p in ((x1, y1), (mid, y1), (mid, y2), (x2, y2)))
    return ((1 - t) ** 3) * p0 + 3 * ((1 - t) ** 2) * t * p1 + 3 * (1 - t) * t ** 2 * p2 \
        + t ** 3 * p3


def hit(layout, summarised: bool, x: float, y: float) -> Hit | None:
    """The node or link at ``(x, y)``, or None."""
    r = layout.radius
    for k, column in enumerate(layout.slots):
        for slot, unit in enumerate(column):
            if unit is not None and (x - layout.xs[k]) ** 2 + (y - layout.ys[k][slot]) ** 2 \
                    <= (r + 1) ** 2:
                return Hit("node", k, unit)
    if summarised:
        return None
    best, best_d = None, LINK_SLOP
    for k in range(1, len(layout.slots)):
        x1, x2 = layout.xs[k - 1] + r, layout.xs[k] - r
        if not x1 - LINK_SLOP <= x <= x2 + LINK_SLOP:
            continue
        for a, i in enumerate(layout.slots[k - 1]):
            if i is None:
                continue
            for b, j in enumerate(layout.slots[k]):
                if j is None:
                    continue
                points = curve_points(x1, layout.ys[k - 1][a], x2, layout.ys[k][b])
                d = float(np.min(np.hypot(points[:, 0] - x, points[:, 1] - y)))
                if d < best_d:
                    best, best_d = Hit("link", k, j, i), d
    return best
