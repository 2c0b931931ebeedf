"""The Loss landscape dock and Training ▸ Find Learning Rate… in a real window, with the
computations running off the GUI thread on copies of the trainer's state."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QSpinBox

from conftest import small_experiment
from playground import Experiment, Trainer
from ui.window.main_window import MainWindow

TIMEOUT = 20_000
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints",
                                       "does not support raise")


@pytest.fixture
def window(qtbot):
    """A window on a small spiral trained 6 epochs; shut down at teardown."""
    trainer = Trainer(Experiment.from_dict(small_experiment()))
    for _ in range(6):
        trainer.train_epoch()
    win = MainWindow(trainer=trainer, remember=False)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.latest_snapshot is not None, timeout=TIMEOUT)
    yield win
    assert win.shutdown()
    win.model.undo_stack.setClean()
    win.close()


def child(window, kind, name):
    widget = window.findChild(kind, name)
    assert widget is not None, name
    return widget


def trainer_weights(window) -> bytes:
    return window.worker.submit(lambda t: t.network.params.tobytes()).result(timeout=10)


def compute(qtbot, window):
    panel = window.loss_tools.show_landscape()
    qtbot.mouseClick(child(window, QPushButton, "landscapeCompute"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    return panel


def test_the_landscape_states_its_cost_then_draws_plane_path_and_line(qtbot, window):
    info = child(window, QLabel, "landscapeInfo")
    assert "41 × 41 grid + 81 points on the line = 1,762 forward passes" in info.text()
    child(window, QSpinBox, "landscapeGrid").setValue(9)
    assert "9 × 9 grid" in info.text() and "162 forward passes" in info.text()
    before = trainer_weights(window)
    panel = compute(qtbot, window)
    land = panel.result
    assert land is not None and land.plane.losses.shape == (9, 9)
    assert "principal directions" in info.text() and "Epoch 6" in info.text()
    assert trainer_weights(window) == before
    header, rows = panel.csv_table()
    kinds = [row[0] for row in rows]
    assert kinds.count("plane") == 81 and kinds.count("line") == 81
    assert kinds.count("path") == 7              # epochs 0 … 6
    assert rows[kinds.index("path") + 6][1:3] == [0.0, 0.0]   # the current weights: origin
    view = panel.plot_widget.getPlotItem().getViewBox()
    assert all(b is not None for b in view.childrenBounds())


def test_random_directions_use_the_seed_shown(qtbot, window):
    child(window, QSpinBox, "landscapeGrid").setValue(5)
    method = child(window, QComboBox, "landscapeMethod")
    seed = child(window, QSpinBox, "landscapeSeed")
    assert not seed.isVisible()
    method.setCurrentIndex(method.findData("random"))
    assert seed.isVisible()
    seed.setValue(3)
    first = compute(qtbot, window).result
    second = compute(qtbot, window).result
    assert first.plane.method == "random"
    assert (first.plane.losses == second.plane.losses).all()
    seed.setValue(4)
    assert not (compute(qtbot, window).result.plane.losses == first.plane.losses).all()


def test_cancel_stops_a_long_computation(qtbot, window):
    panel = window.loss_tools.show_landscape()
    child(window, QSpinBox, "landscapeGrid").setValue(101)
    qtbot.mouseClick(child(window, QPushButton, "landscapeCompute"), Qt.MouseButton.LeftButton)
    assert panel.running and child(window, QPushButton, "landscapeCancel").isEnabled()
    qtbot.mouseClick(child(window, QPushButton, "landscapeCancel"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    assert child(window, QLabel, "landscapeInfo").text() == "Cancelled."
    assert panel.result is None and child(window, QPushButton, "landscapeCompute").isEnabled()


def test_a_new_run_forgets_the_landscape_and_needs_a_path_first(qtbot, window):
    child(window, QSpinBox, "landscapeGrid").setValue(5)
    panel = compute(qtbot, window)
    assert panel.result is not None
    window.reset_training()
    qtbot.waitUntil(lambda: panel.result is None, timeout=TIMEOUT)
    assert "Press Compute" in child(window, QLabel, "landscapeInfo").text()
    qtbot.waitUntil(lambda: window.latest_snapshot.epoch == 0, timeout=TIMEOUT)
    compute(qtbot, window)
    assert "train for at least 2 epochs" in child(window, QLabel, "landscapeInfo").text()


def test_find_learning_rate_suggests_and_uses_a_rate_undoably(qtbot, window):
    assert window.loss_tools.find_lr_action in window.menus.training.actions()
    before = trainer_weights(window)
    window.loss_tools.find_lr_action.trigger()
    dialog = window.loss_tools.dialog
    qtbot.waitUntil(lambda: not dialog.running, timeout=TIMEOUT)
    test = dialog.test
    assert test is not None and test.suggested is not None
    assert "steepest descent" in child(dialog, QLabel, "lrFindExplanation").text()
    assert trainer_weights(window) == before
    rate = float(f"{test.suggested:.2g}")
    old = window.model.get("training.optimizer.learning_rate")
    qtbot.mouseClick(child(dialog, QPushButton, "lrFindUse"), Qt.MouseButton.LeftButton)
    assert window.model.get("training.optimizer.learning_rate") == rate
    qtbot.waitUntil(lambda: window.worker.submit(lambda t: t.learning_rate).result(5) == rate,
                    timeout=TIMEOUT)
    window.model.undo_stack.undo()
    assert window.model.get("training.optimizer.learning_rate") == old
    header, rows = dialog.plot.csv_table()
    assert header[0] == "learning_rate" and len(rows) == len(test.learning_rates)
    dialog.close()


def test_every_n_epochs_recomputes_as_training_goes_on(qtbot, window):
    panel = window.loss_tools.show_landscape()
    child(window, QSpinBox, "landscapeGrid").setValue(5)
    child(window, QSpinBox, "landscapeEvery").setValue(2)
    child(window, QCheckBox, "landscapeAuto").setChecked(True)
    window.step_epoch()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    assert panel.result.plane.path_epochs[-1] == 7
    window.step_epoch()                 # epoch 8: only 1 epoch since: not yet
    qtbot.waitUntil(lambda: window.latest_snapshot.epoch == 8, timeout=TIMEOUT)
    assert not panel.running and panel.result.plane.path_epochs[-1] == 7
    assert "training is at epoch 8 now" in child(window, QLabel, "landscapeInfo").text()
    window.step_epoch()
    qtbot.waitUntil(lambda: panel.result.plane.path_epochs[-1] == 9, timeout=TIMEOUT)
