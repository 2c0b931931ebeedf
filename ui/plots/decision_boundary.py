"""The decision plot: what the network answers, everywhere on the plane.

For 2-D data the trainer evaluates the network on a 64×64 grid over the data's range (the
snapshot's :class:`~playground.training.snapshot.Surface`); this plot paints that grid as a heat map
under the data points, as TensorFlow Playground does:

* two classes — the probability of class 1 on a diverging map, orange (class 0) ↔ white
  (undecided, P = ½) ↔ blue (class 1); the white band is the decision boundary;
* more classes — the colour of the predicted class, paler where the network is less sure;
* regression — the predicted value on a sequential map (the points use the same map).

Training points are filled, validation points hollow; both are drawn once per data set, only
the surface changes while training. For data that is not 2-D the same canvas
(``decisionBoundaryPlot``) shows a confusion matrix (classification) or predicted-vs-target
points (regression), see :mod:`ui.plots.outcome_views`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QCheckBox

from ui.widgets.theme import CLASS_COLORS, Theme, class_color
from ui.widgets.elided_label import ElidedLabel
from ui.widgets.view_errors import guarded
from .base import PlotPanel, make_plot_widget
from .draw_points import PointDrawer
from .outcome_views import ConfusionView, PredictionView
from .thinning import drawn_every, thinning_note

#: TensorFlow Playground's orange and blue, meeting in a light grey-white
PROBABILITY_MAP = pg.ColorMap([0.0, 0.5, 1.0], [class_color(0), "#e8eaeb", class_color(1)])
VALUE_MAP = pg.colormap.get("viridis")
#: colours of regression points: targets are shown in this many shades of VALUE_MAP
VALUE_SHADES = 64
SURFACE_STRENGTH = 0.6       # how strongly the surface is tinted (points stay full colour)


def _rgb(color: str) -> np.ndarray:
    c = pg.mkColor(color)
    return np.array([c.red(), c.green(), c.blue()], np.float64)


def _lut(cmap: pg.ColorMap) -> np.ndarray:
    """A 256-entry RGBA table, softened towards white so the points stand out."""
    lut = cmap.getLookupTable(nPts=256, alpha=False).astype(np.float64)
    return (255.0 - SURFACE_STRENGTH * (255.0 - lut)).astype(np.uint8)


class SurfaceView:
    mode = "surface"

    def __init__(self, plot_item: pg.PlotItem, theme: Theme):
        self.plot_item, self.theme = plot_item, theme
        self.image = pg.ImageItem(axisOrder="row-major")
        self.train_scatter = pg.ScatterPlotItem(size=7, symbol="o")
        self.val_scatter = pg.ScatterPlotItem(size=7, symbol="o")
        self.train_scatter.setZValue(10)
        self.val_scatter.setZValue(11)
        self.color_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=PROBABILITY_MAP,
                                         interactive=False, width=14,
                                         pen=pg.mkPen(theme.foreground))
        for axis in (self.color_bar.axis,):
            axis.setPen(pg.mkPen(theme.foreground))
            axis.setTextPen(pg.mkPen(theme.foreground))
        self._bar_added = False
        self._kind = None
        self._value_levels = (0.0, 1.0)
        self._surface = None
        self._class_rgb = np.array([_rgb(c) for c in CLASS_COLORS])
        self._n_classes = 0          # of the data set; 0 until the data is known
        self.summary = ""
        self._legend_html = ""
        self.drawn_every, self.thinning = 1, ""

    def attach(self) -> None:
        item = self.plot_item
        item.addItem(self.image)
        item.addItem(self.train_scatter)
        item.addItem(self.val_scatter)
        item.showGrid(x=False, y=False)
        if not self._bar_added:
            item.layout.addItem(self.color_bar, 2, 5)
            item.layout.setColumnFixedWidth(4, 5)
            self._bar_added = True
        self.color_bar.setVisible(self._kind in ("probability", "value"))

    def detach(self) -> None:
        for obj in (self.image, self.train_scatter, self.val_scatter):
            self.plot_item.removeItem(obj)
        self.plot_item.showGrid(x=True, y=True, alpha=self.theme.grid_alpha)
        self.color_bar.hide()

    def set_data_view(self, view) -> None:
        """Draw the data points (once per data set)."""
        regression = view.task == "regression"
        self._n_classes = 0 if regression else int(view.n_classes)
        if regression:
            ys = np.concatenate([_first_output(view.y_train),
                                 _first_output(view.y_val)]).astype(float)
            ys = ys[np.isfinite(ys)]
            lo, hi = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
            self._value_levels = (lo, hi if hi > lo else lo + 1.0)
        total = sum(len(raw) for raw in (view.raw_train, view.raw_val) if raw is not None)
        step = drawn_every(total)
        for scatter, raw, y, filled in ((self.train_scatter, view.raw_train, view.y_train, True),
                                        (self.val_scatter, view.raw_val, view.y_val, False)):
            if raw is None or len(raw) == 0:
                scatter.setData([], [])
                continue
            raw, y = raw[::step], y[::step]
            styles, index = self._point_styles(
                _first_output(y) if regression else np.ravel(y), regression)
            if filled:
                brushes = [pg.mkBrush(c) for c in styles]
                scatter.setData(raw[:, 0], raw[:, 1], brush=[brushes[k] for k in index],
                                pen=pg.mkPen("#ffffff", width=1))
            else:
                # hollow: a thick ring in the class colour around a white centre, so it
                # stands out on a surface of its own colour as well
                pens = [pg.mkPen(c, width=2.5) for c in styles]
                scatter.setData(raw[:, 0], raw[:, 1], brush=pg.mkBrush("#ffffff"),
                                pen=[pens[k] for k in index])
        if view.bounds is not None:
            x0, x1, y0, y1 = view.bounds
            self.plot_item.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        names = view.feature_names[:2] if len(view.feature_names) >= 2 else ("x1", "x2")
        self.plot_item.setLabel("bottom", names[0], color=self.theme.foreground)
        self.plot_item.setLabel("left", names[1], color=self.theme.foreground)
        if regression:
            self._legend_html = "points coloured by their target value"
        else:
            names = view.class_names or tuple(str(k) for k in range(view.n_classes))
            self._legend_html = "  ".join(
                f"<span style='color:{class_color(k)}'>●</span> {name}"
                for k, name in enumerate(names))
        self._legend_html += " · ● training ○ validation"     # (short: it must not be cut)
        #: every how many-th point is drawn, and the words for it (the caption has no room:
        #: the window puts them on the "data points" check box)
        self.drawn_every, self.thinning = step, thinning_note(total, step)

    def _point_styles(self, y: np.ndarray, regression: bool) -> tuple[list, np.ndarray]:
        """The distinct point colours and, per point, the index of its colour. Points share
        one brush or pen per colour: pyqtgraph renders a symbol once per distinct brush/pen
        *object*, so 500 brushes of two colours would render 500 symbols (~60 ms)."""
        if regression:
            lo, hi = self._value_levels
            shade = np.clip((y.astype(float) - lo) / (hi - lo), 0, 1)
            index = np.rint(np.nan_to_num(shade) * (VALUE_SHADES - 1)).astype(int)
            colors = VALUE_MAP.map(np.linspace(0, 1, VALUE_SHADES), mode="qcolor")
            return colors, index
        index = y.astype(int)
        top = int(index.max()) + 1 if index.size else 0
        return [pg.mkColor(class_color(k)) for k in range(top)], index

    def update(self, snapshot) -> None:
        surface = snapshot.surface
        if surface is None:
            return
        self._surface = surface
        if surface.kind != self._kind:
            self._set_kind(surface.kind, snapshot)
        x0, x1, y0, y1 = surface.extent
        values = np.nan_to_num(surface.values, nan=0.5 if surface.kind == "probability" else 0.0)
        if surface.kind == "class":
            self.image.setImage(self._class_image(values, surface.confidence), autoLevels=False,
                                levels=(0, 255))
        elif surface.kind == "probability":
            self.image.setImage(values, autoLevels=False, levels=(0.0, 1.0))
        else:                       # clipped to the levels first: a diverged run's ±1e308
            lo, hi = self._value_levels   # overflowed in pyqtgraph's rescale (RuntimeWarning)
            self.image.setImage(np.clip(values, lo, hi), autoLevels=False, levels=(lo, hi))
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.summary = self._legend_html

    def _set_kind(self, kind: str, snapshot) -> None:
        self._kind = kind
        if kind == "probability":
            self.image.setLookupTable(_lut(PROBABILITY_MAP))
            names = snapshot.data.class_names if snapshot.data is not None else ()
            positive = names[1] if len(names) > 1 else "1"
            self.color_bar.setColorMap(PROBABILITY_MAP)
            self.color_bar.setLevels((0.0, 1.0))
            self.color_bar.axis.setLabel(f"P(class {positive})", color=self.theme.foreground)
        elif kind == "value":
            self.image.setLookupTable(_lut(VALUE_MAP))
            self.color_bar.setColorMap(VALUE_MAP)
            self.color_bar.setLevels(self._value_levels)
            self.color_bar.axis.setLabel("prediction", color=self.theme.foreground)
        else:
            self.image.setLookupTable(None)
        self.color_bar.setVisible(kind in ("probability", "value"))

    def _class_image(self, classes: np.ndarray, confidence) -> np.ndarray:
        k = len(self._class_rgb)
        base = self._class_rgb[classes.astype(np.intp) % k]
        # chance level is 1/K for the data's K classes, not for the classes predicted so far
        n_classes = max(2, self._n_classes, int(classes.max()) + 1)
        if confidence is None:
            strength = np.ones(classes.shape)
        else:
            chance = 1.0 / n_classes
            strength = np.clip((np.nan_to_num(confidence) - chance) / (1.0 - chance), 0, 1)
        strength = (0.25 + 0.75 * strength)[..., None] * SURFACE_STRENGTH
        rgb = 255.0 - strength * (255.0 - base)
        rgba = np.empty(classes.shape + (4,), np.uint8)
        rgba[..., :3] = rgb
        rgba[..., 3] = 255
        return rgba

    def csv_table(self):
        surface = self._surface
        if surface is None:
            return ["x", "y", "value"], []
        gx, gy = np.meshgrid(surface.xs, surface.ys)
        cols = [gx.ravel(), gy.ravel(), surface.values.ravel()]
        header = ["x", "y", {"probability": "p_class1", "class": "predicted_class",
                             "value": "predicted_value"}[surface.kind]]
        if surface.confidence is not None:
            cols.append(surface.confidence.ravel())
            header.append("confidence")
        return header, [[float(c[j]) for c in cols] for j in range(len(cols[0]))]


class DecisionBoundaryPlot(PlotPanel):
    export_name = "decision"
    view_name, dock_area, redraw = "decision", "central", "primary"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.show_data_check = QCheckBox("data points", self)
        self.show_data_check.setObjectName("showDataCheck")
        self.show_data_check.setChecked(True)
        self._label_points(1, "")
        self.show_data_check.toggled.connect(self._show_data)
        self.controls.addWidget(self.show_data_check)
        self.summary_label = ElidedLabel(self)
        self.summary_label.setObjectName("decisionSummary")
        self.controls.addWidget(self.summary_label, 1)
        self._add_export_button()
        self._plot = make_plot_widget("decisionBoundaryPlot", self.theme)
        self._add_canvas(self._plot)
        item = self._plot.getPlotItem()
        self.surface_view = SurfaceView(item, self.theme)
        self.confusion_view = ConfusionView(item, self.theme)
        self.prediction_view = PredictionView(item, self.theme)
        self.view = None            # the attached view
        self._snapshot = None
        self._data_view = None
        self._data_changed = False
        self.drawer: PointDrawer | None = None     # the window's plot draws data

    @classmethod
    def for_window(cls, model, parent, behind_tab: bool) -> "DecisionBoundaryPlot":
        """The window's decision view can draw data into the ``model`` (see draw_points)."""
        plot = cls(parent)
        plot.enable_drawing(model)
        return plot

    def enable_drawing(self, model) -> None:
        self.drawer = PointDrawer(self, model)
        self.drawer.data_changed()
        self.drawer.button.toggled.connect(
            lambda on: self._plot.getPlotItem().getViewBox().setMenuEnabled(not on))
        self._plot.scene().sigMouseClicked.connect(self._clicked)

    @guarded("decision plot")
    def _clicked(self, event) -> None:
        if self.drawer is None or not self.drawer.drawing:
            return
        point = self._plot.getPlotItem().getViewBox().mapSceneToView(event.scenePos())
        if self.drawer.click(point.x(), point.y(), event.button()):
            event.accept()

    @property
    def data_view(self):
        """The data the plot shows (the snapshot's DataView), None before one."""
        return self._data_view

    @property
    def mode(self) -> str:
        """'surface', 'confusion', 'prediction', or 'empty'."""
        return self.view.mode if self.view is not None else "empty"

    def add_snapshot(self, snapshot) -> None:
        self._snapshot = snapshot
        if snapshot.data is not None and snapshot.data is not self._data_view:
            self._data_view = snapshot.data
            self._data_changed = True
            if self.drawer is not None:
                self.drawer.data_changed()
        self._dirty = True

    def _reset(self) -> None:
        self._snapshot = None
        self._data_view = None
        self._data_changed = False

    def _view_for(self, snapshot):
        if snapshot is None:
            return None
        if snapshot.surface is not None:
            return self.surface_view
        if snapshot.confusion is not None:
            return self.confusion_view
        if snapshot.predictions is not None:
            return self.prediction_view
        return self.view

    def _redraw(self) -> None:
        snapshot = self._snapshot
        view = self._view_for(snapshot)
        if view is not self.view:
            if self.view is not None:
                self.view.detach()
            self.view = view
            if view is not None:
                view.attach()
                self._data_changed = self._data_view is not None
            self._show_data(self.show_data_check.isChecked())
            self.show_data_check.setVisible(view is self.surface_view)
            # the 64×64 surface is scaled up smoothly; confusion cells stay crisp
            self._plot.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                                     view is self.surface_view)
        if view is None:
            self.summary_label.setText("")
            return
        if self._data_changed:
            self._data_changed = False
            view.set_data_view(self._data_view)
            if view is self.surface_view:
                self._label_points(view.drawn_every, view.thinning)
        view.update(snapshot)
        if view.summary != self.summary_label.text():
            self.summary_label.setText(view.summary)

    def _label_points(self, step: int, note: str) -> None:
        check = self.show_data_check
        check.setText("data points" if step <= 1 else f"data points (1 in {step})")
        check.setToolTip("Show the training (filled) and validation (hollow) points over the "
                         "surface" + (f" — {note}; training uses every sample" if note else ""))

    def _show_data(self, on: bool) -> None:
        self.surface_view.train_scatter.setVisible(on)
        self.surface_view.val_scatter.setVisible(on)

    def csv_table(self):
        if self.view is None:
            return ["x", "y", "value"], []
        return self.view.csv_table()


def _first_output(y: np.ndarray) -> np.ndarray:
    """The first target of each sample: what the surface shows for a regression with
    several outputs (the engine's surface is output 1)."""
    y = np.asarray(y)
    return y.reshape(len(y), -1)[:, 0] if len(y) else np.ravel(y)
