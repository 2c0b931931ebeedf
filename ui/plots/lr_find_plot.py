"""The learning-rate range test's plot: loss against learning rate on a log axis.

Draws a :class:`~playground.training.lr_find.RangeTest`: the measured loss (thin, pale) and its
smoothed curve (the one the suggestion is read from), with a vertical line and a dot at the
suggested rate — the steepest descent of the smoothed curve — and a dotted line where the
smoothed loss was lowest. Canvas ``lrFindPlot``; exports PNG and CSV like every plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from .base import BEST_COLOR, STOP_COLOR, TRAIN_COLOR, PlotPanel, make_legend, make_plot_widget, \
    with_alpha


def loss_range(smoothed: np.ndarray) -> tuple[float, float]:
    """The loss axis: the descent from the first loss to the lowest one fills most of it (the
    blow-up at the end leaves through the top; it may be 100× larger than the descent)."""
    if smoothed.size == 0:
        return 0.0, 1.0
    low, start = float(smoothed.min()), float(smoothed[0])
    span = max(start - low, 0.02 * abs(low), 1e-6)
    return low - 0.3 * span, max(start, low) + 1.5 * span


class LRFindPlot(PlotPanel):
    export_name = "lr_find"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._test = None
        self._build_canvas()

    def _build_canvas(self) -> None:
        self._plot = make_plot_widget("lrFindPlot", self.theme, x_label="learning rate",
                                      y_label="training loss")
        item = self._plot.getPlotItem()
        item.setLogMode(x=True, y=False)
        legend = make_legend(item, self.theme)
        self._raw = item.plot(pen=pg.mkPen(with_alpha(TRAIN_COLOR, 0.35), width=1),
                              name="loss after each step")
        self._smooth = item.plot(pen=pg.mkPen(TRAIN_COLOR, width=2), name="smoothed")
        self._mark = pg.InfiniteLine(angle=90, pen=pg.mkPen(STOP_COLOR, width=2),
                                     label="suggested", labelOpts={"color": STOP_COLOR,
                                                                   "position": 0.9})
        self._lowest = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST_COLOR, width=1,
                                                              style=Qt.PenStyle.DotLine),
                                       label="lowest", labelOpts={"color": BEST_COLOR,
                                                                  "position": 0.75})
        self._dot = pg.ScatterPlotItem(size=10, brush=STOP_COLOR, pen=pg.mkPen("#ffffff"))
        for thing in (self._mark, self._lowest, self._dot):
            item.addItem(thing)
        legend.addItem(self._dot, "steepest descent")
        self._add_canvas(self._plot)

    def show_test(self, test) -> None:
        """Draw ``test`` (a RangeTest), or nothing for None."""
        self._test = test
        self.mark_dirty()
        self.refresh()

    def add_snapshot(self, snapshot) -> None:     # the test is drawn as a whole
        pass

    def _reset(self) -> None:
        self._test = None

    def _redraw(self) -> None:
        test = self._test
        has = test is not None and len(test.learning_rates) > 0
        for thing in (self._raw, self._smooth, self._lowest):
            thing.setVisible(has)
        suggested = has and test.suggested is not None
        self._mark.setVisible(suggested)
        self._dot.setVisible(suggested)
        if not has:
            return
        lr = test.learning_rates
        finite = np.isfinite(test.losses)
        self._raw.setData(lr[finite], test.losses[finite])
        smooth = np.isfinite(test.smoothed)
        self._smooth.setData(lr[smooth], test.smoothed[smooth])
        self._lowest.setValue(np.log10(test.minimum_rate))
        if suggested:
            k = test.suggested_index
            self._mark.setValue(np.log10(test.suggested))
            self._dot.setData([np.log10(test.suggested)], [test.smoothed[k]])
        item = self._plot.getPlotItem()
        item.setXRange(np.log10(lr[0]), np.log10(lr[-1]), padding=0.02)
        item.setYRange(*loss_range(test.smoothed[smooth]), padding=0)

    def csv_table(self):
        test = self._test
        rows = [] if test is None else [
            [float(a), float(b), float(c)]
            for a, b, c in zip(test.learning_rates, test.losses, test.smoothed)]
        return ["learning_rate", "loss", "smoothed_loss"], rows
