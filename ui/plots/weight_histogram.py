"""The weight histogram: how the values of a layer's weights (or gradients) are spread.

At initialization the weights of a layer fill a narrow, symmetric range set by the
initializer (Xavier, He, …). Training reshapes that distribution: it widens when the layer
learns, stays put when the error signal no longer reaches the layer (vanishing gradients),
and collapses towards 0 with strong L1/L2. The current histogram is drawn bright and filled,
the previous ones (up to 7 earlier epochs) fade behind it, so the movement is visible.

The trainer reports a 41-bin histogram per layer whose symmetric range follows the data, so
bins change from epoch to epoch; the curves are drawn in value space (bin edges on the x axis),
which keeps the overlays comparable. Heights are the share of the layer's weights in a bin (%),
so "all layers" can compare layers of different sizes.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel

from .base import (PlotPanel, RunTracker, layer_colors, legend_changes, make_legend,
                   make_plot_widget, with_alpha)
from .ranges import FollowRange, finite_bounds

KEEP = 8               # histograms kept per layer (current + 7 earlier epochs)
ALL_LAYERS = "all layers"


class WeightHistogramPlot(PlotPanel):
    export_name = "weight_histogram"
    view_name, dock_title, dock_name = "weights", "Weights and gradients", "weightsDock"
    tab_group, redraw, can_defer = "bottom", "secondary", True

    def __init__(self, parent=None, *, deferred: bool = False):
        super().__init__(parent)
        self._tracker = RunTracker()
        self._frames: deque = deque(maxlen=KEEP)     # (epoch, layers) oldest first
        self._names: list[str] = []
        self.curves: list[pg.PlotDataItem] = []      # made once per layer count; reused
        self._build()
        if not deferred:
            self.ensure_canvas()

    def _build(self) -> None:
        self.controls.addWidget(QLabel("layer", self))
        self.layer_selector = QComboBox(self)
        self.layer_selector.setObjectName("layerSelector")
        self.layer_selector.setToolTip("Which layer's weights to show")
        # its items come with the first snapshot, after it was first shown
        self.layer_selector.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_selector.currentIndexChanged.connect(self._selection_changed)
        self.controls.addWidget(self.layer_selector)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("histogramKind")
        self.kind_combo.addItems(["weights", "gradients ∂L/∂W"])
        self.kind_combo.setToolTip("Histogram of the weights W or of their gradient ∂L/∂W "
                                   "(on the probe batch)")
        self.kind_combo.currentIndexChanged.connect(self._selection_changed)
        self.controls.addWidget(self.kind_combo)
        self.controls.addStretch(1)
        self._add_export_button()

    def _build_canvas(self) -> None:
        self._plot = make_plot_widget("weightHistogramPlot", self.theme, x_label="weight value",
                                      y_label="share of weights (%)")
        item = self._plot.getPlotItem()
        self._legend = make_legend(item, self.theme)
        self._follow = FollowRange(item.getViewBox(), x="fit", y="fit", fill=0.3)
        self._add_canvas(self._plot)
        self._make_curves()

    # -- feeding ---------------------------------------------------------------------------
    def add_snapshot(self, snapshot) -> None:
        layers = snapshot.layers
        if not layers or (self._frames and layers is self._frames[-1][1]):
            return          # no statistics, or the same ones carried (statistics every N)
        if self._tracker.is_new_run(snapshot) or len(layers) != len(self._names):
            self._reset()
            self._set_layers(layers)
        elif [layer.name for layer in layers] != self._names:     # an edit, same shape
            self._set_layers(layers)
        self._tracker.seen(snapshot)
        if self._frames and self._frames[-1][0] == snapshot.epoch:
            self._frames[-1] = (snapshot.epoch, layers)       # same epoch: newest wins
        else:
            self._frames.append((snapshot.epoch, layers))
        self._dirty = True

    def _set_layers(self, layers) -> None:
        names = [layer.name for layer in layers]
        previous = self.layer_selector.currentIndex()
        self._names = names
        self.layer_selector.blockSignals(True)
        self.layer_selector.clear()
        self.layer_selector.addItems(names + [ALL_LAYERS])
        self.layer_selector.setCurrentIndex(previous if 0 <= previous < len(names) else 0)
        self.layer_selector.blockSignals(False)
        self._make_curves()

    def _make_curves(self) -> None:
        """Enough curves for the newest frames or for every layer (none before the canvas)."""
        if not self.canvas_built or not self._names:
            return
        item = self._plot.getPlotItem()
        needed = max(KEEP, len(self._names))
        while len(self.curves) < needed:
            curve = pg.PlotDataItem(stepMode="center")
            item.addItem(curve)
            self.curves.append(curve)
        self._style_curves()

    def _reset(self) -> None:
        self._tracker.reset()
        self._frames.clear()

    # -- drawing ---------------------------------------------------------------------------
    @property
    def all_layers(self) -> bool:
        return self.layer_selector.currentText() == ALL_LAYERS

    @property
    def selected_layer(self) -> int:
        return self.layer_selector.currentIndex()

    @property
    def gradients(self) -> bool:
        return self.kind_combo.currentIndex() == 1

    def _selection_changed(self, *_) -> None:
        self._style_curves()
        self._dirty = True
        self.refresh()

    def _style_curves(self) -> None:
        """Colours, fills and legend entries for the current selection (not per refresh)."""
        if not self.canvas_built:
            return
        with legend_changes(self._legend):
            self._restyle_curves()

    def _restyle_curves(self) -> None:
        self._legend.clear()
        n = len(self._names)
        if not n:
            return
        colors = layer_colors(n)
        if self.all_layers:
            for i, curve in enumerate(self.curves):
                if i < n:
                    curve.setPen(pg.mkPen(colors[i], width=2))
                    curve.setFillLevel(None)
                    curve.setBrush(None)
                    self._legend.addItem(curve, f"layer {i + 1}")
                curve.setZValue(i)
            return
        color = colors[min(max(self.selected_layer, 0), n - 1)]
        for age, curve in enumerate(self.curves):        # age 0 = newest
            if age == 0:
                curve.setPen(pg.mkPen(color, width=2.5))
                curve.setFillLevel(0)
                curve.setBrush(pg.mkBrush(with_alpha(color, 0.25)))
            else:
                curve.setPen(pg.mkPen(with_alpha(color, 0.55 * (1 - age / KEEP) + 0.08),
                                      width=1.2))
                curve.setFillLevel(None)
                curve.setBrush(None)
            curve.setZValue(KEEP - age)
        self._legend.addItem(self.curves[0], "now")
        if len(self.curves) > 1:
            self._legend.addItem(self.curves[1], "earlier epochs")

    def _histogram(self, layer) -> tuple[np.ndarray, np.ndarray]:
        counts, edges = ((layer.grad_counts, layer.grad_edges) if self.gradients
                         else (layer.weight_counts, layer.weight_edges))
        total = max(1, int(np.sum(counts)))
        return np.asarray(edges, np.float64), 100.0 * np.asarray(counts, np.float64) / total

    def _redraw(self) -> None:
        frames = list(self._frames)
        shown = 0
        item = self._plot.getPlotItem()
        drawn = []
        if frames and self._names:
            latest = frames[-1][1]
            if self.all_layers:
                for i, layer in enumerate(latest):
                    drawn.append(self._histogram(layer))
                    self.curves[i].setData(*drawn[-1])
                shown = len(latest)
                title = f"all layers · epoch {frames[-1][0]}"
            else:
                index = min(max(self.selected_layer, 0), len(latest) - 1)
                for age, (epoch, layers) in enumerate(reversed(frames)):
                    drawn.append(self._histogram(layers[index]))
                    self.curves[age].setData(*drawn[-1])
                shown = len(frames)
                epochs = f"epoch {frames[-1][0]}"
                if len(frames) > 1:
                    epochs += f" (faded: {frames[0][0]}–{frames[-2][0]})"
                title = f"{latest[index].name} · {epochs}"
            item.setTitle(title, color=self.theme.foreground, size="9pt")
        else:
            item.setTitle(None)
        for i, curve in enumerate(self.curves):
            curve.setVisible(i < shown)
            if i >= shown:
                curve.setData([], [])
        label = "gradient value ∂L/∂W" if self.gradients else "weight value"
        if item.getAxis("bottom").labelText != label:
            item.setLabel("bottom", label, color=self.theme.foreground)
        if drawn:
            heights = finite_bounds(*(h for _, h in drawn))
            self._follow.fit(finite_bounds(*(e for e, _ in drawn)),
                             (0.0, heights[1]) if heights else None)

    # -- export ------------------------------------------------------------------------------
    def csv_table(self):
        """Every kept histogram: one row per (epoch, layer, kind, bin)."""
        header = ["epoch", "layer", "kind", "bin_left", "bin_right", "count"]
        rows = []
        for epoch, layers in self._frames:
            for layer in layers:
                for kind, counts, edges in (("weights", layer.weight_counts, layer.weight_edges),
                                            ("gradients", layer.grad_counts, layer.grad_edges)):
                    for k, count in enumerate(counts):
                        rows.append([epoch, layer.index + 1, kind, float(edges[k]),
                                     float(edges[k + 1]), int(count)])
        return header, rows
