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
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


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


def fit_network_dock(window) -> None:
    """Give the network stack the height it needs (no scrolling) and the training controls,
    which scroll anyway, the rest. Call once the window has its size."""
    network = window.layer_editor.sizeHint().height() + 30
    total = window.network_dock.height() + window.training_dock.height()
    if total > network + 150:
        window.resizeDocks([window.network_dock, window.training_dock],
                           [network, total - network], Qt.Orientation.Vertical)


def build_docks(window) -> None:
    """Create the docks of ``window`` (attributes ``*_dock``) and fill its View menu."""
    window.setCorner(Qt.Corner.TopLeftCorner, LEFT)
    window.setCorner(Qt.Corner.BottomLeftCorner, LEFT)
    window.setCorner(Qt.Corner.TopRightCorner, RIGHT)
    window.setCorner(Qt.Corner.BottomRightCorner, BOTTOM)
    window.data_dock = make_dock(window, "Data", "dataDock", window.data_panel)
    window.network_dock = make_dock(window, "Network", "networkDock",
                                    scrolling(window.layer_editor))
    window.training_dock = make_dock(window, "Training", "trainingDock", window.controls)
    window.loss_dock = make_dock(window, "Loss and accuracy", "lossDock", window.loss_plot)
    window.backprop_dock = make_dock(window, "Step through backprop", "backpropDock",
                                     window.phase_panel)
    window.error_dock = make_dock(window, "Error signal per layer", "errorSignalDock",
                                  window.error_plot)
    window.weights_dock = make_dock(window, "Weights and gradients", "weightsDock",
                                    window.histogram_plot)
    window.addDockWidget(LEFT, window.data_dock)
    window.splitDockWidget(window.data_dock, window.network_dock, Qt.Orientation.Horizontal)
    window.splitDockWidget(window.network_dock, window.training_dock, Qt.Orientation.Vertical)
    window.addDockWidget(RIGHT, window.loss_dock)
    window.addDockWidget(BOTTOM, window.backprop_dock)
    window.tabifyDockWidget(window.backprop_dock, window.error_dock)
    window.tabifyDockWidget(window.error_dock, window.weights_dock)
    window.backprop_dock.raise_()
    window.resizeDocks([window.data_dock, window.network_dock], [285, 300],
                       Qt.Orientation.Horizontal)
    window.resizeDocks([window.network_dock, window.training_dock], [450, 350],
                       Qt.Orientation.Vertical)
    window.resizeDocks([window.loss_dock], [420], Qt.Orientation.Horizontal)
    window.resizeDocks([window.backprop_dock], [390], Qt.Orientation.Vertical)
    window.docks = [window.data_dock, window.network_dock, window.training_dock,
                    window.loss_dock, window.backprop_dock, window.error_dock,
                    window.weights_dock]
    for dock in window.docks:          # a tab coming to the front draws what it missed
        dock.visibilityChanged.connect(
            lambda visible: visible and QTimer.singleShot(0, window.redraw_pending))
    menu = window.view_menu
    for dock in window.docks:
        menu.addAction(dock.toggleViewAction())
    menu.addAction(window.file_toolbar.toggleViewAction())
    menu.addAction(window.transport.toggleViewAction())
    menu.addSeparator()
    menu.addAction("Reset &Layout", window.reset_layout)
