"""Reading and setting single values in the network diagram: hover, click, the neuron card.

A mixin of :class:`~ui.diagram.network_diagram.NetworkDiagram`: hovering a link shows its
weight ``w``, hovering a neuron its formula ``a = f(Σ wᵢ·xᵢ + b)`` with the current numbers
and whether it is dead or saturated (as the engine measured); clicking a neuron opens its
:class:`~ui.diagram.neuron_maps.NeuronCard`, clicking a link while training is paused emits
``editRequested`` (the phase panel asks for the new value and the window applies it).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF
from PySide6.QtWidgets import QToolTip

from ui.diagram.hits import Hit, curve_points, hit
from ui.diagram.layout import compute_layout
from ui.diagram.neuron_maps import NeuronCard, formula
from ui.diagram.phase_format import fmt
from ui.widgets.view_errors import guarded


class Inspection:
    """Hover and click behaviour; expects the diagram's ``_weights``, ``_neurons``,
    ``_inputs``, ``_activations``, ``_sizes``, ``_card``, ``editable`` and
    ``editRequested``."""

    def _layout(self):
        return compute_layout(self.current_view(), QRectF(self.rect()))

    def node_position(self, column: int, unit: int) -> QPointF:
        """Where the node of ``unit`` in ``column`` (0 = input) is drawn."""
        layout = self._layout()
        return QPointF(layout.xs[column], layout.ys[column][layout.slots[column].index(unit)])

    def link_position(self, layer: int, source: int, unit: int) -> QPointF:
        """A point on the link of W[source, unit] into Dense layer ``layer`` (1…L): a
        quarter of the way, where links of different units are still apart."""
        a, b = self.node_position(layer - 1, source), self.node_position(layer, unit)
        r = self._layout().radius
        points = curve_points(a.x() + r, a.y(), b.x() - r, b.y())
        x, y = points[len(points) // 4]
        return QPointF(float(x), float(y))

    def hit_at(self, x: float, y: float) -> Hit | None:
        return hit(self._layout(), self.summarised, x, y)

    def parameter(self, layer: int, kind: str, source: int, unit: int) -> float | None:
        """The current value of W[source, unit] (``kind`` "W") or b[unit] of a layer."""
        if self._weights is None or not 1 <= layer <= len(self._weights):
            return None
        W, b = self._weights[layer - 1]
        if kind == "b":
            return None if b is None else float(b[unit])
        return float(W[source, unit])

    def _input_name(self, i: int) -> str:
        return self._inputs[i] if i < len(self._inputs) else f"x{i + 1}"

    def _unit_name(self, column: int, unit: int) -> str:
        if column == 0:
            return self._input_name(unit)
        return f"neuron {unit + 1} of layer {column}"

    def hover_text(self, x: float, y: float) -> str:
        """What the tooltip says at ``(x, y)``: a link's w, a neuron's formula and state."""
        h = self.hit_at(x, y)
        if h is None:
            return ""
        edit = ("click to set it" if self.editable else "pause training to set it")
        if h.kind == "link":
            w = self.parameter(h.column, "W", h.source, h.unit)
            if w is None:
                return ""
            src = (self._input_name(h.source) if h.column == 1
                   else f"neuron {h.source + 1} of layer {h.column - 1}")
            return f"w = {fmt(w, 6)}\n{src} → {self._unit_name(h.column, h.unit)}\n{edit}"
        if h.column == 0:
            return f"input {self._input_name(h.unit)}"
        lines = [self._unit_name(h.column, h.unit)]
        if self._weights is not None:
            W, b = self._weights[h.column - 1]
            names = [self._input_name(i) if h.column == 1 else f"a{i + 1}"
                     for i in range(W.shape[0])]
            act = self._activations[h.column - 1] if h.column - 1 < len(self._activations) \
                else ""
            lines.append(formula(W, b, h.unit, act, names))
            lines.append("no bias" if b is None else f"b = {fmt(float(b[h.unit]), 6)}")
        if self._neurons is not None and h.column - 1 < len(self._neurons):
            status = self._neurons[h.column - 1].status[h.unit]
            lines.append(status or "active")
        lines.append("click to open it large")
        return "\n".join(lines)

    @property
    def card(self) -> NeuronCard | None:
        """The neuron card opened by the last click on a neuron (None before)."""
        return self._card

    def open_neuron(self, column: int, unit: int) -> NeuronCard:
        """Show the large card of one neuron (column 1…L)."""
        if self._card is None:
            self._card = NeuronCard(self)
            self._card.edit_bias.connect(lambda k, j: self.editRequested.emit(k, "b", -1, j))
        W = b = None
        if self._weights is not None:
            W, b = self._weights[column - 1]
        names = [self._input_name(i) if column == 1 else f"a{i + 1}"
                 for i in range(self._sizes[column - 1])]
        neurons = (self._neurons[column - 1]
                   if self._neurons is not None and column - 1 < len(self._neurons) else None)
        act = self._activations[column - 1] if column - 1 < len(self._activations) else ""
        self._card.show_neuron(column, unit, act, neurons, W, b, names, self.editable)
        self._card.show()
        self._card.adjustSize()
        self._card.move(self._card_position())
        self._card.raise_()
        return self._card

    def _card_position(self) -> QPoint:
        """Beside the diagram's right edge, kept on the screen."""
        card = self._card
        corner = self.mapToGlobal(QPoint(self.width() - card.width() - 8, 8))
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None:
            return corner
        x = min(max(corner.x(), screen.left()), screen.right() - card.width())
        y = min(max(corner.y(), screen.top()), screen.bottom() - card.height())
        return QPoint(x, y)

    @guarded("network diagram")
    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        text = self.hover_text(pos.x(), pos.y())
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()

    @guarded("network diagram")
    def mousePressEvent(self, event) -> None:
        pos = event.position()
        h = self.hit_at(pos.x(), pos.y())
        if h is None:
            return
        if h.kind == "node" and h.column > 0:
            self.open_neuron(h.column, h.unit)
        elif h.kind == "link" and self.editable and self._weights is not None:
            self.editRequested.emit(h.column, "W", h.source, h.unit)
