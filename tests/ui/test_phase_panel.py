"""The "Step through backprop" panel, driven through a real TrainingWorker.

Each test clicks Step phase ▸ (or presses "."), waits for the worker's phase to arrive and
checks what the learner sees: the label, the progress, the diagram's highlight and the numbers
in the table. After the update phase (or after Finish iteration mid-way) the trainer must be
exactly where one plain ``train_batch()`` puts it: the stepper is the training code path.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from playground import Experiment, Trainer
from playground.presets import preset
from playground.optim.rules import make_optimizer
from ui.diagram.phase_format import fmt, update_rule
from ui.diagram.phase_panel import INTRO_TITLE, PhasePanel

THREE_LAYER_TITLES = ["forward · layer 1 of 3", "forward · layer 2 of 3", "forward · layer 3 of 3",
                      "loss", "backward · layer 3 of 3", "backward · layer 2 of 3",
                      "backward · layer 1 of 3", "update"]
THREE_LAYER_HIGHLIGHT = [(1, "forward"), (2, "forward"), (3, "forward"), (3, "loss"),
                         (3, "backward"), (2, "backward"), (1, "backward"), (None, "update")]
XOR_LABELS = [
    "forward · layer 1 of 2: z₁ = x W₁ + b₁;  a₁ = sigmoid(z₁)",
    "forward · layer 2 of 2: z₂ = a₁ W₂ + b₂;  a₂ = sigmoid(z₂)",
    "loss: L = mean((ŷ − y)²)",
    "backward · layer 2 of 2: δ₂ = 2(ŷ − y)/(N·K) ⊙ f′(z₂);  ∂L/∂W₂ = a₁ᵀ δ₂;  ∂L/∂b₂ = Σ δ₂",
    "backward · layer 1 of 2: δ₁ = (δ₂ W₂ᵀ) ⊙ f′(z₁);  ∂L/∂W₁ = xᵀ δ₁;  ∂L/∂b₁ = Σ δ₁",
    "update: g = ∂L/∂w;  w ← w − η·g",
]


@pytest.fixture
def stepper(qtbot, worker_factory):
    """A PhasePanel wired to a real worker as the main window wires it."""

    def make(experiment):
        trainer = Trainer(experiment)
        # a plain host without a layout: the panel's size hints never reach the platform window
        host = QWidget()
        qtbot.addWidget(host)
        host.resize(900, 600)
        panel = PhasePanel(host)
        panel.resize(900, 600)
        panel.set_update_rule(update_rule(experiment))
        worker = worker_factory(trainer)
        panel.stepRequested.connect(worker.step_phase)
        panel.leaveRequested.connect(worker.finish_iteration)
        worker.phaseReady.connect(panel.show_phase)
        worker.snapshotReady.connect(panel.show_snapshot)
        worker.request_snapshot()
        qtbot.waitUntil(lambda: panel.phase_count is not None, timeout=5000)
        return host, panel, worker

    return make


def _step(qtbot, panel, index: int) -> None:
    """Click Step phase ▸ and wait until phase ``index`` (1-based) is on show."""
    qtbot.mouseClick(panel.stepPhaseButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.phase_index == index, timeout=5000)


def _numbers(text: str) -> np.ndarray:
    return np.array([float(t) for t in text.replace("−", "-").split()])


def _value_of(panel: PhasePanel, quantity_prefix: str) -> str:
    """The value text under the table's quantity that starts with ``quantity_prefix``."""
    table = panel.phaseTable
    for r in range(0, table.rowCount(), 2):
        if table.item(r, 0).text().startswith(quantity_prefix):
            return table.item(r + 1, 0).text()
    raise AssertionError(f"{quantity_prefix!r} not in the table:\n{panel.table_text()}")


def _params(worker) -> np.ndarray:
    return worker.submit(lambda t: t.network.params.copy()).result(5)


def _iteration(worker) -> int:
    return worker.submit(lambda t: t.iteration).result(5)


def _reference_after_one_batch(experiment) -> np.ndarray:
    reference = Trainer(experiment)
    reference.train_batch()
    return reference.network.params.copy()


def test_steps_through_all_phases_of_a_three_layer_network(qtbot, stepper, small_dict):
    experiment = Experiment.from_dict(small_dict)
    host, panel, worker = stepper(experiment)
    assert not panel.active and panel.phaseLabel.text() == INTRO_TITLE
    assert _iteration(worker) == 0
    for i, (title, (layer, kind)) in enumerate(zip(THREE_LAYER_TITLES, THREE_LAYER_HIGHLIGHT),
                                               start=1):
        _step(qtbot, panel, i)
        assert panel.active
        assert panel.phaseLabel.text().startswith(title + ": "), panel.phaseLabel.text()
        assert panel.phaseLabel.text() == panel.phase.label
        assert panel.progressLabel.text() == f"phase {i} of 8"
        assert (panel.diagram.highlighted_layer, panel.diagram.highlight_kind) == (layer, kind)
        assert panel.phaseTable.rowCount() > 0 and panel.explanationLabel.text()
        if i < 8:
            assert _iteration(worker) == 0, f"the iteration ended early, at phase {i}"
    assert _iteration(worker) == 1
    np.testing.assert_array_equal(_params(worker), _reference_after_one_batch(experiment))
    # the next step starts the next iteration at the first layer
    _step(qtbot, panel, 1)
    assert panel.phaseLabel.text().startswith("forward · layer 1 of 3: ")


def test_finish_iteration_mid_way_completes_exactly_one_batch(qtbot, stepper, small_dict):
    experiment = Experiment.from_dict(small_dict)
    host, panel, worker = stepper(experiment)
    for i in range(1, 4):
        _step(qtbot, panel, i)
    assert panel.phaseLabel.text().startswith("forward · layer 3 of 3")
    assert panel.leavePhaseButton.isEnabled()
    qtbot.mouseClick(panel.leavePhaseButton, Qt.MouseButton.LeftButton)
    assert not panel.active
    assert not panel.leavePhaseButton.isEnabled()
    assert panel.phaseLabel.text() == INTRO_TITLE
    assert panel.diagram.highlight_kind is None and panel.phase is None
    assert panel.tableCaption.text().startswith("One iteration = 8 phases")
    assert "phases 5–7: backward, layer 3 → 1" in panel.table_text()
    assert _iteration(worker) == 1
    np.testing.assert_array_equal(_params(worker), _reference_after_one_batch(experiment))


def test_table_shows_the_numbers_of_the_active_layer(qtbot, stepper, small_dict):
    host, panel, worker = stepper(Experiment.from_dict(small_dict))
    _step(qtbot, panel, 1)
    v = panel.phase.values
    expected_z = v["a_prev"][0].astype(np.float64) @ v["W"] + v["b"]   # sample 1, by hand
    np.testing.assert_allclose(_numbers(_value_of(panel, "z₁ = x W₁ + b₁")), expected_z,
                               rtol=2e-3, atol=1e-4)
    np.testing.assert_allclose(_numbers(_value_of(panel, "a₁ = tanh(z₁)")),
                               np.tanh(expected_z), rtol=2e-3, atol=1e-4)
    assert "sample 1 of 10" in panel.tableCaption.text()
    # another sample: the table and the diagram follow the sample box
    panel.sampleSpin.setValue(3)
    expected_z3 = v["a_prev"][2].astype(np.float64) @ v["W"] + v["b"]
    np.testing.assert_allclose(_numbers(_value_of(panel, "z₁")), expected_z3, rtol=2e-3,
                               atol=1e-4)
    assert panel.diagram.sample == 2
    np.testing.assert_array_equal(panel.diagram.node_values(1), v["a"][2])
    panel.sampleSpin.setValue(1)
    for i in range(2, 6):
        _step(qtbot, panel, i)
        if panel.phase.kind == "loss":
            assert fmt(panel.phase.values["loss"]) in panel.table_text()
    assert panel.phaseLabel.text().startswith("backward · layer 3 of 3")
    np.testing.assert_allclose(_numbers(_value_of(panel, "δ₃")), panel.phase.values["delta"][0],
                               rtol=2e-3, atol=1e-7)
    for i in range(6, 9):
        _step(qtbot, panel, i)
    assert _value_of(panel, "η") == fmt(0.01)


def test_xor_classic_six_phases_with_textbook_labels(qtbot, stepper):
    experiment = preset("xor_classic")
    host, panel, worker = stepper(experiment)
    assert panel.progressLabel.text() == "6 phases"
    for i, label in enumerate(XOR_LABELS, start=1):
        _step(qtbot, panel, i)
        assert panel.phaseLabel.text() == label
        assert panel.progressLabel.text() == f"phase {i} of 6"
    layers = panel.phase.per_layer
    for k, layer in enumerate(layers, start=1):    # plain SGD with η = 1: ΔW = −∂L/∂W
        np.testing.assert_allclose(layer["delta_W"], -layer["grad_W"], rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(panel.diagram.link_values(k), layer["delta_W"])
    assert _iteration(worker) == 1
    np.testing.assert_array_equal(_params(worker), _reference_after_one_batch(experiment))
    text = panel.table_text()
    assert "W₁ before" in text and "ΔW₂" in text and "W₂ after" in text


def test_period_key_steps(qtbot, stepper, small_dict):
    host, panel, worker = stepper(Experiment.from_dict(small_dict))
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    panel.stepPhaseButton.setFocus()
    qtbot.waitUntil(lambda: panel.stepPhaseButton.hasFocus())
    qtbot.keyClick(panel.stepPhaseButton, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: panel.phase_index == 1, timeout=5000)
    qtbot.keyClick(panel.stepPhaseButton, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: panel.phase_index == 2, timeout=5000)
    assert panel.phaseLabel.text().startswith("forward · layer 2 of 3")
    assert panel.step_action.shortcut().toString() == "."


def test_finishing_elsewhere_leaves_the_stepping_mode(qtbot, stepper, small_dict):
    """Step batch (or Play) while stepping finishes the iteration in the worker; the panel
    notices from the next snapshot and stops showing a stale phase."""
    host, panel, worker = stepper(Experiment.from_dict(small_dict))
    _step(qtbot, panel, 1)
    _step(qtbot, panel, 2)
    worker.step_batch()
    qtbot.waitUntil(lambda: not panel.active, timeout=5000)
    assert panel.diagram.highlight_kind is None
    assert _iteration(worker) == 2          # the stepped iteration, then one more batch


def test_large_layers_are_summarised_in_the_table(qtbot, stepper, small_dict):
    small_dict["network"]["layers"] = [{"units": 40, "activation": "relu"},
                                       {"units": 2, "activation": "softmax"}]
    host, panel, worker = stepper(Experiment.from_dict(small_dict))
    _step(qtbot, panel, 1)
    w = _value_of(panel, "W₁")
    assert w.startswith("2×40: mean") and "std" in w and "max" in w and "‖·‖" in w
    assert _value_of(panel, "z₁").startswith("40: mean")
    assert panel.diagram.summarised
    panel.grab()        # paints without error


def test_phase_numbers_in_the_label_carry_unicode_subscripts(qtbot, stepper):
    host, panel, worker = stepper(preset("xor_classic"))
    for i in range(1, 5):
        _step(qtbot, panel, i)
    assert re.search(r"δ₂ = .* ⊙ f′\(z₂\)", panel.phaseLabel.text())
    assert panel.diagram.highlighted_layer == 2 and panel.diagram.highlight_kind == "backward"
    assert panel.diagram.node_quantity(2) == "δ" and panel.diagram.node_values(1) is None


# -- the update phase names the optimizer that really trains ----------------------------------
OPTIMIZER_CASES = [
    ({"name": "sgd", "learning_rate": 0.1}, "SGD", "w ← w − η·g"),
    ({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}, "SGD with momentum",
     "w ← w − η·v"),
    ({"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
     "SGD with Nesterov momentum", "w ← w − η·(g + μ·v)"),
    ({"name": "adam", "learning_rate": 0.01}, "Adam", "w ← w − η·m̂/(√v̂ + ε)"),
    ({"name": "rmsprop", "learning_rate": 0.01}, "RMSprop", "w ← w − η·g/d"),
    ({"name": "adagrad", "learning_rate": 0.01}, "Adagrad", "w ← w − η·g/(√G + ε)"),
]


@pytest.mark.parametrize("config, name, last_step", OPTIMIZER_CASES)
def test_update_rule_is_the_engines_formula_for_each_optimizer(small_dict, config, name,
                                                                last_step):
    small_dict["training"]["optimizer"] = config
    rule = update_rule(Experiment.from_dict(small_dict))
    assert rule.name == name
    assert rule.formula == make_optimizer(config, 1, np.float32).update_formula()
    assert rule.formula.endswith(last_step)
    assert rule.notes == ()


def test_update_rule_mentions_penalties_weight_decay_clipping_and_schedule(small_dict):
    small_dict["training"].update(l1=0.001, l2=0.01, clip_norm=1.0,
                                  lr_schedule={"name": "step", "step_size": 10})
    small_dict["training"]["optimizer"] = {"name": "sgd", "learning_rate": 0.1,
                                           "weight_decay": 0.0005}
    rule = update_rule(Experiment.from_dict(small_dict))
    notes = "\n".join(rule.notes)
    assert rule.formula.startswith("g = ∂L/∂w + λ·w")
    assert "l1·sign(w)" in notes and "2·l2·w" in notes and "l2 = 0.01" in notes
    assert "weight decay λ = 0.0005" in notes
    assert "clipping first: ∂L/∂w ← ∂L/∂w·min(1, 1/‖∇L‖)" in notes
    assert "step schedule" in notes


def test_adam_roadmap_and_update_phase_never_claim_sgd(qtbot, stepper, small_dict):
    """The regression: with Adam the overview and the update phase said "(SGD)"."""
    small_dict["training"]["clip_norm"] = 0.5
    small_dict["training"]["l2"] = 0.001
    host, panel, worker = stepper(Experiment.from_dict(small_dict))        # Adam
    roadmap = panel.table_text()
    assert "SGD" not in roadmap and "SGD" not in panel.explanationLabel.text()
    assert "update · Adam" in roadmap
    assert "m ← β₁·m + (1−β₁)·g" in roadmap and "w ← w − η·m̂/(√v̂ + ε)" in roadmap
    assert "clipping first" in roadmap and "2·l2·w" in roadmap
    assert "weight update by Adam" in panel.explanationLabel.text()
    for i in range(1, 9):
        _step(qtbot, panel, i)
    assert panel.phase.kind == "update"
    label = panel.phaseLabel.text()
    assert label == panel.phase.label                     # the engine's formula, as reported
    assert label.endswith(panel.update_rule.formula) and "m̂" in label
    assert "update: ∂L/∂w ← ∂L/∂w·min(1, 0.5/‖∇L‖);  g = ∂L/∂w;  m ←" in label
    text = panel.explanationLabel.text()
    assert text.startswith("Adam update, η = 0.01.") and "SGD" not in text
    assert "clipping first" in text and "penalty gradient" in text
    assert "clip scale" in panel.table_text() or panel.phase.values["clip_scale"] == 1.0


def test_plain_sgd_keeps_the_textbook_sentence(qtbot, stepper):
    host, panel, worker = stepper(preset("xor_classic"))
    assert "update · SGD" in panel.table_text()
    assert "w ← w − η·∂L/∂w" in panel.explanationLabel.text()
    for i in range(1, 7):
        _step(qtbot, panel, i)
    assert panel.explanationLabel.text().startswith(
        "Every weight takes a step against its gradient, w ← w − η·∂L/∂w with η = 1")


def test_table_rows_name_the_dropout_mask_and_only_the_penalties_in_use(small_dict):
    """Dropout on layer 1, L1 only: the backward rows go ∂L/∂out₁ → m₁ → δ₁ with the numbers
    the engine used, and the loss row names l1 alone."""
    from ui.diagram.phase_format import rows_for
    small_dict["network"]["layers"][0]["dropout"] = 0.5
    small_dict["training"]["l1"] = 0.001
    phases = list(Trainer(Experiment.from_dict(small_dict)).phases())
    loss = next(p for p in phases if p.kind == "loss")
    labels = [row.quantity for row in rows_for(loss)]
    assert "penalty  (l1·Σ|W|)" in labels and not any("l2" in text for text in labels)
    back1 = next(p for p in phases if p.kind == "backward" and p.layer == 0)
    rows = rows_for(back1, sample=1)
    labels = [row.quantity for row in rows]
    assert labels[:3] == ["∂L/∂out₁ = δ₂ W₂ᵀ", "m₁  (dropout mask)", "f′(z₁)"]
    assert labels[3] == "δ₁ = (∂L/∂out₁ ⊙ m₁) ⊙ f′(z₁)"
    v = back1.values
    np.testing.assert_allclose(v["delta"][1], v["grad_out"][1] * v["mask"][1] * v["f_prime"][1],
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(_numbers(rows[1].value), v["mask"][1], rtol=1e-3)
    back2 = next(p for p in phases if p.kind == "backward" and p.layer == 1)   # no dropout
    assert rows_for(back2)[0].quantity == "∂L/∂a₂ = δ₃ W₃ᵀ"


def test_a_setting_changed_while_stepping_completes_the_iteration_first(qtbot, stepper,
                                                                        small_dict):
    """A live change (here the batch size, which the monkey test changed inside an epoch's
    first, still open iteration) applies between iterations: the stepped one is completed with
    the settings it began with, the panel leaves the stepping mode, and training goes on as
    if the change had been made after that batch."""
    experiment = Experiment.from_dict(small_dict)
    host, panel, worker = stepper(experiment)
    for i in range(1, 4):
        _step(qtbot, panel, i)
    worker.apply("training.batch_size", 7)
    qtbot.waitUntil(lambda: not panel.active, timeout=5000)
    assert _iteration(worker) == 1
    worker.step_epoch()
    qtbot.waitUntil(lambda: worker.submit(lambda t: t.epoch).result(5) == 1, timeout=5000)
    reference = Trainer(experiment)
    reference.train_batch()
    reference.update("training.batch_size", 7)
    reference.train_epoch()
    np.testing.assert_array_equal(_params(worker), reference.network.params)
    losses = worker.submit(lambda t: t.history.column("train_loss").copy()).result(5)
    np.testing.assert_array_equal(losses, reference.history.column("train_loss"))
