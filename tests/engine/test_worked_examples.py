"""The shipped worked examples reproduce their hand calculations to 1e-8 in float64.

Reference numbers come from plain NumPy loops written here from the published programs (Matt
Mazur's "A Step by Step Backpropagation Example", Andrew Trask's "A neural network in 11
lines of Python"), and from Mazur's published table; never from the engine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from playground import Experiment, Trainer
from playground.cli import main
from playground.files.resources import asset_path
from playground.training.trace import trace_iteration

TOL = 1e-8


def example(name: str) -> Experiment:
    return Experiment.from_file(asset_path("examples", f"{name}.json"))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- Mazur's 2-2-2 network, one step ------------------------------------------------------
def mazur_by_hand() -> dict:
    """Mazur's calculation, neuron by neuron, with his names (w1..w8, b1, b2)."""
    i1, i2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    w1, w2, w3, w4, w5, w6, w7, w8 = .15, .20, .25, .30, .40, .45, .50, .55
    b1, b2, eta = .35, .60, 0.5
    out_h1 = sigmoid(w1 * i1 + w2 * i2 + b1)
    out_h2 = sigmoid(w3 * i1 + w4 * i2 + b1)
    out_o1 = sigmoid(w5 * out_h1 + w6 * out_h2 + b2)
    out_o2 = sigmoid(w7 * out_h1 + w8 * out_h2 + b2)
    total = 0.5 * (t1 - out_o1) ** 2 + 0.5 * (t2 - out_o2) ** 2
    d_o1 = (out_o1 - t1) * out_o1 * (1 - out_o1)          # ∂E/∂net_o1
    d_o2 = (out_o2 - t2) * out_o2 * (1 - out_o2)
    d_h1 = (d_o1 * w5 + d_o2 * w7) * out_h1 * (1 - out_h1)
    d_h2 = (d_o1 * w6 + d_o2 * w8) * out_h2 * (1 - out_h2)
    return {
        "hidden": [out_h1, out_h2], "output": [out_o1, out_o2], "total": total,
        "delta_out": [d_o1, d_o2], "delta_hidden": [d_h1, d_h2],
        "dE_dw5": d_o1 * out_h1,
        # W = one row per input: [[w1, w3], [w2, w4]] and [[w5, w7], [w6, w8]]
        "W1_after": [[w1 - eta * d_h1 * i1, w3 - eta * d_h2 * i1],
                     [w2 - eta * d_h1 * i2, w4 - eta * d_h2 * i2]],
        "W2_after": [[w5 - eta * d_o1 * out_h1, w7 - eta * d_o2 * out_h1],
                     [w6 - eta * d_o1 * out_h2, w8 - eta * d_o2 * out_h2]],
        "b1_after": [b1 - eta * d_h1, b1 - eta * d_h2],
        "b2_after": [b2 - eta * d_o1, b2 - eta * d_o2],
    }


MAZUR_PUBLISHED = {"out_h1": 0.593269992, "out_h2": 0.596884378, "out_o1": 0.75136507,
                   "out_o2": 0.772928465, "total": 0.298371109, "dE_dw5": 0.082167041,
                   "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270,
                   "w8": 0.561370121, "w1": 0.149780716, "w2": 0.19956143,
                   "w3": 0.24975114, "w4": 0.29950229}


def test_the_hand_loop_reproduces_mazurs_published_numbers():
    hand = mazur_by_hand()
    got = {"out_h1": hand["hidden"][0], "out_h2": hand["hidden"][1],
           "out_o1": hand["output"][0], "out_o2": hand["output"][1], "total": hand["total"],
           "dE_dw5": hand["dE_dw5"], "w5": hand["W2_after"][0][0],
           "w6": hand["W2_after"][1][0], "w7": hand["W2_after"][0][1],
           "w8": hand["W2_after"][1][1], "w1": hand["W1_after"][0][0],
           "w2": hand["W1_after"][1][0], "w3": hand["W1_after"][0][1],
           "w4": hand["W1_after"][1][1]}
    for key, published in MAZUR_PUBLISHED.items():
        assert got[key] == pytest.approx(published, abs=5e-9), key     # his 9 digits


def test_trace_of_the_2_2_2_example_shows_the_hand_calculation():
    hand = mazur_by_hand()
    traced = trace_iteration(Trainer(example("worked_example_2_2_2")))
    hidden, output = traced["layers"]
    assert traced["input"] == [[0.05, 0.10]] and traced["target"] == [[0.01, 0.99]]
    assert np.allclose(hidden["a"], [hand["hidden"]], rtol=0, atol=TOL)
    assert np.allclose(output["a"], [hand["output"]], rtol=0, atol=TOL)
    assert traced["loss"] == pytest.approx(hand["total"], abs=TOL)
    assert traced["loss"] == pytest.approx(MAZUR_PUBLISHED["total"], abs=5e-9)
    assert np.allclose(output["error_signal"], [hand["delta_out"]], rtol=0, atol=TOL)
    assert np.allclose(hidden["error_signal"], [hand["delta_hidden"]], rtol=0, atol=TOL)
    assert output["grad_W"][0][0] == pytest.approx(hand["dE_dw5"], abs=TOL)
    assert np.allclose(output["W_after"], hand["W2_after"], rtol=0, atol=TOL)
    assert np.allclose(hidden["W_after"], hand["W1_after"], rtol=0, atol=TOL)
    assert np.allclose(hidden["b_after"], hand["b1_after"], rtol=0, atol=TOL)
    assert np.allclose(output["b_after"], hand["b2_after"], rtol=0, atol=TOL)
    assert output["W_after"][0][0] == pytest.approx(MAZUR_PUBLISHED["w5"], abs=5e-9)


def test_the_stepper_shows_the_same_numbers_phase_by_phase():
    hand = mazur_by_hand()
    phases = {(p.kind, p.layer): p for p in Trainer(example("worked_example_2_2_2")).phases()}
    assert np.allclose(phases["forward", 0].values["a"], [hand["hidden"]], atol=TOL, rtol=0)
    assert np.allclose(phases["forward", 1].values["a"], [hand["output"]], atol=TOL, rtol=0)
    assert phases["loss", None].values["loss"] == pytest.approx(hand["total"], abs=TOL)
    assert np.allclose(phases["backward", 1].values["delta"], [hand["delta_out"]],
                       atol=TOL, rtol=0)
    update = phases["update", None].per_layer
    assert np.allclose(update[1]["W_after"], hand["W2_after"], atol=TOL, rtol=0)
    assert np.allclose(update[0]["W_after"], hand["W1_after"], atol=TOL, rtol=0)


def test_the_trace_command_prints_the_published_total_error(capsys):
    path = str(asset_path("examples", "worked_example_2_2_2.json"))
    assert main(["trace", path]) == 0
    traced = json.loads(capsys.readouterr().out)
    assert round(traced["loss"], 9) == MAZUR_PUBLISHED["total"]
    assert round(traced["layers"][1]["W_after"][0][0], 8) == MAZUR_PUBLISHED["w5"]


# -- Trask's NumPy XOR, 5000 epochs ------------------------------------------------------
def trask_by_hand(iterations: int):
    """His program, line by line (``xrange`` → ``range``), with his seeded draws."""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([[0, 1, 1, 0]], dtype=np.float64).T
    np_random = np.random.RandomState(1)             # np.random.seed(1)
    syn0 = 2 * np_random.random_sample((3, 4)) - 1
    syn1 = 2 * np_random.random_sample((4, 1)) - 1
    initial = (syn0.copy(), syn1.copy())
    for _ in range(iterations):
        l1 = 1 / (1 + np.exp(-(np.dot(X, syn0))))
        l2 = 1 / (1 + np.exp(-(np.dot(l1, syn1))))
        l2_delta = (y - l2) * (l2 * (1 - l2))
        l1_delta = l2_delta.dot(syn1.T) * (l1 * (1 - l1))
        syn1 += l1.T.dot(l2_delta)
        syn0 += X.T.dot(l1_delta)
    l2 = 1 / (1 + np.exp(-(np.dot(1 / (1 + np.exp(-(np.dot(X, syn0)))), syn1))))
    return initial, (syn0, syn1), l2


def test_the_xor_example_writes_out_trasks_seeded_weights_and_has_no_biases():
    (syn0, syn1), _, _ = trask_by_hand(0)
    trainer = Trainer(example("xor_numpy_classic"))
    first, second = trainer.network.layers
    assert np.array_equal(first.W, syn0) and np.array_equal(second.W, syn1)
    assert first.b is None and second.b is None
    assert trainer.network.n_params == 3 * 4 + 4 * 1


def test_5000_epochs_of_the_xor_example_follow_trasks_program():
    _, (syn0, syn1), l2 = trask_by_hand(5000)
    trainer = Trainer(example("xor_numpy_classic"))
    while not trainer.finished:
        trainer.train_epoch()
    assert trainer.epoch == 5000 and trainer.iteration == 5000
    first, second = trainer.network.layers
    assert np.allclose(first.W, syn0, rtol=0, atol=TOL)
    assert np.allclose(second.W, syn1, rtol=0, atol=TOL)
    assert np.allclose(trainer.predict(trainer.X_train), l2, rtol=0, atol=TOL)
    assert np.round(l2).ravel().tolist() == [0, 1, 1, 0]
    assert trainer.history.last()["train_accuracy"] == 1.0


def test_lesson_checks_hold_on_the_bias_free_xor_and_the_2_2_2_lesson_passes():
    from playground.lessons import FORMAT, load_lesson, parse_lesson
    from playground.lessons.runner import LessonRun
    step = {"text": "forward", "experiment": "../examples/xor_numpy_classic.json",
            "do": {"phases_until": "forward", "layer": 1}, "checkpoint": {"formula_holds": True}}
    d = {"format": FORMAT, "title": "T", "goal": "G", "steps": [step]}
    (result,) = LessonRun(parse_lesson(d, asset_path("lessons"))).run()
    assert result.passed, result.checks          # z = x W, no b to add
    by_hand = list(LessonRun(load_lesson(asset_path("lessons", "14_by_hand.json"))).run())
    assert all(r.passed for r in by_hand)
    update = by_hand[0].observation.phase.per_layer[1]
    assert update["W_after"][0, 0] == pytest.approx(MAZUR_PUBLISHED["w5"], abs=5e-9)
