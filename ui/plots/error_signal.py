"""The error-signal plot: how strongly the error reaches each layer during backpropagation.

Backpropagation sends the error signal ``δ = ∂L/∂z`` from the output back to the first layer;
each layer multiplies it by its weights and by the derivative of its activation. With many
sigmoid layers that derivative is at most 1/4, so ‖δ‖ shrinks layer by layer (*vanishing
gradients*: the first layers hardly learn); with large weights it can grow instead
(*exploding gradients*).

The main canvas (``errorSignalPlot``) draws ‖δ‖ per layer over time on a log axis, one colour
per layer (first layer blue … last layer orange); a selector switches to the weight gradient
‖∂L/∂W‖ or shows both (gradient dashed). A point is added per snapshot at
``epoch + batch/batches_per_epoch``, so single batch steps show too. The narrow canvas on the
right (``errorProfilePlot``) shows the latest value per layer: a falling staircase from the
last layer to the first is vanishing gradients at a glance; with *compare runs* checked it
also holds every other visible run's latest ‖δ‖ in the run's colour (:mod:`.run_profiles`).
A warning badge appears when the
first layer's ‖δ‖ is less than 1/1000 (or more than 1000×) of the last layer's.
All numbers come from the snapshot (measured by the trainer on a fixed probe batch).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel

from playground.training.gradient_flow import gradient_health

from .base import PlotPanel, RunTracker, layer_colors, make_plot_widget
from .ranges import FollowRange, log_bounds
from .run_profiles import RunProfiles, profile_points
from .series import SeriesStore

HISTORY_CAP = 20_000
MODES = ("‖δ‖ error signal", "‖∂L/∂W‖ weight gradient", "both")


def order_of_magnitude(value: float) -> str:
    """1.3e-05 → '1e-5' (one significant digit: this is about orders of magnitude); 0 → '0',
    and a value that is not finite and positive is written as it is."""
    if not (math.isfinite(value) and value > 0):
        return "0" if value == 0 else f"{value:g}"
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10 ** exponent)
    if mantissa == 10:
        mantissa, exponent = 1, exponent + 1
    return f"{mantissa}e{exponent}"


def gradient_warning(norms) -> str:
    """The badge text for a list of per-layer ‖δ‖ (first layer first), or '' when healthy
    (the rule is the engine's :func:`playground.training.gradient_flow.gradient_health`)."""
    health = gradient_health(norms)
    if not health.kind:
        return ""
    if health.ratio == 0:
        return (f"⚠ {health.kind} gradients: no error signal reaches layer 1 "
                f"(‖δ‖ = 0; layer {health.layers} has {order_of_magnitude(float(norms[-1]))})")
    return (f"⚠ {health.kind} gradients: ‖δ‖ in layer 1 is {order_of_magnitude(health.ratio)} × "
            f"‖δ‖ in layer {health.layers}")


WARNING_HELP = {
    "vanishing": "The error signal shrinks on its way back, so the first layers barely learn. "
                 "Try ReLU or tanh instead of sigmoid, fewer layers, or He/Xavier init.",
    "exploding": "The error signal grows on its way back, so updates blow up. Lower the "
                 "learning rate or the initial weights, or set clip_norm.",
}


def spread_apart(values: list[float], gap: float) -> list[float]:
    """Positions near ``values`` (NaN stays NaN) with at least ``gap`` between any two: a run
    of values that crowd each other is spread evenly around its middle (display layout)."""
    order = sorted((i for i in range(len(values)) if math.isfinite(values[i])),
                   key=lambda i: values[i])
    out = list(values)
    groups: list[list[int]] = []
    for i in order:                          # greedy: merge into the group below if crowded
        groups.append([i])
        while len(groups) > 1:
            low, high = groups[-2], groups[-1]
            low_top = _centre(values, low) + gap * (len(low) - 1) / 2
            high_bottom = _centre(values, high) - gap * (len(high) - 1) / 2
            if high_bottom - low_top >= gap:
                break
            groups[-2:] = [low + high]
    for group in groups:
        centre = _centre(values, group)
        for k, i in enumerate(group):
            out[i] = centre + gap * (k - (len(group) - 1) / 2)
    return out


def _centre(values, group) -> float:
    return sum(values[i] for i in group) / len(group)


def units_off(layer) -> float | None:
    """The share of a layer's units that pass no error signal back, as the engine measured it:
    dead for the ReLU family, saturated for tanh/sigmoid; None for the others."""
    for share in (layer.dead_fraction, layer.saturated_fraction):
        if share is not None and math.isfinite(share):
            return float(share)
    return None


def _positive(values: np.ndarray) -> np.ndarray:
    """Log axes cannot show 0 or negative values: those become gaps."""
    out = np.array(values, dtype=np.float64)
    out[~(out > 0)] = np.nan
    return out


class ErrorSignalPlot(PlotPanel):
    export_name = "error_signal"
    view_name, dock_title, dock_name = "error", "Error signal per layer", "errorSignalDock"
    tab_group, redraw, can_defer = "bottom", "secondary", True

    def __init__(self, parent=None, cap: int = HISTORY_CAP, *, deferred: bool = False):
        super().__init__(parent)
        self._cap = cap
        self._tracker = RunTracker()
        self.store: SeriesStore | None = None
        self._names: list[str] = []
        self.delta_curves: list[pg.PlotDataItem] = []
        self.end_labels: list[pg.TextItem] = []      # "L1" … at the end of each ‖δ‖ curve
        self.grad_curves: list[pg.PlotDataItem] = []
        self._latest = None          # latest snapshot's layers
        self._runs: list = []        # RunViews of the comparison (set_runs)
        self.run_profiles: RunProfiles | None = None
        self._brushes: list = []
        self._drawn_version = -1
        self._build()
        if not deferred:
            self.ensure_canvas()

    def _build(self) -> None:
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("errorSignalMode")
        self.mode_combo.addItems(MODES)
        self.mode_combo.setToolTip("What to draw per layer: the error signal δ = ∂L/∂z, the "
                                   "weight gradient ∂L/∂W = a_prevᵀ δ, or both")
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        self.controls.addWidget(self.mode_combo)
        self.compare_box = QCheckBox("compare runs", self)
        self.compare_box.setObjectName("compareRunsCheck")
        self.compare_box.setToolTip(
            "Show every other visible run's latest ‖δ‖ per layer on the profile, in its "
            "colour on the Runs tab (pinned runs dimmed and dashed)")
        self.compare_box.setEnabled(False)
        self.compare_box.toggled.connect(self._compare_toggled)
        self.controls.addWidget(self.compare_box)
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("gradientWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "QLabel { background: #fff3cd; color: #6b4e00; border: 1px solid #e0b000;"
            " border-radius: 4px; padding: 1px 6px; font-weight: bold; }")
        self.warning_label.hide()
        self.controls.addWidget(self.warning_label, 1)
        self.controls.addStretch(0)
        self._add_export_button()

    def _build_canvas(self) -> None:
        self._plot = make_plot_widget("errorSignalPlot", self.theme, x_label="epoch",
                                      y_label="norm (log scale)", epochs=True)
        item = self._plot.getPlotItem()
        item.setLogMode(x=False, y=True)
        self._follow = FollowRange(item.getViewBox(), x="grow", y="fit", fill=0.4)
        self._add_canvas(self._plot, 4)
        self.profile_widget = make_plot_widget("errorProfilePlot", self.theme, x_label="layer",
                                               title="latest ‖δ‖")
        profile = self.profile_widget.getPlotItem()
        profile.setLogMode(x=False, y=True)
        profile.getViewBox().setMouseEnabled(x=False)
        self._follow_profile = FollowRange(profile.getViewBox(), y="fit", fill=0.4)
        self.profile_delta = profile.plot(pen=pg.mkPen(self.theme.foreground, width=1),
                                          symbol="o", symbolSize=8)
        self.profile_grad = profile.plot(pen=pg.mkPen(self.theme.foreground, width=1,
                                                      style=Qt.PenStyle.DashLine),
                                         symbol="t", symbolSize=8)
        self.run_profiles = RunProfiles(profile)
        self.run_profiles.set_runs(self._runs)
        self._add_canvas(self.profile_widget, 1)
        self.units_widget = make_plot_widget("unitsOffPlot", self.theme, x_label="layer",
                                             title="units off %")
        units = self.units_widget.getPlotItem()
        units.setYRange(0, 100, padding=0.02)
        units.getViewBox().setMouseEnabled(x=False, y=False)
        self.units_widget.setToolTip(
            "Per hidden layer, the share of units that cannot pass an error signal back: dead "
            "ReLU-family units (never active on the probe batch) or tanh/sigmoid units "
            "saturated within 3 % of their limits (f′ ≈ 0)")
        self.units_bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        units.addItem(self.units_bars)
        self._add_canvas(self.units_widget, 1)
        if self._names:                      # snapshots came before the canvas
            self._make_layer_items()

    # -- feeding ---------------------------------------------------------------------------
    def set_runs(self, views: list) -> None:
        """The comparison's runs (with their ‖δ‖ per layer) for *compare runs*."""
        self._runs = list(views)
        self.compare_box.setEnabled(sum(1 for v in views if v.visible and not v.current) > 0)
        if self.run_profiles is not None:
            self.run_profiles.set_runs(self._runs)
        if self.compare_box.isChecked():
            self._dirty = True

    def _compare_toggled(self, _checked: bool) -> None:
        self._dirty = True
        self.refresh()

    def add_snapshot(self, snapshot) -> None:
        layers = snapshot.layers
        if not layers or layers is self._latest:   # no statistics, or the same ones carried
            return                                 # (statistics every N epochs)
        if (self._tracker.is_new_run(snapshot) or self.store is None
                or len(layers) != len(self._names)):
            self._reset()
            self._setup_layers(layers)
        elif snapshot.iteration == self._tracker.iteration and self.store.total:
            self._latest = layers          # same step again (e.g. a requested snapshot)
            self._tracker.seen(snapshot)
            self._dirty = True
            return
        self._tracker.seen(snapshot)
        bpe = max(1, snapshot.batches_per_epoch)
        row = [snapshot.epoch + snapshot.batch_in_epoch / bpe]
        row += [layer.error_signal_norm for layer in layers]
        row += [layer.grad_norm for layer in layers]
        self.store.append(np.asarray(row, dtype=np.float64).reshape(-1, 1))
        self._latest = layers
        self._dirty = True

    def _setup_layers(self, layers) -> None:
        n = len(layers)
        self._names = [f"layer {layer.index + 1} ({layer.activation})" for layer in layers]
        columns = ["x"] + [f"delta_{i + 1}" for i in range(n)] + [f"grad_{i + 1}"
                                                                 for i in range(n)]
        self.store = SeriesStore(columns, self._cap)
        self._drawn_version = -1
        if self.canvas_built:
            self._make_layer_items()

    def _make_layer_items(self) -> None:
        """A curve for ‖δ‖ and one for ‖∂L/∂W‖ and an end label per layer, and the profile's
        layer axis. The items of layers that stay are kept and restyled, only the missing
        ones are made (making all 3 × 64 again for one layer more or less stalled the window
        for 0.5-1.6 s in the monkey test)."""
        n = len(self._names)
        item = self._plot.getPlotItem()
        for obj in self.delta_curves[n:] + self.grad_curves[n:] + self.end_labels[n:]:
            item.removeItem(obj)
        del self.delta_curves[n:], self.grad_curves[n:], self.end_labels[n:]
        colors = layer_colors(n)
        for i in range(n):
            if i == len(self.end_labels):
                label = pg.TextItem("", anchor=(1, 1))
                item.addItem(label, ignoreBounds=True)
                self.end_labels.append(label)
                delta, grad = item.plot(), item.plot()
                for curve in (delta, grad):
                    curve.setDownsampling(auto=True, method="peak")
                self.delta_curves.append(delta)
                self.grad_curves.append(grad)
            label = self.end_labels[i]
            label.setText(f"L{i + 1}", color=colors[i])
            label.setToolTip(self._names[i])
            self.delta_curves[i].setPen(pg.mkPen(colors[i], width=2))
            self.grad_curves[i].setPen(pg.mkPen(colors[i], width=1.5,
                                                style=Qt.PenStyle.DashLine))
            for curve in (self.delta_curves[i], self.grad_curves[i]):
                curve.setData([], [])
        self._brushes = [pg.mkBrush(c) for c in colors]
        for widget in (self.profile_widget, self.units_widget):
            widget.getPlotItem().setXRange(0.5, n + 0.5, padding=0)
            widget.getPlotItem().getAxis("bottom").setTicks(
                [[(i + 1, str(i + 1)) for i in range(n)]])
        self._drawn_version = -1
        self._mode_changed()

    def _reset(self) -> None:
        self._tracker.reset()
        if self.store is not None:
            self.store.clear()
        self._latest = None
        self._drawn_version = -1

    # -- drawing ---------------------------------------------------------------------------
    @property
    def mode(self) -> int:
        return self.mode_combo.currentIndex()

    def _mode_changed(self, *_) -> None:
        if not self.canvas_built:
            self._dirty = True
            return
        show_delta, show_grad = self.mode in (0, 2), self.mode in (1, 2)
        for curve in self.delta_curves:
            curve.setVisible(show_delta)
        for label in self.end_labels:
            label.setVisible(False)             # placed again by the next redraw
        for curve in self.grad_curves:
            curve.setVisible(show_grad)
        self.profile_delta.setVisible(show_delta)
        self.profile_grad.setVisible(show_grad)
        self._drawn_version = -1
        self._dirty = True
        self.refresh()

    def _redraw(self) -> None:
        store = self.store
        if store is None or self._latest is None:
            for curve in self.delta_curves + self.grad_curves:
                curve.setData([], [])
            for label in self.end_labels:
                label.hide()
            self.profile_delta.setData([], [])
            self.profile_grad.setData([], [])
            self.run_profiles.draw(False)
            self.warning_label.hide()
            return
        if store.version != self._drawn_version:
            self._drawn_version = store.version
            x = store.column("x")
            shown, ends = [], []
            for i in range(len(self.delta_curves)):
                last = math.nan
                if self.mode in (1, 2):
                    grad = _positive(store.column(f"grad_{i + 1}"))
                    self.grad_curves[i].setData(x, grad, connect="finite")
                    last = grad[-1]
                    shown.append(grad)
                if self.mode in (0, 2):
                    delta = _positive(store.column(f"delta_{i + 1}"))
                    self.delta_curves[i].setData(x, delta, connect="finite")
                    last = delta[-1]
                    shown.append(delta)
                ends.append(math.log10(last) if last > 0 else math.nan)
            self._place_end_labels(float(x[-1]) if len(x) else 0.0, ends)
            self._follow.fit((0.0, float(x[-1])) if len(x) else None, log_bounds(*shown))
        layers = self._latest
        deltas = [layer.error_signal_norm for layer in layers]
        grads = [layer.grad_norm for layer in layers]
        for item, values in ((self.profile_delta, deltas), (self.profile_grad, grads)):
            xs, ys = profile_points(values)
            item.setData(xs, ys, connect="finite", symbolBrush=self._brushes[:len(xs)])
        comparing = self.compare_box.isChecked() and self.mode in (0, 2)
        self.run_profiles.draw(comparing)
        self._follow_profile.fit(None, log_bounds(*(
            ([deltas] if self.mode in (0, 2) else []) + ([grads] if self.mode in (1, 2) else [])
            + (self.run_profiles.values() if comparing else []))))
        self._draw_units_off(layers)
        text = gradient_warning(deltas)
        if text != self.warning_label.text():
            self.warning_label.setText(text)
            kind = "vanishing" if "vanishing" in text else "exploding"
            self.warning_label.setToolTip(
                (WARNING_HELP[kind] + "\n" if text else "") + "‖δ‖ per layer, first to last: "
                + ", ".join(f"{d:.2g}" for d in deltas))
        self.warning_label.setVisible(bool(text))

    def _draw_units_off(self, layers) -> None:
        """A bar per layer: its dead (ReLU family) or saturated (tanh, sigmoid) share in %."""
        xs, heights, brushes = [], [], []
        for i, layer in enumerate(layers):
            share = units_off(layer)
            if share is not None:
                xs.append(i + 1)
                heights.append(100.0 * share)
                brushes.append(self._brushes[i])
        self.units_bars.setOpts(x=xs, height=heights, width=0.6, brushes=brushes)

    def _place_end_labels(self, x: float, ends: list[float]) -> None:
        """Each curve's "L1" … at its last point (log10 of the value), moved apart vertically
        so that no two labels overlap (a label is ~14 px high)."""
        viewbox = self._plot.getPlotItem().getViewBox()
        pixel = viewbox.viewPixelSize()[1]
        gap = 14 * pixel if pixel > 0 and math.isfinite(pixel) else 0.0
        for label, y in zip(self.end_labels, spread_apart(ends, gap)):
            label.setVisible(math.isfinite(y))
            if math.isfinite(y):
                label.setPos(x, y)

    # -- export ------------------------------------------------------------------------------
    def csv_table(self):
        if self.store is None:
            return ["epoch"], []
        n = len(self._names)
        header = ["epoch"] + [f"error_signal_norm_layer{i + 1}" for i in range(n)] + [
            f"grad_norm_layer{i + 1}" for i in range(n)]
        cols = [self.store.column(name) for name in self.store.columns]
        return header, [[float(c[j]) for c in cols] for j in range(len(cols[0]))]
