"""The loss landscape (playground.training.landscape) and the trajectory it draws on.

For a linear model with MSE the loss along any plane is a quadratic known in closed form:
L(α, β) = mean((r + α·u + β·v)²) with r the residuals at the current weights and u, v what
the two directions change in the outputs. The grid and the line are checked against that,
computed here with plain NumPy from the data and the weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import small_experiment
from playground.errors import Cancelled, PlaygroundError
from playground.training.landscape import LandscapeProblem, cost
from playground.training.trainer import Trainer
from playground.training.trajectory import Trajectory


def linear_experiment(epochs=6) -> dict:
    return {
        "seed": 3,
        "data": {"source": "plane", "samples": 60, "noise": 0.2, "validation_split": 0.0},
        "network": {"layers": [{"units": 1, "activation": "linear"}], "loss": "mse"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.05}, "batch_size": 8,
                     "epochs": epochs, "dtype": "float64"},
    }


def trained(d: dict, epochs: int) -> Trainer:
    trainer = Trainer(d)
    for _ in range(epochs):
        trainer.train_epoch()
    return trainer


def linear_outputs(X, flat):
    """A 1-unit linear layer's outputs for the flat vector [W (inputs×1), b]."""
    return X @ flat[:-1] + flat[-1]


def test_the_linear_models_landscape_is_the_closed_form_quadratic():
    trainer = trained(linear_experiment(), 6)
    X, y = (np.asarray(trainer.dataset.X_train, float),
            np.asarray(trainer.dataset.y_train, float).ravel())
    center = np.concatenate([trainer.network.weights()["W0"].ravel(),
                             trainer.network.weights()["b0"]])
    land = LandscapeProblem.from_trainer(trainer).compute("random", resolution=7,
                                                          rng=np.random.default_rng(5))
    d1, d2 = land.plane.directions
    r = linear_outputs(X, center) - y
    u, v = X @ d1[:-1] + d1[-1], X @ d2[:-1] + d2[-1]
    a, b = np.meshgrid(land.plane.alphas, land.plane.betas, indexing="ij")
    expected = np.mean((r + a[..., None] * u + b[..., None] * v) ** 2, axis=-1)
    np.testing.assert_allclose(land.plane.losses, expected, rtol=1e-10)
    # along α alone the curvature is 2·mean(u²)
    i0 = len(land.plane.betas) // 2
    h = land.plane.alphas[1] - land.plane.alphas[0]
    second = np.diff(land.plane.losses[:, i0], 2) / h ** 2
    np.testing.assert_allclose(second, 2 * np.mean(u ** 2), rtol=1e-8)


def test_the_line_runs_from_the_initial_to_the_current_weights_as_a_parabola():
    d = linear_experiment()
    trainer = trained(d, 6)
    initial = np.concatenate([v.ravel() for v in Trainer(d).network.weights().values()])
    X, y = (np.asarray(trainer.dataset.X_train, float),
            np.asarray(trainer.dataset.y_train, float).ravel())
    center = trainer.network.params.astype(float)
    line = LandscapeProblem.from_trainer(trainer).compute(resolution=3, line_points=9).line
    step = center - initial
    expected = [np.mean((linear_outputs(X, initial + t * step) - y) ** 2) for t in line.t]
    np.testing.assert_allclose(line.losses, expected, rtol=1e-10)
    assert line.t[0] == -0.5 and line.t[-1] == 1.5
    assert line.distance == pytest.approx(np.linalg.norm(step))


def test_the_current_weights_project_to_the_origin_and_the_start_to_negative_alpha():
    trainer = trained(small_experiment(), 8)
    plane = LandscapeProblem.from_trainer(trainer).compute(resolution=5, line_points=3).plane
    np.testing.assert_allclose(plane.path[-1], [0.0, 0.0], atol=1e-12)
    assert plane.path[0, 0] < 0
    assert plane.path_epochs[0] == 0 and plane.path_epochs[-1] == 8
    assert plane.alphas[0] < plane.path[:, 0].min() and plane.alphas[-1] > 0


def test_the_trajectory_directions_are_orthonormal_and_hold_the_most_of_the_path():
    trainer = trained(small_experiment(), 10)
    problem = LandscapeProblem.from_trainer(trainer)
    d1, d2, captured = problem.trajectory_directions()
    np.testing.assert_allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1.0, 1.0, 0.0], atol=1e-12)
    _, held = problem.project(d1, d2)
    assert held == pytest.approx(captured)
    rng = np.random.default_rng(0)
    for _ in range(20):      # no other plane through the current weights holds more
        q, _ = np.linalg.qr(rng.standard_normal((d1.size, 2)))
        assert problem.project(q[:, 0], q[:, 1])[1] <= captured + 1e-12


def test_random_directions_are_filter_normalized_and_seeded():
    trainer = trained(small_experiment(), 3)
    problem = LandscapeProblem.from_trainer(trainer)
    d1, d2 = problem.random_directions(np.random.default_rng(11))
    weights = trainer.network.weights()
    for i, layer in enumerate(trainer.network.layers):
        w_slice, b_slice = trainer.network.slices[i]
        dw = d1[w_slice].reshape(layer.fan_in, layer.units)
        for j in range(layer.units):      # neuron j: its column of W and its bias
            theta = np.append(weights[f"W{i}"][:, j], weights[f"b{i}"][j])
            direction = np.append(dw[:, j], d1[b_slice][j])
            assert np.linalg.norm(direction) == pytest.approx(np.linalg.norm(theta), rel=1e-6)
    again = problem.random_directions(np.random.default_rng(11))
    assert np.array_equal(again[0], d1) and np.array_equal(again[1], d2)
    assert not np.allclose(d1, d2)


def test_a_layer_without_bias_is_normalized_by_its_weights_alone():
    d = small_experiment()
    d["network"]["layers"][0]["use_bias"] = False
    trainer = trained(d, 2)
    d1, _ = LandscapeProblem.from_trainer(trainer).random_directions(np.random.default_rng(2))
    first = trainer.network.layers[0]
    w_slice, b_slice = trainer.network.slices[0]
    assert b_slice is None
    np.testing.assert_allclose(np.linalg.norm(d1[w_slice].reshape(first.W.shape), axis=0),
                               np.linalg.norm(first.W, axis=0), rtol=1e-6)


def test_computing_a_landscape_leaves_the_trainer_bitwise_untouched():
    trainer, twin = trained(small_experiment(), 4), trained(small_experiment(), 4)
    before = (trainer.network.params.tobytes(), trainer.rng.bit_generator.state,
              {k: v.tobytes() for k, v in trainer.optimizer.state_arrays().items()})
    problem = LandscapeProblem.from_trainer(trainer)
    problem.compute("trajectory", resolution=6)
    problem.compute("random", resolution=6, rng=np.random.default_rng(1))
    after = (trainer.network.params.tobytes(), trainer.rng.bit_generator.state,
             {k: v.tobytes() for k, v in trainer.optimizer.state_arrays().items()})
    assert after == before
    trainer.train_epoch()
    twin.train_epoch()
    assert trainer.network.params.tobytes() == twin.network.params.tobytes()


def test_progress_counts_every_forward_pass_and_cancel_stops_the_computation():
    problem = LandscapeProblem.from_trainer(trained(small_experiment(), 3))
    seen = []
    problem.compute(resolution=5, line_points=10, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (cost(5, 10), 35) and seen == sorted(seen)
    with pytest.raises(Cancelled):
        problem.compute(resolution=5, cancelled=lambda: True)


def test_principal_directions_need_a_path_and_the_message_says_what_to_do():
    problem = LandscapeProblem.from_trainer(trained(small_experiment(), 1))
    with pytest.raises(PlaygroundError, match="train for at least 2 epochs"):
        problem.compute("trajectory")
    with pytest.raises(PlaygroundError, match="one of trajectory, random"):
        problem.compute("sideways")


def test_the_trajectory_keeps_the_start_and_thins_itself_within_its_bound():
    params = np.zeros(10, np.float32)
    path = Trajectory(params, max_points=8)
    for epoch in range(1, 40):
        path.record(epoch, params + epoch)
        assert len(path) <= 8
    assert path.epochs[0] == 0 and path.initial[0] == 0
    assert path.stride == 8 and list(path.epochs) == [0, 8, 16, 24, 32]
    assert path.points()[-1, 0] == 32
    big = Trajectory(np.zeros(2 ** 20, np.float64), max_bytes=2 ** 26)
    assert big.capacity == 8 and big.nbytes == 2 ** 23


def test_the_trainer_records_its_weights_every_epoch():
    trainer = trained(small_experiment(), 3)
    assert list(trainer.trajectory.epochs) == [0, 1, 2, 3]
    np.testing.assert_array_equal(trainer.trajectory.points(np.float32)[-1],
                                  trainer.network.params)
    np.testing.assert_array_equal(trainer.trajectory.initial,
                                  Trainer(small_experiment()).network.params)
