"""The window's table of views: every panel declares its dock and its redraw, and a plot added
to the table (one line) gets a dock, a View-menu entry, its snapshots, its redraws and its
export files without any other change."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QDockWidget

from playground import Experiment
from ui.plots.base import PlotPanel, make_plot_widget
from ui.widgets.theme import current_theme
from ui.window import views as window_views
from ui.window.main_window import MainWindow
from ui.window.views import AREAS, PANELS, REDRAWS, placement

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class EpochCountPlot(PlotPanel):
    """A plot written for this test: the epochs it was shown, one point each."""
    export_name = "epoch_count"
    view_name, dock_title, dock_name = "epochs", "Epochs seen", "epochCountDock"
    tab_group, redraw = "bottom", "secondary"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._plot = self._add_canvas(make_plot_widget("epochCountPlot", current_theme()))
        self.curve = self._plot.plot([], [])
        self.epochs: list[int] = []
        self.drawn: list[int] = []

    def add_snapshot(self, snapshot) -> None:
        self.epochs.append(snapshot.epoch)
        self.mark_dirty()

    def _redraw(self) -> None:
        self.drawn = list(self.epochs)
        self.curve.setData(range(len(self.drawn)), self.drawn)

    def _reset(self) -> None:
        self.epochs = []

    def csv_table(self):
        return ["epoch"], [[epoch] for epoch in self.epochs]


def open_window(qtbot, small_dict) -> MainWindow:
    small_dict["training"]["epochs"] = 100_000
    window = MainWindow(Experiment.from_dict(small_dict), remember=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def close(window) -> None:
    window.model.undo_stack.setClean()
    window.close()
    assert window.worker.wait(5000)


def view_menu_entries(window) -> list[str]:
    return [action.text() for action in window.view_menu.actions() if action.text()]


def test_every_panel_declares_a_valid_unique_place():
    places = [placement(panel) for panel in PANELS]
    names = [place.view_name for place in places]
    assert len(set(names)) == len(names) and all(names)
    docked = [place for place in places if place.dock_area != "central"]
    assert len({place.dock_title for place in docked}) == len(docked)
    assert len({place.dock_name for place in docked}) == len(docked)
    for place in places:
        assert place.dock_area in AREAS and place.redraw in REDRAWS, place
        assert place.dock_below is None or place.dock_below in names, place


def test_the_view_menu_names_each_dock_and_toolbar_once(qtbot, small_dict):
    window = open_window(qtbot, small_dict)
    try:
        entries = view_menu_entries(window)
        assert len(entries) == len(set(entries)), entries
        titles = [dock.windowTitle() for dock in window.docks.values()]
        assert entries[:len(titles)] == titles
        assert {"File Toolbar", "Training Toolbar", "Reset &Layout"} <= set(entries)
        training = next(a for a in window.view_menu.actions() if a.text() == "Training")
        training.trigger()                           # hides the Training dock, not the toolbar
        assert not window.docks["training"].isVisible() and window.transport.isVisible()
    finally:
        close(window)


def test_docks_start_where_their_panels_declare(qtbot, small_dict, monkeypatch):
    import ui.window.main_window as main_window
    monkeypatch.setattr(main_window, "needs_compact", lambda area: False)   # a wide screen
    window = open_window(qtbot, small_dict)
    try:
        area = window.dockWidgetArea
        assert area(window.docks["data"]) == area(window.docks["training"])
        assert area(window.docks["loss"]) != area(window.docks["data"])
        tabbed = {dock.objectName() for dock in window.tabifiedDockWidgets(window.docks["error"])}
        assert tabbed == {"backpropDock", "weightsDock", "landscapeDock", "runsDock",
                          "runGalleryDock"}
        assert window.docks["training"].y() > window.docks["network"].y()   # dock_below
        assert window.docks["network"].x() > window.docks["data"].x()       # beside
        assert window.views["decision"] is not None and "decision" not in window.docks
    finally:
        close(window)


def test_a_small_screen_tabs_the_data_dock_behind_the_network_dock(qtbot, small_dict,
                                                                  monkeypatch):
    import ui.window.main_window as main_window
    monkeypatch.setattr(main_window, "needs_compact", lambda area: True)
    window = open_window(qtbot, small_dict)
    try:
        tabbed = {d.objectName() for d in window.tabifiedDockWidgets(window.docks["network"])}
        assert "dataDock" in tabbed
        assert window.transport.step_epoch_button.text() == ""       # icons only
        assert window.transport.step_epoch_button.toolTip()
    finally:
        close(window)


def test_a_plot_added_to_the_table_is_docked_fed_redrawn_and_exported(qtbot, small_dict,
                                                                     monkeypatch, tmp_path):
    monkeypatch.setattr(window_views, "PANELS", PANELS + (EpochCountPlot,))
    window = open_window(qtbot, small_dict)
    try:
        plot, dock = window.views["epochs"], window.docks["epochs"]
        assert dock.objectName() == "epochCountDock" and dock.widget() is plot
        assert "Epochs seen" in view_menu_entries(window)
        assert dock in window.tabifiedDockWidgets(window.docks["backprop"])
        dock.raise_()
        window.worker.step_epoch()
        window.worker.step_epoch()
        qtbot.waitUntil(lambda: plot.drawn[-1:] == [2], timeout=5000)
        assert plot.drawn == [0, 1, 2]                 # every snapshot reached it
        written = window.files.export_plots_to(tmp_path, "csv")
        assert tmp_path / "epoch_count.csv" in written
        assert (tmp_path / "epoch_count.csv").read_text().splitlines() == [
            "epoch", "0", "1", "2"]
        assert window.findChild(QDockWidget, "epochCountDock") is dock
        assert isinstance(plot.plot_widget, pg.PlotWidget)
    finally:
        close(window)


@pytest.fixture
def shown_window(qtbot, monkeypatch):
    """The main window in its full (not compact) layout, shown; closed, its worker stopped,
    after the test."""
    import ui.window.main_window as main_window
    from ui.window.main_window import MainWindow
    monkeypatch.setattr(main_window, "needs_compact", lambda area: False)
    window = MainWindow(remember=False)
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitExposed(window)
        yield window
    finally:
        window.model.undo_stack.setClean()
        window.close()
        assert window.worker.wait(5000)


@pytest.mark.parametrize("name", ["landscape", "gallery"])
def test_a_view_behind_its_tab_builds_its_canvases_when_shown(qtbot, shown_window, name):
    """Start-up (issue #15 item 5): the loss landscape and the decision-per-run gallery start
    behind the bottom tabs without their canvases; bringing the tab to the front builds and
    draws them."""
    window = shown_window
    view = window.views[name]
    assert not view.canvas_built
    window.docks[name].show()
    window.docks[name].raise_()
    qtbot.waitUntil(lambda: view.canvas_built, timeout=5000)
    qtbot.waitUntil(lambda: view.plot_widget.isVisible(), timeout=5000)   # drawn


def test_the_data_scatter_canvas_is_built_when_its_tab_first_comes_to_the_front(
        qtbot, shown_window):
    """Start-up (issue #15 item 5): the Data tab starts behind the Lessons one, its scatter
    without a canvas; the first snapshot waits for it. Raising the tab builds the canvas and
    draws the data set's points (not the empty note)."""
    from ui.plots.base import on_screen
    window = shown_window
    scatter = window.views["data"].scatter
    qtbot.waitUntil(lambda: window.latest_snapshot is not None, timeout=5000)
    assert not on_screen(scatter)
    assert not scatter.canvas_built
    window.docks["data"].show()
    window.docks["data"].raise_()
    qtbot.waitUntil(lambda: scatter.canvas_built, timeout=5000)
    assert scatter._train.data is not None and len(scatter._train.data) > 0   # not via flush
    n_train = len(window.latest_snapshot.data.raw_train)
    assert scatter.point_counts()[0] > 0 and scatter.point_counts()[0] <= n_train
    assert not scatter._note.isVisible()


def test_the_data_scatter_behind_its_tab_draws_only_the_newest_data_when_shown(
        qtbot, monkeypatch, shown_window):
    """Two new data sets while the Data tab is behind the Lessons one (the monkey: 20,000
    points each, drawn at arrival inside a nested loop, held the GUI 0.9 s): nothing is drawn
    while hidden; raising the tab draws the newest once, and an export before that shows it."""
    import dataclasses
    from ui.plots.base import on_screen
    window = shown_window
    panel = window.views["data"]
    qtbot.waitUntil(lambda: window.latest_snapshot is not None, timeout=5000)
    window.docks["lessons"].show()
    window.docks["lessons"].raise_()                  # the Data tab behind it
    qtbot.waitUntil(lambda: not on_screen(panel.scatter), timeout=5000)
    drawn = []                                        # training points per drawing
    item = panel.scatter.train_item
    original = item.setData
    monkeypatch.setattr(item, "setData", lambda *a, **k: (
        drawn.append(len(k.get("x", a[0] if a else ()))), original(*a, **k)))
    view = window.latest_snapshot.data

    def first(n):
        return dataclasses.replace(view, raw_train=view.raw_train[:n], y_train=view.y_train[:n])
    panel.set_data_view(first(10))
    panel.set_data_view(first(20))
    assert drawn == []
    window.docks["data"].show()
    window.docks["data"].raise_()
    qtbot.waitUntil(lambda: drawn != [], timeout=5000)
    assert drawn == [20] and panel.scatter.point_counts()[0] == 20
    window.docks["lessons"].raise_()                  # behind again: an export draws
    qtbot.waitUntil(lambda: not on_screen(panel.scatter), timeout=5000)
    panel.set_data_view(first(10))
    assert drawn == [20]
    assert panel.scatter.plot_widget is panel.scatter.plot and drawn == [20, 10]
