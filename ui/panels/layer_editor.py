"""The layer editor: the network as a vertical stack, input → hidden layers → output.

* The **input** card (read-only) says what the data feeds in ("Input: 2 features (x1, x2)").
* Each **hidden** layer is a :class:`~ui.panels.layer_card.LayerCard` in a list
  (:mod:`ui.panels.layer_list`): units, activation, initializer, dropout. Reorder by drag and
  drop or with ▲/▼; add (a copy of the last hidden layer, inserted before the output) and
  remove the selected one.
* The **output** card is always last and cannot be removed or moved. Under it a hint says what
  the data and the loss need ("3 classes → 3 softmax units"); when the output does not fit, the
  engine's reason is shown with a one-click fix. The **loss** selector changes the output
  activation along (cross_entropy ↔ softmax, binary_cross_entropy ↔ 1 sigmoid unit, mse ↔
  linear / sigmoid) in one undoable step.

Every edit goes through :class:`~ui.live.model.ExperimentModel` (validated by the engine, undoable);
a refused value stays in its field with a red border, a tooltip and the engine's reason, and the
model is left unchanged. The parameter count (Σ fan_in·units + units) is display only.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from playground import ExperimentError, PlaygroundError
from playground.nn.losses import LOSSES
from playground.nn.initializers import with_activation
from ui.panels.all_layers import AllHiddenRow
from ui.panels.layer_card import InputCard, LayerCard, arrow, cards_style
from ui.panels.layer_list import HiddenLayerList
from ui.live.model import ExperimentModel
from ui.widgets.theme import error_text, shade
from playground.training.output_layer import output_need
from ui.panels.output_fit import (DataTarget, commit, data_target, fit_problem, fitted_network,
                                  input_text, network_for_loss, parameter_count,
                                  target_from_view)

MIN_WIDTH = 252


class LayerEditor(HiddenLayerList, QWidget):
    """Edits ``network.layers`` and ``network.loss`` of the model's experiment."""

    view_name, dock_title, dock_name = "network", "Network", "networkDock"
    dock_area, dock_size, dock_scrolls = "left", (300, 450), True

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerEditor")
        self.setStyleSheet(cards_style())      # every card's look, once (see cards_style)
        self.model = model
        self._target: DataTarget | None = None
        self._target_error = ""
        self._input_info: tuple[int, str] | None = None
        self._view = None
        self._build()
        model.watch(("network", "data"), self.refresh, owner=self)
        self.refresh()

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.setSpacing(2)
        # room for "xavier_uniform" beside "dropout 0.00": a narrower dock would cut them
        self.setMinimumWidth(MIN_WIDTH)
        head = QHBoxLayout()
        title = QLabel("<b>Network</b>")
        self.param_label = QLabel(objectName="paramCountLabel")
        self.param_label.setToolTip("Weights and biases: Σ over layers of fan_in·units + units")
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.param_label)
        root.addLayout(head)

        self.input_card = InputCard()
        self.input_label = self.input_card.label
        root.addWidget(self.input_card)
        root.addWidget(arrow())

        self.hidden_list = self._build_hidden_list()
        self.empty_label = QLabel("no hidden layers — the output sees the inputs directly")
        self.empty_label.setStyleSheet("color: #6b7280; font-style: italic;")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        root.addWidget(self.hidden_list, 1)
        self.all_hidden = AllHiddenRow(self)
        self.all_hidden.apply.connect(self.apply_to_hidden)
        root.addWidget(self.all_hidden)
        root.addWidget(self.empty_label)
        root.addWidget(arrow())

        self.output_card = LayerCard(output=True)
        self.output_card.setObjectName("layerCard")
        self.output_card.edited.connect(
            lambda field, value: self._edit_layer(self.output_card, field, value))
        self.hint_label = QLabel(objectName="outputHintLabel")
        self.hint_label.setWordWrap(True)
        self.fix_button = QPushButton("Fix", objectName="fixOutputButton")
        self.fix_button.setToolTip("Change the output layer (and loss) to fit the data")
        self.fix_button.clicked.connect(self.fix_output)
        self.output_card.footer.addWidget(self.hint_label)
        self.output_card.footer.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignLeft)
        root.addWidget(self.output_card)

        loss_row = QHBoxLayout()
        loss_row.addWidget(QLabel("Loss"))
        self.loss_combo = QComboBox(objectName="lossCombo")
        self.loss_combo.addItems(list(LOSSES))
        self.loss_combo.setToolTip("The loss sets the output activation: cross_entropy ↔ "
                                   "softmax, binary_cross_entropy ↔ sigmoid, mse ↔ "
                                   "linear/sigmoid")
        self.loss_combo.currentTextChanged.connect(self.set_loss)
        loss_row.addWidget(self.loss_combo, 1)
        root.addLayout(loss_row)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("+ Add layer", objectName="addLayerButton")
        self.add_button.setToolTip("Insert a hidden layer before the output layer")
        self.remove_button = QPushButton("− Remove", objectName="removeLayerButton")
        self.remove_button.setToolTip("Remove the selected hidden layer")
        self.up_button = QPushButton("▲", objectName="moveLayerUpButton")
        self.up_button.setToolTip("Move the selected hidden layer towards the input")
        self.down_button = QPushButton("▼", objectName="moveLayerDownButton")
        self.down_button.setToolTip("Move the selected hidden layer towards the output")
        for b in (self.up_button, self.down_button):
            b.setFixedWidth(34)
        self.add_button.clicked.connect(self.add_layer)
        self.remove_button.clicked.connect(self.remove_layer)
        self.up_button.clicked.connect(lambda: self.move_layer(-1))
        self.down_button.clicked.connect(lambda: self.move_layer(+1))
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        root.addLayout(buttons)

        self.error_label = QLabel(objectName="layerEditorErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {error_text()};")
        self.error_label.hide()
        root.addWidget(self.error_label)
        root.addStretch(0)

    # -- public API ------------------------------------------------------------------------
    def set_data_view(self, view) -> None:
        """What the current trainer's data feeds in (the DataView of its snapshots): the
        input row counts its features and names what the output needs ("2 classes → 2
        softmax units …"); its description stands in when the data file cannot be read."""
        self._view = view
        self._input_info = (view.n_inputs, output_need(view))
        self._refresh_summary()

    def cards(self) -> list[LayerCard]:
        """The hidden layers' cards in order, then the output card."""
        hidden = [self.hidden_list.itemWidget(self.hidden_list.item(i))
                  for i in range(self.hidden_list.count())]
        return [c for c in hidden if c is not None] + [self.output_card]

    def refresh(self) -> None:
        """Show the model's layers and loss (never writes the model)."""
        exp = self.model.experiment
        layers = exp.get("network.layers")
        hidden = layers[:-1]
        current = self.hidden_list.currentRow()
        self._sync_list(hidden)
        self.output_card.set_layer(layers[-1], "Output layer")
        self.loss_combo.blockSignals(True)
        self.loss_combo.setCurrentText(exp.get("network.loss"))
        self.loss_combo.blockSignals(False)
        _set_invalid_combo(self.loss_combo, False)
        self.error_label.hide()
        self.hidden_list.setVisible(bool(hidden))
        self.empty_label.setVisible(not hidden)
        self.all_hidden.setVisible(len(hidden) > 1)     # one layer: its own card does it
        if hidden:
            self.hidden_list.setCurrentRow(min(max(current, 0), len(hidden) - 1)
                                           if current >= 0 else -1)
        self._refresh_summary()
        self._update_buttons()

    # -- edits -----------------------------------------------------------------------------
    def add_layer(self) -> None:
        layers = self.model.get("network.layers")
        if len(layers) > 1:
            new = copy.deepcopy(layers[-2])
        else:
            new = {"units": 4, "activation": "tanh", "init": layers[-1]["init"], "dropout": 0.0}
        layers.insert(len(layers) - 1, new)
        if self._write(layers, f"add hidden layer {len(layers) - 1}"):
            self.hidden_list.setCurrentRow(len(layers) - 2)

    def remove_layer(self) -> None:
        row = self.hidden_list.currentRow()
        layers = self.model.get("network.layers")
        if not 0 <= row < len(layers) - 1:
            return                                   # the output layer always stays
        del layers[row]
        if self._write(layers, f"remove hidden layer {row + 1}") and len(layers) > 1:
            self.hidden_list.setCurrentRow(min(row, len(layers) - 2))

    def move_layer(self, step: int) -> None:
        row = self.hidden_list.currentRow()
        layers = self.model.get("network.layers")
        target = row + step
        if not (0 <= row < len(layers) - 1 and 0 <= target < len(layers) - 1):
            return
        layers[row], layers[target] = layers[target], layers[row]
        if self._write(layers, f"move hidden layer {row + 1} {'up' if step < 0 else 'down'}"):
            self.hidden_list.setCurrentRow(target)

    def set_loss(self, loss: str) -> None:
        """Change the loss and the output activation that goes with it (one undo step)."""
        exp = self.model.experiment
        if loss == exp.get("network.loss"):
            return
        network = network_for_loss(exp.network, loss, self._target)
        try:
            commit(self.model, f"loss → {loss}", ["network.layers", "network.loss"],
                   network=network)
        except ExperimentError as exc:
            _set_invalid_combo(self.loss_combo, True)
            self._show_error(f"loss: {exc.reason}")

    def fix_output(self) -> None:
        """Make the output layer and loss fit the data (what the hint asks for)."""
        if self._target is None:
            return
        network = fitted_network(self.model.experiment.network, self._target)
        try:
            commit(self.model, "fit the output layer to the data",
                   ["network.layers", "network.loss"], network=network)
        except ExperimentError as exc:
            self._show_error(str(exc))

    def _edit_layer(self, card: LayerCard, field: str, value) -> None:
        layers = self.model.get("network.layers")
        index = len(layers) - 1 if card is self.output_card else self._row_of(card)
        if index < 0:
            return
        if field == "activation":               # the initializer follows (engine rule)
            layers[index] = with_activation(layers[index], value)
        else:
            layers[index][field] = value
        name = "output layer" if card is self.output_card else f"layer {index + 1}"
        try:
            self.model.set("network.layers", layers, text=f"{name}: {field} → {value}")
        except ExperimentError as exc:
            card.show_error(field, exc.reason)
            self._fit_item(card)
            return
        card.clear_error()

    def apply_to_hidden(self, field: str, value: str) -> None:
        """Give every hidden layer ``value`` for ``field`` (activation or init), one undo step."""
        layers = self.model.get("network.layers")
        if len(layers) < 2:
            return
        for i in range(len(layers) - 1):
            layers[i] = (with_activation(layers[i], value) if field == "activation"
                         else dict(layers[i], **{field: value}))
        self._write(layers, f"all hidden layers: {field} → {value}")

    def _write(self, layers: list[dict], text: str) -> bool:
        try:
            self.model.set("network.layers", layers, text=text)
        except ExperimentError as exc:
            self._show_error(str(exc))
            return False
        return True

    def _update_buttons(self) -> None:
        row = self.hidden_list.currentRow()
        n_hidden = self.hidden_list.count()
        selected = 0 <= row < n_hidden
        self.remove_button.setEnabled(selected)
        self.up_button.setEnabled(selected and row > 0)
        self.down_button.setEnabled(selected and row < n_hidden - 1)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(f"⚠ {text}")
        self.error_label.show()

    def _current_target(self) -> DataTarget | None:
        exp = self.model.experiment
        try:
            self._target_error = ""
            return data_target(exp.data, exp.base_dir)
        except PlaygroundError as exc:
            self._target_error = str(exc)
        return None if self._view is None else target_from_view(self._view)

    def _refresh_summary(self) -> None:
        """Input row, output hint / fix button and parameter count."""
        self._target = target = self._current_target()
        exp = self.model.experiment
        network = exp.network
        n_inputs = target.n_inputs if target else (self._input_info or (None, ""))[0]
        text = input_text(target, n_inputs)
        if self._input_info and self._input_info[1]:
            text += f"<br><small>{self._input_info[1]}</small>"
        self.input_label.setText(text)
        self.input_card.setToolTip("Inputs: " + ", ".join(target.input_names)
                                   if target is not None else "")
        count, sizes = parameter_count(n_inputs, network["layers"])
        self.param_label.setText(f"Parameters: {count:,}" if sizes else "Parameters: —")
        self.param_label.setToolTip(" → ".join(map(str, sizes)) + " units; Σ fan_in·units + "
                                    "units" if sizes else "The data cannot be read")
        if target is None:
            self.hint_label.setText(f"<span style='color:#6b7280'>Output: cannot check against "
                                    f"the data ({self._target_error or 'unknown'})</span>")
            self.fix_button.hide()
        else:
            need = output_need(target, network["loss"])
            problem = fit_problem(network, target)
            if problem is None:
                self.hint_label.setText(f"<span style='color:{shade('#2e7d32', '#81c784')}'>"
                                        f"✓ {need}</span>")
                self.fix_button.hide()
            else:
                fixed = fitted_network(network, target)["layers"][-1]
                self.hint_label.setText(f"<span style='color:{error_text()}'>⚠ {problem.reason}"
                                        f"</span><br><small>needs: {need}</small>")
                self.fix_button.setText(f"Fix: {fixed['units']} {fixed['activation']}")
                self.fix_button.show()
        self.output_card.updateGeometry()


def _set_invalid_combo(combo: QComboBox, invalid: bool) -> None:
    combo.setStyleSheet("QComboBox { border: 2px solid #d32f2f; border-radius: 3px; }"
                        if invalid else "")
