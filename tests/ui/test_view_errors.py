"""No error inside a view takes the window down: networks whose error signal is exactly zero,
all-dead ReLUs, an exploding but finite run and a one-sample training set draw every view; an
unexpected error in a view is shown in the notice bar and the window goes on."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from playground import Experiment, Trainer
from ui.plots.error_signal import gradient_warning, order_of_magnitude

from conftest import ROOT

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def relu_zero_init() -> dict:
    return {
        "seed": 0,
        "data": {"source": "spiral", "samples": 100},
        "network": {"layers": [{"units": 8, "activation": "relu", "init": "zeros"},
                               {"units": 2, "activation": "softmax", "init": "zeros"}],
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": 10,
                     "epochs": 5},
    }


@pytest.fixture
def window(open_window):
    return lambda trainer: open_window(trainer=trainer)


def show_every_tab(qtbot, w) -> None:
    """Step an epoch, then bring every tabbed dock to the front and let it draw."""
    w.step_epoch()
    qtbot.waitUntil(lambda: w.latest_snapshot is not None and w.latest_snapshot.epoch >= 1,
                    timeout=5000)
    for dock in (w.docks["error"], w.docks["weights"], w.docks["backprop"]):
        dock.raise_()
        QApplication.processEvents()
        w.refresh_views()


def test_zero_error_signal_formats_without_a_log_of_zero():
    assert order_of_magnitude(0.0) == "0"
    assert order_of_magnitude(1.3e-5) == "1e-5"
    text = gradient_warning([0.0, 0.08])
    assert "no error signal reaches layer 1" in text and "vanishing" in text
    assert gradient_warning([0.0, 0.0]) == ""      # nothing anywhere: nothing claimed


def test_zero_initialization_draws_every_view_and_names_the_missing_signal(qtbot, window):
    w = window(Trainer(Experiment.from_dict(relu_zero_init())))
    show_every_tab(qtbot, w)
    w.docks["error"].raise_()
    QApplication.processEvents()
    w.refresh_views()
    assert "no error signal reaches layer 1" in w.views["error"].warning_label.text()
    assert w.notice.text() == ""
    assert w.isVisible()


def test_all_dead_relus_draw_every_view(qtbot, window):
    trainer = Trainer(Experiment.from_dict(relu_zero_init() | {
        "network": {"layers": [{"units": 8, "activation": "relu"},
                               {"units": 2, "activation": "softmax"}],
                    "loss": "cross_entropy"}}))
    weights = trainer.network.weights()
    weights["b0"] = np.full_like(weights["b0"], -100.0)     # no unit ever fires
    trainer.network.set_weights(weights)
    w = window(trainer)
    show_every_tab(qtbot, w)
    assert w.latest_snapshot.layers[0].dead_fraction == 1.0
    assert w.notice.text() == ""


def test_an_exploding_but_finite_run_draws_every_view(qtbot, window):
    d = relu_zero_init()
    d["network"] = {"layers": [{"units": 16, "activation": "linear", "init": "uniform"}] * 8
                    + [{"units": 2, "activation": "softmax", "init": "uniform"}],
                    "loss": "cross_entropy"}
    d["training"]["optimizer"]["learning_rate"] = 1e-9
    w = window(Trainer(Experiment.from_dict(d)))
    show_every_tab(qtbot, w)
    norms = [layer.error_signal_norm for layer in w.latest_snapshot.layers]
    assert all(np.isfinite(norms)) and norms[0] > 1000 * norms[-1]
    assert "exploding" in w.views["error"].warning_label.text()
    assert w.notice.text() == ""


def test_a_one_sample_training_set_draws_every_view(qtbot, window):
    d = relu_zero_init()
    d["data"] = {"source": "sine", "samples": 2, "validation_split": 0.5}
    d["network"] = {"layers": [{"units": 8, "activation": "tanh"},
                               {"units": 1, "activation": "linear"}], "loss": "mse"}
    trainer = Trainer(Experiment.from_dict(d))
    w = window(trainer)
    show_every_tab(qtbot, w)
    assert w.latest_snapshot.epoch == 1
    assert w.notice.text() == ""


def test_an_error_inside_a_view_is_shown_and_the_window_goes_on(qtbot, window, view_errors,
                                                                  monkeypatch, capsys):
    w = window(Trainer(Experiment.from_dict(relu_zero_init())))

    def broken(*_):
        raise ValueError("math domain error")

    monkeypatch.setattr(w.views["error"], "_redraw", broken)
    show_every_tab(qtbot, w)
    w.docks["error"].raise_()
    QApplication.processEvents()
    w.views["error"].mark_dirty()
    w.refresh_views()
    assert view_errors and view_errors[0][0] == "error signal plot"
    assert "error signal plot could not be drawn" in w.notice.text()
    assert "math domain error" in w.notice.text()
    w.step_epoch()                                  # the window still trains
    qtbot.waitUntil(lambda: w.latest_snapshot.epoch >= 2, timeout=5000)
    assert "ValueError" in capsys.readouterr().err  # the traceback went to the terminal


def test_self_test_on_a_zero_initialized_network_passes_without_a_traceback(tmp_path):
    path = tmp_path / "zeros.json"
    path.write_text(json.dumps(relu_zero_init()))
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
           "BACKPROP_PLAYGROUND_CONFIG_DIR": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-m", "ui", "--self-test", str(path)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "self-test ok" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("data, layers, loss", [
    ({"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]},
     [{"units": 2, "activation": "sigmoid"}, {"units": 2, "activation": "sigmoid"}], "mse"),
    ({"inputs": [[0.0, 0.0], [1.0, 1.0]], "targets": ["no", "yes"]},
     [{"units": 3, "activation": "tanh"}, {"units": 2, "activation": "softmax"}],
     "cross_entropy"),
    ({"inputs": [[0.0, 0.0, 1.0]], "targets": [0.5]},
     [{"units": 2, "activation": "tanh", "use_bias": False},
      {"units": 1, "activation": "linear"}], "mse"),
], ids=["one_sample_two_outputs", "two_labelled_points", "one_sample_three_inputs"])
def test_a_typed_in_table_draws_every_view(qtbot, window, data, layers, loss):
    d = relu_zero_init()
    d["data"] = {"source": "table", "validation_split": 0.0, **data}
    d["network"] = {"layers": layers, "loss": loss}
    w = window(Trainer(Experiment.from_dict(d)))
    show_every_tab(qtbot, w)
    assert w.latest_snapshot.epoch == 1
    assert w.notice.text() == ""
