"""The window's default arrangement of docks, and the View menu that toggles them.

::

    ┌ transport toolbar: ⟲ ▶ ▸| ▸▸| ·→ │ Epoch 42 │ losses, accuracies │ stop reason ─────────┐
    │ Data       │ Network  │  decision boundary (centre)      │ Loss & accuracy          │
    │            │ (layers) │                                  │                          │
    │            ├──────────┼──────────────────────────────────┴──────────────────────────┤
    │            │ Training │ Step through backprop │ Error signal │ Weights   (tabs)       │
    └────────────┴──────────┴─────────────────────────────────────────────────────────────┘

The data (source pictures, settings, scatter) has the first column to itself; the second holds
the network's layers over the training controls — what is learned, then how. The decision boundary — what the network has learned — is the
central, largest view, with the loss beside it. Underneath, tabbed: the backprop stepper (its
diagram shows the live weights while training runs), the error signal per layer and the
weight histograms. Every dock can be moved, tabbed, floated or closed; View ▸ Reset Layout
brings this arrangement back.

Where each view goes is declared by its class (:mod:`ui.window.views`); this module only
follows the declarations: the first dock of an area is added to it, a dock ``dock_below``
another is split under it, a dock of a ``tab_group`` already placed is tabbed behind the
group's first, any other is split beside the area's previous dock.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QTabBar, QVBoxLayout, QWidget

from .views import placement

AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea,
         "right": Qt.DockWidgetArea.RightDockWidgetArea,
         "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}
#: the central view stays the largest
CENTRAL_MIN_WIDTH = 300


def make_dock(window, title: str, object_name: str, widget: QWidget) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(object_name)
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    return dock


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area: a dock shorter than its content scrolls instead of
    squeezing the content's widgets over each other."""
    area = QScrollArea()
    area.setObjectName(widget.objectName() + "Scroll")
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    bar = area.style().pixelMetric(area.style().PixelMetric.PM_ScrollBarExtent)
    area.setMinimumWidth(widget.minimumSizeHint().width() + bar)
    return area


def whole_tab_titles(window) -> None:
    """Dock tabs show their whole titles and scroll when there are more than fit (Qt's
    default cut six bottom tabs to "Step through back…", "R…")."""
    for bar in window.findChildren(QTabBar):
        if bar.parent() is window:
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)


def fit_network_dock(window, views: dict, docks: dict) -> None:
    """Give the network stack the height it needs (no scrolling) and the training controls,
    which scroll anyway, the rest. Call once the window has its size."""
    network = views["network"].sizeHint().height() + 30
    total = docks["network"].height() + docks["training"].height()
    if total > network + 150:
        window.resizeDocks([docks["network"], docks["training"]],
                           [network, total - network], Qt.Orientation.Vertical)


#: the bottom docks take at most this share of the height they share with the central view
BOTTOM_SHARE = 0.42


def fit_bottom_docks(window, views: dict, docks: dict) -> None:
    """Give the bottom docks the height their views declare (the stepper's diagram: 390 px),
    at most :data:`BOTTOM_SHARE` of the height they share with the central view. Sizes given
    while the docks are built are lost when the window first lays out (the stepper opened 84
    px tall, its diagram out of sight, the decision view 685). Call once the window has its
    size."""
    central = window.centralWidget()
    for name, dock in docks.items():
        height = placement(views[name]).dock_size[1]
        if height is None or window.dockWidgetArea(dock) != AREAS["bottom"] \
                or dock.isFloating() or not dock.isVisible():
            continue
        shared = central.height() + dock.height()
        target = min(height, int(BOTTOM_SHARE * shared))
        if target > dock.height():
            window.resizeDocks([dock], [target], Qt.Orientation.Vertical)


def set_central(window, views: dict, above: QWidget) -> None:
    """The central view (``dock_area == "central"``) under ``above`` (the notice bar)."""
    central = QWidget(window)
    column = QVBoxLayout(central)
    column.setContentsMargins(4, 4, 4, 0)
    column.setSpacing(4)
    column.addWidget(above)
    for view in views.values():
        if placement(view).dock_area == "central":
            view.setMinimumWidth(CENTRAL_MIN_WIDTH)
            column.addWidget(view, 1)
    window.setCentralWidget(central)


def build_docks(window, views: dict, view_menu) -> dict[str, QDockWidget]:
    """A dock for every view that is not central, placed as it declares, each with its
    entry in ``view_menu``; returns the docks by ``view_name``."""
    window.setCorner(Qt.Corner.TopLeftCorner, AREAS["left"])
    window.setCorner(Qt.Corner.BottomLeftCorner, AREAS["left"])
    window.setCorner(Qt.Corner.TopRightCorner, AREAS["right"])
    window.setCorner(Qt.Corner.BottomRightCorner, AREAS["bottom"])
    docks = {}
    for name, view in views.items():
        place = placement(view)
        if place.dock_area != "central":
            widget = scrolling(view) if place.dock_scrolls else view
            docks[name] = make_dock(window, place.dock_title, place.dock_name, widget)
    _arrange(window, views, docks)
    for dock in docks.values():        # a tab coming to the front draws what it missed
        dock.visibilityChanged.connect(
            lambda visible: visible and QTimer.singleShot(0, window.redraw_pending))
        view_menu.addAction(dock.toggleViewAction())
    return docks


def _arrange(window, views: dict, docks: dict) -> None:
    """Put each dock where its view's placement says, then give the docks their sizes."""
    last_in_area: dict[str, QDockWidget] = {}
    first_in_group: dict[str, QDockWidget] = {}
    last_in_group: dict[str, QDockWidget] = {}
    for name, dock in docks.items():
        place = placement(views[name])
        if place.tab_group in last_in_group:
            window.tabifyDockWidget(last_in_group[place.tab_group], dock)
        elif place.dock_below is not None:
            window.splitDockWidget(docks[place.dock_below], dock, Qt.Orientation.Vertical)
        elif place.dock_area in last_in_area:
            window.splitDockWidget(last_in_area[place.dock_area], dock,
                                   Qt.Orientation.Horizontal)
        else:
            window.addDockWidget(AREAS[place.dock_area], dock)
        if place.tab_group is not None:
            first_in_group.setdefault(place.tab_group, dock)
            last_in_group[place.tab_group] = dock
        last_in_area[place.dock_area] = dock
    for dock in first_in_group.values():
        dock.raise_()
    for axis, orientation in enumerate((Qt.Orientation.Horizontal, Qt.Orientation.Vertical)):
        sized = [(dock, placement(views[name]).dock_size[axis]) for name, dock in docks.items()]
        sized = [(dock, size) for dock, size in sized if size is not None]
        window.resizeDocks([dock for dock, _ in sized], [size for _, size in sized],
                           orientation)
