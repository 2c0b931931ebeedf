"""Small multiples: the decision surface of every visible run side by side (2-D data).

One small canvas per run, in a grid, each titled in the run's colour with what differs from
the current run, all on the same axes and colour scale as the main decision view, so runs
compare at a glance: which learning rate already bends around the spiral, which is still a
straight cut. The worker sends the surfaces with the runs (RunView.surface); nothing is
computed here. Without 2-D data the view says so.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from ui.widgets.run_colors import run_color
from ui.widgets.theme import CLASS_COLORS
from .base import PlotPanel, make_plot_widget
from .decision_boundary import PROBABILITY_MAP

MAX_SHOWN = 12
#: plot cells made per redraw at most (one is 50-130 ms of pyqtgraph widgets; three in a
#: redraw, and the next three in the same event-loop pass, held the GUI 1 s on an AVX2 VM)
NEW_CELLS = 1



def value_levels(values: np.ndarray) -> tuple[float, float]:
    """The colour range of a regression surface: its finite values' range (a diverged run's
    surface is all NaN: then 0 to 1, never pyqtgraph's "All-NaN slice" warning)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if not np.isfinite(hi - lo):            # ±1e308: a range pyqtgraph cannot scale by
        lo, hi = float(np.clip(lo, -1e150, 1e150)), float(np.clip(hi, -1e150, 1e150))
    return lo, hi if hi > lo else lo + 1.0

class RunGallery(PlotPanel):
    export_name = "decision_per_run"
    view_name, dock_title, dock_name = "gallery", "Decision per run", "runGalleryDock"
    tab_group, redraw, can_defer = "bottom", "secondary", True

    def __init__(self, parent=None, *, deferred: bool = False):
        super().__init__(parent)
        self.note = QLabel("", self)
        self.note.setObjectName("galleryNote")
        self.controls.addWidget(self.note, 1)
        self._add_export_button()
        self.views: list = []
        #: (plot item, image) per shown run; the canvases are made once and reused
        self.cells: list[tuple[pg.PlotItem, pg.ImageItem]] = []
        self._widgets: list[pg.PlotWidget] = []
        self._grid: QGridLayout | None = None
        # the cells still to make come on a timer turn (a posted call ran in the same loop
        # pass as the events the redraw had posted)
        self._more = QTimer(self)
        self._more.setSingleShot(True)
        self._more.setInterval(0)
        self._more.timeout.connect(self.refresh)
        if not deferred:        # behind its tab at start-up: made when first shown (~18 ms)
            self.ensure_canvas()

    def _build_canvas(self) -> None:
        grid_host = QWidget(self.canvas)
        self._grid = QGridLayout(grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self.canvas_layout.addWidget(grid_host)
        self._plot = self._cell_widget(0)          # the first cell is the panel's canvas

    def add_snapshot(self, snapshot) -> None:
        """The current run comes with the runs (set_runs); its snapshot adds nothing here."""

    def set_runs(self, views: list) -> None:
        self.views = [v for v in views if v.visible and v.surface is not None][:MAX_SHOWN]
        self._dirty = True

    def _reset(self) -> None:
        self.views = []

    def _cell_widget(self, i: int) -> pg.PlotWidget:
        while len(self._widgets) <= i:
            widget = make_plot_widget(f"runGalleryCell{len(self._widgets)}", self.theme)
            item = widget.getPlotItem()
            for axis in ("left", "bottom"):
                item.hideAxis(axis)
            item.setMenuEnabled(False)
            item.setAspectLocked(True)
            item.getViewBox().setMouseEnabled(x=False, y=False)
            image = pg.ImageItem(axisOrder="row-major")
            item.addItem(image)
            self._widgets.append(widget)
            self.cells.append((item, image))
        return self._widgets[i]

    def _redraw(self) -> None:
        n = len(self.views)
        columns = max(1, math.ceil(math.sqrt(n)))
        # at most NEW_CELLS cells per redraw (twelve at once froze the window for a second)
        ready = min(max(n, 1), len(self._widgets) + NEW_CELLS)
        rows = max(1, math.ceil(n / columns))
        for c in range(max(self._grid.columnCount(), columns)):   # equal cells, however
            self._grid.setColumnStretch(c, 1 if c < columns else 0)  # many are made yet
        for r in range(max(self._grid.rowCount(), rows)):
            self._grid.setRowStretch(r, 1 if r < rows else 0)
        for i in range(ready):
            self._grid.addWidget(self._cell_widget(i), i // columns, i % columns)
        for i, widget in enumerate(self._widgets):
            widget.setVisible(i < min(n, ready))
        for view, (item, image) in zip(self.views[:ready], self.cells):
            self._draw(view, item, image)
        if ready < n:
            self._dirty = True
            self._more.start()
        self.note.setText("Pin, fork or sweep to compare runs side by side."
                          if n == 1 else "" if n else
                          "Decision surfaces are drawn for data with two inputs.")

    def _draw(self, view, item: pg.PlotItem, image: pg.ImageItem) -> None:
        surface = view.surface
        values = surface.values
        if surface.kind == "class":
            colors = np.array([pg.mkColor(c).getRgb()[:3] for c in CLASS_COLORS], np.uint8)
            index = np.clip(np.nan_to_num(values).astype(int), 0, len(colors) - 1)
            image.setImage(colors[index], autoLevels=False)
        elif surface.kind == "probability":
            image.setLookupTable(PROBABILITY_MAP.getLookupTable(nPts=256, alpha=False))
            image.setImage(values, autoLevels=False, levels=(0.0, 1.0))
        else:                  # regression: levels from the finite values (pyqtgraph's own
            lo, hi = value_levels(values)          # warn on NaN), the values clipped to them
            image.setImage(np.clip(values, lo, hi), autoLevels=False, levels=(lo, hi))
        x0, x1, y0, y1 = surface.extent
        image.setRect(x0, y0, x1 - x0, y1 - y0)
        item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        title = "current" if view.current else view.label
        item.setTitle(f"{view.number}: {title} · epoch {view.epoch}",
                      color=run_color(view.number), size="9pt")

    def csv_table(self):
        return ["run", "settings", "epoch"], [[v.number, v.label, v.epoch] for v in self.views]

    def shown_cells(self) -> list[tuple[pg.PlotItem, pg.ImageItem]]:
        """(plot item, image) of each shown run, in order."""
        return self.cells[:len(self.views)]
