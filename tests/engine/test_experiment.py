"""The experiment file: validation that names the key path, defaults, round trips, saving."""

from __future__ import annotations

import copy
import json
import os
import stat
import sys

import numpy as np
import pytest

from conftest import small_experiment
from playground import Experiment, ExperimentError, PlaygroundError, Trainer
from playground.experiment import FORMAT


def with_change(change) -> dict:
    d = small_experiment()
    change(d)
    return d


def set_in(section_path, key, value):
    """A change that sets d[...section_path][key] = value."""
    def change(d):
        node = d
        for part in section_path:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        node[key] = value
    return change


LAYER1 = ("network", "layers", 1)
OPT = ("training", "optimizer")
ES = ("training", "early_stopping")

# (change, expected ExperimentError.path, words the message must contain)
BAD = [
    # unknown keys at every level, with a suggestion for a typo
    (set_in((), "sed", 1), "sed", ["unknown key", "did you mean 'seed'"]),
    (set_in(("data",), "sampels", 5), "data.sampels", ["unknown key", "'samples'"]),
    (set_in(("network",), "lost", "mse"), "network.lost", ["unknown key", "'loss'"]),
    (set_in(LAYER1, "unit", 4), "network.layers[1].unit", ["unknown key", "'units'"]),
    (set_in(("training",), "epoch", 3), "training.epoch", ["unknown key", "'epochs'"]),
    (set_in(OPT, "beta", [0.9, 0.99]), "training.optimizer.beta", ["'betas'"]),
    (set_in(OPT, "momentum", 0.9), "training.optimizer.momentum", ["sgd", "not of adam"]),
    (set_in(ES, "patiense", 3), "training.early_stopping.patiense", ["'patience'"]),
    (set_in(("training",), "lr_schedule", {"name": "step", "step": 3}),
     "training.lr_schedule.step", ["unknown key", "'step_size'"]),
    # wrong types
    (set_in((), "seed", "1"), "seed", ["integer", "'1'"]),
    (set_in((), "seed", True), "seed", ["integer"]),
    (set_in((), "name", 3), "name", ["string"]),
    (set_in((), "format", "backprop-playground/2"), "format", [FORMAT]),
    (set_in((), "data", [1, 2]), "data", ["object"]),
    (set_in((), "network", "big"), "network", ["object"]),
    (set_in((), "training", 3), "training", ["object"]),
    (set_in(("network",), "layers", []), "network.layers", ["non-empty list"]),
    (set_in(("network",), "layers", {"units": 3}), "network.layers", ["list"]),
    (set_in(("network", "layers"), 1, 5), "network.layers[1]", ["object"]),
    (set_in(LAYER1, "units", "eight"), "network.layers[1].units", ["integer", "'eight'"]),
    (set_in(LAYER1, "units", 2.5), "network.layers[1].units", ["integer"]),
    (set_in(OPT, "learning_rate", "0.1"), "training.optimizer.learning_rate", ["number"]),
    (set_in(("training",), "optimizer", "adam"), "training.optimizer", ["object"]),
    (set_in(("training",), "shuffle", "yes"), "training.shuffle", ["true or false"]),
    (set_in(ES, "enabled", 1), "training.early_stopping.enabled", ["true or false"]),
    (set_in(("training",), "early_stopping", True), "training.early_stopping", ["object"]),
    # out-of-range values and unknown choices
    (set_in((), "seed", -1), "seed", ["integer", "-1"]),
    (set_in(("data",), "samples", 1), "data.samples", ["at least 2"]),
    (set_in(("data",), "validation_split", 1.0), "data.validation_split", ["below 1"]),
    (set_in(("data",), "source", "spirals"), "data.source", ["spiral"]),
    (set_in(("data",), "features", ["x1", "x3"]), "data.features[1]", ["x3"]),
    (set_in(LAYER1, "units", 0), "network.layers[1].units", ["[1, 16384]", "got 0"]),
    (set_in(LAYER1, "activation", "rleu"), "network.layers[1].activation",
     ["did you mean 'relu'"]),
    (set_in(LAYER1, "init", "glorot"), "network.layers[1].init", ["xavier_uniform"]),
    (set_in(LAYER1, "dropout", 1.0), "network.layers[1].dropout", ["[0, 0.95]"]),
    (set_in(LAYER1, "dropout", -0.1), "network.layers[1].dropout", ["[0, 0.95]"]),
    (set_in(("network",), "loss", "crossentropy"), "network.loss", ["'cross_entropy'"]),
    (set_in(OPT, "learning_rate", 0), "training.optimizer.learning_rate", ["> 0"]),
    (set_in(OPT, "learning_rate", 10**400), "training.optimizer.learning_rate", ["finite"]),
    (set_in(OPT, "name", "adamw"), "training.optimizer.name", ["did you mean 'adam'"]),
    (set_in(OPT, "betas", [0.9, 1.5]), "training.optimizer.betas[1]", ["[0, 1)", "1.5"]),
    (set_in(OPT, "betas", [0.9]), "training.optimizer.betas", ["two numbers"]),
    (set_in(OPT, "eps", -1e-8), "training.optimizer.eps", ["> 0"]),
    (set_in(("training",), "optimizer", {"name": "sgd", "nesterov": True}),
     "training.optimizer.nesterov", ["momentum > 0"]),
    (set_in(("training",), "optimizer", {"name": "rmsprop", "alpha": 1.0}),
     "training.optimizer.alpha", ["[0, 1)"]),
    (set_in(("training",), "batch_size", 0), "training.batch_size", ["integer"]),
    (set_in(("training",), "epochs", 1.5), "training.epochs", ["integer"]),
    (set_in(("training",), "dtype", "float16"), "training.dtype", ["float32"]),
    (set_in(("training",), "l2", -1), "training.l2", ["[0, 10]"]),
    (set_in(("training",), "clip_norm", 0), "training.clip_norm", ["> 0"]),
    (set_in(ES, "monitor", "val_acc"), "training.early_stopping.monitor",
     ["did you mean 'val_accuracy'"]),
    (set_in(ES, "patience", -1), "training.early_stopping.patience", ["integer"]),
    (set_in(ES, "min_delta", -0.1), "training.early_stopping.min_delta", ["≥ 0"]),
    (set_in(ES, "start_from_epoch", 1.5), "training.early_stopping.start_from_epoch",
     ["integer"]),
    (set_in(ES, "mode", "maximum"), "training.early_stopping.mode", ["did you mean 'max'"]),
    (set_in(("training",), "lr_schedule", "step"), "training.lr_schedule", ["null or an object"]),
    (set_in(("training",), "lr_schedule", {"gamma": 0.5}), "training.lr_schedule.name",
     ["missing"]),
    (set_in(("training",), "lr_schedule", {"name": "cosine"}), "training.lr_schedule.name",
     ["step"]),
    (set_in(("training",), "lr_schedule", {"name": "step", "gamma": 2}),
     "training.lr_schedule.gamma", ["(0, 1]"]),
    (set_in(("training",), "lr_schedule", {"name": "step", "step_size": 0}),
     "training.lr_schedule.step_size", ["integer"]),
    (set_in(("training",), "lr_schedule", {"name": "plateau", "factor": 1.0}),
     "training.lr_schedule.factor", ["(0, 1)"]),
    (set_in(("training",), "lr_schedule", {"name": "plateau", "monitor": "loss"}),
     "training.lr_schedule.monitor", ["val_loss"]),
    # the network's structure
    (set_in(("network", "layers", 0), "activation", "softmax"), "network.layers[0].activation",
     ["only allowed on the last"]),
    (set_in(("network", "layers", 2), "dropout", 0.5), "network.layers[2].dropout",
     ["output layer cannot have dropout"]),
    (set_in(("network", "layers", 2), "activation", "sigmoid"),
     "network.layers[2].activation", ["cross_entropy needs a softmax"]),
    (set_in(("network",), "loss", "mse"), "network.layers[2].activation",
     ["softmax output goes with the cross_entropy"]),
    (set_in(("network",), "loss", "binary_cross_entropy"), "network.layers[2].activation",
     ["sigmoid"]),
    (lambda d: d["network"]["layers"][1].pop("units"), "network.layers[1].units",
     ["required"]),
    (lambda d: d.pop("network"), "network", ["required"]),
]


@pytest.mark.parametrize("change, path, words", BAD,
                         ids=[f"{i}:{case[1]}" for i, case in enumerate(BAD)])
def test_bad_values_name_the_key_path(change, path, words):
    d = with_change(change)
    with pytest.raises(ExperimentError) as info:
        Experiment.from_dict(d)
    exc = info.value
    assert exc.path == path
    assert str(exc).startswith(path + ": ")
    for word in words:
        assert word in str(exc), (word, str(exc))
    assert "\n" not in str(exc)


def test_the_input_dict_is_not_modified():
    d = small_experiment()
    before = copy.deepcopy(d)
    Experiment.from_dict(d)
    assert d == before


def test_top_level_must_be_an_object():
    with pytest.raises(ExperimentError) as info:
        Experiment.from_dict([1, 2])
    assert info.value.path == "" and "JSON object" in str(info.value)


def test_unknown_key_lists_what_is_allowed_in_a_fixed_order():
    with pytest.raises(ExperimentError) as one:
        Experiment.from_dict(with_change(set_in(OPT, "beta", 1)))
    assert "allowed keys: name, learning_rate, betas, eps, weight_decay, amsgrad" \
        in str(one.value)


# -- checks that need the data (at Trainer construction) ----------------------------------
def test_output_units_must_match_the_classes():
    d = small_experiment()
    d["data"]["classes"] = 3
    exp = Experiment.from_dict(d)             # the file alone is fine …
    with pytest.raises(ExperimentError) as info:
        Trainer(exp)                          # … the data has 3 classes, the output 2 units
    assert info.value.path == "network.layers[2].units"
    assert str(info.value).startswith("network.layers[2].units: ")
    assert "3 classes" in str(info.value)
    d["network"]["layers"][2]["units"] = 3
    Trainer(d)


def test_regression_data_needs_mse():
    d = small_experiment()
    d["data"] = {"source": "sine", "samples": 50}
    d["network"]["layers"][2]["units"] = 1
    with pytest.raises(ExperimentError) as info:
        Trainer(d)
    assert info.value.path == "network.loss"
    assert "regression" in str(info.value) and "mse" in str(info.value)


def test_binary_cross_entropy_needs_one_unit_and_two_classes():
    d = small_experiment()
    d["network"]["layers"][2] = {"units": 2, "activation": "sigmoid"}
    d["network"]["loss"] = "binary_cross_entropy"
    with pytest.raises(ExperimentError) as info:
        Trainer(d)
    assert info.value.path == "network.layers[2].units"
    d["network"]["layers"][2]["units"] = 1
    Trainer(d)
    d["data"] = {"source": "blobs", "samples": 90}
    with pytest.raises(ExperimentError) as info:
        Trainer(d)
    assert info.value.path == "network.loss"


# -- defaults and round trips -------------------------------------------------------------
def test_defaults_are_filled_in():
    exp = Experiment.from_dict({"network": {"layers": [{"units": 2, "activation": "softmax"}]}})
    d = exp.to_dict()
    assert d["format"] == FORMAT and d["seed"] == 0
    assert d["data"]["source"] == "spiral" and d["data"]["validation_split"] == 0.2
    assert d["network"]["loss"] == "cross_entropy"
    assert d["network"]["layers"] == [{"units": 2, "activation": "softmax",
                                       "init": "xavier_uniform", "dropout": 0.0}]
    t = d["training"]
    assert t["optimizer"]["name"] == "sgd" and t["optimizer"]["learning_rate"] == 0.03
    assert t["optimizer"]["momentum"] == 0.0 and t["optimizer"]["nesterov"] is False
    assert (t["batch_size"], t["epochs"], t["shuffle"], t["dtype"]) == (10, 300, True, "float32")
    assert t["clip_norm"] is None and t["lr_schedule"] is None
    assert t["early_stopping"] == {"enabled": False, "monitor": "val_loss", "patience": 20,
                                   "min_delta": 0.0, "restore_best_weights": True,
                                   "start_from_epoch": 0, "mode": "auto"}


def test_optimizer_and_schedule_defaults_follow_the_chosen_one():
    d = small_experiment()
    d["training"]["optimizer"] = {"name": "adam"}
    d["training"]["lr_schedule"] = {"name": "plateau"}
    t = Experiment.from_dict(d).training
    assert t["optimizer"] == {"name": "adam", "learning_rate": 0.001, "betas": [0.9, 0.999],
                              "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    assert t["lr_schedule"]["name"] == "plateau" and t["lr_schedule"]["factor"] == 0.1


def test_whole_numbers_written_as_floats_are_accepted():
    d = small_experiment()
    d["network"]["layers"][0]["units"] = 6.0
    d["training"]["epochs"] = 5.0
    exp = Experiment.from_dict(d)
    assert exp.get("network.layers[0].units") == 6 and isinstance(exp.training["epochs"], int)


def test_json_round_trip_is_exact():
    d = small_experiment()
    d["name"] = "round trip ✓"
    d["training"]["lr_schedule"] = {"name": "step", "step_size": 3}
    exp = Experiment.from_dict(d)
    text = exp.to_json()
    again = Experiment.from_json(text)
    assert again == exp and again.to_json() == text
    assert json.loads(text)["name"] == "round trip ✓"
    assert Experiment.from_dict(exp.to_dict()) == exp


def test_accessors_return_copies():
    exp = Experiment.from_dict(small_experiment())
    exp.network["layers"][0]["units"] = 999
    exp.to_dict()["seed"] = 5
    exp.get("training.optimizer")["learning_rate"] = 5
    assert exp.get("network.layers[0].units") == 6 and exp.seed == 0
    assert exp.get("training.optimizer.learning_rate") == 0.01


def test_replace_validates_and_leaves_the_original():
    exp = Experiment.from_dict(small_experiment())
    changed = exp.replace("network.layers[0].units", 12)
    assert changed.get("network.layers[0].units") == 12
    assert exp.get("network.layers[0].units") == 6 and changed != exp
    assert exp.replace("training.optimizer.learning_rate", 0.5).training["optimizer"][
        "learning_rate"] == 0.5
    with pytest.raises(ExperimentError) as info:
        exp.replace("network.layers[0].units", -3)
    assert info.value.path == "network.layers[0].units"
    with pytest.raises(ExperimentError) as info:
        exp.replace("training.optimizer.momentum", 0.9)          # adam has no momentum
    assert info.value.path == "training.optimizer.momentum"
    for bad in ("network.layers[7].units", "network.layerz[0].units", "seed.value",
                "network.layers[x]", "training.optimizer[0]"):
        with pytest.raises(ExperimentError) as info:
            exp.replace(bad, 1)
        assert info.value.path == bad
        assert "no such setting" in str(info.value) or "key path" in str(info.value)
    with pytest.raises(ExperimentError):
        exp.get("network.layers[3]")


def test_with_section():
    exp = Experiment.from_dict(small_experiment())
    changed = exp.with_section("data", {"source": "moons", "samples": 40})
    assert changed.data["source"] == "moons" and changed.data["noise"] == 0.1
    with pytest.raises(ExperimentError) as info:
        exp.with_section("data", {"source": "moons", "smaples": 40})
    assert info.value.path == "data.smaples"


# -- files ----------------------------------------------------------------------------------
def test_from_file_reads_and_names_the_file_in_errors(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(small_experiment()), encoding="utf-8")
    exp = Experiment.from_file(good)
    assert exp.base_dir == tmp_path.resolve()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(with_change(set_in(LAYER1, "units", 0))), encoding="utf-8")
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(bad)
    assert info.value.path == "network.layers[1].units"
    assert str(info.value).startswith("network.layers[1].units: ")
    assert str(bad) in str(info.value)


@pytest.mark.parametrize("content, words", [
    (b'{"seed": 0,, }', ["not valid JSON", "line 1"]),
    (b"", ["not valid JSON"]),
    (b"\xff\xfe{\x00}\x00", ["UTF-8"]),
    (b'{"seed": 0}\xe9', ["UTF-8"]),
    (b"[1, 2]", ["JSON object"]),
    (b"NaN", ["NaN is not a JSON number"]),
])
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ExperimentError) as info:
        Experiment.from_file(path)
    message = str(info.value)
    assert info.value.path == "" and str(path) in message and "\n" not in message
    for word in words:
        assert word in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ExperimentError, match="no such file") as info:
        Experiment.from_file(tmp_path / "nope.json")
    assert str(tmp_path / "nope.json") in str(info.value)
    with pytest.raises(ExperimentError, match="folder"):
        Experiment.from_file(tmp_path)


def test_shipped_examples_are_valid():
    from playground.files.resources import asset_path
    folder = asset_path("examples")
    files = sorted(folder.glob("*.json"))
    assert len(files) >= 5
    for path in files:
        exp = Experiment.from_file(path)
        assert Experiment.from_json(exp.to_json()) == exp, path


def test_save_is_atomic_and_round_trips(tmp_path, monkeypatch):
    exp = Experiment.from_dict(small_experiment())
    target = tmp_path / "exp.json"
    exp.save(target)
    assert Experiment.from_file(target) == exp
    before = target.read_bytes()

    import playground.experiment as experiment_module
    from playground.files.atomic import atomic_open

    def write_half(path, text):          # the real temp-file machinery, failing mid-way
        with atomic_open(path, "w") as handle:
            handle.write(text[:20])
            raise RuntimeError("disk full")
    monkeypatch.setattr(experiment_module, "atomic_write_text", write_half)
    with pytest.raises(RuntimeError):
        exp.replace("seed", 3).save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json"]


def test_failed_os_write_reports_and_keeps_the_old_file(tmp_path, monkeypatch):
    exp = Experiment.from_dict(small_experiment())
    target = tmp_path / "exp.json"
    exp.save(target)
    before = target.read_bytes()

    def no_space(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(PlaygroundError, match="No space left.*unchanged"):
        exp.replace("seed", 3).save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json"]
    with pytest.raises(PlaygroundError, match="does not exist"):
        exp.save(tmp_path / "no" / "such" / "folder.json")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_files_get_normal_permissions(tmp_path):
    """The temporary file is private (0600); the saved file must not stay so."""
    exp = Experiment.from_dict(small_experiment())
    umask = os.umask(0o022)
    os.umask(umask)
    target = tmp_path / "exp.json"
    exp.save(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)                            # an existing file keeps its mode
    exp.save(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_save_rebases_a_relative_csv_path(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{x:.3f},{y:.3f},{int(x > y)}"
                            for x, y in rng.normal(size=(40, 2))]
    (data_dir / "points.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    d = small_experiment()
    d["data"] = {"source": "csv", "path": "data/points.csv", "validation_split": 0.25}
    original = tmp_path / "exp.json"
    original.write_text(json.dumps(d), encoding="utf-8")
    exp = Experiment.from_file(original)
    assert exp.data_path() == (data_dir / "points.csv").resolve()

    elsewhere = tmp_path / "deep" / "er"
    elsewhere.mkdir(parents=True)
    exp.save(elsewhere / "copy.json")
    saved = json.loads((elsewhere / "copy.json").read_text(encoding="utf-8"))
    assert saved["data"]["path"] == "../../data/points.csv"
    moved = Experiment.from_file(elsewhere / "copy.json")
    assert moved.data_path() == exp.data_path()
    a, b = Trainer(exp), Trainer(moved)
    np.testing.assert_array_equal(a.dataset.X_train, b.dataset.X_train)
    # saving beside the original keeps the relative path as written
    exp.save(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text())["data"]["path"] == \
        "data/points.csv"
    # an absolute path stays absolute
    absolute = exp.replace("data.path", str(data_dir / "points.csv"))
    absolute.save(elsewhere / "abs.json")
    assert json.loads((elsewhere / "abs.json").read_text())["data"]["path"] == \
        str(data_dir / "points.csv")
