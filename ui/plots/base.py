"""What the live plots share: curve colours, the panel skeleton, run tracking and export.

Every plot is a :class:`PlotPanel`: a ``QWidget`` with a small control row over one or more
``pg.PlotWidget`` canvases. The main window feeds it with :meth:`PlotPanel.add_snapshot` for
every snapshot the training worker sends (cheap: it only stores) and calls
:meth:`PlotPanel.refresh` from a timer (~25 Hz): the panel redraws only when something
changed, and not at all while it sits in a hidden tab (it catches up when shown). Redrawing
means ``setData`` on items made once; items are never re-created per refresh, because the GUI
thread shares the interpreter lock with the training thread.

Colours are chosen to read on light and on dark backgrounds; every canvas gets an explicit
background (:func:`ui.widgets.theme.current_theme`, following the application palette when
the plot is built). Where a plot goes in the window is declared by each subclass
(:mod:`ui.window.views`).
Export is PNG (a grab of the canvases) and CSV (the numbers behind the plot), both written
atomically. pyqtgraph's own "Export..." dialog offers SVG, which is broken with PySide6 ≥ 6.11,
so the canvases' context menu offers our two exports instead.
"""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QEvent, QIODevice, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (QFileDialog, QGraphicsItem, QHBoxLayout, QMenu, QMessageBox,
                               QToolButton, QVBoxLayout, QWidget)

from playground.files.atomic import atomic_write_bytes, atomic_write_text
from playground.errors import PlaygroundError

from ui.widgets.theme import Theme, current_theme
from ui.widgets.view_errors import report
from .axes import EpochAxis, LogAxis

TRAIN_COLOR = "#2f7fdf"      # training curves (mid blue: readable on white and on black)
VAL_COLOR = "#f0811a"        # validation curves (orange)
BEST_COLOR = "#2ca02c"       # best-epoch marker
STOP_COLOR = "#d62728"       # early-stopping marker


def on_screen(widget: QWidget) -> bool:
    """Shown and not hidden behind another tab. (A tabbed dock's background page stays
    ``isVisible()`` in Qt 6; only its visible region is empty.)"""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def layer_colors(n: int) -> list[QColor]:
    """``n`` colours ordered from the first layer (blue) through magenta to the last (orange),
    at a lightness that reads on both backgrounds; yellow and green are avoided."""
    if n <= 1:
        return [QColor("#2f7fdf")]
    hues = [(215 + 175 * i / (n - 1)) % 360 for i in range(n)]
    return [QColor.fromHslF(h / 360.0, 0.78, 0.52) for h in hues]


def with_alpha(color, alpha: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    return c


class Canvas(pg.PlotWidget):
    """A PlotWidget whose tick labels use the window's font when the window has one of its
    own (presentation mode's larger text), else the widget's: a canvas built later — behind
    a tab until shown, a gallery cell for a new run — takes it when it joins the window. (Qt
    does not hand a window's font down into a panel with a style sheet, such as the data
    panel, so it is read from the window.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_tick_font()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ParentChange):
            self.apply_tick_font()

    def apply_tick_font(self) -> None:
        item = self.getPlotItem()
        if item is None:                        # during pyqtgraph's own construction
            return
        window = self.window()
        set_on_window = window is not self and window.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        font = window.font() if set_on_window else self.font()
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            if axis.style["tickFont"] != font:
                axis.setStyle(tickFont=font)


def make_plot_widget(object_name: str, theme: Theme, *, x_label: str = "",
                     y_label: str = "", title: str | None = None,
                     epochs: bool = False) -> pg.PlotWidget:
    """A PlotWidget with an explicit background, themed axes, a light grid; ``epochs``: the
    x axis counts epochs (whole-number ticks)."""
    # the value axis labels a log scale narrower than a decade with round numbers
    axes = {"left": LogAxis("left")}
    if epochs:
        axes["bottom"] = EpochAxis("bottom")
    widget = Canvas(background=theme.background, axisItems=axes)
    widget.setObjectName(object_name)
    item = widget.getPlotItem()
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(theme.foreground))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.enableAutoSIPrefix(False)      # "loss (x0.001)" confuses more than it helps
        # an axis (with its grid lines across the plot) is repainted whenever a curve
        # changes; a pixel cache makes that a copy until its ticks really change
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.showGrid(x=True, y=True, alpha=theme.grid_alpha)
    if x_label:
        item.setLabel("bottom", x_label, color=theme.foreground)
    if y_label:
        item.setLabel("left", y_label, color=theme.foreground)
    if title:
        item.setTitle(title, color=theme.foreground, size="10pt")
    item.setMenuEnabled(True)
    widget.setMinimumSize(160, 120)
    return widget


def make_legend(plot_item: pg.PlotItem, theme: Theme, offset=(-8, 8)) -> pg.LegendItem:
    legend = plot_item.addLegend(offset=offset, labelTextColor=theme.foreground,
                                 brush=pg.mkBrush(theme.panel), pen=pg.mkPen(theme.foreground),
                                 verSpacing=-4)
    return legend


@contextmanager
def legend_changes(legend: pg.LegendItem):
    """Add, remove and rename many entries of ``legend`` with one relayout at the end:
    pyqtgraph measures every entry again after each one added or removed (quadratic — a
    new current run renamed 20 runs' entries, and 64 layers got theirs one by one: the
    monkey's GUI stalls of 1.5-1.8 s sat in LegendItem.updateSize). ``updateSize`` does
    nothing while the legend has a fixed ``size``; the real one is put back after."""
    size = legend.size
    legend.size = size if size is not None else (0, 0)
    try:
        yield legend
    finally:
        legend.size = size
        legend.updateSize()


def csv_text(header, rows) -> str:
    import io
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None or (isinstance(v, float) and v != v) else
                         (repr(float(v)) if isinstance(v, float) else v) for v in row])
    return buf.getvalue()


class RunTracker:
    """Tells when a snapshot belongs to a new run (a new or replaced trainer).

    The worker sends only new history rows: once rows were sent, ``history_start`` is > 0 for
    the rest of a run, so ``history_start == 0`` with rows after rows were seen means a new
    trainer. Going back in iterations, or a different network shape, also means a new run."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.rows_seen = 0
        self.iteration = -1
        self.sizes: tuple[int, ...] | None = None

    def is_new_run(self, snapshot) -> bool:
        rows = len(snapshot.history.get("epoch", ()))
        new = (self.sizes is not None and (
            snapshot.iteration < self.iteration
            or tuple(snapshot.sizes) != self.sizes
            or (snapshot.history_start == 0 and self.rows_seen > 0
                and (rows > 0 or snapshot.epoch == 0))))
        return new

    def seen(self, snapshot) -> None:
        self.rows_seen = max(self.rows_seen,
                             snapshot.history_start + len(snapshot.history.get("epoch", ())))
        self.iteration = snapshot.iteration
        self.sizes = tuple(snapshot.sizes)


class PlotPanel(QWidget):
    """Skeleton of a live plot: control row, canvas area, dirty flag, exports.

    Subclasses fill ``self.controls`` (a QHBoxLayout) and ``self.canvas_layout``, and implement
    ``add_snapshot``, ``_redraw``, ``_reset`` and ``csv_table``.

    A panel that supports ``deferred=True`` builds its canvases in ``_build_canvas`` (setting
    ``self._plot``) only when it is first drawn on screen, exported or asked for its
    ``plot_widget``: the window's background tabs then cost nothing at start-up (each
    pyqtgraph canvas takes 20-40 ms to make). Until then it stores snapshots as usual."""

    #: default file name stem for the export dialogs
    export_name = "plot"
    # a subclass declares its place in the window and its redraw (see ui.window.views)
    #: the constructor takes ``deferred`` (canvases built when first shown)
    can_defer = False

    @classmethod
    def for_window(cls, model, parent, behind_tab: bool) -> "PlotPanel":
        """The panel for the main window (plots do not edit the ``model``)."""
        return cls(parent, deferred=True) if behind_tab and cls.can_defer else cls(parent)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.theme = current_theme()
        self._dirty = False
        self._plot: pg.PlotWidget | None = None     # the main canvas, once built
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(2)
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(4, 0, 4, 0)
        outer.addLayout(self.controls)
        self.canvas = QWidget(self)
        self.canvas.setObjectName(self.export_name + "Canvas")
        self.canvas_layout = QHBoxLayout(self.canvas)
        self.canvas_layout.setContentsMargins(0, 0, 0, 0)
        self.canvas_layout.setSpacing(0)
        outer.addWidget(self.canvas, 1)
        self._export_actions = self._make_export_actions()

    # -- the common API ----------------------------------------------------------------------
    @property
    def plot_widget(self) -> pg.PlotWidget:
        self.ensure_canvas()
        return self._plot

    @property
    def canvas_built(self) -> bool:
        return self._plot is not None

    def ensure_canvas(self) -> None:
        """Build the canvases of a deferred panel now (they will draw what is stored)."""
        if self._plot is None:
            self._dirty = True                  # nothing is drawn on new canvases
            self._build_canvas()
            self.layout().activate()            # sized now, even behind another tab

    def _build_canvas(self) -> None:  # pragma: no cover - only deferred panels
        raise NotImplementedError

    def add_snapshot(self, snapshot) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(self) -> bool:
        """Redraw if anything changed since the last redraw; True when it redrew.

        Skipped (the change is kept) while the panel is hidden inside a visible window, e.g.
        in a background tab; showing the panel redraws (the window calls ``refresh`` when a
        dock's tab comes to the front)."""
        if not self.pending:
            return False
        try:
            self.ensure_canvas()
            self._dirty = False
            self._redraw()
        except Exception as exc:        # noqa: BLE001 - a view's error never reaches Qt
            self._dirty = False             # not retried 25 times a second; the next change is
            report(f"{self.export_name.replace('_', ' ')} plot", exc)
        return True

    @property
    def pending(self) -> bool:
        """Something new to draw, and the panel is where it can be seen (a deferred panel
        not built yet: only once it is on screen)."""
        if not self._dirty:
            return False
        window = self.window()
        if window is self:
            return True
        if not window.isVisible() and self.canvas_built:
            return True
        return on_screen(self)

    def clear(self) -> None:
        """Forget everything: the plot becomes empty."""
        self._reset()
        self._dirty = True
        self.refresh()

    def mark_dirty(self) -> None:
        self._dirty = True

    def export_png(self, path: str | os.PathLike) -> None:
        """Save the canvases (without the control row) as a PNG, atomically; raises OSError or
        PlaygroundError (with the reason) on failure."""
        self.ensure_canvas()
        if self._dirty:
            self._dirty = False
            self._redraw()
        # a panel never laid out at its size (not shown, or in a tab never raised) is drawn
        # at a size that shows something; one on screen is drawn as it is seen
        if not on_screen(self) and (self.canvas.width() < 200 or self.canvas.height() < 150):
            self.resize(max(self.width(), 600), max(self.height(), 400))
            self.layout().activate()
        image = self.canvas.grab()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise OSError(f"could not encode the image {os.fspath(path)}")
        atomic_write_bytes(path, bytes(buffer.data()))

    def export_csv(self, path: str | os.PathLike) -> None:
        """Write the numbers behind the plot as CSV (atomically)."""
        header, rows = self.csv_table()
        atomic_write_text(path, csv_text(header, rows))

    def csv_table(self) -> tuple[list[str], list[list]]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers for subclasses ----------------------------------------------------------------
    def _redraw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _reset(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _add_canvas(self, widget: pg.PlotWidget, stretch: int = 1) -> pg.PlotWidget:
        """Put a canvas in the canvas area and give its context menu our exports (not SVG)."""
        self.canvas_layout.addWidget(widget, stretch)
        if self.canvas.isVisible():             # a deferred canvas: shown now, not queued
            widget.show()
        widget.scene().contextMenu = list(self._export_actions)
        return widget

    def _add_export_button(self) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName("exportButton")
        button.setText("Export")
        button.setToolTip("Save this plot as a PNG image or its data as CSV")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for action in self._export_actions:
            menu.addAction(action)
        button.setMenu(menu)
        self.controls.addWidget(button)
        return button

    def _make_export_actions(self) -> list[QAction]:
        png = QAction("Save plot as PNG…", self)
        png.triggered.connect(lambda: self._export_dialog("png"))
        data = QAction("Save data as CSV…", self)
        data.triggered.connect(lambda: self._export_dialog("csv"))
        return [png, data]

    def _export_dialog(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "csv": "CSV file (*.csv)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export", f"{self.export_name}.{kind}",
                                              filters[kind])
        if not path:
            return
        if not path.lower().endswith("." + kind):
            path += "." + kind
        try:
            (self.export_png if kind == "png" else self.export_csv)(path)
        except (OSError, PlaygroundError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not save {path}:\n{exc}")

