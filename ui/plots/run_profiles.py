"""Other runs on the error-signal profile: each visible run's latest ‖δ‖ per layer.

With *compare runs* checked, the profile canvas of :mod:`ui.plots.error_signal` shows, beside
the current run's staircase, one line per other visible run in its colour from
:mod:`ui.widgets.run_colors` (a pinned run dimmed and dashed), so where the error signal
fades — and in which run — reads layer by layer. The values are the engine's (each run's
snapshot layer statistics, carried by its :class:`~playground.training.runset.RunView`);
nothing is computed here. Curves are pooled and reused.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ui.widgets.run_colors import run_color
from .base import with_alpha
from .run_overlay import PINNED_ALPHA


def profile_points(values) -> tuple[np.ndarray, np.ndarray]:
    """A profile's (layer, value) points, layers from 1; a value a log axis cannot show is a
    gap, and none at all is an empty profile."""
    ys = np.array(values, dtype=np.float64)
    ys[~(ys > 0)] = np.nan
    if not np.isfinite(ys).any():
        return np.array([]), np.array([])
    return np.arange(1, len(ys) + 1, dtype=np.float64), ys


class RunProfiles:
    def __init__(self, profile_item):
        self._item = profile_item
        self._pool: list[pg.PlotDataItem] = []
        self.shown: list = []                 # RunViews drawn, in order

    def set_runs(self, views: list) -> None:
        self.shown = [v for v in views if v.visible and not v.current and v.error_signals]

    def values(self) -> list:
        """The ‖δ‖ values drawn (for the profile's range)."""
        return [view.error_signals for view in self.shown]

    def curves(self) -> list[pg.PlotDataItem]:
        """The curve of each shown run, in order."""
        return self._pool[:len(self.shown)]

    def draw(self, visible: bool) -> None:
        count = len(self.shown) if visible else 0
        while len(self._pool) < count:
            curve = self._item.plot(symbol="o", symbolSize=6)
            curve.setZValue(-1)               # under the current run's staircase
            self._pool.append(curve)
        for view, curve in zip(self.shown[:count], self._pool):
            color = run_color(view.number)
            if view.pinned:
                color = with_alpha(color, PINNED_ALPHA)
            pen = pg.mkPen(color, width=1.5,
                           style=Qt.PenStyle.DashLine if view.pinned else Qt.PenStyle.SolidLine)
            curve.setData(*profile_points(view.error_signals), connect="finite", pen=pen,
                          symbolPen=pen, symbolBrush=pg.mkBrush(color))
            curve.setToolTip(f"run {view.number}: {view.label}")
            curve.show()
        for curve in self._pool[count:]:
            curve.hide()
