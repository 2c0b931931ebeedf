"""Saved runs (.bpp): exact resume, no pickle, atomic writes, clear errors for bad files."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from conftest import small_experiment
from playground import RunFileError, Trainer
from playground.training.history import History

OPTIMIZERS = {
    "sgd_momentum": {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
    "sgd_nesterov": {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    "adam": {"name": "adam", "learning_rate": 0.01},
    "adam_amsgrad": {"name": "adam", "learning_rate": 0.01, "amsgrad": True,
                     "weight_decay": 0.001},
    "rmsprop": {"name": "rmsprop", "learning_rate": 0.005, "momentum": 0.5,
                "centered": True},
    "adagrad": {"name": "adagrad", "learning_rate": 0.05, "lr_decay": 0.01},
}
SCHEDULES = {"step": {"name": "step", "step_size": 2, "gamma": 0.5},
             "plateau": {"name": "plateau", "patience": 1, "factor": 0.5, "min_delta": 0.0}}
TOTAL_EPOCHS = 7


def resumable(optimizer: dict, schedule: dict, **training) -> dict:
    d = small_experiment()
    d["network"]["layers"][0]["dropout"] = 0.2
    d["network"]["layers"][1]["dropout"] = 0.1
    d["training"].update({"optimizer": optimizer, "lr_schedule": schedule,
                          "epochs": TOTAL_EPOCHS, "shuffle": True, "batch_size": 16,
                          "clip_norm": 5.0, "l2": 1e-4,
                          "early_stopping": {"enabled": True, "patience": 4}}, **training)
    return d


def finish(trainer: Trainer) -> Trainer:
    while not trainer.finished:
        trainer.train_epoch()
    return trainer


def history_equal(a: History, b: History) -> bool:
    ca, cb = a.columns(), b.columns()
    return len(a) == len(b) and all(np.array_equal(ca[k], cb[k], equal_nan=True) for k in ca)


def assert_same_run(a: Trainer, b: Trainer) -> None:
    assert a.network.params.dtype == b.network.params.dtype == np.float32
    assert np.array_equal(a.network.params, b.network.params)
    sa, sb = a.optimizer.state_arrays(), b.optimizer.state_arrays()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert np.array_equal(sa[key], sb[key]), key
    assert a.optimizer.state_scalars() == b.optimizer.state_scalars()
    assert a.optimizer.learning_rate == b.optimizer.learning_rate
    assert history_equal(a.history, b.history)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert (a.epoch, a.iteration, a.batch_in_epoch) == (b.epoch, b.iteration, b.batch_in_epoch)
    assert a.early_stopping.state() == b.early_stopping.state()
    if a.early_stopping.best_weights is not None:
        assert np.array_equal(a.early_stopping.best_weights, b.early_stopping.best_weights)
    if a.schedule is not None:
        assert a.schedule.state() == b.schedule.state()
    assert (a.stop_reason, a.stopped_early, a.diverged) == \
        (b.stop_reason, b.stopped_early, b.diverged)


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("extra_batches", [0, 3])
def test_resumed_run_equals_uninterrupted_run(tmp_path, optimizer, schedule, extra_batches):
    exp = resumable(OPTIMIZERS[optimizer], SCHEDULES[schedule])
    uninterrupted = finish(Trainer(exp))

    first = Trainer(exp)
    for _ in range(3):
        first.train_epoch()
    for _ in range(extra_batches):                  # mid-epoch: a partial shuffle order
        first.train_batch()
    path = tmp_path / "run.bpp"
    first.save(path)
    resumed = Trainer.load(path)
    assert_same_run(first, resumed)                 # loading is exact …
    assert resumed.state_dict()["state"]["metrics"] == first.state_dict()["state"]["metrics"]
    finish(resumed)
    assert_same_run(uninterrupted, resumed)         # … and so is everything after it
    finish(first)
    assert_same_run(uninterrupted, first)           # saving changed nothing


def test_resume_after_early_stopping_and_a_lower_budget(tmp_path):
    exp = resumable(OPTIMIZERS["adam"], None, epochs=200)
    exp["training"]["early_stopping"]["patience"] = 1
    exp["training"]["early_stopping"]["min_delta"] = 0.05
    done = finish(Trainer(exp))
    assert done.stopped_early
    done.save(tmp_path / "stopped.bpp")
    loaded = Trainer.load(tmp_path / "stopped.bpp")
    assert_same_run(done, loaded)
    assert loaded.finished and loaded.stopped_early
    assert loaded.best_epoch == done.best_epoch
    # continuing both the same way gives the same numbers
    for t in (done, loaded):
        t.continue_training(extra_epochs=2)
        finish(t)
    assert_same_run(done, loaded)


def test_float64_run_round_trips(tmp_path):
    exp = resumable(OPTIMIZERS["adam"], None, dtype="float64")
    t = Trainer(exp)
    t.train_epoch()
    t.save(tmp_path / "r.bpp")
    loaded = Trainer.load(tmp_path / "r.bpp")
    assert loaded.network.params.dtype == np.float64
    assert np.array_equal(loaded.network.params, t.network.params)


def test_live_change_mid_epoch_survives_a_save(tmp_path):
    """A batch-size change made mid-epoch applies from the next epoch, saved or not."""
    exp = resumable(OPTIMIZERS["adam"], None)
    a = Trainer(exp)
    for _ in range(2):
        a.train_batch()
    a.update("training.batch_size", 30)
    assert a.batch_size == 16
    a.save(tmp_path / "r.bpp")
    b = Trainer.load(tmp_path / "r.bpp")
    assert b.batch_size == 16 and b.experiment.training["batch_size"] == 30
    for t in (a, b):
        t.train_epoch()
        assert t.batch_size == 16
        t.train_batch()
        assert t.batch_size == 30 and t.batches_per_epoch == 3
        finish(t)
    assert_same_run(a, b)


# -- what is inside ---------------------------------------------------------------------------
def test_contents_follow_the_contract(tmp_path):
    t = Trainer(resumable(OPTIMIZERS["adam"], None))
    t.train_epoch()
    t.train_epoch()
    path = tmp_path / "run.bpp"
    t.save(path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {"experiment.json", "weights.npz", "optimizer.npz", "state.json",
                "history.csv"} <= names
        assert "dataset.npz" not in names                 # generated data is re-generated
        with np.load(io.BytesIO(zf.read("weights.npz")), allow_pickle=False) as w:
            assert sorted(w.files) == ["W0", "W1", "W2", "b0", "b1", "b2"]
            assert [w[f"W{i}"].shape for i in range(3)] == [(2, 6), (6, 6), (6, 2)]
            assert [w[f"b{i}"].shape for i in range(3)] == [(6,), (6,), (2,)]
            for i, layer in enumerate(t.network.layers):
                assert np.array_equal(w[f"W{i}"], layer.W)
        with np.load(io.BytesIO(zf.read("optimizer.npz")), allow_pickle=False) as o:
            assert sorted(o.files) == ["exp_avg", "exp_avg_sq"]
        exp = json.loads(zf.read("experiment.json"))
        assert exp == t.experiment.to_dict()
        lines = zf.read("history.csv").decode().splitlines()
    assert lines[0] == "epoch,train_loss,val_loss,train_accuracy,val_accuracy,learning_rate"
    assert len(lines) == 3 and lines[1].startswith("1,") and lines[2].startswith("2,")
    row = lines[2].split(",")
    assert float(row[1]) == t.history.column("train_loss")[1]     # written exactly


def test_history_csv_for_regression_and_without_validation(tmp_path):
    d = small_experiment()
    d["data"] = {"source": "sine", "samples": 60, "validation_split": 0.0}
    d["network"]["layers"] = [{"units": 8, "activation": "tanh"},
                              {"units": 1, "activation": "linear"}]
    d["network"]["loss"] = "mse"
    t = Trainer(d)
    t.train_epoch()
    t.save(tmp_path / "reg.bpp")
    with zipfile.ZipFile(tmp_path / "reg.bpp") as zf:
        lines = zf.read("history.csv").decode().splitlines()
    assert lines[0] == ("epoch,train_loss,val_loss,train_accuracy,val_accuracy,learning_rate,"
                        "train_r2,val_r2")
    cells = lines[1].split(",")
    assert cells[0] == "1" and cells[2] == "" and cells[3] == "" and cells[4] == ""
    assert cells[6] != "" and cells[7] == ""
    loaded = Trainer.load(tmp_path / "reg.bpp")
    assert history_equal(loaded.history, t.history)


def test_csv_source_embeds_the_data(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    csv = tmp_path / "table.csv"
    csv.write_text("a,b,c,label\n" + "".join(f"{a:.4f},{b:.4f},{c:.4f},{lab}\n"
                                             for (a, b, c), lab in zip(X, labels)))
    d = small_experiment()
    d["data"] = {"source": "csv", "path": str(csv), "validation_split": 0.25}
    t = Trainer(d)
    t.train_epoch()
    run = tmp_path / "runs" / "csv.bpp"
    run.parent.mkdir()
    t.save(run)
    csv.unlink()                                          # the original file is gone
    loaded = Trainer.load(run)
    for name in ("X_train", "y_train", "X_val", "y_val"):
        assert np.array_equal(getattr(loaded.dataset, name), getattr(t.dataset, name))
    assert loaded.dataset.class_names == ("no", "yes")
    assert loaded.dataset.feature_names == ("a", "b", "c")
    assert_same_run(t, loaded)
    for trainer in (t, loaded):
        trainer.train_epoch()
    assert_same_run(t, loaded)
    loaded.snapshot()                                     # no crash without raw 2-D data


# -- bad files ----------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    t = Trainer(resumable(OPTIMIZERS["sgd_momentum"], None))
    t.train_epoch()
    t.train_batch()
    path = tmp_path / "good.bpp"
    t.save(path)
    return path


def rewrite(src, dst, replace: dict | None = None, drop=()):
    """Copy the zip ``src`` to ``dst``, replacing or dropping members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name in drop:
                continue
            zout.writestr(name, replace.get(name, zin.read(name)))
    return dst


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def member(path, name) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def expect_error(path, *words):
    with pytest.raises(RunFileError) as info:
        Trainer.load(path)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, (word, message)
    return message


def test_not_a_zip(tmp_path):
    path = tmp_path / "text.bpp"
    path.write_text("hello")
    expect_error(path, "not a saved run")
    path.write_bytes(b"")
    expect_error(path, "not a saved run")


def test_missing_file_and_folder(tmp_path):
    expect_error(tmp_path / "nope.bpp", "no such file")
    folder = tmp_path / "folder.bpp"
    folder.mkdir()
    expect_error(folder, "folder")


@pytest.mark.parametrize("gone", ["weights.npz", "state.json", "history.csv",
                                  "experiment.json", "optimizer.npz"])
def test_missing_members(saved, tmp_path, gone):
    bad = rewrite(saved, tmp_path / "bad.bpp", drop=[gone])
    expect_error(bad, "missing", gone)


@pytest.mark.parametrize("name", ["weights.npz", "optimizer.npz", "state.npz"])
@pytest.mark.parametrize("garbage", [b"garbage, not numpy", b"", b"PK\x03\x04broken"])
def test_damaged_npz(saved, tmp_path, name, garbage):
    bad = rewrite(saved, tmp_path / "bad.bpp", {name: garbage})
    expect_error(bad, name)


class Boobytrap:
    """Unpickling this runs code: exactly what loading a run must never do."""

    flag_file = None

    def __reduce__(self):
        return (open, (str(Boobytrap.flag_file), "w"))


def test_object_arrays_are_refused_never_unpickled(saved, tmp_path):
    flag = tmp_path / "unpickled.txt"
    Boobytrap.flag_file = flag
    weights = dict(np.load(io.BytesIO(member(saved, "weights.npz")), allow_pickle=False))
    trap = np.empty(1, dtype=object)
    trap[0] = Boobytrap()
    for name, arrays in [("weights.npz", {**weights, "W0": trap}),
                         ("optimizer.npz", {"momentum_buffer": trap})]:
        bad = rewrite(saved, tmp_path / "trap.bpp", {name: npz_bytes(**arrays)})
        expect_error(bad, name, "plain array")
        assert not flag.exists()
    # a pickle disguised as weights.npz is refused too
    import pickle
    bad = rewrite(saved, tmp_path / "pickle.bpp", {"weights.npz": pickle.dumps(Boobytrap())})
    expect_error(bad, "weights.npz")
    assert not flag.exists()


def test_wrong_weights(saved, tmp_path):
    weights = dict(np.load(io.BytesIO(member(saved, "weights.npz")), allow_pickle=False))
    cases = [
        ({**weights, "W1": np.zeros((5, 6), np.float32)}, ["W1", "(5, 6)"]),
        ({k: v for k, v in weights.items() if k != "b2"}, ["b2"]),
        ({**weights, "W9": np.zeros(3, np.float32)}, ["W9"]),
        ({**weights, "W0": weights["W0"].astype(np.int64)}, ["W0", "int64"]),
    ]
    for arrays, words in cases:
        bad = rewrite(saved, tmp_path / "bad.bpp", {"weights.npz": npz_bytes(**arrays)})
        expect_error(bad, "weights.npz", *words)


def test_wrong_optimizer_state(saved, tmp_path):
    bad = rewrite(saved, tmp_path / "bad.bpp",
                  {"optimizer.npz": npz_bytes(momentum_buffer=np.zeros(3, np.float32))})
    expect_error(bad, "momentum_buffer", "shape")
    bad = rewrite(saved, tmp_path / "bad.bpp", {"optimizer.npz": npz_bytes()})
    expect_error(bad, "optimizer")


def test_wrong_state_arrays(saved, tmp_path):
    arrays = dict(np.load(io.BytesIO(member(saved, "state.npz")), allow_pickle=False))
    assert "perm" in arrays
    for change, words in [({"perm": np.zeros_like(arrays["perm"])}, ["permutation"]),
                          ({"perm": arrays["perm"][:-1]}, ["permutation"]),
                          ({"checkpoint_params": np.zeros(4, np.float32)}, ["checkpoint"])]:
        bad = rewrite(saved, tmp_path / "bad.bpp", {"state.npz": npz_bytes(**{**arrays,
                                                                             **change})})
        expect_error(bad, "state.npz", *words)
    no_perm = {k: v for k, v in arrays.items() if k != "perm"}
    bad = rewrite(saved, tmp_path / "bad.bpp", {"state.npz": npz_bytes(**no_perm)})
    expect_error(bad, "shuffle order")


def state_with(saved, **changes) -> bytes:
    state = json.loads(member(saved, "state.json"))
    for key, value in changes.items():
        if value is KeyError:
            del state[key]
        else:
            state[key] = value
    return json.dumps(state).encode()


@pytest.mark.parametrize("content", [
    b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]", b"null", b'"text"',
    "format=other", "rng=garbage", "rng=KeyError", "epoch=-1", "epoch=1.5", "epoch=KeyError",
    "batch_in_epoch=999", "learning_rate=-1", "learning_rate=abc", "optimizer=KeyError",
    "optimizer=3", "early_stopping=[1]", "metrics=KeyError", "metrics={}", "stop_reason=5",
    "batch_size=0",
])
def test_garbage_state_json(saved, tmp_path, content):
    if isinstance(content, str):
        key, value = content.split("=", 1)
        if value != "KeyError":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        content = state_with(saved, **{key: KeyError if value == "KeyError" else value})
    bad = rewrite(saved, tmp_path / "bad.bpp", {"state.json": content})
    expect_error(bad, "state.json")


def test_running_metrics_must_match_the_batches_a_mid_epoch_run_trained(saved, tmp_path):
    """Found by the fuzzer: batch_in_epoch raised by one, the metrics still of one batch —
    the epoch's end failed in a reshape. The counts must be those of the batches trained."""
    state = json.loads(member(saved, "state.json"))
    assert state["batch_in_epoch"] == 1 and state["metrics"]["seen"] == state["batch_size"]
    assert Trainer.load(saved).batch_in_epoch == 1                  # the real one loads
    for changes, words in [({"batch_in_epoch": 2}, ["running metrics count", "hold"]),
                           ({"metrics": {**state["metrics"], "seen": 3}}, ["count 3 samples"]),
                           ({"metrics": {**state["metrics"], "correct": 999}},
                            ["999 correct"])]:
        bad = rewrite(saved, tmp_path / "bad.bpp", {"state.json": state_with(saved, **changes)})
        expect_error(bad, "state.json", *words)


def test_bad_experiment_and_history(saved, tmp_path):
    exp = json.loads(member(saved, "experiment.json"))
    exp["network"]["layers"][0]["units"] = "six"
    bad = rewrite(saved, tmp_path / "bad.bpp", {"experiment.json": json.dumps(exp)})
    message = expect_error(bad, "experiment.json", "network.layers[0].units")
    assert "\n" not in message
    bad = rewrite(saved, tmp_path / "bad.bpp", {"experiment.json": b"{oops"})
    expect_error(bad, "experiment.json", "not valid JSON")
    exp = json.loads(member(saved, "experiment.json"))
    exp["network"]["layers"][0]["units"] = 7            # valid, but not the saved weights
    bad = rewrite(saved, tmp_path / "bad.bpp", {"experiment.json": json.dumps(exp)})
    expect_error(bad, "weights.npz")
    bad = rewrite(saved, tmp_path / "bad.bpp", {"history.csv": b"epoch,loss\n1,2\n"})
    expect_error(bad, "history.csv", "missing column")
    bad = rewrite(saved, tmp_path / "bad.bpp",
                  {"history.csv": member(saved, "history.csv") + b"2,x,1,1,1,1\n"})
    expect_error(bad, "history.csv", "'x'")
    history = member(saved, "history.csv").decode().splitlines()
    bad = rewrite(saved, tmp_path / "bad.bpp", {"history.csv": history[0] + "\n"})
    expect_error(bad, "history.csv", "0 rows")


def test_the_good_file_still_loads(saved):
    Trainer.load(saved)


# -- atomic writes ----------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["writestr", "savez", "fsync"])
def test_failed_save_leaves_the_previous_file(tmp_path, monkeypatch, how):
    t = Trainer(resumable(OPTIMIZERS["adam"], None))
    t.train_epoch()
    path = tmp_path / "run.bpp"
    t.save(path)
    before = path.read_bytes()
    t.train_epoch()
    calls = {"n": 0}
    if how == "writestr":
        original = zipfile.ZipFile.writestr

        def writestr(self, name, data, *args, **kwargs):
            if name == "history.csv":                # after several members were written
                raise RuntimeError("simulated crash while writing")
            return original(self, name, data, *args, **kwargs)
        monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
        expected = RuntimeError
    elif how == "savez":
        original_savez = np.savez

        def savez(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise MemoryError("simulated")
            return original_savez(*args, **kwargs)
        monkeypatch.setattr(np, "savez", savez)
        expected = MemoryError
    else:
        def fsync(fd):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(os, "fsync", fsync)
        from playground import PlaygroundError as expected
    with pytest.raises(expected):
        t.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.bpp"]
    monkeypatch.undo()
    assert Trainer.load(path).epoch == 1


def test_save_into_a_missing_folder(tmp_path):
    t = Trainer(small_experiment())
    from playground import PlaygroundError
    with pytest.raises(PlaygroundError, match="does not exist"):
        t.save(tmp_path / "missing" / "run.bpp")


@pytest.mark.parametrize("optimizer", ["sgd_momentum", "adam_amsgrad"])
def test_a_state_dict_resumes_a_trainer_without_any_file(optimizer):
    exp = resumable(OPTIMIZERS[optimizer], SCHEDULES["plateau"])
    uninterrupted = finish(Trainer(exp))
    first = Trainer(exp)
    for _ in range(2):
        first.train_epoch()
    for _ in range(3):
        first.train_batch()
    resumed = Trainer(exp)
    resumed.load_state_dict(first.state_dict())
    assert_same_run(first, resumed)
    assert_same_run(uninterrupted, finish(resumed))


def test_a_state_dict_of_another_network_is_refused_naming_the_part():
    from playground.training.state import StateError

    small = Trainer(resumable(OPTIMIZERS["adam"], None))
    other = resumable(OPTIMIZERS["adam"], None)
    other["network"]["layers"][0]["units"] = 3
    with pytest.raises(StateError) as info:
        Trainer(other).load_state_dict(small.state_dict())
    assert info.value.part == "weights" and "W0" in info.value.reason
