"""Lessons (DESIGN.md §6): the file format's checks, the checkpoints judged from the trainer's
numbers, and ``lesson --check`` on every shipped lesson."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT, small_experiment
from playground.cli import main
from playground.errors import ExperimentError
from playground.lessons import FORMAT, lesson_outline, load_lesson, parse_lesson
from playground.lessons.runner import LessonRun

LESSONS = sorted((ROOT / "assets" / "lessons").glob("*.json"))
SUBJECTS = ("forward", "loss", "chain rule", "gradient descent", "learning rate", "epochs",
            "xor", "vanishing", "exploding", "overfitting", "underfitting", "initialization",
            "optimizers")


def lesson(*steps, **top) -> dict:
    return {"format": FORMAT, "title": "T", "goal": "G", "steps": list(steps), **top}


def write(tmp_path, d) -> str:
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return str(path)


def parse(d):
    return parse_lesson(d, ROOT / "assets" / "lessons")


def results(d):
    return list(LessonRun(parse(d)).run())


# -- shipped lessons ---------------------------------------------------------------------------
def test_shipped_lessons_cover_every_subject_of_the_issue():
    titles = " ".join(load_lesson(p).title.lower() for p in LESSONS)
    assert [s for s in SUBJECTS if s not in titles] == []


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_shipped_lesson_passes_lesson_check(path, capsys):
    assert main(["lesson", str(path), "--check"]) == 0
    out = capsys.readouterr().out.splitlines()
    steps = len(load_lesson(path).steps)
    assert sum(line.startswith("ok   step") for line in out) == steps
    assert out[-1] == f"{steps} of {steps} steps pass"


# -- the command -------------------------------------------------------------------------------
def test_a_failing_checkpoint_exits_1_and_prints_the_number_seen(tmp_path, capsys):
    d = lesson({"text": "train", "experiment": small_experiment(), "do": {"play": 2},
                "checkpoint": {"loss_below": 1e-9}})
    assert main(["lesson", write(tmp_path, d), "--check"]) == 1
    line = [x for x in capsys.readouterr().out.splitlines() if "step 1" in x][0]
    assert line.startswith("FAIL") and "≥ 1e-09" in line


def test_a_bad_lesson_exits_2_with_the_key_path(tmp_path, capsys):
    d = lesson({"text": "x", "experiment": small_experiment(),
                "set": {"training.l2": "lots"}})
    assert main(["lesson", write(tmp_path, d), "--check"]) == 2
    err = capsys.readouterr().err
    assert "steps[0].set.training.l2: must be a number" in err and "Traceback" not in err


# -- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize("step, where", [
    ({"text": "x"}, "steps[0].experiment: the first step must load an experiment"),
    ({"text": "x", "experiment": "nope.json"}, "steps[0].experiment"),
    ({"text": "x", "experiment": {"network": {"layers": [{"units": 0}]}}},
     "steps[0].experiment.network.layers[0].units"),
    ({"text": "", "experiment": small_experiment()}, "steps[0].text"),
    ({"text": "x", "experiment": small_experiment(), "panel": "lossplot"}, "steps[0].panel"),
    ({"text": "x", "experiment": small_experiment(), "do": {"play": 3, "epochs": 2}},
     "steps[0].do: one of"),
    ({"text": "x", "experiment": small_experiment(), "do": {"phases_until": "backwards"}},
     "steps[0].do.phases_until"),
    ({"text": "x", "experiment": small_experiment(), "do": {"change": "seed"}},
     "steps[0].do: change and to go together"),
    ({"text": "x", "experiment": small_experiment(), "do": {"change": "seed", "to": -1}},
     "steps[0].do.to"),
    ({"text": "x", "experiment": small_experiment(), "checkpoint": {"loss_belw": 1}},
     "steps[0].checkpoint.loss_belw: unknown key (did you mean 'loss_below'?)"),
    ({"text": "x", "experiment": small_experiment(),
      "checkpoint": {"weight_changed_by": "-lr*grad", "weight": [1, 0, 0]}},
     "steps[0].checkpoint.weight_changed_by: needs a step that steps phases"),
    ({"text": "x", "experiment": small_experiment(), "do": {"phases_until": "update"},
      "checkpoint": {"weight_changed_by": "-lr*grad", "weight": [2, 9, 0]}},
     "steps[0].checkpoint.weight[1]"),
    ({"text": "x", "experiment": small_experiment(), "checkpoint": {"val_loss_below_step": 1}},
     "steps[0].checkpoint.val_loss_below_step: must name an earlier step"),
    ({"text": "x", "experiment": small_experiment(),
      "question": {"text": "q", "choices": ["a"], "answer": 0}}, "steps[0].question.answer"),
])
def test_bad_steps_are_refused_with_their_key_path(step, where):
    with pytest.raises(ExperimentError) as info:
        parse(lesson(step))
    assert str(info.value).startswith(where), str(info.value)


def test_bad_top_level_and_a_broken_file_name_the_problem(tmp_path):
    with pytest.raises(ExperimentError, match="^format: must be"):
        parse({"title": "T", "steps": []})
    with pytest.raises(ExperimentError, match="^steps: must be a non-empty list"):
        parse(lesson())
    path = tmp_path / "broken.json"
    path.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(ExperimentError, match="broken.json is not valid JSON.*line 1"):
        load_lesson(path)


def test_the_outline_gives_title_and_step_count_without_building_steps(tmp_path, monkeypatch):
    """What a list of lessons shows, read without building a step's experiment (a bad step is
    reported when the lesson is opened); the top-level mistakes are named as by the full read."""
    import playground.lessons.format as lesson_format
    no_experiment = {"text": "a"}          # a first step must load one
    path = write(tmp_path, lesson(no_experiment, {"text": "b"}, title="Two steps", goal="g"))
    path_of_shipped = LESSONS[0]
    full = load_lesson(path_of_shipped)
    with pytest.raises(ExperimentError, match=r"^steps\[0\]\.experiment: the first step"):
        load_lesson(path)
    monkeypatch.setattr(lesson_format, "_parse_step",
                        lambda *a: pytest.fail("the outline built a step"))
    assert lesson_outline(path) == ("Two steps", 2)
    assert lesson_outline(path_of_shipped) == (full.title, len(full.steps))
    for d, message in (([1, 2], "^a lesson must be a JSON object, got a list"),
                       ({"title": "T", "steps": [{}]}, "^format: must be"),
                       (lesson(), "^steps: must be a non-empty list"),
                       (lesson({"text": "a"}, title=" "), "^title: must be a non-empty string")):
        with pytest.raises(ExperimentError, match=message):
            lesson_outline(write(tmp_path, d))
    (tmp_path / "broken.json").write_text('{"format": ', encoding="utf-8")
    with pytest.raises(ExperimentError, match="broken.json is not valid JSON"):
        lesson_outline(tmp_path / "broken.json")


def test_an_experiment_path_is_relative_to_the_lesson_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "exp.json").write_text(json.dumps(small_experiment(seed=7)))
    path = tmp_path / "l.json"
    path.write_text(json.dumps(lesson({"text": "x", "experiment": "sub/exp.json"})))
    assert load_lesson(path).steps[0].experiment.seed == 7


def test_set_of_a_setting_that_cannot_change_live_starts_a_new_run():
    steps = parse(lesson({"text": "a", "experiment": small_experiment()},
                         {"text": "b", "set": {"training.optimizer.learning_rate": 0.5}},
                         {"text": "c", "set": {"seed": 3}})).steps
    assert [s.new_run for s in steps] == [True, False, True]
    assert steps[2].experiment.seed == 3
    assert steps[2].experiment.training["optimizer"]["learning_rate"] == 0.5


# -- checkpoints against independent numbers ---------------------------------------------------
def sgd_xor(momentum=0.0) -> dict:
    return {"seed": 1, "data": {"source": "xor", "samples": 4, "validation_split": 0.0},
            "network": {"layers": [{"units": 2, "activation": "sigmoid", "init": "uniform"},
                                   {"units": 1, "activation": "sigmoid", "init": "uniform"}],
                        "loss": "mse"},
            "training": {"optimizer": {"name": "sgd", "learning_rate": 0.5,
                                       "momentum": momentum},
                         "batch_size": 4, "epochs": 10, "shuffle": False}}


def numpy_xor_update(X, y, W1, b1, W2, b2, lr):
    """One full-batch MSE step of a 2-2-1 sigmoid network, by hand."""
    sig = lambda z: 1 / (1 + np.exp(-z))
    a1 = sig(X @ W1 + b1)
    a2 = sig(a1 @ W2 + b2)
    d2 = 2 * (a2 - y) / len(X) * a2 * (1 - a2)
    d1 = d2 @ W2.T * a1 * (1 - a1)
    return W1 - lr * X.T @ d1, W2 - lr * a1.T @ d2


def test_weight_changed_by_passes_on_the_sgd_update_a_numpy_loop_computes():
    d = lesson({"text": "x", "experiment": sgd_xor(), "do": {"phases_until": "update"},
                "checkpoint": {"weight_changed_by": "-lr*grad", "weight": [1, 1, 0]}})
    run = LessonRun(parse(d))
    (result,) = run.run()
    assert result.passed, result.checks
    before = result.observation.phase.per_layer
    X, y = run.trainer.X_train.astype(float), run.trainer.Y_train.astype(float)
    W1, W2 = numpy_xor_update(X, y, before[0]["W_before"].astype(float), before[0]["b_before"],
                              before[1]["W_before"].astype(float), before[1]["b_before"], 0.5)
    np.testing.assert_allclose(before[0]["W_after"], W1, rtol=1e-5)
    np.testing.assert_allclose(before[1]["W_after"], W2, rtol=1e-5)
    assert f"{W1[1, 0]:.6g}" in result.checks[0].seen


def test_weight_changed_by_fails_when_momentum_adds_to_the_step():
    step = {"text": "x", "do": {"phases_until": "update"},
            "checkpoint": {"weight_changed_by": "-lr*grad", "weight": [2, 0, 0]}}
    d = lesson({**step, "experiment": sgd_xor(momentum=0.9)}, step)
    first, second = results(d)
    assert first.passed                 # the first momentum step is still −η·g
    assert not second.passed and "≠" in second.checks[0].seen


def test_val_loss_rose_counts_consecutive_rises_of_the_history():
    from playground.lessons.checkpoints import Observation, evaluate

    class Snap:
        stop_reason, best_epoch = None, 0
    history = {"val_loss": np.array([1.0, 0.8, 0.9, 1.0, 1.1, 0.7, 0.8])}
    obs = Observation(Snap(), history)
    assert evaluate({"val_loss_rose": 3}, obs)[0].passed
    assert not evaluate({"val_loss_rose": 4}, obs)[0].passed


def test_an_error_signal_ratio_checkpoint_uses_the_first_and_last_layer_norms():
    d = small_experiment()
    d["network"]["layers"] = [{"units": 8, "activation": "sigmoid"}] * 8 + [
        {"units": 2, "activation": "softmax"}]
    d["data"]["features"] = ["x1", "x2"]
    (result,) = results(lesson({"text": "x", "experiment": d, "do": {"batches": 1},
                                "checkpoint": {"error_signal_ratio_below": 1e-3}}))
    layers = result.observation.snapshot.layers
    ratio = layers[0].error_signal_norm / layers[-1].error_signal_norm
    assert result.passed == (ratio < 1e-3) and f"{ratio:.3g}" in result.checks[0].seen


def test_formula_holds_fails_for_numbers_that_do_not_follow_the_formula():
    from dataclasses import replace
    from playground.lessons.checkpoints import evaluate

    d = lesson({"text": "x", "experiment": sgd_xor(), "do": {"phases_until": "forward"},
                "checkpoint": {"formula_holds": True}})
    (result,) = results(d)
    assert result.passed
    phase = result.observation.phase
    bad = replace(phase, values={**phase.values, "z": phase.values["z"] + 0.1})
    assert not evaluate({"formula_holds": True},
                        replace(result.observation, phase=bad))[0].passed


def test_a_diverged_run_stays_stopped_and_early_stopping_is_not_overridden():
    first, second = results(lesson({"text": "x", "experiment":
                                    "../examples/exploding_gradients.json", "do": {"play": 5},
                                    "checkpoint": {"diverged": True}},
                                   {"text": "y", "do": {"play": 5},
                                    "checkpoint": {"epochs": 5}}))
    assert first.passed and not second.passed
