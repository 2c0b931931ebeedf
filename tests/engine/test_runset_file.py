"""A saved comparison reopens as it was; older single-run files still open; a damaged manifest
is reported with the file and the entry."""

from __future__ import annotations

import json
import zipfile

import pytest

from conftest import small_experiment
from playground import Experiment, RunFileError, Trainer
from playground.cli import main
from playground.files.runset_file import load_runset, save_runset
from playground.training.runset import RunSet

LR = "training.optimizer.learning_rate"


def comparison() -> RunSet:
    d = small_experiment()
    d["training"].update({"epochs": 20, "shuffle": True})
    runs = RunSet.sweep(Experiment.from_dict(d), {LR: [0.003, 0.03, 0.3]})
    runs.train(epochs=4)
    runs.fork(1, {"training.l2": 0.01})
    runs.train(epochs=2)
    runs.current = 2
    runs[0].visible = False
    runs[1].pinned = True
    return runs


def test_a_saved_comparison_reopens_with_every_run_and_continues_exactly(tmp_path):
    runs = comparison()
    save_runset(runs, tmp_path / "cmp.bpp")
    again = load_runset(tmp_path / "cmp.bpp")
    assert len(again) == 4 and again.current == 2
    assert [r.settings for r in again] == [r.settings for r in runs]
    assert [r.label for r in again] == [r.label for r in runs]
    assert [(r.visible, r.pinned) for r in again] == [(False, False), (True, True),
                                                        (True, False), (True, False)]
    for old, new in zip(runs, again):
        assert new.trainer.epoch == old.trainer.epoch
        assert new.trainer.history.to_csv() == old.trainer.history.to_csv()
        assert new.trainer.network.params.tobytes() == old.trainer.network.params.tobytes()
    runs.train(epochs=3)
    again.train(epochs=3)
    for old, new in zip(runs, again):
        assert new.trainer.network.params.tobytes() == old.trainer.network.params.tobytes()


def test_a_single_run_reader_opens_a_comparison_as_its_current_run(tmp_path):
    runs = comparison()
    save_runset(runs, tmp_path / "cmp.bpp")
    single = Trainer.load(tmp_path / "cmp.bpp")
    assert single.experiment.get(LR) == 0.3
    assert single.network.params.tobytes() == runs[2].trainer.network.params.tobytes()


def test_an_older_single_run_file_opens_as_a_comparison_of_one(tmp_path):
    trainer = Trainer(small_experiment())
    trainer.train_epoch()
    trainer.save(tmp_path / "one.bpp")
    runs = load_runset(tmp_path / "one.bpp")
    assert len(runs) == 1 and runs.current == 0 and runs[0].settings == {}
    assert runs[0].trainer.network.params.tobytes() == trainer.network.params.tobytes()


def test_compare_save_writes_a_file_that_reopens_as_the_comparison(tmp_path, capsys):
    d = small_experiment()
    d["training"]["epochs"] = 2
    (tmp_path / "e.json").write_text(json.dumps(d))
    assert main(["compare", str(tmp_path / "e.json"), "--vary", "seed=3,4", "--save",
                 str(tmp_path / "s.bpp"), "--quiet"]) == 0
    runs = load_runset(tmp_path / "s.bpp")
    assert [r.settings for r in runs] == [{"seed": 3}, {"seed": 4}]
    assert [r.trainer.epoch for r in runs] == [2, 2]


def rewrite_manifest(path, manifest) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["runs.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("change, words", [
    (lambda m: m.update(current=9), ["'current'", "0 to 3"]),
    (lambda m: m.update(format="x/9"), ["unknown format"]),
    (lambda m: m["runs"][1].update(members="runs/7/"), ["runs/7", "missing"]),
    (lambda m: m["runs"][1].update(members="../evil/"), ["runs[1].members"]),
    (lambda m: m["runs"][2].update(members="runs/1/"), ["runs[2]", "another run"]),
    (lambda m: m["runs"][0].update(visible="yes"), ["runs[0].visible"]),
    (lambda m: m.update(runs=[]), ["non-empty"]),
])
def test_a_damaged_manifest_is_reported_with_the_entry(tmp_path, change, words):
    path = tmp_path / "cmp.bpp"
    save_runset(comparison(), path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("runs.json"))
    change(manifest)
    rewrite_manifest(path, manifest)
    with pytest.raises(RunFileError) as info:
        load_runset(path)
    assert str(path) in str(info.value)
    for word in words:
        assert word in str(info.value)
