"""The layer editor: every click changes the model's layers (undoably), bad values are refused
at the field with the engine's reason, and the output layer follows the loss and the data."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from playground import Experiment
from ui.panels.layer_editor import LayerEditor
from ui.live.model import ExperimentModel


@pytest.fixture
def editor(show_panel, small_dict):
    model = ExperimentModel(Experiment.from_dict(small_dict))
    yield show_panel(LayerEditor, model)
    model.undo_stack.clear()    # a non-clean stack emits while the model is being destroyed


def _button(editor, name) -> QPushButton:
    button = editor.findChild(QPushButton, name)
    assert button is not None, name
    return button


def _units(editor) -> list[int]:
    return [layer["units"] for layer in editor.model.get("network.layers")]


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_widgets_have_contract_names(editor):
    assert editor.objectName() == "layerEditor"
    for name in ("addLayerButton", "removeLayerButton", "moveLayerUpButton",
                 "moveLayerDownButton", "fixOutputButton"):
        _button(editor, name)
    assert editor.findChild(QLabel, "paramCountLabel") is not None
    assert editor.findChild(QComboBox, "lossCombo").currentText() == "cross_entropy"
    # two hidden cards + the output card, showing the model's values
    cards = editor.cards()
    assert [c.units.value() for c in cards] == [6, 6, 2]
    assert cards[-1].activation.currentText() == "softmax"


def test_add_inserts_before_output_copying_the_neighbour(qtbot, editor):
    editor.cards()[1].activation.setCurrentText("relu")      # make the neighbour distinct
    _click(qtbot, _button(editor, "addLayerButton"))
    layers = editor.model.get("network.layers")
    assert [l["units"] for l in layers] == [6, 6, 6, 2]
    assert layers[2] == layers[1] and layers[2]["activation"] == "relu"
    assert layers[-1]["activation"] == "softmax"
    assert len(editor.cards()) == 4
    assert editor.hidden_list.currentRow() == 2               # the new layer is selected


def test_remove_selected_hidden_layer_never_the_output(qtbot, editor):
    editor.cards()[0].units.setValue(3)
    editor.hidden_list.setCurrentRow(0)
    _click(qtbot, _button(editor, "removeLayerButton"))
    assert _units(editor) == [6, 2]
    _click(qtbot, _button(editor, "removeLayerButton"))
    assert _units(editor) == [2]                              # only the output is left
    remove = _button(editor, "removeLayerButton")
    assert not remove.isEnabled()
    _click(qtbot, remove)
    assert _units(editor) == [2]
    assert editor.empty_label.isVisible()


def test_move_buttons_reorder_hidden_layers_only(qtbot, editor):
    editor.cards()[0].units.setValue(3)
    editor.cards()[1].units.setValue(5)
    assert _units(editor) == [3, 5, 2]
    editor.hidden_list.setCurrentRow(1)
    down = _button(editor, "moveLayerDownButton")
    assert not down.isEnabled()                 # the output layer stays last
    _click(qtbot, _button(editor, "moveLayerUpButton"))
    assert _units(editor) == [5, 3, 2]
    assert editor.hidden_list.currentRow() == 0
    assert not _button(editor, "moveLayerUpButton").isEnabled()
    _click(qtbot, down)
    assert _units(editor) == [3, 5, 2]


def test_drag_and_drop_reorders(qtbot, editor):
    editor.cards()[0].units.setValue(3)
    editor.cards()[1].units.setValue(5)
    # what an internal drop does to the list's model: move row 0 behind row 1
    assert editor.hidden_list.model().moveRow(QModelIndex(), 0, QModelIndex(), 2)
    qtbot.waitUntil(lambda: _units(editor) == [5, 3, 2])
    assert [c.units.value() for c in editor.cards()] == [5, 3, 2]


def test_undo_restores_the_layers(qtbot, editor):
    before = editor.model.get("network.layers")
    _click(qtbot, _button(editor, "addLayerButton"))
    editor.hidden_list.setCurrentRow(0)
    _click(qtbot, _button(editor, "removeLayerButton"))
    assert len(editor.model.get("network.layers")) == 3
    editor.model.undo_stack.undo()
    editor.model.undo_stack.undo()
    assert editor.model.get("network.layers") == before
    assert len(editor.cards()) == 3
    editor.model.undo_stack.redo()
    assert len(editor.model.get("network.layers")) == 4
    assert len(editor.cards()) == 4


@pytest.mark.parametrize("value", [0, 20000])
def test_invalid_units_refused_with_reason(editor, value):
    before = editor.model.experiment
    card = editor.cards()[0]
    card.units.setValue(value)
    assert editor.model.experiment == before                   # model unchanged
    assert card.error.isVisible()
    assert "units" in card.error_text and "16384" in card.error_text
    assert card.units.property("invalid") is True
    assert "16384" in card.units.toolTip()
    card.units.setValue(7)                                      # a good value clears it
    assert _units(editor) == [7, 6, 2]
    assert not card.error.isVisible()
    assert not card.units.property("invalid")
    assert card.units.toolTip() == "Number of neurons in this layer"


def test_softmax_on_a_hidden_layer_refused(editor):
    before = editor.model.experiment
    card = editor.cards()[0]
    card.activation.setCurrentText("softmax")
    assert editor.model.experiment == before
    assert "only allowed on the last" in card.error_text
    assert card.activation.property("invalid") is True


def test_dropout_and_init_edits(editor):
    card = editor.cards()[1]
    card.dropout.setValue(0.5)
    card.init.setCurrentText("he_normal")
    layer = editor.model.get("network.layers")[1]
    assert layer["dropout"] == 0.5 and layer["init"] == "he_normal"
    card.dropout.setValue(0.99)                                 # engine allows at most 0.95
    assert editor.model.get("network.layers")[1]["dropout"] == 0.5
    assert "dropout" in card.error_text


def test_parameter_count_for_a_known_architecture(qtbot, editor):
    # spiral with x1, x2: 2 → 6 → 6 → 2 = (2·6+6) + (6·6+6) + (6·2+2) = 74
    assert editor.param_label.text() == "Parameters: 74"
    _click(qtbot, _button(editor, "addLayerButton"))            # 2 → 6 → 6 → 6 → 2
    assert editor.param_label.text() == "Parameters: 116"
    editor.model.set("data.features", ["x1", "x2", "x1*x2"])     # 3 inputs: +6
    assert editor.param_label.text() == "Parameters: 122"
    assert "3 features (x1, x2, x1*x2)" in editor.input_label.text()


def test_loss_change_changes_the_output_activation(editor):
    combo = editor.findChild(QComboBox, "lossCombo")
    combo.setCurrentText("binary_cross_entropy")
    net = editor.model.experiment.network
    assert net["loss"] == "binary_cross_entropy"
    assert net["layers"][-1]["units"] == 1 and net["layers"][-1]["activation"] == "sigmoid"
    assert editor.cards()[-1].activation.currentText() == "sigmoid"
    combo.setCurrentText("mse")
    net = editor.model.experiment.network
    assert net["loss"] == "mse" and net["layers"][-1]["activation"] == "sigmoid"
    combo.setCurrentText("cross_entropy")
    net = editor.model.experiment.network
    assert net["layers"][-1] == {"units": 2, "activation": "softmax",
                                 "init": "xavier_uniform", "dropout": 0.0}
    editor.model.undo_stack.undo()                               # one step each
    assert editor.model.get("network.loss") == "mse"
    assert combo.currentText() == "mse"


def test_output_hint_and_one_click_fix(qtbot, editor):
    fix = _button(editor, "fixOutputButton")
    assert not fix.isVisible()
    assert "2 classes → 2 softmax units" in editor.hint_label.text()
    editor.model.set("data.classes", 3)                          # spiral with 3 arms
    assert fix.isVisible()
    assert "3 classes" in editor.hint_label.text()
    _click(qtbot, fix)
    assert editor.model.get("network.layers")[-1]["units"] == 3
    assert not fix.isVisible()


def test_the_trainers_data_view_names_what_the_output_needs(editor):
    from playground import Trainer

    editor.set_data_view(Trainer(editor.model.experiment).data_view)
    text = editor.input_label.text()
    assert "Input: 2 features (x1, x2)" in text
    assert "2 classes → 2 softmax units (cross_entropy) or 1 sigmoid unit" in text


@pytest.fixture
def deep_sigmoid(show_panel):
    from playground.presets import preset
    model = ExperimentModel(preset("vanishing_gradients"))
    yield show_panel(LayerEditor, model)
    model.undo_stack.clear()


def test_one_choice_makes_every_hidden_layer_relu_with_he_and_one_undo_reverts(deep_sigmoid):
    editor = deep_sigmoid
    before = editor.model.get("network.layers")
    assert len(before) == 9 and all(l["activation"] == "sigmoid" for l in before[:-1])
    combo = editor.findChild(QComboBox, "allHiddenActivationCombo")
    combo.activated.emit(combo.findText("relu"))          # what choosing it in the list does
    layers = editor.model.get("network.layers")
    assert [l["activation"] for l in layers[:-1]] == ["relu"] * 8
    expected = {"xavier_uniform": "he_uniform", "xavier_normal": "he_normal"}
    assert [l["init"] for l in layers[:-1]] == [expected.get(l["init"], l["init"])
                                                 for l in before[:-1]]
    assert layers[-1] == before[-1]                        # the output layer is not hidden
    assert combo.currentIndex() == 0                       # back to its prompt
    editor.model.undo_stack.undo()
    assert editor.model.get("network.layers") == before


def test_the_initializer_follows_a_cards_activation_until_the_user_picks_one(editor):
    card = editor.cards()[0]
    card.init.setCurrentText("xavier_uniform")
    card.activation.setCurrentText("relu")
    assert editor.model.get("network.layers")[0]["init"] == "he_uniform"
    card.init.setCurrentText("uniform")                    # the user's own choice …
    card.activation.setCurrentText("tanh")
    assert editor.model.get("network.layers")[0]["init"] == "uniform"   # … stays


def test_an_edit_restyles_only_the_cards_whose_look_changed(qtbot, editor, monkeypatch):
    """Re-polishing a card costs (a style sheet per card re-polished it and its four fields,
    ~10 ms: with 64 hidden layers, every card restyled twice per edit stalled the window
    1.9 s): an edit repolishes only the cards whose colours or selection changed."""
    from ui.panels.layer_card import LayerCard
    for _ in range(6):
        _click(qtbot, _button(editor, "addLayerButton"))
    editor.hidden_list.setCurrentRow(0)
    restyled = []
    original = LayerCard._repolish
    monkeypatch.setattr(LayerCard, "_repolish",
                        lambda card: (restyled.append(card), original(card)))
    editor.cards()[3].units.setValue(9)                     # one edit: the model refreshes
    assert _units(editor)[3] == 9
    assert restyled == []                                   # nothing looks different
    editor.cards()[3].activation.setCurrentText("relu")     # its badge colour changes
    assert restyled == [editor.cards()[3]]
    editor.hidden_list.setCurrentRow(5)                     # the selection moves
    assert set(restyled[1:]) == {editor.cards()[0], editor.cards()[5]}
    assert editor.cards()[5].property("selected") and not editor.cards()[0].property("selected")


def test_a_card_is_drawn_in_its_activations_colour_and_the_selected_one_framed(qtbot, editor):
    """What the user sees: each card's left edge and badge in its activation's colour, the
    selected card framed in blue — read off the rendered pixels, after edits and a move of
    the selection."""
    from PySide6.QtGui import QColor
    from ui.panels.layer_card import ACTIVATION_COLORS
    for _ in range(2):
        _click(qtbot, _button(editor, "addLayerButton"))
    cards = editor.cards()[:-1]
    cards[0].activation.setCurrentText("relu")
    cards[1].activation.setCurrentText("sigmoid")
    editor.hidden_list.setCurrentRow(1)
    cards = editor.cards()[:-1]

    def near(color, expected) -> bool:
        want = QColor(expected)
        return max(abs(color.red() - want.red()), abs(color.green() - want.green()),
                   abs(color.blue() - want.blue())) <= 12

    def look(card):
        image = card.grab().toImage()
        mid = image.height() // 2
        badge = card.badge.grab().toImage()
        return (image.pixelColor(2, mid), image.pixelColor(image.width() // 2, 0),
                badge.pixelColor(4, badge.height() // 2))     # beside the text

    for card in cards:
        edge, top, badge = look(card)
        colour = ACTIVATION_COLORS[card.activation.currentText()]
        assert near(edge, colour), (card.activation.currentText(), edge.name())
        assert near(badge, colour), (card.activation.currentText(), badge.name())
        assert near(top, "#3b82f6") == bool(card.property("selected")), top.name()
    assert [i for i, c in enumerate(cards) if c.property("selected")] == [1]
