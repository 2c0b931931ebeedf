"""The window fits a small screen: at 1000×640 every named control is inside the window, or
inside a scroll area or a dock tab that reaches it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QComboBox,
                               QDockWidget, QLineEdit, QScrollArea, QTabBar, QToolBar,
                               QWidget)

from ui.window.screen_fit import initial_size, needs_compact

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

CONTROLS = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit)


def test_a_wide_screens_window_folds_when_made_narrow_and_reaches_1000_by_640(qtbot,
                                                                            monkeypatch):
    import ui.window.main_window as main_window
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(main_window, "needs_compact", lambda area: False)   # a wide screen
    window = main_window.MainWindow(remember=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.minimumSizeHint().width() > 1000          # the full arrangement

        def shrunk():                     # the user keeps dragging while Qt lays out
            window.resize(1000, 640)
            return window.width() <= 1000 and window.height() <= 640
        qtbot.waitUntil(shrunk, timeout=5000)
        assert window.compact_layout
        tabbed = {d.objectName() for d in window.tabifiedDockWidgets(window.docks["network"])}
        assert "dataDock" in tabbed
        controls = [w for w in window.findChildren(QWidget)
                    if isinstance(w, CONTROLS) and w.objectName() and w.isVisibleTo(window)]
        assert [w.objectName() for w in controls if not reachable(window, w)] == []
    finally:
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
        window.close()
        assert window.worker.wait(5000)


@pytest.fixture
def small_window(qtbot, bare_window):
    window = bare_window
    window.resize(1000, 640)
    qtbot.waitUntil(lambda: window.width() <= 1000 and window.height() <= 640, timeout=3000)
    QApplication.processEvents()
    return window


def reachable(window, widget) -> bool:
    """On screen inside the window; or in a scroll area (scrolling reaches it), a dock whose
    tab is behind another (a click reaches it), or the toolbar's overflow menu."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, (QScrollArea, QToolBar)):
            return True
        parent = parent.parentWidget()
    dock = _dock_of(widget)
    if dock is not None and dock.visibleRegion().isEmpty() and not dock.isFloating():
        tabs = [bar for bar in window.findChildren(QTabBar)
                if any(bar.tabText(i) == dock.windowTitle() for i in range(bar.count()))]
        return bool(tabs)                                   # behind a tab: one click
    top_left = widget.mapTo(window, QPoint(0, 0))
    return QRect(0, 0, window.width(), window.height()).contains(
        QRect(top_left, widget.size()))


def _dock_of(widget):
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parentWidget()
    return parent


def test_the_first_size_fits_the_screen_and_a_small_screen_gets_the_compact_layout():
    assert initial_size(QRect(0, 0, 1280, 720)) == (1264, 680)
    assert initial_size(QRect(0, 0, 1600, 1000)) == (1440, 900)
    assert initial_size(QRect(0, 0, 2560, 1440)) == (2304, 1296)
    assert needs_compact(QRect(0, 0, 1280, 720)) and not needs_compact(QRect(0, 0, 1920, 1080))


def test_at_1000_by_640_every_named_control_is_reachable(small_window):
    window = small_window
    assert window.minimumSizeHint().width() <= 1000
    assert window.minimumSizeHint().height() <= 640
    assert window.width() <= 1000 and window.height() <= 640
    controls = [w for w in window.findChildren(QWidget)
                if isinstance(w, CONTROLS) and w.objectName() and w.isVisibleTo(window)
                and not w.objectName().startswith("qt_")]
    assert len(controls) > 30
    unreachable = [w.objectName() for w in controls if not reachable(window, w)]
    assert unreachable == []
    for name in ("playPauseButton", "stepEpochButton", "stepPhaseToolButton", "speedCombo",
                 "learningRateInput"):
        assert name in {w.objectName() for w in controls}


def test_dock_tabs_show_their_whole_titles(qtbot, small_window):
    from PySide6.QtCore import Qt
    bars = [bar for bar in small_window.findChildren(QTabBar)
            if bar.parent() is small_window and bar.count() > 3]
    assert bars
    qtbot.waitUntil(lambda: all(bar.elideMode() == Qt.TextElideMode.ElideNone
                                for bar in bars), timeout=2000)
    assert all(bar.usesScrollButtons() for bar in bars)


@pytest.mark.parametrize("width, height", [(1400, 900), (1366, 740)])
def test_a_desktop_first_launch_shows_the_readouts_and_the_stepper_diagram(qtbot, monkeypatch,
                                                                         width, height):
    """At 1366-1400 px across the transport bar shared its row with the file toolbar and
    its readouts went into the overflow menu; the stepper dock opened 84 px tall, its
    network diagram out of sight. Now: the readouts are inside the window, the stepper gets
    its height (at most 42 % of what it shares with the central view) and the diagram is
    on screen."""
    import ui.window.main_window as main_window
    from PySide6.QtWidgets import QLabel, QMessageBox
    from ui.diagram.network_diagram import NetworkDiagram
    from ui.widgets.theme import apply_theme
    monkeypatch.setattr(main_window, "needs_compact", lambda area: False)
    app = QApplication.instance()
    sheet, style = app.styleSheet(), app.style().name()
    apply_theme(app)                      # the app's own fonts and paddings: wider bars
    window = main_window.MainWindow(remember=False)
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    try:
        qtbot.waitUntil(lambda: window.docks["backprop"].height() > 200, timeout=5000)
        inside = window.rect()
        for name in ("trainLossLabel", "valLossLabel", "epochLabel"):
            label = window.findChild(QLabel, name)
            where = QRect(label.mapTo(window, QPoint(0, 0)), label.size())
            assert label.isVisible() and inside.contains(where), name
        assert window.toolBarBreak(window.transport)
        backprop, central = window.docks["backprop"], window.centralWidget()
        assert backprop.height() <= 0.45 * (backprop.height() + central.height())
        diagram = window.views["backprop"].findChild(NetworkDiagram)
        seen = diagram.visibleRegion().boundingRect()
        assert seen.height() > 100 and seen.width() > 300
    finally:
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
        window.close()
        assert window.worker.wait(5000)
        app.setProperty("backpropThemed", False)
        app.setStyleSheet(sheet)
        app.setStyle(style)
