"""The headless command line (DESIGN.md §4): train, gradcheck, trace, --version.

Most tests call :func:`playground.cli.main` in-process; a few run the real console script
and ``python -m ui`` in a subprocess, to prove the headless commands never import Qt.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, small_experiment
from playground import Trainer, __version__
from playground.cli import main

EXAMPLES = ROOT / "assets" / "examples"
SUMMARY_KEYS = {"epochs_run", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
                "best_epoch", "stopped_early"}
LAYER_KEYS = {"z", "a", "error_signal", "grad_W", "grad_b", "W_before", "b_before",
              "W_after", "b_after"}
SCRIPT = Path(sys.executable).with_name("backprop-playground")


def write(tmp_path, d: dict, name="exp.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(d), encoding="utf-8")
    return str(path)


def tiny(**training) -> dict:
    d = small_experiment()
    d["training"].update({"epochs": 4, **training})
    return d


def last_json(stdout: str) -> dict:
    lines = stdout.strip().splitlines()
    return json.loads(lines[-1])


def assert_one_line_error(err: str, *words):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("backprop-playground: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, err)


# -- train -------------------------------------------------------------------------------------
def test_train_json_summary_and_progress_on_stderr(tmp_path, capsys):
    f = write(tmp_path, tiny())
    assert main(["train", f, "--json"]) == 0
    out, err = capsys.readouterr()
    result = last_json(out)
    assert SUMMARY_KEYS <= set(result)
    assert result["epochs_run"] == 4 and result["stopped_early"] is False
    assert 0 < result["train_loss"] < 5 and 0 < result["val_loss"] < 5
    assert 0 <= result["train_accuracy"] <= 1 and 0 <= result["val_accuracy"] <= 1
    assert 1 <= result["best_epoch"] <= 4
    # the progress bar and the stop reason go to stderr, never to stdout
    assert "epoch" in err and "training" in err and "completed 4 epochs" in err
    assert "\r" not in out and "epoch/s" not in out and "%|" not in out
    assert len(out.strip().splitlines()) == 1


def test_train_json_matches_the_trainer(tmp_path, capsys):
    f = write(tmp_path, tiny())
    main(["train", f, "--json", "--quiet"])
    out, err = capsys.readouterr()
    assert err.strip() == "completed 4 epochs"               # --quiet: no bar
    result = last_json(out)
    t = Trainer(json.loads(Path(f).read_text()))
    while not t.finished:
        t.train_epoch()
    last = t.history.last()
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert result[key] == last[key]
    assert result["best_epoch"] == int(np.argmin(t.history.column("val_loss"))) + 1


def test_train_without_json_prints_a_table(tmp_path, capsys):
    f = write(tmp_path, tiny(epochs=2))
    assert main(["train", f, "--quiet"]) == 0
    out, _ = capsys.readouterr()
    assert "epochs_run: 2" in out and "val_accuracy:" in out


def test_train_with_early_stopping_reports_the_best_epoch(tmp_path, capsys):
    d = tiny(epochs=100, early_stopping={"enabled": True, "patience": 2, "min_delta": 10.0})
    f = write(tmp_path, d)
    assert main(["train", f, "--json", "--quiet"]) == 0
    out, err = capsys.readouterr()
    result = last_json(out)
    assert result["stopped_early"] is True and result["epochs_run"] == 3
    assert result["best_epoch"] == 1
    t = Trainer(d)
    t.train_epoch()
    assert result["train_loss"] == t.history.last()["train_loss"]   # the restored epoch's
    assert "early stopping" in err


def test_train_without_validation_gives_null_val_metrics(tmp_path, capsys):
    d = tiny(epochs=2)
    d["data"]["validation_split"] = 0
    main(["train", write(tmp_path, d), "--json", "--quiet"])
    result = last_json(capsys.readouterr().out)
    assert result["val_loss"] is None and result["val_accuracy"] is None
    assert result["train_loss"] is not None


def test_train_regression_reports_r2(tmp_path, capsys):
    d = tiny(epochs=3)
    d["data"] = {"source": "sine", "samples": 80}
    d["network"]["layers"][2] = {"units": 1, "activation": "linear"}
    d["network"]["loss"] = "mse"
    main(["train", write(tmp_path, d), "--json", "--quiet"])
    result = last_json(capsys.readouterr().out)
    assert result["train_accuracy"] is None and result["val_accuracy"] is None
    assert isinstance(result["val_r2"], float)


def test_save_and_resume_a_run(tmp_path, capsys):
    f = write(tmp_path, tiny(epochs=3))
    run = tmp_path / "run.bpp"
    assert main(["train", f, "--save", str(run), "--json", "--quiet"]) == 0
    first = last_json(capsys.readouterr().out)
    assert first["epochs_run"] == 3 and run.is_file()
    assert main(["train", str(run), "--epochs", "5", "--json", "--quiet",
                 "--save", str(run)]) == 0
    second = last_json(capsys.readouterr().out)
    assert second["epochs_run"] == 8 and second["epochs_this_session"] == 5
    assert Trainer.load(run).epoch == 8
    # resuming gives the numbers of an uninterrupted 8-epoch run
    straight = tmp_path / "straight.json"
    straight.write_text(json.dumps(tiny(epochs=8)))
    main(["train", str(straight), "--json", "--quiet"])
    assert last_json(capsys.readouterr().out)["train_loss"] == second["train_loss"]


def test_train_epochs_limits_a_fresh_run(tmp_path, capsys):
    f = write(tmp_path, tiny(epochs=50))
    main(["train", f, "--epochs", "2", "--json", "--quiet"])
    assert last_json(capsys.readouterr().out)["epochs_run"] == 2


def test_divergence_is_reported_not_warned_and_exits_1(tmp_path, capsys):
    d = tiny(epochs=30, optimizer={"name": "sgd", "learning_rate": 1e6})
    d["network"]["layers"] = [{"units": 32, "activation": "relu"},
                              {"units": 32, "activation": "relu"},
                              {"units": 2, "activation": "softmax"}]
    assert main(["train", write(tmp_path, d), "--json", "--quiet"]) == 1
    out, err = capsys.readouterr()
    result = last_json(out)
    assert result["diverged"] is True and "learning rate" in result["stop_reason"]
    assert "RuntimeWarning" not in err and "diverged" in err


def test_interrupt_saves_and_reports(tmp_path, capsys, monkeypatch):
    f = write(tmp_path, tiny(epochs=10))
    calls = {"n": 0}
    original = Trainer.train_epoch

    def train_epoch(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(self)
    monkeypatch.setattr(Trainer, "train_epoch", train_epoch)
    run = tmp_path / "partial.bpp"
    assert main(["train", f, "--json", "--quiet", "--save", str(run)]) == 130
    out, err = capsys.readouterr()
    assert last_json(out)["epochs_run"] == 2 and "interrupted" in err
    assert Trainer.load(run).epoch == 2


# -- bad input: exit 2, one line, no traceback ----------------------------------------------------
def test_missing_file(tmp_path, capsys):
    for command in ("train", "gradcheck", "trace"):
        assert main([command, str(tmp_path / "nope.json")]) == 2
        assert_one_line_error(capsys.readouterr().err, "nope.json", "no such file")
    assert main(["train", str(tmp_path / "nope.bpp")]) == 2
    assert_one_line_error(capsys.readouterr().err, "nope.bpp")


def test_invalid_json(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"seed": 1,\n "data": }')
    assert main(["train", str(path)]) == 2
    assert_one_line_error(capsys.readouterr().err, "broken.json", "not valid JSON", "line 2")


def test_invalid_experiment(tmp_path, capsys):
    d = tiny()
    d["network"]["layers"][1]["units"] = "many"
    f = write(tmp_path, d)
    for command in ("train", "gradcheck", "trace"):
        assert main([command, f]) == 2
        assert_one_line_error(capsys.readouterr().err, "network.layers[1].units")


def test_data_mismatch(tmp_path, capsys):
    d = tiny()
    d["data"]["classes"] = 3
    assert main(["train", write(tmp_path, d)]) == 2
    assert_one_line_error(capsys.readouterr().err, "network.layers[2].units", "3 classes")


def test_bad_csv(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("a,b,label\n1,2,x\n3,,y\n4,5,x\n")
    d = tiny()
    d["data"] = {"source": "csv", "path": "bad.csv"}
    f = write(tmp_path, d)
    for command in ("train", "gradcheck", "trace"):
        assert main([command, f]) == 2
        assert_one_line_error(capsys.readouterr().err, "bad.csv", "line 3")


def test_damaged_run_file(tmp_path, capsys):
    bad = tmp_path / "bad.bpp"
    bad.write_text("not a zip")
    assert main(["train", str(bad)]) == 2
    assert_one_line_error(capsys.readouterr().err, "bad.bpp", "not a saved run")


@pytest.mark.parametrize("argv, words", [
    (["train", "{f}", "--epochs", "0"], ["--epochs"]),
    (["trace", "{f}", "--batch", "0"], ["--batch"]),
    (["gradcheck", "{f}", "--samples", "0"], ["--samples"]),
])
def test_bad_options(tmp_path, capsys, argv, words):
    f = write(tmp_path, tiny())
    assert main([a.format(f=f) for a in argv]) == 2
    assert_one_line_error(capsys.readouterr().err, *words)


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


# -- gradcheck ---------------------------------------------------------------------------------------
def test_gradcheck_passes(tmp_path, capsys):
    f = write(tmp_path, tiny())
    assert main(["gradcheck", f]) == 0
    out = capsys.readouterr().out
    assert out.count("max relative error") == 4 and "passed" in out and "FAIL" not in out
    assert main(["gradcheck", f, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True and report["max_relative_error"] < 1e-6
    assert len(report["layers"]) == 3


def test_gradcheck_fails_on_wrong_gradients(tmp_path, capsys, monkeypatch):
    from playground.nn.layers import Dense
    original = Dense.parameter_gradients

    def off_by_one_percent(self, a_prev, delta, l1, l2, *ext):
        original(self, a_prev, delta, l1, l2, *ext)
        self.grad_W *= 1.01
    monkeypatch.setattr(Dense, "parameter_gradients", off_by_one_percent)
    f = write(tmp_path, tiny())
    assert main(["gradcheck", f]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "FAILED" in out
    assert main(["gradcheck", f, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    assert all(0.005 < layer["error_W"] < 0.02 for layer in report["layers"])


def test_gradcheck_on_a_saved_run(tmp_path, capsys):
    f = write(tmp_path, tiny(epochs=2))
    run = tmp_path / "r.bpp"
    main(["train", f, "--save", str(run), "--quiet"])
    capsys.readouterr()
    assert main(["gradcheck", str(run)]) == 0


# -- trace ---------------------------------------------------------------------------------------------
def test_trace_xor_is_plain_sgd(capsys):
    xor = EXAMPLES / "xor_classic.json"
    assert main(["trace", str(xor)]) == 0
    out = capsys.readouterr().out
    t = json.loads(out)
    assert {"input", "target", "loss", "layers"} <= set(t)
    assert t["iteration"] == 1 and t["epoch"] == 1 and t["batch"] == 1
    assert np.array(t["input"]).shape == (4, 2)
    assert np.array(t["target"]).ravel().tolist() == [0.0, 1.0, 1.0, 0.0]
    assert len(t["layers"]) == 2
    lr = np.float32(t["learning_rate"])
    assert lr == 1.0
    for layer in t["layers"]:
        assert LAYER_KEYS <= set(layer)
        W_before, grad_W = np.array(layer["W_before"], np.float32), \
            np.array(layer["grad_W"], np.float32)
        np.testing.assert_array_equal(np.array(layer["W_after"], np.float32),
                                      W_before - lr * grad_W)
        np.testing.assert_array_equal(np.array(layer["b_after"], np.float32),
                                      np.array(layer["b_before"], np.float32)
                                      - lr * np.array(layer["grad_b"], np.float32))
    # the numbers fit together: mse loss, δ of the output, ∂L/∂W = a_prevᵀ δ
    hidden, output = t["layers"]
    y_hat = np.array(output["a"], np.float64)
    y = np.array(t["target"], np.float64).reshape(-1, 1)
    assert math.isclose(t["loss"], float(np.mean((y_hat - y) ** 2)), rel_tol=1e-6)
    delta = 2 * (y_hat - y) / 4 * y_hat * (1 - y_hat)
    np.testing.assert_allclose(output["error_signal"], delta, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(output["grad_W"], np.array(hidden["a"]).T @ delta, rtol=1e-5,
                               atol=1e-7)
    np.testing.assert_allclose(hidden["grad_W"],
                               np.array(t["input"]).T @ np.array(hidden["error_signal"]),
                               rtol=1e-5, atol=1e-7)


def test_trace_batch_k_traces_the_kth_iteration(capsys):
    xor = str(EXAMPLES / "xor_classic.json")
    main(["trace", xor])
    first = json.loads(capsys.readouterr().out)
    assert main(["trace", xor, "--batch", "2"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["iteration"] == 2 and second["epoch"] == 2      # full batch: 1 per epoch
    for a, b in zip(first["layers"], second["layers"]):
        assert a["W_after"] == b["W_before"]                       # continues where 1 ended


def test_trace_mini_batches(tmp_path, capsys):
    f = write(tmp_path, tiny(batch_size=10))
    assert main(["trace", f, "--batch", "3"]) == 0
    t = json.loads(capsys.readouterr().out)
    assert (t["iteration"], t["epoch"], t["batch"]) == (3, 1, 3)
    assert np.array(t["input"]).shape == (10, 2)
    assert all(np.array(layer["grad_W"]).shape == np.array(layer["W_before"]).shape
               for layer in t["layers"])


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"backprop-playground {__version__}"


# -- the checks ------------------------------------------------------------------------------
def test_classic_xor_learns(tmp_path, capsys):
    run = tmp_path / "xor.bpp"
    assert main(["train", str(EXAMPLES / "xor_classic.json"), "--save", str(run), "--json",
                 "--quiet"]) == 0
    assert last_json(capsys.readouterr().out)["train_accuracy"] == 1.0
    t = Trainer.load(run)
    assert t.experiment.seed == 1
    predictions = t.predict(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)).ravel()
    assert np.all(np.abs(predictions - [0, 1, 1, 0]) < 0.1), predictions


@pytest.mark.slow
def test_spiral_reaches_90_percent_validation_accuracy():
    if not SCRIPT.exists():
        pytest.skip("the backprop-playground console script is not installed")
    proc = subprocess.run([str(SCRIPT), "train", str(EXAMPLES / "spiral_2x16_adam.json"),
                           "--json"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    result = last_json(proc.stdout)
    assert result["epochs_run"] == 300
    assert result["val_accuracy"] >= 0.9, result


# -- subprocesses: the real entry points, and no Qt --------------------------------------------------
def run_python(code: str, *args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=cwd or ROOT)


def test_headless_commands_do_not_import_qt(tmp_path):
    f = write(tmp_path, tiny(epochs=2))
    code = ("import sys; import ui.app; "
            "code = ui.app.main(['train', sys.argv[1], '--epochs', '2', '--quiet']); "
            "assert code == 0, code; "
            "assert 'PySide6' not in sys.modules, 'Qt was imported'; "
            "assert 'pyqtgraph' not in sys.modules; print('no qt')")
    proc = run_python(code, f)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("no qt")
    for argv in (["gradcheck", f], ["trace", f], ["--version"]):
        code = ("import sys; import ui.app; ui.app.main(sys.argv[1:]); "
                "assert 'PySide6' not in sys.modules, 'Qt was imported'")
        proc = run_python(code, *argv)
        assert proc.returncode == 0, (argv, proc.stderr)


def test_python_m_ui_and_console_script(tmp_path):
    f = write(tmp_path, tiny(epochs=2))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "ui", "train", f, "--json"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert last_json(proc.stdout)["epochs_run"] == 2
    assert "epoch" in proc.stderr                           # the bar, also when not a TTY
    proc = subprocess.run([sys.executable, "-m", "ui", "train", str(tmp_path / "nope.json")],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert_one_line_error(proc.stderr, "no such file")
    if SCRIPT.exists():
        proc = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0 and proc.stdout.strip() == \
            f"backprop-playground {__version__}"
        proc = subprocess.run([str(SCRIPT), "gradcheck", f], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0 and "passed" in proc.stdout
