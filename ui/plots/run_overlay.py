"""Other runs on the loss and accuracy plots: one curve each in the run's colour.

The current run keeps the plot's own training/validation curves; every other visible run
adds its validation loss (its training loss without a validation set) above and its
validation accuracy (or R²) below, in its colour from :mod:`ui.widgets.run_colors`. A pinned
run is drawn dimmed and dashed: it is a reference, not a contender. The legend names each by
what differs from the current run. Curves are kept in a pool and reused; a redraw is a few
``setData`` calls.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ui.widgets.run_colors import run_color
from .base import legend_changes, with_alpha

PINNED_ALPHA = 0.45


class RunOverlay:
    def __init__(self, loss_item, metric_item, legend):
        self._items = (loss_item, metric_item)
        self._legend = legend
        self._pool: list[tuple] = []          # (loss curve, metric curve) per shown run
        self.shown: list = []                 # RunViews drawn, in order
        self.version = 0

    def set_runs(self, views: list) -> None:
        self.shown = [v for v in views if v.visible and not v.current]
        self.version += 1

    def bounds(self) -> list[np.ndarray]:
        """The loss values drawn (for the plot's range)."""
        return [self._loss(view) for view in self.shown]

    @staticmethod
    def _loss(view) -> np.ndarray:
        val = view.history["val_loss"]
        return val if np.isfinite(val).any() else view.history["train_loss"]

    @staticmethod
    def _metric(view) -> np.ndarray:
        val = view.history["val_metric"]
        return val if np.isfinite(val).any() else view.history["train_metric"]

    def curves(self) -> list[tuple]:
        """(loss curve, metric curve) of each shown run, in order."""
        return self._pool[:len(self.shown)]

    def legend_names(self) -> list[str]:
        """The legend's names of the shown runs, in order."""
        curves = [loss for loss, _ in self.curves()]
        names = {id(sample.item): label.text for sample, label in self._legend.items}
        return [names.get(id(curve), "") for curve in curves]

    def _curves(self, i: int) -> tuple:
        while len(self._pool) <= i:
            self._pool.append(tuple(item.plot() for item in self._items))
        return self._pool[i]

    def draw(self) -> None:
        with legend_changes(self._legend):
            self._draw()

    def _draw(self) -> None:
        for i, view in enumerate(self.shown):
            color = run_color(view.number)
            pen = (pg.mkPen(with_alpha(color, PINNED_ALPHA), width=1.5, style=Qt.DashLine)
                   if view.pinned else pg.mkPen(color, width=1.5))
            loss, metric = self._curves(i)
            epochs = view.history["epoch"]
            loss.setData(epochs, self._loss(view), connect="finite", pen=pen)
            metric.setData(epochs, self._metric(view), connect="finite", pen=pen)
            self._name(loss, f"{view.number}: {view.label}")
            loss.show()
            metric.show()
        for loss, metric in self._pool[len(self.shown):]:
            loss.hide()
            metric.hide()
            self._name(loss, None)

    def _name(self, curve, name: str | None) -> None:
        listed = [label for sample, label in self._legend.items if sample.item is curve]
        if listed and name is None:
            self._legend.removeItem(curve)
        elif listed and listed[0].text != name:
            listed[0].setText(name)          # renamed in its place (another current run)
        elif name is not None and not listed:
            self._legend.addItem(curve, name)
