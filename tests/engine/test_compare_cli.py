"""``backprop-playground compare``: one run per combination, each as ``train`` gives it alone;
bad keys and values get the key-path message and exit status 2."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import small_experiment
from playground.cli import main
from playground.training.history import History

LR = "training.optimizer.learning_rate"


def write(tmp_path, d: dict, name="exp.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(d), encoding="utf-8")
    return str(path)


def experiment(epochs=4) -> dict:
    d = small_experiment()
    d["training"]["epochs"] = epochs
    return d


def train_alone(tmp_path, capsys, d: dict) -> dict:
    assert main(["train", write(tmp_path, d, "alone.json"), "--json", "--quiet"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def with_value(d: dict, lr: float) -> dict:
    d = json.loads(json.dumps(d))
    d["training"]["optimizer"]["learning_rate"] = lr
    return d


def test_each_json_result_equals_the_train_command_on_that_setting(tmp_path, capsys):
    d = experiment()
    assert main(["compare", write(tmp_path, d), "--vary", f"{LR}=0.001,0.05", "--json",
                 "--quiet"]) == 0
    results = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["settings"] for r in results] == [{LR: 0.001}, {LR: 0.05}]
    for result, lr in zip(results, (0.001, 0.05)):
        alone = train_alone(tmp_path, capsys, with_value(d, lr))
        assert {k: v for k, v in result.items() if k != "settings"} == alone


def test_two_keys_give_one_row_per_combination_in_the_table(tmp_path, capsys):
    assert main(["compare", write(tmp_path, experiment(2)), "--vary", f"{LR}=0.01,0.1",
                 "--vary", "training.batch_size=10,45", "--quiet"]) == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["run", "learning_rate", "batch_size"]
    assert "val_loss" in lines[0]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["1", "0.01", "10"], ["2", "0.01", "45"], ["3", "0.1", "10"], ["4", "0.1", "45"]]


def test_epochs_sets_the_length_of_every_run(tmp_path, capsys):
    assert main(["compare", write(tmp_path, experiment(50)), "--vary", "seed=1,2",
                 "--epochs", "3", "--json", "--quiet"]) == 0
    results = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["epochs_run"] for r in results] == [3, 3]
    assert results[0]["train_loss"] != results[1]["train_loss"]


def test_csv_writes_each_runs_history_and_an_index(tmp_path, capsys):
    folder = tmp_path / "out"
    assert main(["compare", write(tmp_path, experiment(3)), "--vary", f"{LR}=0.01,0.2",
                 "--csv", str(folder), "--json", "--quiet"]) == 0
    results = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    index = list(csv.reader((folder / "runs.csv").read_text().splitlines()))
    assert index == [["file", LR], ["run-1.csv", "0.01"], ["run-2.csv", "0.2"]]
    for i, result in enumerate(results):
        history = History.from_csv((folder / f"run-{i + 1}.csv").read_text())
        assert len(history) == 3
        assert history.column("val_loss")[-1] == result["val_loss"]
    assert sorted(p.name for p in folder.iterdir()) == ["run-1.csv", "run-2.csv", "runs.csv"]


@pytest.mark.parametrize("vary, words", [
    (["training.optimizer.learning_rte=0.1"], ["training.optimizer.learning_rte",
                                                "did you mean 'learning_rate'"]),
    (["network.layers[0].units=4,eight"], ["network.layers[0].units", "'eight'"]),
    (["network.layers[7].units=4"], ["network.layers[7].units", "no such setting"]),
    ([f"{LR}=-1"], [LR]),
    (["training.batch_size"], ["KEY=V1,V2"]),
    (["seed=1", "seed=2"], ["seed", "twice"]),
    (["network.layers[2].units=3"], ["units"]),      # the output no longer fits two classes
])
def test_bad_keys_or_values_name_the_key_path_and_exit_2(tmp_path, capsys, vary, words):
    args = ["compare", write(tmp_path, experiment())]
    for text in vary:
        args += ["--vary", text]
    assert main(args + ["--quiet"]) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("backprop-playground: error: "), err
    assert "Traceback" not in err and out == ""
    for word in words:
        assert word in lines[0], (word, err)


def test_a_missing_file_or_bad_epochs_exit_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "none.json"), "--vary", "seed=1"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["compare", write(tmp_path, experiment()), "--vary", "seed=1",
                 "--epochs", "0"]) == 2
    assert "--epochs must be at least 1" in capsys.readouterr().err


def test_without_vary_the_usage_is_shown_with_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["compare", write(tmp_path, experiment())])
    assert info.value.code == 2
    assert "--vary" in capsys.readouterr().err


def test_an_unwritable_csv_folder_is_reported(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["compare", write(tmp_path, experiment(1)), "--vary", "seed=1",
                 "--csv", str(blocker / "sub"), "--quiet"]) == 2
    assert "cannot create the folder" in capsys.readouterr().err
