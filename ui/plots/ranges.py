"""View ranges that move in steps, so a live plot does not re-lay its axes every frame.

pyqtgraph's auto-range fits the view to the data whenever the data change. In a live plot that
is every redraw, and each range change costs more than the new data: every axis recomputes its
ticks and re-renders its labels, and the canvas paints twice (once with the new data, once more
when the deferred auto-range has moved the view). :class:`FollowRange` keeps the range still
while the data stay comfortably inside it, and moves it in steps when they do not:

- an epoch axis (``x="grow"``) ends at the next "nice" number past the last epoch
  (…, 100, 120, 150, 200, 250, 300, 400, …): it moves a dozen times in a long run;
- a value axis (``"fit"``) keeps its range while the data lie inside and fill at least
  ``fill`` of it; otherwise it is refitted with room to spare on the side that overflowed,
  so a falling loss moves the axis now and then instead of every frame.

The user's zoom and pan win: a mouse interaction on an axis stops the following on that axis;
the view box's "A" button (pyqtgraph's auto-range) hands it back to :class:`FollowRange`.
Bounds are in view coordinates: for a log axis pass ``log10`` of the values.
"""

from __future__ import annotations

import math

import numpy as np

#: mantissas of the "nice" ends of a growing axis
NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest number of the form m·10ᵏ (m in :data:`NICE`) that is ≥ ``value`` (> 0)."""
    if not value > 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for mantissa in NICE:
        nice = mantissa * 10.0 ** exponent
        if nice >= value * (1 - 1e-12):
            return nice
    return 10.0 ** (exponent + 1)


def finite_bounds(*arrays) -> tuple[float, float] | None:
    """(min, max) over the finite values of ``arrays``; None when there are none."""
    lo, hi = math.inf, -math.inf
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        if a.size == 0:
            continue
        finite = a[np.isfinite(a)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    return (lo, hi) if lo <= hi else None


def log_bounds(*arrays) -> tuple[float, float] | None:
    """Like :func:`finite_bounds` for a log axis: log10 of the positive values."""
    logs = []
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        positive = a[np.isfinite(a) & (a > 0)]
        if positive.size:
            logs.append(np.log10([positive.min(), positive.max()]))
    return finite_bounds(*logs)


def grown_range(lo: float, hi: float) -> tuple[float, float]:
    """An epoch axis: from ``lo`` to a nice number past ``hi``."""
    return lo, lo + nice_ceiling(max(1.02 * (hi - lo), 1.0))


def fitted_range(current: tuple[float, float] | None, lo: float, hi: float,
                 fill: float = 0.5, margin: float = 0.05, room: float = 0.3
                 ) -> tuple[float, float]:
    """Keep ``current`` if ``[lo, hi]`` lies inside and fills at least ``fill`` of it; else a
    range around the data with ``margin`` on each side and ``room`` more on the side that
    overflowed."""
    span = hi - lo
    if not span > 0:
        span = abs(hi) * 0.1 or 1.0
        lo, hi = lo - span / 2, hi + span / 2
    if current is not None:
        c_lo, c_hi = current
        if c_lo <= lo and hi <= c_hi and span >= fill * (c_hi - c_lo):
            return current
        below, above = lo < c_lo, hi > c_hi
    else:
        below = above = False
    return (lo - span * (margin + (room if below else 0.0)),
            hi + span * (margin + (room if above else 0.0)))


class FollowRange:
    """Steps a pyqtgraph ViewBox's range after the data (see the module docstring).

    ``x`` and ``y`` are ``"grow"`` (epoch-like: from the first value to a nice number past the
    last), ``"fit"`` (values: refitted when they leave or shrink), or None (left alone)."""

    def __init__(self, viewbox, x: str | None = None, y: str | None = None,
                 fill: float = 0.5):
        self.viewbox = viewbox
        self.modes = (x, y)
        self.fill = fill
        #: the lowest value the y range may start at (a linear loss axis starts at 0); None
        self.y_floor: float | None = None
        self.following = [x is not None, y is not None]
        viewbox.sigRangeChangedManually.connect(self._changed_by_user)

    def _changed_by_user(self, mask) -> None:
        for axis, moved in enumerate(mask):
            if moved:
                self.following[axis] = False

    def fit(self, x_bounds=None, y_bounds=None) -> bool:
        """Move the view if the data need it; True when the range changed."""
        vb = self.viewbox
        auto = vb.state["autoRange"]
        current = vb.viewRange()
        ranges: dict[str, tuple[float, float]] = {}
        for axis, (mode, bounds, key) in enumerate(zip(self.modes, (x_bounds, y_bounds),
                                                       ("xRange", "yRange"))):
            if mode is None:
                continue
            if auto[axis]:                      # pyqtgraph's "A": follow again
                self.following[axis] = True
            if not self.following[axis] or bounds is None:
                continue
            lo, hi = bounds
            now = (float(current[axis][0]), float(current[axis][1]))
            if mode == "grow":
                wanted = grown_range(lo, hi)
            else:
                floor = self.y_floor if axis == 1 else None
                if floor is not None:
                    lo = floor
                wanted = fitted_range(None if auto[axis] else now, lo, hi, self.fill)
                if floor is not None:
                    wanted = (floor, wanted[1])
            if auto[axis] or not np.allclose(wanted, now, rtol=1e-9, atol=1e-12):
                ranges[key] = wanted
        if not ranges:
            return False
        vb.setRange(**ranges, padding=0.0)      # also turns pyqtgraph's auto-range off
        return True
