"""Inline data (DESIGN.md §6): ``"source": "table"`` with ``inputs`` and ``targets``, a CSV
``target`` that lists several columns, and one sample as a valid data set everywhere."""

from __future__ import annotations

import re

import numpy as np
import pytest

from playground import Experiment, ExperimentError, Trainer
from playground.data import load_dataset
from playground.training.trace import trace_iteration


def table(inputs, targets, **data) -> dict:
    return {"source": "table", "inputs": inputs, "targets": targets, "validation_split": 0.0,
            **data}


def load(config, seed=0):
    return load_dataset(config, np.random.default_rng(seed))


def experiment(data: dict, layers: list[dict], loss: str, **training) -> dict:
    return {"seed": 0, "data": data, "network": {"layers": layers, "loss": loss},
            "training": {"optimizer": {"name": "sgd", "learning_rate": 0.1},
                         "batch_size": 4, "epochs": 3, **training}}


def test_string_labels_become_sorted_classes_and_rows_keep_their_order():
    ds = load(table([[0, 0], [1, 0], [0, 1], [2, 2]], ["red", "blue", "red", "green"]))
    assert ds.task == "classification"
    assert ds.class_names == ("blue", "green", "red")
    assert ds.y_train.tolist() == [2, 0, 2, 1]
    assert ds.X_train.tolist() == [[0, 0], [1, 0], [0, 1], [2, 2]]   # not standardized


def test_numbers_are_inferred_as_for_a_csv_and_task_overrides_it():
    assert load(table([[0.0], [1.0], [2.0]], [0, 1, 1])).task == "classification"
    assert load(table([[0.0], [1.0], [2.0]], [0.5, 1.5, 1.0])).task == "regression"
    forced = load(table([[0.0], [1.0], [2.0]], [0, 1, 1], task="regression"))
    assert forced.task == "regression" and forced.y_train.tolist() == [[0], [1], [1]]


def test_rows_of_numbers_are_a_regression_with_several_outputs():
    ds = load(table([[0.05, 0.10], [0.2, 0.3]], [[0.01, 0.99], [0.5, 0.4]]))
    assert ds.task == "regression" and ds.n_targets == 2
    assert ds.y_train.tolist() == [[0.01, 0.99], [0.5, 0.4]]
    assert ds.target_names == ("y1", "y2")


def test_a_two_input_table_is_a_set_of_the_plane_and_takes_features():
    ds = load(table([[1.0, 2.0], [3.0, -1.0]], ["a", "b"], features=["x1", "x1*x2"]))
    assert ds.is_2d and ds.bounds is not None
    assert ds.X_train.tolist() == [[1.0, 2.0], [3.0, -3.0]]
    assert ds.transform(np.array([[2.0, 5.0]])).tolist() == [[2.0, 10.0]]
    three = load(table([[1, 2, 3], [4, 5, 6]], [0, 1]))
    assert not three.is_2d and three.n_inputs == 3


@pytest.mark.parametrize("data, where, message", [
    ({"inputs": None}, "data.inputs", "needs inputs"),
    ({"inputs": [[1, 2], [3]]}, "data.inputs[1]", "expected 2 numbers"),
    ({"inputs": [[1, 2], [3, "x"]]}, "data.inputs[1][1]", "must be a finite number"),
    ({"inputs": [[1, 2], [3, True]]}, "data.inputs[1][1]", "must be a finite number"),
    ({"targets": [0]}, "data.targets", "one target per row of inputs (2), got 1 targets"),
    ({"targets": ["a", 1]}, "data.targets[1]", "mixes text labels and numbers"),
    ({"targets": [[1, 2], [3]]}, "data.targets[1]", "expected a row of 2 numbers"),
    ({"targets": [None, 1]}, "data.targets[0]", "must be a class label"),
    ({"targets": ["a", "b"], "task": "regression"}, "data.targets", "cannot be a regression"),
    ({"targets": [[1], [2]], "task": "classification"}, "data.targets", "regression targets"),
    ({"targets": ["a", "a"], "task": "classification"}, "data.targets", "only one class"),
])
def test_bad_tables_are_refused_with_the_key_path(data, where, message):
    d = experiment(table([[1, 2], [3, 4]], ["a", "b"]) | data,
                   [{"units": 2, "activation": "softmax"}], "cross_entropy")
    with pytest.raises(ExperimentError) as info:
        Experiment.from_dict(d)
    assert str(info.value).startswith(where + ":"), str(info.value)
    assert message in str(info.value)


def test_a_table_experiment_round_trips_through_its_json(tmp_path):
    d = experiment(table([[0, 0], [1, 1]], ["no", "yes"]),
                   [{"units": 2, "activation": "softmax"}], "cross_entropy")
    exp = Experiment.from_dict(d)
    exp.save(tmp_path / "t.json")
    again = Experiment.from_file(tmp_path / "t.json")
    assert again == exp and again.data["inputs"] == [[0, 0], [1, 1]]


def one_sample_experiment() -> dict:
    return experiment(table([[0.05, 0.10]], [[0.01, 0.99]]),
                      [{"units": 3, "activation": "sigmoid"},
                       {"units": 2, "activation": "sigmoid"}], "mse", batch_size=10)


def test_one_sample_trains_steps_traces_and_snapshots():
    trainer = Trainer(one_sample_experiment())
    assert trainer.dataset.n_train == 1 and trainer.dataset.n_val == 0
    phases = list(trainer.phases())
    assert [p.kind for p in phases] == ["forward", "forward", "loss", "backward",
                                        "backward", "update"]
    assert phases[0].values["a_prev"].shape == (1, 2)
    traced = trace_iteration(trainer)
    assert traced["input"] == [[0.05, 0.10]] and len(traced["target"][0]) == 2
    trainer.train_epoch()
    snap = trainer.snapshot()
    assert snap.epoch == 3 and np.isfinite(snap.train_loss) and snap.val_loss is None
    assert snap.surface is not None and all(np.isfinite(layer.grad_norm)
                                            for layer in snap.layers)
    assert len(trainer.history) == 3


def test_a_one_sample_table_with_a_validation_split_says_how_to_fix_it():
    d = one_sample_experiment()
    d["data"]["validation_split"] = 0.2
    with pytest.raises(Exception, match="validation_split 0.2 of 1 samples rounds to 0"):
        Trainer(d)


# -- CSV with several target columns ------------------------------------------------------
CSV = "a,b,y1,y2\n1,2,0.5,7\n3,4,1.5,8\n5,6,2.5,9.5\n"


def test_a_csv_target_may_list_several_columns(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text(CSV)
    ds = load({"source": "csv", "path": str(path), "target": ["y1", -1],
               "validation_split": 0.0, "standardize": False})
    assert ds.task == "regression" and ds.target_names == ("y1", "y2")
    assert ds.y_train.tolist() == [[0.5, 7], [1.5, 8], [2.5, 9.5]]
    assert ds.X_train.tolist() == [[1, 2], [3, 4], [5, 6]]
    d = experiment({"source": "csv", "path": str(path), "target": ["y1", "y2"],
                    "validation_split": 0.0},
                   [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "linear"}],
                   "mse")
    trainer = Trainer(d)
    trainer.train_epoch()
    assert np.isfinite(trainer.history.columns()["train_loss"][-1])


@pytest.mark.parametrize("target, task, message", [
    (["y1", "y1"], None, "listed twice"),
    (["y1", 2], None, "names column 3 ('y1') twice"),
    (["a", "b", "y1", "y2"], None, "every column is a target"),
    (["y1", "y2"], "classification", "several target columns make a regression task"),
    (["y1", "nope"], None, "target column 'nope' not found"),
])
def test_bad_target_lists_are_refused(tmp_path, target, task, message):
    path = tmp_path / "two.csv"
    path.write_text(CSV)
    with pytest.raises(Exception, match=re.escape(message)):
        load({"source": "csv", "path": str(path), "target": target, "task": task,
              "validation_split": 0.0})
