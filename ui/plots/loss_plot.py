"""The loss plot: training and validation loss per epoch, with accuracy (or R²) beneath.

Two curves on the upper canvas (``lossPlot``): training loss (blue) and validation loss
(orange). When they part ways — training still falling, validation rising — the network is
overfitting. A log-y check box makes slow late progress visible; the smoothing box draws an
exponential moving average (display only: the raw curves stay as faint lines behind).
The lower canvas (``accuracyPlot``) shares the epoch axis and shows accuracy in [0, 1] for
classification, R² for regression.

Markers: a dashed green line at the best epoch (the one early stopping remembers) and a red line
"early stop" at the last epoch when early stopping ended the run. The stop reason itself is
the window's notice bar's, whole, in one place (never over the curves).
History is kept bounded (see :mod:`ui.plots.series`): every epoch up to 20 000, evenly thinned
beyond, so a long fast run costs flat memory and each redraw stays a few ``setData`` calls.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QVBoxLayout, QWidget

from .base import (BEST_COLOR, STOP_COLOR, TRAIN_COLOR, VAL_COLOR, PlotPanel, RunTracker,
                   make_legend, make_plot_widget, with_alpha)
from .ranges import FollowRange, finite_bounds, log_bounds
from .run_overlay import RunOverlay
from .series import DEFAULT_CAP, EMA, SeriesStore

COLUMNS = ("epoch", "train_loss", "val_loss", "train_metric", "val_metric", "learning_rate",
           "train_smooth", "val_smooth")


class LossPlot(PlotPanel):
    export_name = "loss"
    view_name, dock_title, dock_name = "loss", "Loss and accuracy", "lossDock"
    dock_area, dock_size, redraw = "right", (420, None), "primary"

    def __init__(self, parent=None, cap: int = DEFAULT_CAP):
        super().__init__(parent)
        self.store = SeriesStore(COLUMNS, cap)
        self._tracker = RunTracker()
        self._task = "classification"
        self._ema_train, self._ema_val = EMA(), EMA()
        self._best_epoch = 0
        self._stop_epoch: float | None = None
        self._has_val = False
        self._drawn_version = -1
        self._build_controls()
        self._build_canvases()

    # -- construction ----------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.log_check = QCheckBox("log y", self)
        self.log_check.setObjectName("logYCheck")
        self.log_check.setToolTip("Logarithmic loss axis: shows slow progress late in training")
        self.log_check.toggled.connect(self._set_log)
        self.controls.addWidget(self.log_check)
        label = QLabel("smoothing", self)
        self.smoothing_spin = QDoubleSpinBox(self)
        self.smoothing_spin.setObjectName("smoothingSpin")
        self.smoothing_spin.setRange(0.0, 0.99)
        self.smoothing_spin.setSingleStep(0.05)
        self.smoothing_spin.setDecimals(2)
        self.smoothing_spin.setToolTip("Exponential moving average of the loss curves (display "
                                       "only; 0 = raw). The raw curves stay as faint lines.")
        self.smoothing_spin.valueChanged.connect(self._set_smoothing)
        label.setBuddy(self.smoothing_spin)
        self.controls.addWidget(label)
        self.controls.addWidget(self.smoothing_spin)
        self.controls.addStretch(1)
        self._add_export_button()

    def _build_canvases(self) -> None:
        theme = self.theme
        column = QWidget(self.canvas)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._plot = make_plot_widget("lossPlot", theme, y_label="loss", epochs=True)
        self.accuracy_widget = make_plot_widget("accuracyPlot", theme, x_label="epoch",
                                                y_label="accuracy", epochs=True)
        layout.addWidget(self._plot, 3)
        layout.addWidget(self.accuracy_widget, 2)
        self.canvas_layout.addWidget(column)
        for widget in (self._plot, self.accuracy_widget):
            widget.scene().contextMenu = list(self._export_actions)
        loss_item = self._plot.getPlotItem()
        acc_item = self.accuracy_widget.getPlotItem()
        acc_item.setXLink(loss_item)
        loss_item.getAxis("left").setWidth(52)
        acc_item.getAxis("left").setWidth(52)
        acc_item.setYRange(0, 1, padding=0.02)
        acc_item.getViewBox().setMouseEnabled(y=False)
        acc_item.getViewBox().disableAutoRange()
        # the epoch axis grows in steps, the loss axis refits now and then (see ranges.py)
        self._follow = FollowRange(loss_item.getViewBox(), x="grow", y="fit", fill=0.35)
        self._follow.y_floor = 0.0              # a loss is never negative: a linear axis from 0
        self._legend = make_legend(loss_item, theme)
        self.train_raw_curve = loss_item.plot(pen=pg.mkPen(with_alpha(TRAIN_COLOR, 0.3)))
        self.val_raw_curve = loss_item.plot(pen=pg.mkPen(with_alpha(VAL_COLOR, 0.3)))
        self.train_curve = loss_item.plot(pen=pg.mkPen(TRAIN_COLOR, width=2), name="training")
        self.val_curve = loss_item.plot(pen=pg.mkPen(VAL_COLOR, width=2), name="validation")
        for curve in (self.train_curve, self.val_curve):   # listed once they hold data
            self._legend.removeItem(curve)
        self.train_metric_curve = acc_item.plot(pen=pg.mkPen(TRAIN_COLOR, width=2))
        self.val_metric_curve = acc_item.plot(pen=pg.mkPen(VAL_COLOR, width=2))
        self._curves = (self.train_raw_curve, self.val_raw_curve, self.train_curve,
                        self.val_curve, self.train_metric_curve, self.val_metric_curve)
        for curve in self._curves:
            curve.setDownsampling(auto=True, method="peak")
        self.train_raw_curve.hide()
        self.val_raw_curve.hide()
        self.best_lines = []
        self.stop_lines = []
        for i, item in enumerate((loss_item, acc_item)):
            labelled = i == 0
            best = pg.InfiniteLine(
                angle=90, movable=False, pen=pg.mkPen(BEST_COLOR, width=1.5, style=Qt.DashLine),
                label="best {value:.0f}" if labelled else None,
                labelOpts={"position": 0.6, "color": BEST_COLOR, "anchors": [(1, 0), (1, 0)],
                           "fill": pg.mkBrush(self.theme.panel)})
            stop = pg.InfiniteLine(
                angle=90, movable=False, pen=pg.mkPen(STOP_COLOR, width=1.5, style=Qt.DotLine),
                label="early stop" if labelled else None,
                labelOpts={"position": 0.45, "color": STOP_COLOR, "anchors": [(1, 0), (1, 0)],
                           "fill": pg.mkBrush(self.theme.panel)})
            for line in (best, stop):
                line.hide()
                item.addItem(line, ignoreBounds=True)
            self.best_lines.append(best)
            self.stop_lines.append(stop)
        self.best_line, self.stop_line = self.best_lines[0], self.stop_lines[0]
        #: the other runs being compared (ui.plots.run_overlay)
        self.overlay = RunOverlay(loss_item, acc_item, self._legend)
        self._overlay_drawn = -1

    # -- feeding ---------------------------------------------------------------------------
    def add_snapshot(self, snapshot) -> None:
        if self._tracker.is_new_run(snapshot) or (snapshot.history_start == 0
                                                  and self.store.total > 0):
            self._reset()
        self._tracker.seen(snapshot)
        self._task = snapshot.task
        history = snapshot.history
        epochs = np.asarray(history.get("epoch", ()), dtype=np.float64)
        skip = max(0, self.store.total - snapshot.history_start)   # rows we already hold
        if epochs.size > skip:
            metric = "train_r2" if self._task == "regression" else "train_accuracy"
            val_metric = "val_r2" if self._task == "regression" else "val_accuracy"
            part = {name: np.asarray(history[name], np.float64)[skip:] for name in
                    ("train_loss", "val_loss", "learning_rate")}
            block = {"epoch": epochs[skip:], **part,
                     "train_metric": np.asarray(history[metric], np.float64)[skip:],
                     "val_metric": np.asarray(history[val_metric], np.float64)[skip:],
                     "train_smooth": self._ema_train(part["train_loss"]),
                     "val_smooth": self._ema_val(part["val_loss"])}
            self.store.append(block)
        self._best_epoch = snapshot.best_epoch
        self._stop_epoch = float(snapshot.epoch) if snapshot.stopped_early else None
        self._dirty = True

    def set_runs(self, views: list) -> None:
        """The runs being compared (RunViews); the others than the current are overlaid."""
        self.overlay.set_runs(views)
        self._dirty = True

    def _reset(self) -> None:
        self.store.clear()
        self._tracker.reset()
        self._ema_train.reset()
        self._ema_val.reset()
        self._best_epoch, self._stop_epoch = 0, None
        self._drawn_version = -1

    # -- drawing ---------------------------------------------------------------------------
    def _redraw(self) -> None:
        store = self.store
        if (store.version, self.overlay.version) != (self._drawn_version, self._overlay_drawn):
            self._drawn_version, self._overlay_drawn = store.version, self.overlay.version
            self.overlay.draw()
            epochs = store.column("epoch")
            smoothing = self._ema_train.weight > 0
            train, val = store.column("train_loss"), store.column("val_loss")
            self._has_val = bool(np.isfinite(val).any())
            if smoothing:
                self.train_raw_curve.setData(epochs, train, connect="finite")
                self.val_raw_curve.setData(epochs, val, connect="finite")
                train, val = store.column("train_smooth"), store.column("val_smooth")
            self.train_raw_curve.setVisible(smoothing and len(epochs) > 0)
            self.val_raw_curve.setVisible(smoothing and self._has_val)
            self.train_curve.setData(epochs, train, connect="finite")
            self.val_curve.setData(epochs, val, connect="finite")
            self.val_curve.setVisible(self._has_val)
            self._legend_entry(self.train_curve, "training", len(epochs) > 0)
            self._legend_entry(self.val_curve, "validation", self._has_val)
            self.train_metric_curve.setData(epochs, store.column("train_metric"),
                                            connect="finite")
            val_metric = store.column("val_metric")
            self.val_metric_curve.setData(epochs, val_metric, connect="finite")
            self.val_metric_curve.setVisible(bool(np.isfinite(val_metric).any()))
            self._update_metric_axis(store)
            shown = [train, val] + ([store.column("train_loss"), store.column("val_loss")]
                                    if smoothing else []) + self.overlay.bounds()
            ends = [float(v.history["epoch"][-1]) for v in self.overlay.shown
                    if len(v.history["epoch"])]
            last = max(ends + ([float(epochs[-1])] if len(epochs) else []), default=None)
            y_bounds = (log_bounds if self.log_check.isChecked() else finite_bounds)(*shown)
            self._follow.fit((0.0, last) if last is not None else None, y_bounds)
        self._place_lines(self.best_lines, self._best_epoch if self._best_epoch > 0 else None)
        self._place_lines(self.stop_lines, self._stop_epoch)

    def _legend_entry(self, curve, name: str, shown: bool) -> None:
        """A series is in the legend only while it has data (pyqtgraph draws a hidden one with
        a crossed-out eye, which reads as a setting nobody made)."""
        listed = any(sample.item is curve for sample, _ in self._legend.items)
        if shown and not listed:
            self._legend.addItem(curve, name)
        elif listed and not shown:
            self._legend.removeItem(curve)

    @staticmethod
    def _place_lines(lines, epoch) -> None:
        for line in lines:
            was_visible = line.isVisible()
            line.setVisible(epoch is not None)
            if epoch is not None:
                line.setValue(epoch)
                label = getattr(line, "label", None)
                if not was_visible and label is not None:
                    label.valueChanged()   # a hidden label skips its text update

    def _update_metric_axis(self, store: SeriesStore) -> None:
        item = self.accuracy_widget.getPlotItem()
        regression = self._task == "regression"
        label = "R²" if regression else "accuracy"
        if item.getAxis("left").labelText != label:
            item.setLabel("left", label, color=self.theme.foreground)
        if regression:
            lows = [store.last(name) for name in ("train_metric", "val_metric")]
            low = min([v for v in lows if np.isfinite(v)], default=0.0)
            low = max(-1.0, min(0.0, math.floor(5 * low) / 5))    # in steps of 0.2
            item.setYRange(low, 1.0, padding=0.02)
        else:
            item.setYRange(0.0, 1.0, padding=0.02)

    # -- controls ----------------------------------------------------------------------------
    def _set_log(self, on: bool) -> None:
        self._follow.y_floor = None if on else 0.0
        self._plot.getPlotItem().setLogMode(x=False, y=on)
        self._plot.getPlotItem().enableAutoRange()
        self._drawn_version = -1                # refit the range to the new scale
        self._dirty = True
        self.refresh()

    def _set_smoothing(self, weight: float) -> None:
        for ema, raw, smooth in ((self._ema_train, "train_loss", "train_smooth"),
                                 (self._ema_val, "val_loss", "val_smooth")):
            ema.weight = weight
            ema.reset()
            self.store.set_column(smooth, ema(self.store.column(raw)))
        self._dirty = True
        self.refresh()

    # -- export ------------------------------------------------------------------------------
    def csv_table(self):
        metric = "r2" if self._task == "regression" else "accuracy"
        header = ["epoch", "train_loss", "val_loss", f"train_{metric}", f"val_{metric}",
                  "learning_rate"]
        cols = [self.store.column(name) for name in COLUMNS[:6]]
        rows = [[int(e), *(float(c[j]) for c in cols[1:])] for j, e in enumerate(cols[0])]
        return header, rows
