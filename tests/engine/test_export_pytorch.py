"""The exported PyTorch script trains the way the app does (DESIGN.md §6 'Export').

The reference is torch itself: the script the export writes is run (in this process, and once
as a program of its own) and its printed history is compared with the history of the app's
own Trainer, column by column, over several epochs — for every optimizer, with a schedule,
clipping, the L1/L2 penalty, dropout (the app's masks), early stopping, regression, float64,
and runs resumed from a ``.bpp``. Its final state_dict is compared with the app's weights.
Skipped without torch (the ``bench`` extra).
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, small_experiment
from playground import Trainer
from playground.files.export import export_trainer
from playground.training.history import COLUMNS, History

torch = pytest.importorskip("torch")

EXAMPLES = ROOT / "assets" / "examples"
FLOAT32, FLOAT64 = 1e-5, 1e-10


def experiment(layers=None, loss="cross_entropy", data=None, **training) -> dict:
    d = small_experiment()
    if layers is not None:
        d["network"]["layers"] = layers
    d["network"]["loss"] = loss
    if data is not None:
        d["data"] = data
    d["training"].update({"epochs": 8, **training})
    return d


def exported(trainer, tmp_path, name="net") -> object:
    """Export ``trainer`` to ``tmp_path/name.py`` and import the script as a module."""
    script = tmp_path / f"{name}.py"
    export_trainer(trainer, "pytorch", script, "a test")
    spec = importlib.util.spec_from_file_location(f"exported_{name}_{id(trainer)}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(module, capsys, epochs: int, save) -> tuple[History, str, int]:
    capsys.readouterr()
    status = module.main(["--epochs", str(epochs), "--threads", "1", "--save", str(save)])
    out, err = capsys.readouterr()
    return History.from_csv(out), err, status


def app_rows(trainer, start: int = 0) -> dict[str, np.ndarray]:
    return {name: trainer.history.column(name, start) for name in COLUMNS}


def largest_difference(app: dict, script: History) -> float:
    """The largest difference over every column (NaN in both — no such value — is equal)."""
    worst = 0.0
    for name in COLUMNS:
        a, s = app[name], script.column(name)
        assert len(a) == len(s), f"{name}: the app ran {len(a)} epochs, the script {len(s)}"
        assert np.array_equal(np.isnan(a), np.isnan(s)), name
        known = ~np.isnan(a)
        if known.any():
            worst = max(worst, float(np.max(np.abs(a[known] - s[known]))))
    return worst


def assert_same_weights(trainer, state_dict_path, tol: float) -> None:
    state = torch.load(state_dict_path, weights_only=True)
    linears = sorted({key.split(".")[0] for key in state}, key=int)
    assert len(linears) == len(trainer.network.layers)
    for i, name in enumerate(linears):
        np.testing.assert_allclose(state[f"{name}.weight"].numpy().T,
                                   trainer.network.layers[i].W, atol=tol, rtol=0)
        if trainer.network.layers[i].use_bias:
            np.testing.assert_allclose(state[f"{name}.bias"].numpy(),
                                       trainer.network.layers[i].b, atol=tol, rtol=0)
        else:
            assert f"{name}.bias" not in state


def check_parity(d: dict, tmp_path, capsys, tol=FLOAT32) -> tuple[Trainer, History]:
    """Train ``d`` in the app and in its exported script; both must agree."""
    trainer = Trainer(d)
    module = exported(trainer, tmp_path)
    for _ in trainer.run():
        pass
    history, err, status = run_script(module, capsys, d["training"]["epochs"],
                                      tmp_path / "net.pt")
    assert status == 0, err
    assert largest_difference(app_rows(trainer), history) <= tol
    assert_same_weights(trainer, tmp_path / "net.pt", tol)
    return trainer, history


HIDDEN = [{"units": 6, "activation": "tanh"}, {"units": 6, "activation": "tanh"},
          {"units": 2, "activation": "softmax"}]

CASES = {
    "sgd with momentum, L2 and a step schedule": dict(
        optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}, l2=0.001,
        lr_schedule={"name": "step", "step_size": 3, "gamma": 0.5}),
    "sgd with Nesterov momentum, weight decay, L1 and clipping": dict(
        optimizer={"name": "sgd", "learning_rate": 0.2, "momentum": 0.8, "nesterov": True,
                   "weight_decay": 0.001}, l1=0.001, clip_norm=0.05),
    "sgd with dampening, unshuffled": dict(
        optimizer={"name": "sgd", "learning_rate": 0.05, "momentum": 0.5, "dampening": 0.3},
        shuffle=False),
    "adam (amsgrad) with clipping and an exponential schedule": dict(
        optimizer={"name": "adam", "learning_rate": 0.02, "amsgrad": True,
                   "weight_decay": 0.01, "betas": [0.8, 0.99]}, clip_norm=0.1,
        lr_schedule={"name": "exponential", "gamma": 0.8}),
    "rmsprop (centered, momentum) with a plateau schedule": dict(
        optimizer={"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5,
                   "centered": True}, lr_schedule={"name": "plateau", "patience": 1,
                                                   "factor": 0.5, "min_delta": 0.01}),
    "adagrad with lr_decay and early stopping": dict(
        optimizer={"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.01,
                   "initial_accumulator_value": 0.1}, epochs=30,
        early_stopping={"enabled": True, "patience": 2, "min_delta": 0.02}),
}


@pytest.mark.parametrize("training", CASES.values(), ids=CASES.keys())
def test_history_and_weights_equal_the_apps(training, tmp_path, capsys):
    trainer, history = check_parity(experiment(**training), tmp_path, capsys)
    if "lr_schedule" in training:        # the schedule did change the rate, in both
        assert len(set(history.column("learning_rate"))) > 1
    if "early_stopping" in training:     # stopped early, and both put back the best weights
        assert trainer.stopped_early and len(history) < training["epochs"]
        assert trainer.best_epoch < len(history)


def test_clipping_is_what_makes_the_difference(tmp_path, capsys):
    """The clipped case above is not clipping by accident: without it, the run differs."""
    training = CASES["sgd with Nesterov momentum, weight decay, L1 and clipping"]
    clipped = Trainer(experiment(**training))
    free = Trainer(experiment(**{**training, "clip_norm": None}))
    for t in (clipped, free):
        for _ in t.run():
            pass
    assert largest_difference(app_rows(clipped), free.history) > 1e-3


def test_dropout_uses_the_apps_masks(tmp_path, capsys):
    layers = [{"units": 8, "activation": "relu", "init": "he_uniform", "dropout": 0.3},
              {"units": 8, "activation": "tanh", "dropout": 0.5},
              {"units": 2, "activation": "softmax"}]
    check_parity(experiment(layers), tmp_path, capsys)


def test_a_layer_without_bias_and_hand_set_weights(tmp_path, capsys):
    layers = [{"units": 3, "activation": "tanh", "use_bias": False,
               "weights": [[0.5, -0.25, 1.0], [0.75, 0.5, -1.0]]},
              {"units": 2, "activation": "softmax", "use_bias": False}]
    d = experiment(layers, optimizer={"name": "sgd", "learning_rate": 0.3, "momentum": 0.5})
    d["data"]["features"] = ["x1", "x2"]
    trainer, _ = check_parity(d, tmp_path, capsys)
    assert trainer.network.n_params == 2 * 3 + 3 * 2


def test_a_bias_free_network_on_a_typed_in_table_trains_like_the_app(tmp_path, capsys):
    from playground.presets import preset
    d = preset("xor_numpy_classic").to_dict()
    d["training"]["epochs"] = 40
    check_parity(d, tmp_path, capsys, tol=FLOAT64)


def test_float64_agrees_to_1e10(tmp_path, capsys):
    d = experiment(HIDDEN, optimizer={"name": "adam", "learning_rate": 0.01}, dtype="float64",
                   l2=0.001, clip_norm=0.5)
    check_parity(d, tmp_path, capsys, tol=FLOAT64)


def test_regression_with_gelu_elu_and_leaky_relu_reports_r2(tmp_path, capsys):
    layers = [{"units": 8, "activation": "gelu"}, {"units": 8, "activation": "elu"},
              {"units": 6, "activation": "leaky_relu"}, {"units": 1, "activation": "linear"}]
    _, history = check_parity(experiment(layers, "mse", {"source": "sine", "samples": 100},
                                         optimizer={"name": "adam", "learning_rate": 0.01}),
                              tmp_path, capsys)
    assert np.all(np.isfinite(history.column("val_r2")))
    assert np.all(np.isnan(history.column("train_accuracy")))


def test_binary_cross_entropy_with_a_sigmoid_output(tmp_path, capsys):
    layers = [{"units": 6, "activation": "leaky_relu"}, {"units": 1, "activation": "sigmoid"}]
    check_parity(experiment(layers, "binary_cross_entropy",
                            optimizer={"name": "adam", "learning_rate": 0.02}),
                 tmp_path, capsys)


def test_mse_on_one_hot_classes(tmp_path, capsys):
    layers = [{"units": 6, "activation": "sigmoid"}, {"units": 2, "activation": "sigmoid"}]
    check_parity(experiment(layers, "mse", optimizer={"name": "sgd", "learning_rate": 0.5}),
                 tmp_path, capsys)


def test_without_a_validation_set_early_stopping_watches_the_training_loss(tmp_path, capsys):
    d = experiment(HIDDEN, epochs=40, early_stopping={"enabled": True, "patience": 1,
                                                      "min_delta": 0.01})
    d["data"]["validation_split"] = 0
    trainer, history = check_parity(d, tmp_path, capsys)
    assert np.all(np.isnan(history.column("val_loss"))) and trainer.stopped_early


@pytest.mark.parametrize("optimizer", [
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    {"name": "adam", "learning_rate": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.3, "centered": True},
    {"name": "adagrad", "learning_rate": 0.1}], ids=lambda o: o["name"])
def test_a_saved_run_goes_on_as_the_app_goes_on(optimizer, tmp_path, capsys):
    """Trained weights, optimizer state, schedule, early stopping and generator all carry over."""
    d = experiment(HIDDEN, optimizer=optimizer, epochs=11,
                   lr_schedule={"name": "plateau", "patience": 1, "min_delta": 0.02},
                   early_stopping={"enabled": True, "patience": 5})
    d["network"]["layers"][0]["dropout"] = 0.2
    before = Trainer(d)
    for _ in before.run(5):
        pass
    assert not before.finished and before.best_epoch > 0
    before.save(tmp_path / "run.bpp")
    module = exported(Trainer.load(tmp_path / "run.bpp"), tmp_path)
    app = Trainer.load(tmp_path / "run.bpp")
    for _ in app.run(6):
        pass
    history, err, status = run_script(module, capsys, 6, tmp_path / "net.pt")
    assert status == 0, err
    assert history.column("epoch")[0] == 6
    assert largest_difference(app_rows(app, 5), history) <= FLOAT32
    assert app.finished                  # at the end of its budget: best weights put back
    assert_same_weights(app, tmp_path / "net.pt", FLOAT32)


def test_a_run_that_stopped_early_continues_with_fresh_patience(tmp_path, capsys):
    d = experiment(HIDDEN, epochs=30, early_stopping={"enabled": True, "patience": 1,
                                                      "min_delta": 0.05})
    first = Trainer(d)
    for _ in first.run():
        pass
    assert first.stopped_early
    first.save(tmp_path / "run.bpp")
    module = exported(Trainer.load(tmp_path / "run.bpp"), tmp_path)
    app = Trainer.load(tmp_path / "run.bpp")
    start = app.epoch
    app.continue_training(extra_epochs=5)
    for _ in app.run():
        pass
    history, _, _ = run_script(module, capsys, 5, tmp_path / "net.pt")
    assert largest_difference(app_rows(app, start), history) <= FLOAT32


MID_EPOCH = {
    "shuffled, with dropout": experiment(
        [{"units": 6, "activation": "tanh", "dropout": 0.2}] + HIDDEN[1:], epochs=6,
        early_stopping={"enabled": True, "patience": 10}),
    "unshuffled regression": experiment(
        [{"units": 6, "activation": "tanh"}, {"units": 1, "activation": "linear"}], "mse",
        {"source": "sine", "samples": 100}, epochs=6, shuffle=False),
}


@pytest.mark.parametrize("d", MID_EPOCH.values(), ids=MID_EPOCH.keys())
def test_a_run_saved_mid_epoch_finishes_that_epoch_first(d, tmp_path, capsys):
    """Saved after batch 4 of epoch 3: the script completes epoch 3 in the app's order and
    with its running sums, then goes on."""
    before = Trainer(d)
    for _ in before.run(2):
        pass
    for _ in range(4):
        before.train_batch()
    before.save(tmp_path / "run.bpp")
    module = exported(Trainer.load(tmp_path / "run.bpp"), tmp_path)
    app = Trainer.load(tmp_path / "run.bpp")
    for _ in app.run():
        pass
    history, err, status = run_script(module, capsys, 4, tmp_path / "net.pt")
    assert status == 0, err
    assert list(history.column("epoch")) == [3, 4, 5, 6]
    assert largest_difference(app_rows(app, 2), history) <= FLOAT32
    assert_same_weights(app, tmp_path / "net.pt", FLOAT32)


def test_the_script_stands_alone(tmp_path):
    """Only torch, numpy and the standard library; it runs as a program from any folder and
    finds its .npz files beside it."""
    trainer = Trainer(experiment(HIDDEN, epochs=2))
    (tmp_path / "made").mkdir()
    export_trainer(trainer, "pytorch", tmp_path / "made" / "net.py", "a test")
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "made", moved)
    shutil.rmtree(tmp_path / "made")
    tree = ast.parse((moved / "net.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported == {"argparse", "math", "sys", "pathlib", "numpy", "torch"}
    done = subprocess.run([sys.executable, str(moved / "net.py"), "--threads", "1"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for _ in trainer.run():
        pass
    assert largest_difference(app_rows(trainer), History.from_csv(done.stdout)) <= FLOAT32
    assert (moved / "net.pt").is_file() and "saved the state_dict" in done.stderr


def test_a_diverging_run_stops_like_the_apps(tmp_path, capsys):
    relu = [{"units": 32, "activation": "relu"}, {"units": 32, "activation": "relu"},
            {"units": 2, "activation": "softmax"}]
    d = experiment(relu, optimizer={"name": "sgd", "learning_rate": 1e6}, epochs=30)
    trainer = Trainer(d)
    module = exported(trainer, tmp_path)
    for _ in trainer.run():
        pass
    assert trainer.diverged
    history, err, status = run_script(module, capsys, 5, tmp_path / "net.pt")
    assert status == 1 and "diverged" in err
    assert len(history) == len(trainer.history)
