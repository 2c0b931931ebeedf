"""``backprop-playground export``: what it writes, and how it refuses bad input (exit 2, one
clear line, nothing half-written). Needs neither torch nor onnx; the parity of what the script
computes is in test_export_pytorch.py, the ONNX model's in test_export_onnx.py."""

from __future__ import annotations

import ast
import json
import sys

import numpy as np
import pytest

from conftest import ROOT, small_experiment
from playground import PlaygroundError, Trainer
from playground.cli import main
from playground.files.export import export_trainer

EXAMPLES = ROOT / "assets" / "examples"


def write(tmp_path, d: dict, name="exp.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(d), encoding="utf-8")
    return str(path)


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("usage")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_export_writes_the_script_and_its_arrays(tmp_path, capsys):
    assert main(["export", str(EXAMPLES / "spiral.json"), "--to", "pytorch",
                 str(tmp_path / "spiral.py")]) == 0
    out, err = capsys.readouterr()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["spiral.py", "spiral_data.npz", "spiral_weights.npz"]
    assert out.split() == [str(tmp_path / n) for n in ("spiral.py", "spiral_data.npz",
                                                       "spiral_weights.npz")]
    app = Trainer(json.loads((EXAMPLES / "spiral.json").read_text()))
    with np.load(tmp_path / "spiral_data.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["X_train"], app.X_train)
        np.testing.assert_array_equal(data["Y_val"], app.Y_val)
        assert data["Y_train"].dtype == np.int64 and data["X_train"].dtype == np.float32
        assert list(data["feature_names"]) == ["x1", "x2", "sin(x1)", "sin(x2)"]
    with np.load(tmp_path / "spiral_weights.npz", allow_pickle=False) as weights:
        for key, value in app.network.weights().items():
            np.testing.assert_array_equal(weights[key], value)
    script = (tmp_path / "spiral.py").read_text(encoding="utf-8")
    ast.parse(script)
    assert "Spiral" in script.splitlines()[1] and str(EXAMPLES / "spiral.json") in script
    assert "torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999)" \
        in script
    assert "SeedSequence(0).spawn(3)[2]" in script and "BATCH_SIZE = 10" in script
    for unused in ("AppDropout", "EarlyStopping", "penalty(", "CLIP_NORM", "STATE_FILE"):
        assert unused not in script       # only what this experiment uses


def test_a_script_names_only_the_parts_its_run_uses(tmp_path):
    d = small_experiment()
    d["network"]["layers"][0]["dropout"] = 0.25
    d["training"].update({"l1": 0.001, "clip_norm": 2.0,
                          "lr_schedule": {"name": "step", "step_size": 5, "gamma": 0.5},
                          "early_stopping": {"enabled": True, "monitor": "val_accuracy"}})
    export_trainer(Trainer(d), "pytorch", tmp_path / "net.py", "test")
    script = (tmp_path / "net.py").read_text(encoding="utf-8")
    ast.parse(script)
    assert "AppDropout(0.25, rng)" in script and "L1, L2 = 0.001, 0.0" in script
    assert "L1 * sum(w.abs().sum() for w in weights)" in script and "L2 *" not in script
    assert "CLIP_NORM = 2.0" in script and "clip_grad_norm_" in script
    assert "lr * 0.5 if epoch % 5 == 0 else lr" in script
    assert 'monitor="val_accuracy"' in script.replace("'", '"') and "maximize=True" in script


def test_a_saved_run_exports_its_trained_state(tmp_path):
    d = small_experiment()
    d["training"]["epochs"] = 3
    trainer = Trainer(d)
    for _ in trainer.run():
        pass
    trainer.save(tmp_path / "run.bpp")
    assert main(["export", str(tmp_path / "run.bpp"), "--to", "pytorch",
                 str(tmp_path / "out.py")]) == 0
    script = (tmp_path / "out.py").read_text(encoding="utf-8")
    assert "FIRST_EPOCH = 4" in script and "RNG_STATE = {" in script
    assert "a run saved after epoch 3" in script
    with np.load(tmp_path / "out_state.npz", allow_pickle=False) as state:
        assert int(state["step"]) == trainer.optimizer.step_count
        np.testing.assert_array_equal(
            state["exp_avg.W1"],
            trainer.optimizer.state_arrays()["exp_avg"][trainer.network.slices[1][0]]
            .reshape(6, 6))
    with np.load(tmp_path / "out_weights.npz", allow_pickle=False) as weights:
        np.testing.assert_array_equal(weights["W0"], trainer.network.layers[0].W)


def test_a_run_stopped_mid_epoch_exports_where_it_stands(tmp_path, capsys):
    trainer = Trainer(small_experiment())
    for _ in range(3):
        trainer.train_batch()
    trainer.save(tmp_path / "run.bpp")
    assert main(["export", str(tmp_path / "run.bpp"), "--to", "pytorch",
                 str(tmp_path / "out.py")]) == 0
    script = (tmp_path / "out.py").read_text(encoding="utf-8")
    assert "RESUME_BATCHES_DONE = 3" in script and "FIRST_EPOCH = 1" in script
    assert "after batch 3 of epoch 1" in script
    with np.load(tmp_path / "out_state.npz", allow_pickle=False) as state:
        assert sorted(state["order"]) == list(range(len(trainer.X_train)))


def test_a_batch_size_changed_mid_epoch_is_refused(tmp_path):
    trainer = Trainer(small_experiment())
    trainer.train_batch()
    trainer.update("training.batch_size", 7)       # takes effect with the next epoch
    with pytest.raises(PlaygroundError, match="middle of epoch 1; finish the epoch"):
        export_trainer(trainer, "pytorch", tmp_path / "out.py", "test")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_format_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["export", str(EXAMPLES / "xor_classic.json"), "--to", "tensorflow",
              str(tmp_path / "out.py")])
    assert stop.value.code == 2
    line = one_line_error(capsys.readouterr().err)
    assert "invalid choice" in line and "tensorflow" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("to, name, suffix", [("pytorch", "out.txt", ".py"),
                                              ("onnx", "out.py", ".onnx")])
def test_an_output_name_that_does_not_fit_the_format_exits_2(to, name, suffix, tmp_path,
                                                              capsys):
    assert main(["export", str(EXAMPLES / "xor_classic.json"), "--to", to,
                 str(tmp_path / name)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert name in line and f"ends in {suffix}" in line
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_format_is_refused_by_the_engine_too(tmp_path):
    with pytest.raises(PlaygroundError, match="unknown export format 'keras'"):
        export_trainer(Trainer(small_experiment()), "keras", tmp_path / "x.py", "test")


@pytest.mark.parametrize("content, words", [
    ("x1,x2,label\n1,2,a\n", ["not an experiment", "or a saved run"]),
    ('{"format": "backprop-playground/1", "network": {"layers": []}}', ["network.layers"]),
], ids=["a CSV file", "a broken experiment"])
def test_a_file_that_is_not_an_experiment_or_run(content, words, tmp_path, capsys):
    source = tmp_path / "input.csv"
    source.write_text(content, encoding="utf-8")
    assert main(["export", str(source), "--to", "pytorch", str(tmp_path / "o.py")]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert str(source) in line and all(word in line for word in words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.csv"]


def test_an_output_that_cannot_be_written(tmp_path, capsys):
    f = write(tmp_path, small_experiment())
    missing = tmp_path / "no such folder" / "net.py"
    assert main(["export", f, "--to", "pytorch", str(missing)]) == 2
    assert "does not exist" in one_line_error(capsys.readouterr().err)
    (tmp_path / "folder.py").mkdir()
    assert main(["export", f, "--to", "pytorch", str(tmp_path / "folder.py")]) == 2
    assert "is a folder" in one_line_error(capsys.readouterr().err)


def test_nothing_is_half_written_when_one_file_fails(tmp_path, capsys):
    """The weights file cannot be put in place (a folder has its name): the script and the
    data that were ready are not left behind either, and an older script is untouched."""
    f = write(tmp_path, small_experiment())
    (tmp_path / "net.py").write_text("# an older script\n", encoding="utf-8")
    (tmp_path / "net_weights.npz").mkdir()
    assert main(["export", f, "--to", "pytorch", str(tmp_path / "net.py")]) == 2
    assert "net_weights.npz" in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json", "net.py",
                                                          "net_weights.npz"]
    assert (tmp_path / "net.py").read_text(encoding="utf-8") == "# an older script\n"


def test_without_the_onnx_package_the_message_names_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)        # import onnx → ImportError
    f = write(tmp_path, small_experiment())
    assert main(["export", f, "--to", "onnx", str(tmp_path / "net.onnx")]) == 2
    assert "pip install onnx" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "net.onnx").exists()
