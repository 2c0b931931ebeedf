"""What the network diagram shows and where: its view model, colours and geometry.

:class:`DiagramView` is everything :mod:`ui.diagram.paint` needs to draw one picture; the
widget (:class:`ui.diagram.network_diagram.NetworkDiagram`) fills it from the Snapshot and the Phases.
:func:`compute_layout` places one column of nodes per layer (input first), evenly spaced, the
loss box right of the output layer; long layers show their first and last units around a
``⋮`` gap (:func:`slots`). :func:`diverging` is the colour scale of TensorFlow Playground:
orange for negative, light grey for zero, blue for positive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

POSITIVE = QColor("#0877bd")
NEGATIVE = QColor("#f59322")
ZERO = QColor("#eef0f2")
HIGHLIGHT = QColor("#7e57c2")
TEXT = QColor("#202124")
MUTED = QColor("#5f6368")
NODE_BORDER = QColor("#8a9096")
CARD = QColor("#ffffff")
CARD_BORDER = QColor("#d5d8dc")

HEADER_H = 66.0     # column titles, then the row of the flow arrow
FLOW_Y = 52.0       # the flow arrow, below the top
LEGEND_H = 50.0
PILL_H = 30.0       # room under the nodes for the pill naming the quantity
LOSS_W = 78.0


@dataclass
class DiagramView:
    """Everything the painter needs; built by NetworkDiagram.current_view()."""

    sizes: tuple[int, ...] = ()
    titles: list[tuple[str, str]] = field(default_factory=list)
    node_values: list[np.ndarray | None] = field(default_factory=list)   # per column
    node_scales: list[float] = field(default_factory=list)
    node_quantity: list[str | None] = field(default_factory=list)       # "x" "a" "δ" "b" "Δb"
    #: per column, one picture per unit (its activation map or weight image), or None
    node_images: list[list | None] = field(default_factory=list)
    pending: list[bool] = field(default_factory=list)                   # not computed yet
    link_values: list[np.ndarray | None] = field(default_factory=list)  # per layer 1..L
    link_scale: float = 1.0
    link_rms: list[float | None] = field(default_factory=list)
    link_quantity: str = "W"
    link_emphasis: set[int] | None = None     # layers (1..L) drawn strong; None: all
    highlighted_layer: int | None = None
    highlight_kind: str | None = None
    pill: str = ""
    summarised: bool = False
    max_nodes: int = 16
    loss_text: str | None = None
    target_text: str | None = None
    loss_active: bool = False
    flow: tuple[float, float, str] | None = None   # between column positions, caption
    banner: str = ""                               # a pill centred above the nodes
    numbers: bool = False
    legend_nodes: str = ""
    legend_links: str = ""
    note: str = ""


def diverging(t: float) -> QColor:
    """Colour of a value scaled to [−1, 1]: orange − … light grey 0 … blue +."""
    t = float(np.clip(t, -1.0, 1.0)) if np.isfinite(t) else 0.0
    end = POSITIVE if t > 0 else NEGATIVE
    u = abs(t) ** 0.8
    return QColor.fromRgbF(ZERO.redF() + (end.redF() - ZERO.redF()) * u,
                           ZERO.greenF() + (end.greenF() - ZERO.greenF()) * u,
                           ZERO.blueF() + (end.blueF() - ZERO.blueF()) * u)


def slots(units: int, max_nodes: int) -> list[int | None]:
    """Unit indices drawn in a column; ``None`` marks the ``⋮`` gap of a long layer."""
    if units <= max_nodes:
        return list(range(units))
    head = max_nodes // 2
    tail = max_nodes - head - 1
    return list(range(head)) + [None] + list(range(units - tail, units))


@dataclass
class Layout:
    xs: list[float]
    ys: list[list[float]]
    slots: list[list[int | None]]
    radius: float
    top: float
    bottom: float
    loss_box: QRectF | None


def compute_layout(view: DiagramView, rect: QRectF) -> Layout:
    top, bottom = rect.top() + HEADER_H, rect.bottom() - LEGEND_H - PILL_H
    left, right = rect.left() + 12, rect.right() - 12 - LOSS_W
    columns = [slots(n, view.max_nodes) for n in view.sizes]
    most = max((len(c) for c in columns), default=1)
    spacing = min((bottom - top) / max(most, 1), 90.0)
    col_w = (right - left) / max(len(columns), 1)
    radius = float(np.clip(min(spacing * 0.4, col_w * 0.2), 3.0, 28.0))
    xs = [left + col_w * (k + 0.5) for k in range(len(columns))]
    middle = (top + bottom) / 2
    ys = [[middle + (i - (len(c) - 1) / 2) * spacing for i in range(len(c))] for c in columns]
    box = None
    if columns:
        cy = float(np.mean(ys[-1])) if ys[-1] else middle
        box = QRectF(rect.right() - 12 - LOSS_W + 14, cy - 26, LOSS_W - 14, 52)
    return Layout(xs, ys, columns, radius, top, bottom, box)
