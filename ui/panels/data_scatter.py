"""A scatter picture of the data set: training points filled, validation points hollow.

Drawn from a :class:`playground.training.snapshot.DataView` (the raw 2-D points and labels the trainer
reports; nothing is recomputed). Classes are coloured (orange / blue for two classes, a
qualitative palette for more); regression points are coloured by their target value. Data with
more than two inputs and no 2-D picture (digits, most files) gets a short note instead.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.panels.data_pictures import value_rgb
from ui.plots.base import Canvas, on_screen
from ui.plots.thinning import drawn_every, thinning_note
from ui.widgets.theme import CLASS_COLORS, class_color, current_theme

_TRAIN_SIZE, _VAL_SIZE = 6, 7
#: regression points are drawn in this many shades, one shared brush (pen) each: a brush per
#: point made pyqtgraph take 5 s for 100,000 points, on the GUI thread
VALUE_SHADES = 64


def _shaded(values: np.ndarray, low: float, high: float, make) -> list:
    """``make(r, g, b)`` per value, from a palette of :data:`VALUE_SHADES` shared objects."""
    palette = [make(*map(int, rgb))
               for rgb in value_rgb(np.linspace(low, high, VALUE_SHADES), low, high)]
    t = (values - low) / (high - low) if high > low else np.full(values.shape, 0.5)
    index = np.rint(np.clip(np.nan_to_num(t), 0.0, 1.0) * (VALUE_SHADES - 1)).astype(int)
    return [palette[i] for i in index]


class DataScatter(QWidget):
    """The plot (objectName ``dataScatterPlot``) with a one-line legend under it.

    ``deferred``: the pyqtgraph canvas (~15-30 ms to make) is built when the scatter is first
    on screen, or when asked for (``plot``, the items, ``point_counts``, ``plot_widget``) —
    the window's Data tab starts behind the Lessons one, so that cost leaves its start-up."""

    def __init__(self, parent: QWidget | None = None, deferred: bool = False):
        super().__init__(parent)
        self.legend = QLabel(objectName="dataLegendLabel")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        self.view = None
        self._owed = None         # (view,) drawn when the scatter is next shown
        self._plot: pg.PlotWidget | None = None
        self._catch_up_queued = False
        if deferred:
            self.setMinimumHeight(200)          # the canvas's room, so it can come on screen
        else:
            self._build_canvas()

    def _build_canvas(self) -> None:
        theme = current_theme()
        plot = Canvas(self, background=theme.background, enableMenu=False)
        plot.setObjectName("dataScatterPlot")
        plot.hideButtons()
        plot.setAspectLocked(True)
        plot.setMinimumHeight(200)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setPen(pg.mkPen("#9aa3b2"))
            plot.getAxis(axis).setTextPen(pg.mkPen(theme.foreground))
        self._train = pg.ScatterPlotItem(size=_TRAIN_SIZE, pxMode=True)
        self._val = pg.ScatterPlotItem(size=_VAL_SIZE, pxMode=True)
        plot.addItem(self._train)
        plot.addItem(self._val)
        self._note = pg.TextItem(color=theme.foreground, anchor=(0.5, 0.5))
        plot.addItem(self._note)
        self._note.hide()
        self._plot = plot
        self.setMinimumHeight(0)                # the canvas's own minimum from now on
        self.layout().insertWidget(0, plot, 1)
        self._draw(self.view)                   # the empty state, or what was drawn

    def paintEvent(self, event) -> None:
        # painted means some of it is on screen: a tab raised, scrolled into view in a short
        # dock, a splitter moved. What is owed is drawn on the next turn, not inside a paint.
        super().paintEvent(event)
        if (self._plot is None or self._owed is not None) and not self._catch_up_queued:
            self._catch_up_queued = True
            QTimer.singleShot(0, self._queued_catch_up)

    def _queued_catch_up(self) -> None:
        self._catch_up_queued = False
        self.catch_up()

    def _canvas(self) -> pg.PlotWidget:
        """The canvas, built if need be, with any owed view drawn on it."""
        if self._plot is None:
            self._build_canvas()
        self.flush()
        return self._plot

    @property
    def canvas_built(self) -> bool:
        return self._plot is not None

    @property
    def plot(self) -> pg.PlotWidget:
        return self._canvas()

    @property
    def plot_widget(self) -> pg.PlotWidget:
        return self._canvas()                   # an export shows the newest data

    @property
    def train_item(self) -> pg.ScatterPlotItem:
        self._canvas()
        return self._train

    @property
    def val_item(self) -> pg.ScatterPlotItem:
        self._canvas()
        return self._val

    @property
    def note(self) -> pg.TextItem:
        self._canvas()
        return self._note

    def clear(self) -> None:
        self._owed = None
        self._draw(None)

    def set_data_view(self, view) -> None:
        """Draw ``view`` (a DataView from a Snapshot or ``playground.training.snapshot.data_view``).

        Behind another tab (the window shown, the scatter not: the Data tab starts behind the
        Lessons one) it is drawn when it is next shown, once for the newest view: 20,000
        points are ~0.4 s of pyqtgraph on a slow machine, and two new data sets arriving
        while a nested loop waited for a save held the GUI 0.9 s (the monkey). A canvas not
        built yet waits the same way until it is."""
        window = self.window()
        if self._plot is None or (window is not self and window.isVisible()
                                  and not on_screen(self)):
            self._owed = (view,)
            return
        self._owed = None
        self._draw(view)

    def flush(self) -> None:
        """Draw an owed view now (building the canvas for it if need be)."""
        if self._owed is not None:
            if self._plot is None:
                self._build_canvas()
            (view,), self._owed = self._owed, None
            self._draw(view)

    def catch_up(self) -> None:
        """Draw an owed view if the scatter is on screen now (its tab came to the front)."""
        if (self._owed is not None or self._plot is None) and on_screen(self):
            self._canvas()

    def _draw(self, view) -> None:
        self.view = view
        if self._plot is None:
            return
        if view is None:
            self._train.setData([], [])
            self._val.setData([], [])
            self._show_note("no data yet")
            self.legend.setText("")
            return
        if view.raw_train is None:
            self._train.setData([], [])
            self._val.setData([], [])
            n = len(view.feature_names)
            where = ("see the confusion matrix" if view.task == "classification"
                     else "see predicted vs. true values")
            self._show_note(f"{n} features — no 2-D view;\n{where}")
            self.legend.setText("")
            return
        self._note.hide()
        self._plot.setMinimumHeight(200)
        self._plot.setMaximumHeight(16777215)
        for axis in ("left", "bottom"):
            self._plot.getAxis(axis).show()
        train_pen = pg.mkPen(255, 255, 255, 200, width=0.8)
        total = len(view.raw_train) + (0 if view.raw_val is None else len(view.raw_val))
        step = drawn_every(total)
        y_train, y_val = np.asarray(view.y_train)[::step], np.asarray(view.y_val)[::step]
        if view.task == "classification":
            brushes = [pg.mkBrush(c) for c in CLASS_COLORS]
            pens = [pg.mkPen(c, width=1.6) for c in CLASS_COLORS]
            k = len(CLASS_COLORS)
            train_brush = [brushes[int(c) % k] for c in y_train]
            val_pen = [pens[int(c) % k] for c in y_val]
        else:
            values = np.concatenate([y_train[:, 0], y_val[:, 0]])
            low, high = (float(values.min()), float(values.max())) if values.size else (0, 1)
            train_brush = _shaded(y_train[:, 0], low, high, pg.mkBrush)
            val_pen = _shaded(y_val[:, 0], low, high, lambda *rgb: pg.mkPen(*rgb, width=1.6))
        raw_train = np.asarray(view.raw_train)[::step]
        raw_val = np.asarray(view.raw_val)[::step]
        self._train.setData(x=raw_train[:, 0], y=raw_train[:, 1], brush=train_brush,
                            pen=train_pen, symbol="o", size=_TRAIN_SIZE)
        self._val.setData(x=raw_val[:, 0], y=raw_val[:, 1], pen=val_pen,
                          brush=pg.mkBrush(0, 0, 0, 0), symbol="o", size=_VAL_SIZE)
        if view.bounds is not None:
            x0, x1, y0, y1 = view.bounds
            self._plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        note = thinning_note(total, step)
        self.legend.setText(self._legend(view) + (f"&nbsp;&nbsp;({note})" if note else ""))

    def point_counts(self) -> tuple[int, int]:
        """(training points, validation points) drawn, once any owed view is."""
        self._canvas()
        return len(self._train.data), len(self._val.data)

    # -- helpers ---------------------------------------------------------------------------
    def _show_note(self, text: str) -> None:
        self._plot.setMinimumHeight(90)
        self._plot.setMaximumHeight(120)         # no picture: keep the panel compact
        for axis in ("left", "bottom"):
            self._plot.getAxis(axis).hide()
        self._note.setText(text)
        self._note.setPos(0, 0)
        self._note.show()
        self._plot.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)

    @staticmethod
    def _legend(view) -> str:
        parts = ["● train", "○ validation"]
        if view.task == "classification":
            names = list(view.class_names)
            shown = names[:6]
            parts += [f"<span style='color:{class_color(i)}'>■</span>"
                      f"&nbsp;{name}" for i, name in enumerate(shown)]
            if len(names) > len(shown):
                parts.append("…")
        else:
            parts.append("<span style='color:#f59322'>■</span> low → "
                         "<span style='color:#0877bd'>■</span> high target")
        return "&nbsp;&nbsp;".join(parts)
