"""The outcome views of the decision plot for data that is not 2-D.

When the inputs are not two numbers, there is no plane to colour. The decision plot then shows
what the network gets right and wrong:

* :class:`ConfusionView` (classification): a K×K grid, rows the true class, columns the
  predicted class, each cell the number of samples (on the validation set when there is one).
  The colour is the share of the row, so a perfect classifier lights up the diagonal.
* :class:`PredictionView` (regression): predicted against target value for each sample, with
  the line y = x where a perfect model's points would lie.

A view owns its graphics items and puts them into the shared PlotItem on ``attach`` and takes
them out on ``detach``; ``update`` only calls ``setImage`` / ``setData`` / ``setText``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ui.widgets.theme import Theme
from .base import TRAIN_COLOR, with_alpha

MAX_CELL_TEXT = 20          # class counts above this get no per-cell numbers


def _confusion_map(theme: Theme) -> pg.ColorMap:
    start = "#f4f7fb" if not theme.dark else "#25282d"
    return pg.ColorMap([0.0, 0.5, 1.0], [start, "#6aaed6", "#08306b"])


class ConfusionView:
    mode = "confusion"

    def __init__(self, plot_item: pg.PlotItem, theme: Theme):
        self.plot_item, self.theme = plot_item, theme
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(_confusion_map(theme).getLookupTable(nPts=256))
        self.image.setToolTip("Rows: the true class; columns: the class the network "
                              "predicted. A cell's colour is its share of the true class.")
        self.texts: list[pg.TextItem] = []
        self._k = 0
        self._rect_pending = False
        self._counts: np.ndarray | None = None
        self._shown_counts: np.ndarray | None = None
        self._names: tuple[str, ...] = ()
        self.summary = ""

    def attach(self) -> None:
        item = self.plot_item
        item.addItem(self.image)
        for text in self.texts:
            item.addItem(text)
        item.getViewBox().invertY(True)
        item.getViewBox().setAspectLocked(False)
        item.setLabel("bottom", "predicted class", color=self.theme.foreground)
        item.setLabel("left", "true class", color=self.theme.foreground)
        item.showGrid(x=False, y=False)
        if self._k:
            self._set_range()

    def detach(self) -> None:
        item = self.plot_item
        item.removeItem(self.image)
        for text in self.texts:
            item.removeItem(text)
        item.getViewBox().invertY(False)
        item.showGrid(x=True, y=True, alpha=self.theme.grid_alpha)
        for name in ("bottom", "left"):
            item.getAxis(name).setTicks(None)

    def set_data_view(self, view) -> None:
        names = tuple(view.class_names) or tuple(str(k) for k in range(view.n_classes))
        if names != self._names:
            self._names = names
            self._k = 0           # rebuild the cells on the next update

    def _build_cells(self, k: int) -> None:
        for text in self.texts:
            self.plot_item.removeItem(text)
        self.texts = []
        if k <= MAX_CELL_TEXT:
            for row in range(k):
                for col in range(k):
                    text = pg.TextItem("", anchor=(0.5, 0.5))
                    text.setPos(col, row)
                    self.plot_item.addItem(text)
                    self.texts.append(text)
        self._rect_pending = True     # setRect works only once an image is set
        names = self._names if len(self._names) == k else tuple(str(i) for i in range(k))
        short = [(i, n if len(n) <= 10 else n[:9] + "…") for i, n in enumerate(names)]
        for name in ("bottom", "left"):
            self.plot_item.getAxis(name).setTicks([short, []])
        self._k = k
        self._shown_counts = None
        self._set_range()

    def _set_range(self) -> None:
        self.plot_item.getViewBox().setRange(xRange=(-0.5, self._k - 0.5),
                                             yRange=(-0.5, self._k - 0.5), padding=0)

    def update(self, snapshot) -> None:
        counts = snapshot.confusion
        if counts is None:
            return
        counts = np.asarray(counts)
        k = counts.shape[0]
        if k != self._k:
            self._build_cells(k)
        totals = counts.sum(axis=1, keepdims=True)
        share = counts / np.maximum(totals, 1)
        self.image.setImage(share, levels=(0.0, 1.0), autoLevels=False)
        if self._rect_pending:
            self.image.setRect(QRectF(-0.5, -0.5, k, k))
            self._rect_pending = False
        if self.texts and (self._shown_counts is None
                           or not np.array_equal(self._shown_counts, counts)):
            flat, light = counts.ravel(), share.ravel() < 0.5
            old = None if self._shown_counts is None else self._shown_counts.ravel()
            dark_text = "#1a1a1a" if not self.theme.dark else "#e8e8e8"
            for i, text in enumerate(self.texts):
                if old is None or old[i] != flat[i]:
                    text.setText(str(int(flat[i])), color=dark_text if light[i] else "#ffffff")
            self._shown_counts = counts.copy()
        self._counts = counts
        n = int(counts.sum())
        correct = int(np.trace(counts))
        on = getattr(snapshot, "confusion_source", None) or (
            "validation set" if snapshot.data is not None and len(snapshot.data.y_val)
            else "training set")
        # (the colours' meaning is the canvas's tooltip: the line stays short enough to read)
        self.summary = f"{on}: {correct} of {n} right ({100.0 * correct / max(n, 1):.1f}%)"

    def csv_table(self):
        names = list(self._names) if len(self._names) == self._k else [str(i) for i in
                                                                        range(self._k)]
        header = ["true \\ predicted"] + names
        if self._counts is None:
            return header, []
        return header, [[names[r]] + [int(v) for v in self._counts[r]] for r in
                        range(self._k)]


class PredictionView:
    mode = "prediction"

    def __init__(self, plot_item: pg.PlotItem, theme: Theme):
        self.plot_item, self.theme = plot_item, theme
        self.scatter = pg.ScatterPlotItem(size=6, pen=pg.mkPen(with_alpha(TRAIN_COLOR, 0.9)),
                                          brush=pg.mkBrush(with_alpha(TRAIN_COLOR, 0.45)))
        self.identity = pg.PlotDataItem(pen=pg.mkPen(theme.foreground, width=1,
                                                     style=pg.QtCore.Qt.DashLine))
        self._pairs: tuple[np.ndarray, np.ndarray] | None = None
        self._range: tuple[float, float] | None = None
        self.summary = ""

    def attach(self) -> None:
        self.plot_item.addItem(self.identity)
        self.plot_item.addItem(self.scatter)
        self.plot_item.setLabel("bottom", "target value", color=self.theme.foreground)
        self.plot_item.setLabel("left", "predicted value", color=self.theme.foreground)

    def detach(self) -> None:
        self.plot_item.removeItem(self.identity)
        self.plot_item.removeItem(self.scatter)

    def set_data_view(self, view) -> None:
        self._range = None

    def update(self, snapshot) -> None:
        if snapshot.predictions is None:
            return
        target, predicted = (np.asarray(a, np.float64) for a in snapshot.predictions)
        self._pairs = (target, predicted)
        ok = np.isfinite(predicted)
        self.scatter.setData(target[ok], predicted[ok])
        if self._range is None and target.size:
            lo, hi = float(np.min(target)), float(np.max(target))
            pad = 0.05 * (hi - lo or 1.0)
            self._range = (lo - pad, hi + pad)
            self.identity.setData(list(self._range), list(self._range))
            self.plot_item.getViewBox().setRange(xRange=self._range, yRange=self._range)
        r2 = snapshot.val_r2 if snapshot.val_r2 is not None else snapshot.train_r2
        which = "validation" if snapshot.val_r2 is not None else "training"
        self.summary = (f"{which} set ({target.size} samples)"
                        + (f": R² = {r2:.3f}" if r2 is not None else "")
                        + " · dashed line: perfect prediction")

    def csv_table(self):
        if self._pairs is None:
            return ["target", "predicted"], []
        return ["target", "predicted"], [[float(t), float(p)] for t, p in zip(*self._pairs)]
