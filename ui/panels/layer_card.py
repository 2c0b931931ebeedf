"""One layer of the layer editor's stack, drawn as a small card.

A card shows a Dense layer's settings as fields — units (spin box), activation (combo),
initializer (combo) and, for hidden layers, dropout (spin box) — with a coloured badge and a
coloured left edge for the activation, so the stack reads like the network. The card never
writes the experiment itself: it emits :attr:`LayerCard.edited` ``(field, value)`` and the
:class:`~ui.panels.layer_editor.LayerEditor` asks the model. When the engine refuses a value, the
editor calls :meth:`LayerCard.show_error`: the field gets a red border and a tooltip, and the
reason appears under the fields.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFrame, QGridLayout, QHBoxLayout,
                               QLabel, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from playground.nn.activations import ACTIVATIONS
from playground.nn.initializers import INITIALIZERS

from ui.widgets.fields import set_invalid
from ui.widgets.theme import error_text, shade

#: badge colour of each activation (display only)
ACTIVATION_COLORS = {
    "linear": "#8a8f98", "relu": "#e4572e", "leaky_relu": "#f29e4c", "elu": "#c9a227",
    "gelu": "#43aa8b", "tanh": "#2e86ab", "sigmoid": "#7b2cbf", "softmax": "#d1495b",
}
INPUT_COLOR = "#5f6b7a"

#: the card's look; ``[invalid="true"]`` marks a field the engine refused
CARD_STYLE = """
QFrame#layerCard, QFrame#inputCard {{
    background: {background}; border: 1px solid {border}; border-left: 5px solid {edge};
    border-radius: 6px; }}
QFrame#layerCard[selected="true"] {{ border: 2px solid #3b82f6; border-left: 5px solid {edge}; }}
QLabel#layerBadge {{ background: {edge}; color: white; border-radius: 8px; padding: 1px 7px;
    font-weight: bold; }}
QLabel#dragHandle {{ color: #9aa3b2; font-size: 16px; }}
QLabel#layerErrorLabel {{ color: {error}; }}
QAbstractSpinBox[invalid="true"], QComboBox[invalid="true"] {{
    background-color: #ffe4e4; color: #b71c1c; }}
"""


def card_background(kind: str = "layer") -> str:
    """The card's background: ``layer``, ``selected`` or ``input``, for the palette."""
    return {"layer": shade("#f8fafc", "#2c3035"), "selected": shade("#eef4ff", "#233247"),
            "input": shade("#f1f3f6", "#34383e")}[kind]


def badge_style(edge: str, background: str | None = None) -> str:
    return CARD_STYLE.format(edge=edge, background=background or card_background(),
                             border=shade("#cfd6e0", "#4b525b"),
                             error=error_text())


def cards_style() -> str:
    """The style sheet of a layer editor's cards, set once on the editor: the look of each
    activation and of the selected card, picked by the card's ``activationName`` and
    ``selected`` properties. A card restyled is then a re-polish of itself and its badge
    (~0.4 ms); with a style sheet of its own per look it was ~2.7 ms (the sheet parsed, and
    the card's four fields re-polished with it), 1.7-5 ms of every card a lesson or a
    preset made."""
    selected = card_background("selected")
    rules = [badge_style(INPUT_COLOR, card_background("layer")),
             f'QFrame#layerCard[selected="true"] {{ background: {selected}; }}']
    for name, color in ACTIVATION_COLORS.items():
        card = f'QFrame#layerCard[activationName="{name}"]'
        rules += [f"{card} {{ border-left: 5px solid {color}; }}",
                  f'{card}[selected="true"] {{ border: 2px solid #3b82f6; '
                  f"border-left: 5px solid {color}; }}",
                  f"{card} QLabel#layerBadge {{ background: {color}; }}"]
    return "\n".join(rules)


def arrow() -> QLabel:
    """The small "↓" between the cards of the stack."""
    label = QLabel("↓")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("color: #8a94a6; font-size: 13px;")
    label.setFixedHeight(14)
    return label


class InputCard(QFrame):
    """The read-only input row: what the data feeds into the first layer."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("inputCard")
        self.setStyleSheet(badge_style(INPUT_COLOR, card_background("input")))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 5, 6, 5)
        self.label = QLabel(objectName="inputLabel")
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        row.addWidget(QLabel("input", objectName="layerBadge"), 0, Qt.AlignmentFlag.AlignTop)


class LayerCard(QFrame):
    """The fields of one Dense layer. ``output=True`` leaves out dropout (never on the output
    layer) and marks the card as the output layer. Its look comes from :func:`cards_style`
    on the editor that holds it."""

    #: a field changed: ("units" | "activation" | "init" | "dropout", new value)
    edited = Signal(str, object)
    #: the user clicked into the card (the editor selects its row)
    focused = Signal()

    def __init__(self, output: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerCard")
        self.output = output
        self._activation = ""
        self._look: tuple[str, bool] | None = None    # (activation, selected) polished
        self.badge = QLabel(objectName="layerBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(objectName="layerTitle")
        self.handle = QLabel("≡", objectName="dragHandle")
        self.handle.setToolTip("Drag the card to reorder the hidden layers")
        self.handle.setCursor(Qt.CursorShape.OpenHandCursor)
        self.units = QSpinBox(objectName="unitsSpin")
        self.units.setRange(0, 99999)          # the engine decides what is valid (1..16384)
        self.units.setSuffix(" units")
        self.units.valueChanged.connect(        # "1 unit", never "1 units"
            lambda v: self.units.setSuffix(" unit" if v == 1 else " units"))
        self.units.setKeyboardTracking(False)  # commit on Enter / focus out / arrows
        self.units.setToolTip("Number of neurons in this layer")
        self.activation = QComboBox(objectName="activationCombo")
        self.activation.addItems(list(ACTIVATIONS))
        self.activation.setToolTip("Activation function f in a = f(z)")
        self.init = QComboBox(objectName="initCombo")
        self.init.addItems(list(INITIALIZERS))
        self.init.setToolTip("How the weights start (biases start at 0)")
        # every name whole ("xavier_normal" was cut to "xavier_norma")
        self.init.setMinimumContentsLength(max(len(name) for name in INITIALIZERS))
        self.init.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dropout = QDoubleSpinBox(objectName="dropoutSpin")
        self.dropout.setRange(0.0, 0.99)       # the engine accepts 0..0.95
        self.dropout.setSingleStep(0.05)
        self.dropout.setDecimals(2)
        self.dropout.setPrefix("dropout ")
        self.dropout.setKeyboardTracking(False)
        self.dropout.setToolTip("Probability of dropping each output during training")
        self.error = QLabel(objectName="layerErrorLabel")
        self.error.setWordWrap(True)
        self.error.hide()
        for w in (self.units, self.activation, self.init, self.dropout):
            w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            w.installEventFilter(self)
        self.footer = QVBoxLayout()
        self.footer.setContentsMargins(0, 0, 0, 0)

        grid = QGridLayout(self)
        grid.setContentsMargins(8, 5, 6, 5)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.badge)
        head.addWidget(self.handle)
        grid.addLayout(head, 0, 0, 1, 2)
        grid.addWidget(self.units, 1, 0)
        grid.addWidget(self.activation, 1, 1)
        grid.addWidget(self.init, 2, 0)
        grid.addWidget(self.dropout, 2, 1)
        grid.addWidget(self.error, 3, 0, 1, 2)
        grid.addLayout(self.footer, 4, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        if output:
            self.dropout.hide()
            self.handle.hide()
        self.units.valueChanged.connect(lambda v: self.edited.emit("units", int(v)))
        self.activation.currentTextChanged.connect(lambda t: self.edited.emit("activation", t))
        self.init.currentTextChanged.connect(lambda t: self.edited.emit("init", t))
        self.dropout.valueChanged.connect(lambda v: self.edited.emit("dropout", round(v, 4)))
        self.set_selected(False)

    # -- showing a layer -------------------------------------------------------------------
    def set_layer(self, layer: dict, title: str) -> None:
        """Show ``layer`` (a normalised layer dict) without emitting :attr:`edited`."""
        for w in (self.units, self.activation, self.init, self.dropout):
            w.blockSignals(True)
        try:
            self.units.setValue(int(layer["units"]))
            self.activation.setCurrentText(layer["activation"])
            self.init.setCurrentText(layer["init"])
            self.dropout.setValue(float(layer.get("dropout", 0.0)))
        finally:
            for w in (self.units, self.activation, self.init, self.dropout):
                w.blockSignals(False)
        self.title.setText(title)
        self.badge.setText(layer["activation"])
        self.badge.setToolTip(f"activation: {layer['activation']}")
        self._activation = layer["activation"]
        self.clear_error()
        self._restyle()

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", selected)
        self._restyle()

    def _restyle(self) -> None:
        """Show the activation's colours and the selection: only when they changed (64
        cards restyled twice per refresh stalled the window 1.9 s)."""
        look = (self._activation, bool(self.property("selected")))
        if look != self._look:
            self._look = look
            self.setProperty("activationName", self._activation)
            self._repolish()

    def _repolish(self) -> None:
        style = self.style()
        for widget in (self, self.badge):     # the badge's colour follows the card's
            style.unpolish(widget)
            style.polish(widget)
        self.update()

    # -- errors ----------------------------------------------------------------------------
    def field(self, name: str) -> QWidget:
        return {"units": self.units, "activation": self.activation, "init": self.init,
                "dropout": self.dropout}[name]

    def show_error(self, field: str, reason: str) -> None:
        """Mark ``field`` as refused and say why (red border, tooltip, text under it)."""
        self.clear_error()
        set_invalid(self.field(field), None, reason)
        self.error.setText(f"⚠ {field}: {reason}")
        self.error.show()

    def clear_error(self) -> None:
        for name in ("units", "activation", "init", "dropout"):
            set_invalid(self.field(name))
        self.error.clear()
        self.error.hide()

    @property
    def error_text(self) -> str:
        """The reason shown under the fields ("" when none)."""
        return self.error.text()

    # -- selection -------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self.focused.emit()
        return False

    def mousePressEvent(self, event) -> None:
        self.focused.emit()
        super().mousePressEvent(event)     # ignored → the list view starts a drag
