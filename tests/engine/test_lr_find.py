"""The learning-rate range test (playground.training.lr_find) and ``lr-find FILE``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT, small_experiment
from playground.cli import main
from playground.errors import Cancelled
from playground.experiment import Experiment
from playground.training.lr_find import DIVERGE_FACTOR, RangeTestProblem, rates, steepest
from playground.training.metrics import evaluate
from playground.training.trainer import Trainer

SPIRAL = ROOT / "assets" / "examples" / "spiral.json"


def test_the_rates_grow_exponentially_from_start_to_end():
    lr = rates(1e-6, 10.0, 100)
    assert lr[0] == pytest.approx(1e-6) and lr[-1] == pytest.approx(10.0)
    np.testing.assert_allclose(lr[1:] / lr[:-1], 1e7 ** (1 / 99))


def test_the_suggestion_is_the_steepest_descent_before_the_minimum():
    lr = rates(1e-6, 10.0, 100)
    x = np.log10(lr)
    # falls fastest at 1e-2 (tanh's steepest point), lowest at 10**-0.5, then blows up
    loss = 1.0 - np.tanh(x + 2.0) + np.where(x > -0.5, 20.0 * (x + 0.5) ** 2, 0.0)
    k = steepest(lr, loss)
    assert lr[k] == pytest.approx(1e-2, rel=0.1)
    # a loss that only rises has no descent to suggest
    assert steepest(lr, np.linspace(1, 2, 100)) is None


def test_the_test_stops_once_the_smoothed_loss_passes_four_times_its_minimum():
    test = RangeTestProblem(Trainer(small_experiment())).run()
    assert 10 < len(test.learning_rates) < 100
    best = np.minimum.accumulate(test.smoothed)
    assert test.smoothed[-1] > DIVERGE_FACTOR * best[-2]
    assert np.all(test.smoothed[:-1] <= DIVERGE_FACTOR * best[:-1])
    assert "4× its minimum" in test.stop_reason
    assert test.suggested == test.learning_rates[test.suggested_index]
    assert "steepest descent" in test.explanation


def test_the_range_test_leaves_the_trainer_bitwise_untouched():
    trainer, twin = Trainer(small_experiment()), Trainer(small_experiment())
    trainer.train_epoch(), twin.train_epoch()
    state = (trainer.network.params.tobytes(), trainer.rng.bit_generator.state,
             {k: v.tobytes() for k, v in trainer.optimizer.state_arrays().items()},
             trainer.optimizer.learning_rate, trainer.optimizer.step_count)
    first = RangeTestProblem(trainer).run()
    assert (trainer.network.params.tobytes(), trainer.rng.bit_generator.state,
            {k: v.tobytes() for k, v in trainer.optimizer.state_arrays().items()},
            trainer.optimizer.learning_rate, trainer.optimizer.step_count) == state
    again = RangeTestProblem(trainer).run()     # seeded: the same state gives the same test
    np.testing.assert_array_equal(again.losses, first.losses)
    trainer.train_epoch(), twin.train_epoch()
    assert trainer.network.params.tobytes() == twin.network.params.tobytes()


def test_cancel_stops_the_range_test():
    with pytest.raises(Cancelled):
        RangeTestProblem(Trainer(small_experiment())).run(cancelled=lambda: True)


@pytest.mark.slow
def test_on_the_spiral_the_suggestion_is_within_3x_of_the_best_fixed_rate():
    experiment = Experiment.from_file(SPIRAL)
    suggested = RangeTestProblem(Trainer(experiment)).run().suggested
    final = {}
    for lr in 10.0 ** np.arange(-3.0, -0.9, 0.5):     # 1e-3 … 1e-1, half a decade apart
        trainer = Trainer(experiment.replace("training.optimizer.learning_rate", float(lr)))
        while not trainer.finished:                    # the example's 300 epochs
            trainer.train_epoch()
        final[lr] = evaluate(trainer, trainer.X_train, trainer.Y_train)["loss"]
    best = min(final, key=final.get)
    assert best / 3 <= suggested <= best * 3, (suggested, final)


def test_lr_find_prints_the_curve_and_the_suggestion(capsys):
    assert main(["lr-find", str(SPIRAL)]) == 0
    out = capsys.readouterr().out
    assert "<- suggested" in out and "steepest descent" in out
    assert main(["lr-find", str(SPIRAL), "--json", "--iterations", "40"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(result["learning_rates"]) == len(result["losses"]) <= 40
    assert result["learning_rates"][0] == pytest.approx(1e-6)
    assert 1e-6 < result["suggested"] < 10 and result["optimizer"] == "adam"


@pytest.mark.parametrize("args, message", [
    (["--start", "0"], "0 < start < end"), (["--iterations", "1"], "at least 2"),
    (["--start", "1", "--end", "0.1"], "0 < start < end")])
def test_lr_find_refuses_bad_settings_with_exit_code_2(capsys, args, message):
    assert main(["lr-find", str(SPIRAL), *args]) == 2
    assert message in capsys.readouterr().err


def test_lr_find_names_a_missing_file(capsys, tmp_path):
    assert main(["lr-find", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err
