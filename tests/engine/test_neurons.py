"""What each neuron computes (playground.training.neurons): maps over the input plane that
match a hand evaluation of a = f(x·w + b), dead and saturated units named, digit weights as
8×8 images."""

from __future__ import annotations

import numpy as np

from conftest import small_experiment
from playground import Trainer
from playground.presets import preset
from playground.training.neurons import MAP_RESOLUTION, NEURON_BINS


def test_each_hidden_map_is_the_neurons_activation_over_the_plane():
    d = small_experiment()
    d["training"]["dtype"] = "float64"
    trainer = Trainer(d)
    trainer.train_epoch()
    snap = trainer.snapshot()
    first = snap.neurons[0]
    assert first.maps.shape == (6, MAP_RESOLUTION, MAP_RESOLUTION)
    x0, x1, y0, y1 = first.extent
    W, b = snap.weights[0]
    for row, col in ((0, 0), (5, 17), (MAP_RESOLUTION - 1, MAP_RESOLUTION - 1)):
        point = np.array([[x0 + (x1 - x0) * col / (MAP_RESOLUTION - 1),
                           y0 + (y1 - y0) * row / (MAP_RESOLUTION - 1)]])
        expected = np.tanh(point @ W + b)[0]          # the spiral's inputs are x1, x2 as is
        assert np.allclose(first.maps[:, row, col], expected, atol=1e-12)
    out = snap.neurons[-1].maps
    assert np.allclose(out.sum(axis=0), 1.0)          # softmax outputs share each point


def test_a_relu_that_is_never_active_is_dead_and_a_flat_tanh_is_saturated():
    d = small_experiment()
    d["network"]["layers"][0] = {"units": 2, "activation": "relu",
                                 "weights": [[1.0, 0.1], [1.0, 0.1]], "bias": [-100.0, 0.0]}
    d["network"]["layers"][1] = {"units": 2, "activation": "tanh",
                                 "weights": [[0.0, 0.0], [0.0, 0.0]], "bias": [50.0, 0.0]}
    neurons = Trainer(d).snapshot().neurons
    assert neurons[0].status == ("dead", "")
    assert neurons[1].status == ("saturated", "")


def test_activation_histograms_count_every_probe_sample():
    trainer = Trainer(preset("circle"))
    views = trainer.snapshot().neurons
    n = min(256, len(trainer.X_train))
    for view in views:
        assert view.counts.shape[1] == NEURON_BINS
        assert (view.counts.sum(axis=1) == n).all()


def test_probe_histograms_and_status_are_of_the_current_weights_on_the_probe_batch():
    """The snapshot reuses its layer statistics' forward pass of the probe batch for the
    neuron views: they must still be the activations of the *current* weights on the first
    256 training samples (a hand forward pass in float64), after training moved the weights,
    and a unit made dead by hand just before the snapshot must be named dead."""
    d = small_experiment()
    d["training"]["dtype"] = "float64"
    d["network"]["layers"][0]["activation"] = "relu"
    trainer = Trainer(d)
    trainer.train_epoch()
    trainer.snapshot()                               # the workspace holds this probe pass
    trainer.train_epoch()
    layer0 = trainer.network.layers[0]
    layer0.W[:, 2] = 0.0
    layer0.b[2] = -1.0                               # z = −1 for every sample: dead
    snap = trainer.snapshot()
    x = trainer.X_train[:256]
    a = x
    for view, (W, b), act in zip(snap.neurons, snap.weights, snap.activations):
        z = a @ W + b
        if act == "relu":
            a = np.maximum(z, 0.0)
        elif act == "tanh":
            a = np.tanh(z)
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        for j in range(a.shape[1]):
            lo, hi = a[:, j].min(), a[:, j].max()
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
            want, _ = np.histogram(a[:, j], NEURON_BINS, (lo, hi))
            assert np.abs(view.counts[j] - want).sum() <= 2     # rounding at a bin edge
            np.testing.assert_allclose(view.edges[j][[0, -1]], [lo, hi], rtol=1e-9)
    assert snap.neurons[0].status[2] == "dead"


def test_digits_show_first_layer_weights_as_8x8_images_and_no_plane_maps():
    d = preset("digits").to_dict()
    d["network"]["layers"][0]["units"] = 16
    trainer = Trainer(d)
    first = trainer.snapshot().neurons[0]
    assert first.maps is None and first.images.shape == (16, 8, 8)
    W = trainer.network.layers[0].W
    assert np.array_equal(first.images[3], W[:, 3].reshape(8, 8))


def test_activation_histograms_are_numpys_histogram_of_each_unit():
    """All units are counted at once; each must be np.histogram of that unit's finite values
    over their range (±0.5 when constant, 0…1 when none), bin edges included, also for
    values on bin edges, infinities and NaNs."""
    from playground.training.neurons import _histograms

    rng = np.random.default_rng(1)
    for case in range(120):
        n, units = int(rng.integers(0, 200)), int(rng.integers(1, 10))
        a = rng.standard_normal((n, units)) * 10.0 ** int(rng.integers(-8, 8))
        if n:
            a[:, 0] = 0.3                                   # constant
            a[:, -1] = np.round(a[:, -1] * 4) / 4           # many values on bin edges
            if case % 3 == 0:
                a[rng.integers(0, n), rng.integers(0, units)] = np.nan
            if case % 5 == 0:
                a[rng.integers(0, n), rng.integers(0, units)] = -np.inf
            if case % 7 == 0:
                a[:, units // 2] = np.nan                   # no finite value at all
        counts, edges = _histograms(a)
        for j in range(units):
            column = a[:, j][np.isfinite(a[:, j])]
            lo, hi = (column.min(), column.max()) if column.size else (0.0, 1.0)
            if hi - lo < 1e-12:
                lo, hi = lo - 0.5, hi + 0.5
            want_counts, want_edges = np.histogram(column, NEURON_BINS, (lo, hi))
            np.testing.assert_array_equal(counts[j], want_counts)
            np.testing.assert_array_equal(edges[j], want_edges)


def test_unit_edges_are_numpys_linspace_bit_for_bit():
    from playground.training.neurons import _unit_edges

    rng = np.random.default_rng(7)
    for _ in range(200):
        units = int(rng.integers(1, 20))
        lo = rng.standard_normal(units) * 10.0 ** rng.integers(-12, 12, units)
        hi = lo + np.abs(rng.standard_normal(units)) * 10.0 ** rng.integers(-11, 12, units)
        hi = np.maximum(hi, np.nextafter(lo, np.inf))      # a range of nonzero width
        edges = _unit_edges(lo, hi, NEURON_BINS)
        np.testing.assert_array_equal(edges, np.linspace(lo, hi, NEURON_BINS + 1, axis=1))
        for j in range(units):          # and each unit's edges as np.histogram makes them
            np.testing.assert_array_equal(edges[j],
                                          np.linspace(lo[j], hi[j], NEURON_BINS + 1))


def test_a_diverged_layers_histograms_count_every_value_without_warnings():
    """±1e308 in a layer (a diverged run): hi − lo overflows, which warned "invalid value"
    and gave NaN bin indices. Each unit's counts must be np.histogram's of the halved values
    (halving is exact at these magnitudes), its edges those edges doubled, every value counted."""
    import warnings

    from playground.training.neurons import _histograms

    a = np.array([[-1e308, 1.0, 3.0], [0.0, 1e308, 2.0], [1e308, -1.0, np.nan],
                  [5e307, 0.5, 1.0]])
    for data in (a, a[:, :2]):                      # with a NaN, and all finite
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            counts, edges = _histograms(data)
        for j in range(data.shape[1]):
            column = data[:, j][np.isfinite(data[:, j])]
            want_counts, want_edges = np.histogram(column / 2, NEURON_BINS,
                                                   (column.min() / 2, column.max() / 2))
            np.testing.assert_array_equal(counts[j], want_counts)
            np.testing.assert_array_equal(edges[j], want_edges * 2)
            assert counts[j].sum() == column.size
            assert np.isfinite(edges[j]).all()


def test_a_huge_constant_unit_gets_a_range_it_can_be_counted_in():
    """A unit stuck at 1e20 (or 1e308) on every sample: ± 0.5 vanishes in rounding there, which
    left a range of width 0, NaN bin indices and an IndexError out of the snapshot (the monkey
    found it). The range must be a real interval around the value holding every sample."""
    import warnings

    from playground.training.neurons import _histograms

    for value in (1e20, -3e200, 1e308):
        for a in (np.full((7, 2), value), np.array([[value, np.nan]] * 7)):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                counts, edges = _histograms(a)
            assert counts[0].sum() == 7 and counts[0].max() == 7
            assert edges[0, 0] < value < edges[0, -1] and np.isfinite(edges[0]).all()
            assert np.all(np.diff(edges[0]) > 0)


def test_the_plane_grids_are_made_once_per_trainer_and_match_a_fresh_evaluation():
    """The decision surface and the neuron maps take their grid points (through the data's
    transform) from a per-trainer cache: the transform runs once per resolution, however many
    snapshots are taken, and the surface still equals the network on a freshly built grid."""
    from playground.training.snapshot import SURFACE_RESOLUTION

    trainer = Trainer(preset("circle"))
    ds = trainer.dataset
    calls = []
    original = ds.transform

    def counting(points):
        calls.append(len(points))
        return original(points)

    object.__setattr__(ds, "transform", counting)
    for _ in range(3):
        trainer.train_epoch()
        snap = trainer.snapshot()
    assert sorted(calls) == sorted([SURFACE_RESOLUTION ** 2, MAP_RESOLUTION ** 2])
    x0, x1, y0, y1 = ds.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, SURFACE_RESOLUTION),
                         np.linspace(y0, y1, SURFACE_RESOLUTION))
    raw = np.column_stack([gx.ravel(), gy.ravel()])
    out = trainer.network.copy(np.float64).predict(original(raw))
    expected = out[:, 1] if out.shape[1] == 2 else out[:, 0]
    np.testing.assert_allclose(snap.surface.values.ravel(), expected, rtol=1e-5, atol=1e-6)
