"""Divergence is seen whole: a loss that stays far above what guessing a constant costs stops
training with the reason, and the reason blames overflowing data or non-finite saved weights
instead of the learning rate when they are the cause."""

from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np
import pytest

from conftest import small_experiment
from playground import Trainer
from playground.nn.losses import get_loss
from playground.files.resources import asset_path
from playground.training import divergence


def finish(trainer: Trainer) -> Trainer:
    while not trainer.finished:
        trainer.train_epoch()
    return trainer


def test_sgd_at_learning_rate_1000_on_the_spiral_stops_with_the_reason():
    d = json.loads(asset_path("examples", "spiral.json").read_text())
    d["training"]["optimizer"] = {"name": "sgd", "learning_rate": 1000}
    trainer = finish(Trainer(d))
    assert trainer.diverged and trainer.epoch == divergence.PATIENCE
    reason = trainer.stop_reason
    assert reason.startswith("diverged: the loss grew to")
    assert f"at epoch {divergence.PATIENCE}" in reason
    assert "learning rate (1000) is probably too high" in reason
    assert np.all(np.isfinite(trainer.network.params))


def test_a_healthy_run_is_never_called_diverged():
    d = small_experiment()
    d["training"]["epochs"] = 30
    trainer = finish(Trainer(d))
    assert not trainer.diverged and trainer.stop_reason == "completed 30 epochs"


def test_baseline_losses_are_those_of_the_best_constant_prediction():
    labels = np.array([0, 0, 0, 1])
    entropy = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert divergence.baseline_loss(get_loss("cross_entropy"), labels) == pytest.approx(entropy)
    Y = np.array([[1.0], [3.0]])                # mean 2, squared error 1 for each
    assert divergence.baseline_loss(get_loss("mse"), Y) == pytest.approx(1.0)
    B = np.array([[1.0], [0.0], [0.0], [0.0]])   # p = 0.25
    assert divergence.baseline_loss(get_loss("binary_cross_entropy"), B) == \
        pytest.approx(entropy)


def test_the_loss_must_stay_high_for_patience_epochs_in_a_row():
    high = [1.0] * divergence.PATIENCE
    assert divergence.runaway_loss(np.array(high), 0.05, epoch=9) is not None
    assert "at epoch 9" in divergence.runaway_loss(np.array(high), 0.05, epoch=9)
    assert divergence.runaway_loss(np.array(high[1:]), 0.05) is None        # too few epochs
    dipped = high[:-2] + [0.4] + high[-1:]                                  # 0.4 < 10 × 0.05
    assert divergence.runaway_loss(np.array(dipped), 0.05) is None
    assert divergence.runaway_loss(np.array(high), 0.2) is None             # not 10× baseline


def test_data_that_overflow_float32_are_named_as_the_cause(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    X[5, 1] = 1e200
    rows = [f"{a!r},{b!r},{int(a > 0)}" for a, b in X.tolist()]
    (tmp_path / "big.csv").write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    d = small_experiment()
    d["data"] = {"source": "csv", "path": str(tmp_path / "big.csv"), "standardize": False}
    trainer = finish(Trainer(d))
    assert trainer.diverged
    assert "overflow float32" in trainer.stop_reason and "1e+200" in trainer.stop_reason
    assert "the learning rate is not the cause" in trainer.stop_reason


def test_noise_that_would_overflow_the_data_is_refused_naming_the_limit():
    """noise 1e308 used to be generated (overflow warnings, then an inf data set); now the
    setting is refused with the limit (overflowing data from a file: the test above)."""
    import warnings

    from playground import ExperimentError

    d = small_experiment()
    d["data"]["noise"] = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExperimentError, match=r"data.noise.*at most 100"):
            Trainer(d)
    d["data"]["noise"] = 100.0                      # the limit itself trains, finitely
    assert np.isfinite(Trainer(d).X_train).all()


def test_nan_weights_in_a_saved_run_are_named_as_the_cause(tmp_path):
    d = small_experiment()
    d["training"]["epochs"] = 4
    trainer = Trainer(d)
    trainer.train_epoch()
    run = tmp_path / "run.bpp"
    trainer.save(run)
    with zipfile.ZipFile(run) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    weights = np.load(io.BytesIO(members["weights.npz"]))
    arrays = {k: weights[k] for k in weights.files}
    arrays["W0"][0, 0] = np.nan
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    members["weights.npz"] = buf.getvalue()
    with zipfile.ZipFile(run, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    resumed = finish(Trainer.load(run))
    assert resumed.diverged
    assert "weights were already infinite or NaN" in resumed.stop_reason
    assert "probably too high" not in resumed.stop_reason
