"""The loss-landscape view: the loss on a plane through the current weights, with the path
training took, and along the line from the initial weights to the current ones.

The engine computes it (:mod:`playground.training.landscape`) on copies of the trainer's state,
in a :class:`~ui.live.background.BackgroundJob`: training may go on meanwhile, a progress bar
counts the forward passes and Cancel stops the job. The left canvas (``landscapePlot``) is a heat
map of log₁₀ loss with contour lines, the path projected onto the plane (white, from the
square at the start to the red star at the current weights, which sit at the origin); the
right one (``landscapeLinePlot``) is the loss along the straight line, t = 0 at the initial
weights and t = 1 now. The control row picks the directions (the path's two principal
directions, or two random filter-normalized ones with a seed) and the grid size, and says
what a computation costs before it starts. "Every N epochs" recomputes as training goes on.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QProgressBar, QPushButton, \
    QSpinBox

from playground.training.landscape import LINE_POINTS, RESOLUTION, LandscapeProblem, cost

from ui.live.background import CANCELLED, JobRunner, from_trainer
from ui.widgets.elided_label import ElidedLabel

from .base import PlotPanel, RunTracker, make_plot_widget

DIRECTIONS = (("trajectory", "path (PCA)"), ("random", "random"))
CONTOURS = 9
PATH_COLOR, START_COLOR, NOW_COLOR = "#ffffff", "#f0811a", "#d62728"


def color_levels(losses: np.ndarray) -> tuple[np.ndarray, float, float]:
    """log₁₀ of the losses (non-finite ones at the top of the scale) and the colour range:
    from the lowest value to the 98th percentile, so one blown-up corner does not flatten the
    rest of the map."""
    with np.errstate(all="ignore"):
        values = np.log10(np.where(np.isfinite(losses) & (losses > 0), losses, np.nan))
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros_like(losses), 0.0, 1.0
    lo, hi = float(finite.min()), float(np.percentile(finite, 98))
    if hi <= lo:
        hi = lo + 1e-3
    return np.where(np.isfinite(values), np.minimum(values, hi), hi), lo, hi


class LandscapePlot(PlotPanel):
    export_name = "loss_landscape"
    view_name, dock_title, dock_name = "landscape", "Loss landscape", "landscapeDock"
    tab_group, redraw, can_defer = "bottom", "secondary", True
    dock_scrolls = True          # its controls and two canvases scroll on a short screen

    @classmethod
    def for_window(cls, model, parent, behind_tab: bool) -> "LandscapePlot":
        """The window's panel asks the window's training worker for the trainer's state;
        behind a tab it builds its two canvases when first shown (~35 ms less start-up)."""
        return cls(parent.worker.submit, parent, deferred=behind_tab)

    def __init__(self, submit, parent=None, *, deferred: bool = False):
        """``submit(fn)`` runs ``fn(trainer)`` on the training thread (``worker.submit``)."""
        super().__init__(parent)
        self._submit = submit
        self._result = None
        self._epoch_now = 0
        self._samples = 0
        self._runs = RunTracker()
        self._build_controls()
        self._info = ElidedLabel(self)
        self._info.setObjectName("landscapeInfo")
        info_row = QHBoxLayout()
        info_row.setContentsMargins(4, 0, 4, 0)
        info_row.addWidget(self._info, 1)
        info_row.addWidget(self.progress)         # while computing
        self.layout().insertLayout(1, info_row)
        if not deferred:
            self._build_canvas()
        self._update_cost()

    # -- construction --------------------------------------------------------------------
    def _build_controls(self) -> None:
        row = self.controls
        self.method_box = QComboBox(self)
        self.method_box.setObjectName("landscapeMethod")
        for key, text in DIRECTIONS:
            self.method_box.addItem(text, key)
        self.method_box.setToolTip(
            "The plane through the current weights: along the path's two principal directions "
            "(the directions the weights moved along most: the path lies nearly in the plane), "
            "or along two random directions scaled neuron by neuron to the size of the weights "
            "(filter normalization, Li et al. 2018)")
        row.addWidget(self.method_box)
        self.seed_box = self._spin("landscapeSeed", 0, 9999, 0, "seed ")
        self.seed_box.setToolTip("Seed of the random directions")
        self.grid_box = self._spin("landscapeGrid", 5, 101, RESOLUTION, "grid ")
        self.grid_box.setSingleStep(4)
        self.grid_box.setToolTip("Points per side of the grid: the cost grows with its square")
        self.compute_button = QPushButton("Compute", self)
        self.compute_button.setObjectName("landscapeCompute")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("landscapeCancel")
        self.cancel_button.setEnabled(False)
        row.addWidget(self.compute_button)
        row.addWidget(self.cancel_button)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("landscapeProgress")
        self.progress.setMaximumWidth(140)
        self._jobs = JobRunner(self.progress, self)
        self.auto_box = QCheckBox("every", self)
        self.auto_box.setObjectName("landscapeAuto")
        self.auto_box.setToolTip("Compute again automatically as training goes on")
        row.addWidget(self.auto_box)
        self.every_box = self._spin("landscapeEvery", 1, 10000, 25, "", " ep.")
        self.every_box.setToolTip("Compute again after this many more epochs")
        row.addStretch(1)
        self._add_export_button()
        self.method_box.currentIndexChanged.connect(self._on_method)
        self.grid_box.valueChanged.connect(lambda _v: self._update_cost())
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self._on_method()

    def _spin(self, name: str, lo: int, hi: int, value: int, prefix: str,
              suffix: str = "") -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(lo, hi)
        box.setValue(value)
        box.setPrefix(prefix)
        box.setSuffix(suffix)
        self.controls.addWidget(box)
        return box

    def _build_canvas(self) -> None:
        theme = self.theme
        self._plot = make_plot_widget("landscapePlot", theme, x_label="α (direction 1)",
                                      y_label="β (direction 2)")
        item = self._plot.getPlotItem()
        self._image = pg.ImageItem(axisOrder="col-major")
        item.addItem(self._image)
        self._colormap = pg.colormap.get("viridis")
        self._image.setColorMap(self._colormap)
        self._bar = pg.ColorBarItem(values=(0, 1), colorMap=self._colormap, interactive=False,
                                    label="log₁₀ training loss", width=14)
        self._bar.setImageItem(self._image, insert_in=item)
        self._contours = []
        for _ in range(CONTOURS):
            iso = pg.IsocurveItem(level=0.0, pen=pg.mkPen((255, 255, 255, 110), width=1))
            iso.setParentItem(self._image)
            iso.setPos(0.5, 0.5)            # curve points are at pixel centres
            self._contours.append(iso)
        self._path = pg.PlotDataItem(pen=pg.mkPen(PATH_COLOR, width=2), symbol="o",
                                     symbolSize=4, symbolBrush=PATH_COLOR, symbolPen=None)
        self._start = pg.ScatterPlotItem(symbol="s", size=11, brush=START_COLOR,
                                         pen=pg.mkPen("#000000"))
        self._now = pg.ScatterPlotItem(symbol="star", size=16, brush=NOW_COLOR,
                                       pen=pg.mkPen("#ffffff"))
        for thing in (self._path, self._start, self._now):
            item.addItem(thing)
        self._add_canvas(self._plot, 3)
        self._line_plot = make_plot_widget("landscapeLinePlot", theme,
                                           x_label="t: 0 = initial weights, 1 = now",
                                           y_label="training loss")
        self._line = self._line_plot.plot(pen=pg.mkPen("#2f7fdf", width=2))
        line_item = self._line_plot.getPlotItem()
        for t, text, color in ((0.0, "start", START_COLOR), (1.0, "now", NOW_COLOR)):
            line_item.addItem(pg.InfiniteLine(t, angle=90, pen=pg.mkPen(color, width=1,
                                                                       style=Qt.PenStyle.DashLine),
                                              label=text, labelOpts={"color": color,
                                                                     "position": 0.92}))
        self._add_canvas(self._line_plot, 2)

    # -- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._jobs.running

    @property
    def result(self):
        """The last :class:`~playground.training.landscape.Landscape` computed, or None."""
        return self._result

    def _on_method(self) -> None:
        self.seed_box.setVisible(self.method_box.currentData() == "random")

    def _update_cost(self) -> None:
        if self._result is None and not self.running:
            self._info.setText(self._cost_text())

    def _cost_text(self) -> str:
        n = self.grid_box.value()
        samples = f" over {self._samples:,} training samples" if self._samples else ""
        return (f"{n} × {n} grid + {LINE_POINTS} points on the line = "
                f"{cost(n, LINE_POINTS):,} forward passes{samples}. Press Compute.")

    def add_snapshot(self, snapshot) -> None:
        """Follow the run: a new run forgets the old landscape; 'every N epochs' recomputes."""
        if self._runs.is_new_run(snapshot):
            self.cancel()
            self._reset()
            self.mark_dirty()
        self._runs.seen(snapshot)
        self._epoch_now = snapshot.epoch
        if snapshot.data is not None:
            self._samples = len(snapshot.data.y_train)
        done = self._result.plane.path_epochs[-1] if self._result is not None else None
        if (self.auto_box.isChecked() and not self.running and snapshot.epoch >= 2
                and (done is None or snapshot.epoch - done >= self.every_box.value())):
            self.compute()
        elif self._result is not None:
            self._describe()

    def compute(self) -> None:
        """Start computing the landscape of the trainer's current weights (off this thread)."""
        if self.running:
            return
        method = self.method_box.currentData()
        resolution = self.grid_box.value()
        seed = self.seed_box.value()

        def job(progress, cancelled):
            problem = from_trainer(self._submit, LandscapeProblem.from_trainer, cancelled)
            return problem.compute(method, resolution=resolution,
                                   rng=np.random.default_rng(seed), progress=progress,
                                   cancelled=cancelled)

        self.compute_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._info.setText(f"Computing: {self._cost_text().replace(' Press Compute.', '')}")
        self._jobs.start(job, self._on_result,
                         lambda text: self._stopped(text if text == CANCELLED else
                                                    f"Cannot compute the landscape: {text}"))

    def cancel(self) -> None:
        self._jobs.cancel()

    def shutdown(self) -> None:
        """Stop a running computation and wait for its thread (window closing)."""
        self._jobs.shutdown()

    def _on_result(self, landscape) -> None:
        self._result = landscape
        self._stopped(None)
        self.mark_dirty()
        self.refresh()

    def _stopped(self, message: str | None) -> None:
        self.compute_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if message is not None:
            self._info.setText(message)
        else:
            self._describe()

    def _describe(self) -> None:
        land = self._result
        at = land.plane.path_epochs[-1]
        stale = (f" (training is at epoch {self._epoch_now} now: Compute again)"
                 if self._epoch_now > at + 0.5 else "")
        self._info.setText(f"Epoch {at:g}: {land.describe()}{stale}")

    # -- drawing ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self._result = None
        self._runs.reset()
        self._update_cost()

    def _redraw(self) -> None:
        land = self._result
        visible = land is not None
        for thing in (self._image, self._path, self._start, self._now, *self._contours):
            thing.setVisible(visible)
        self._line.setVisible(visible)
        if not visible:
            return
        plane = land.plane
        values, lo, hi = color_levels(plane.losses)
        self._image.setImage(values, levels=(lo, hi))
        self._bar.setLevels((lo, hi))
        da, db = plane.alphas[1] - plane.alphas[0], plane.betas[1] - plane.betas[0]
        self._image.setRect(QRectF(plane.alphas[0] - da / 2, plane.betas[0] - db / 2,
                                   da * len(plane.alphas), db * len(plane.betas)))
        for iso, level in zip(self._contours, np.linspace(lo, hi, CONTOURS + 2)[1:-1]):
            iso.setData(values, level)
        self._path.setData(plane.path[:, 0], plane.path[:, 1])
        self._start.setData([plane.path[0, 0]], [plane.path[0, 1]])
        self._now.setData([0.0], [0.0])
        item = self._plot.getPlotItem()
        if plane.method == "trajectory":
            item.setLabel("bottom", "α: principal direction 1 of the path")
            item.setLabel("left", "β: principal direction 2")
        else:
            item.setLabel("bottom", "α: random direction 1 (filter-normalized)")
            item.setLabel("left", "β: random direction 2")
        item.setRange(xRange=(plane.alphas[0], plane.alphas[-1]),
                      yRange=(plane.betas[0], plane.betas[-1]), padding=0)
        self._line.setData(land.line.t, land.line.losses)

    def csv_table(self):
        land = self._result
        if land is None:
            return ["kind", "alpha", "beta", "t", "loss"], []
        rows = [["plane", float(a), float(b), None, float(land.plane.losses[i, j])]
                for i, a in enumerate(land.plane.alphas)
                for j, b in enumerate(land.plane.betas)]
        rows += [["path", float(x), float(y), None, None] for x, y in land.plane.path]
        rows += [["line", None, None, float(t), float(v)]
                 for t, v in zip(land.line.t, land.line.losses)]
        return ["kind", "alpha", "beta", "t", "loss"], rows
