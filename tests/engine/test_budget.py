"""Valid but huge work says so up front: memory and time are estimated from the sizes, work
the machine's memory cannot hold is refused before anything is allocated, and the command line
asks for --yes above the threshold."""

from __future__ import annotations

import json

import pytest

from conftest import small_experiment
from playground import PlaygroundError, Trainer
from playground.cli import main
from playground.training import budget

FIXED_SPEED = (1e9, 5e9)


@pytest.fixture
def fixed_speed(monkeypatch):
    monkeypatch.setattr(budget, "machine_speed", lambda: FIXED_SPEED)


def wide(units: int, layers: int = 2) -> dict:
    d = small_experiment()
    d["network"]["layers"] = [{"units": units, "activation": "relu"}] * layers + \
        [{"units": 2, "activation": "softmax"}]
    return d


def test_parameters_are_counted_from_the_layer_sizes():
    assert budget.parameter_count([2, 3, 1]) == 2 * 3 + 3 + 3 * 1 + 1


def test_the_time_per_epoch_follows_the_operation_count(fixed_speed):
    # 6 float operations per parameter and sample (forward 2, backward 4), 2 per validation
    # sample; 10 parameter-sized arrays of memory traffic per batch; 30 µs per layer and batch
    est = budget.estimate_training([10, 100, 10], n_train=1000, n_val=0, batch_size=1000,
                                   itemsize=8)
    params = 10 * 100 + 100 + 100 * 10 + 10
    expected = 6 * params * 1000 / 1e9 + 10 * params * 8 / 5e9 + 2 * 3e-5
    assert est.parameters == params and est.seconds == pytest.approx(expected)


def test_64_layers_of_16384_units_are_refused_before_allocating(tmp_path, capsys):
    d = wide(16384, layers=63)                         # the most validation accepts
    n_inputs = 2                                       # the spiral's x1, x2
    params = (n_inputs * 16384 + 16384 + 62 * (16384 * 16384 + 16384) + 16384 * 2 + 2)
    with pytest.raises(PlaygroundError, match="too large for this machine"):
        Trainer(d)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(d))
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{params:,} parameters" in err and "of memory" in err and "Traceback" not in err


def test_memory_refusal_uses_the_share_of_the_machine():
    est = budget.Estimate(10, 9 * 2**30, 1.0, "per epoch")
    budget.check_fits(est, memory=16 * 2**30)                 # 9 of 16 GB: allowed
    with pytest.raises(PlaygroundError, match="the machine has 8.0 GB"):
        budget.check_fits(est, memory=8 * 2**30)
    assert budget.needs_confirmation(est, memory=16 * 2**30)  # over a quarter: ask first


def test_a_long_gradient_check_needs_yes(tmp_path, capsys, fixed_speed):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(wide(1024)))
    assert main(["gradcheck", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pass --yes" in err and "101 s for the check" in err


def test_small_work_runs_without_asking(tmp_path, capsys, fixed_speed):
    path = tmp_path / "small.json"
    d = small_experiment()
    d["training"]["epochs"] = 1
    path.write_text(json.dumps(d))
    for command in (["train", "--quiet"], ["gradcheck"], ["trace"]):
        assert main([command[0], str(path), *command[1:]]) == 0
    assert "--yes" not in capsys.readouterr().err
