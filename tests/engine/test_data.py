"""Generated data sets, features, the split, standardization, the shipped digits and the
``data`` config: the behaviour promised by :mod:`playground.data` and its helpers."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.data import (ALL_SOURCES, DATA_DEFAULTS, DIGIT_PIXELS, FEATURES,
                             GENERATED_CLASSIFICATION, GENERATED_REGRESSION, DataConfigError,
                             load_dataset, resolve_data_config, split_indices)
from playground.errors import DataError, ExperimentError, PlaygroundError
from playground.files.resources import AssetNotFoundError, asset_path

GENERATED = GENERATED_CLASSIFICATION + GENERATED_REGRESSION


def load(seed: int = 0, **config):
    return load_dataset(config, np.random.default_rng(seed))


def arrays(ds):
    return [ds.X_train, ds.y_train, ds.X_val, ds.y_val] + (
        [ds.raw_train, ds.raw_val] if ds.is_2d else [])


def all_raw(ds):
    return np.vstack([ds.raw_train, ds.raw_val]), np.concatenate([ds.y_train, ds.y_val])


# ---------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("source", GENERATED + ("digits",))
def test_same_seed_gives_bitwise_same_data(source):
    a, b = load(7, source=source), load(7, source=source)
    for x, y in zip(arrays(a), arrays(b)):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


@pytest.mark.parametrize("source", GENERATED + ("digits",))
def test_different_seed_gives_different_data(source):
    a, b = load(1, source=source), load(2, source=source)
    assert not np.array_equal(a.X_train, b.X_train)


def test_noise_moves_the_same_points():
    """Changing only the noise keeps the clean points and the split: the difference between
    two noise levels is proportional to the noise, i.e. noise is a Gaussian std."""
    clean = load(3, source="circle", samples=4000, noise=0.0)
    noisy = load(3, source="circle", samples=4000, noise=0.1)
    noisier = load(3, source="circle", samples=4000, noise=0.2)
    np.testing.assert_array_equal(clean.y_train, noisy.y_train)
    jitter = noisy.raw_train - clean.raw_train
    np.testing.assert_allclose(noisier.raw_train - clean.raw_train, 2 * jitter, atol=1e-12)
    assert abs(jitter.std() - 0.1) < 0.005 and abs(jitter.mean()) < 0.005


# ------------------------------------------------------------------ shapes of every generator
@pytest.mark.parametrize("source", GENERATED)
def test_generated_shapes_and_types(source):
    ds = load(0, source=source, samples=250, validation_split=0.2)
    assert ds.source == source and ds.is_2d
    assert (ds.n_train, ds.n_val) == (200, 50)
    assert ds.X_train.shape == (200, 2) and ds.X_val.shape == (50, 2)
    assert ds.X_train.dtype == np.float64 and ds.raw_train.dtype == np.float64
    assert ds.raw_train.shape == (200, 2) and ds.raw_val.shape == (50, 2)
    assert ds.feature_names == ("x1", "x2")
    raw, _ = all_raw(ds)
    x1_min, x1_max, x2_min, x2_max = ds.bounds
    assert x1_min < raw[:, 0].min() and raw[:, 0].max() < x1_max
    assert x2_min < raw[:, 1].min() and raw[:, 1].max() < x2_max
    assert f"{source}:" in ds.description and "200 train / 50 validation" in ds.description
    if source in GENERATED_REGRESSION:
        assert ds.task == "regression" and ds.n_classes == 0 and ds.n_targets == 1
        assert ds.y_train.shape == (200, 1) and ds.y_train.dtype == np.float64
        assert ds.class_names == () and ds.target_names == ("y",)
    else:
        k = {"blobs": 3}.get(source, 2)
        assert ds.task == "classification" and ds.n_classes == k and ds.n_targets == 1
        assert ds.y_train.shape == (200,) and ds.y_train.dtype == np.int64
        assert ds.class_names == tuple(str(i) for i in range(k))
        assert set(np.unique(all_raw(ds)[1])) == set(range(k))


@pytest.mark.parametrize("source", GENERATED)
def test_inputs_are_roughly_within_plus_minus_1_5(source):
    raw, _ = all_raw(load(0, source=source, samples=2000, noise=0.0))
    if source in ("gaussian", "blobs"):            # Gaussian clusters have no hard edge
        assert np.mean(np.abs(raw) <= 1.5) > 0.99
    else:
        assert np.abs(raw).max() <= 1.5 + 1e-12


def test_xor_is_the_classic_truth_table():
    ds = load(0, source="xor", samples=4, noise=0.0, validation_split=0.0)
    np.testing.assert_array_equal(ds.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(ds.y_train, [0, 1, 1, 0])
    assert ds.n_val == 0 and ds.X_val.shape == (0, 2) and ds.y_val.shape == (0,)
    assert "no validation set" in ds.description


def test_xor_with_noise_keeps_corner_cycle_and_labels():
    ds = load(5, source="xor", samples=400, noise=0.05, validation_split=0.0)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])[np.arange(400) % 4]
    assert np.abs(ds.raw_train - corners).max() < 0.3
    np.testing.assert_array_equal(ds.y_train, np.tile([0, 1, 1, 0], 100))


def test_circle_inner_disc_is_class_1():
    raw, y = all_raw(load(0, source="circle", noise=0.0))
    r = np.hypot(raw[:, 0], raw[:, 1])
    assert r[y == 1].max() <= 0.75 and r[y == 0].min() >= 1.05 and r[y == 0].max() <= 1.5


def test_gaussian_clusters_sit_on_the_diagonal():
    raw, y = all_raw(load(0, source="gaussian", samples=4000, noise=0.0))
    np.testing.assert_allclose(raw[y == 1].mean(axis=0), [0.75, 0.75], atol=0.03)
    np.testing.assert_allclose(raw[y == 0].mean(axis=0), [-0.75, -0.75], atol=0.03)


def test_moons_follow_the_make_moons_formula():
    ds = load(0, source="moons", samples=10, noise=0.0, validation_split=0.0)
    t = np.pi * np.arange(5) / 4
    outer = np.column_stack([np.cos(t), np.sin(t)]) - [0.5, 0.25]
    inner = np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]) - [0.5, 0.25]
    np.testing.assert_allclose(ds.raw_train[0::2], outer, atol=1e-12)
    np.testing.assert_allclose(ds.raw_train[1::2], inner, atol=1e-12)
    np.testing.assert_array_equal(ds.y_train, np.tile([0, 1], 5))


@pytest.mark.parametrize("classes", [2, 3, 7])
def test_spiral_arms_match_classes(classes):
    ds = load(0, source="spiral", classes=classes, samples=70 * classes, noise=0.0,
              validation_split=0.0)
    assert ds.n_classes == classes
    np.testing.assert_array_equal(np.bincount(ds.y_train), [70] * classes)
    radius = np.hypot(ds.raw_train[:, 0], ds.raw_train[:, 1])
    for k in range(classes):                   # each arm winds outwards
        assert np.all(np.diff(radius[ds.y_train == k]) > 0)


def test_blobs_default_three_and_configurable():
    assert load(0, source="blobs").n_classes == 3
    raw, y = all_raw(load(0, source="blobs", classes=4, samples=4000, noise=0.0))
    centres = [raw[y == k].mean(axis=0) for k in range(4)]
    np.testing.assert_allclose(centres, [[0, 1], [-1, 0], [0, -1], [1, 0]], atol=0.02)


def test_regression_targets_follow_their_formulas():
    plane = load(0, source="plane", noise=0.0, validation_split=0.0)
    x = plane.raw_train
    np.testing.assert_allclose(plane.y_train[:, 0], 0.5 * x[:, 0] - 0.25 * x[:, 1])
    sine = load(0, source="sine", noise=0.0, validation_split=0.0)
    x = sine.raw_train
    np.testing.assert_allclose(sine.y_train[:, 0],
                               np.sin(np.pi * x[:, 0]) * np.cos(np.pi * x[:, 1] / 3))
    noisy = load(0, source="plane", samples=20000, noise=0.3, validation_split=0.0)
    assert abs((noisy.y_train - plane_target(noisy.raw_train)).std() - 0.3) < 0.01


def plane_target(x):
    return (0.5 * x[:, 0] - 0.25 * x[:, 1])[:, None]


# --------------------------------------------------------------------------------- features
def test_features_are_computed_in_the_given_order():
    names = ["x1*x2", "sin(x1)", "x2^2", "x1", "sin(x2)", "x1^2", "x2"]
    ds = load(0, source="spiral", features=names, validation_split=0.0)
    x1, x2 = ds.raw_train[:, 0], ds.raw_train[:, 1]
    expected = np.column_stack([x1 * x2, np.sin(x1), x2 ** 2, x1, np.sin(x2), x1 ** 2, x2])
    np.testing.assert_array_equal(ds.X_train, expected)
    assert ds.feature_names == tuple(names) and ds.n_inputs == 7
    assert set(names) == set(FEATURES)


def test_transform_reproduces_the_model_inputs_bitwise():
    for standardize in (False, True):
        ds = load(4, source="circle", features=["x1^2", "x2^2", "x1*x2"],
                  standardize=standardize)
        assert ds.transform(ds.raw_train).tobytes() == ds.X_train.tobytes()
        assert ds.transform(ds.raw_val).tobytes() == ds.X_val.tobytes()
        grid = np.array([[0.0, 0.0], [1.0, -1.0]])
        assert ds.transform(grid).shape == (2, 3)


# ---------------------------------------------------------------------- split and scaling
def test_split_sizes_round_half_up():
    assert load(0, source="xor", samples=10, validation_split=0.25).n_val == 3   # 2.5 -> 3
    assert load(0, source="xor", samples=10, validation_split=0.24).n_val == 2
    ds = load(0, source="plane", samples=10, validation_split=0.0)
    assert ds.n_val == 0 and ds.y_val.shape == (0, 1) and ds.X_val.shape == (0, 2)


def test_split_partitions_the_generated_samples_keeping_their_order():
    whole = load(9, source="moons", samples=50, validation_split=0.0)
    split = load(9, source="moons", samples=50, validation_split=0.3)
    train, val = split_indices(50, 0.3, _rng_after_generation(9, "moons", 50))
    np.testing.assert_array_equal(split.raw_train, whole.raw_train[train])
    np.testing.assert_array_equal(split.raw_val, whole.raw_train[val])
    assert len(val) == 15 and np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(50))


def _rng_after_generation(seed, source, samples):
    rng = np.random.default_rng(seed)
    from playground.data.generated import generate
    generate(source, samples, 0.1, 2, rng)
    return rng


@given(n=st.integers(2, 300), fraction=st.floats(0.0, 0.95), seed=st.integers(0, 2**32))
def test_split_indices_partition_every_sample(n, fraction, seed):
    n_val = math.floor(n * fraction + 0.5)
    if (fraction > 0 and n_val == 0) or n_val >= n:
        with pytest.raises(DataError):
            split_indices(n, fraction, np.random.default_rng(seed))
        return
    train, val = split_indices(n, fraction, np.random.default_rng(seed))
    assert len(val) == n_val and len(train) == n - n_val
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(n))


def test_loading_does_not_change_the_config():
    config = {"source": "spiral", "features": ["x1", "x2"], "classes": None}
    load_dataset(config, np.random.default_rng(0))
    assert config == {"source": "spiral", "features": ["x1", "x2"], "classes": None}
    assert DATA_DEFAULTS["features"] == ["x1", "x2"] and DATA_DEFAULTS["classes"] is None


def test_split_that_leaves_no_validation_or_training_samples_is_rejected():
    with pytest.raises(DataError, match="rounds to 0 validation samples"):
        load(0, source="xor", samples=4, validation_split=0.1)
    with pytest.raises(DataError, match="leaves no training samples"):
        split_indices(2, 0.9, np.random.default_rng(0))


def test_every_class_must_reach_the_training_split():
    with pytest.raises(DataError, match="has no training samples"):
        load(0, source="blobs", classes=10, samples=10, validation_split=0.5)


def test_standardization_uses_training_statistics_only():
    ds_raw = load(2, source="gaussian", samples=60, validation_split=0.5,
                  features=["x1", "x1*x2"])
    ds = load(2, source="gaussian", samples=60, validation_split=0.5,
              features=["x1", "x1*x2"], standardize=True)
    mean, std = ds_raw.X_train.mean(axis=0), ds_raw.X_train.std(axis=0)
    np.testing.assert_allclose(ds.X_train, (ds_raw.X_train - mean) / std, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.X_val, (ds_raw.X_val - mean) / std, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1, atol=1e-12)
    # Using all samples would give other numbers: the validation part was not consulted.
    everything = np.vstack([ds_raw.X_train, ds_raw.X_val])
    assert not np.allclose(ds.X_val, (ds_raw.X_val - everything.mean(0)) / everything.std(0))


def test_generated_sets_are_not_standardized_by_default():
    assert resolve_data_config({"source": "spiral"})["standardize"] is False
    assert resolve_data_config({"source": "csv", "path": "a.csv"})["standardize"] is True
    assert resolve_data_config({"source": "digits"})["standardize"] is False


def test_dataset_arrays_are_read_only():
    ds = load(0, source="spiral")
    for array in arrays(ds):
        with pytest.raises(ValueError):
            array[0] = 0


# ----------------------------------------------------------------------------------- digits
def test_digits_load_scaled_to_unit_interval():
    ds = load(0, source="digits")
    assert ds.n_train + ds.n_val == 1797 and ds.n_val == 359
    assert ds.n_inputs == 64 and ds.n_classes == 10 and ds.task == "classification"
    assert ds.class_names == tuple("0123456789") and ds.target_names == ("digit",)
    assert ds.feature_names == DIGIT_PIXELS and DIGIT_PIXELS[:2] == ("px0_0", "px0_1")
    assert DIGIT_PIXELS[-1] == "px7_7"
    values = np.vstack([ds.X_train, ds.X_val])
    assert values.min() == 0.0 and values.max() == 1.0
    assert np.allclose(values * 16, np.round(values * 16))
    assert not ds.is_2d and ds.transform is None and ds.bounds is None


def test_digits_standardized_on_request_keeps_constant_pixels_finite():
    ds = load(0, source="digits", standardize=True)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-9)
    assert np.isfinite(ds.X_val).all()
    assert np.all(ds.X_train[:, 0] == 0)          # px0_0 is always blank: std 1, stays 0


def test_digits_asset_is_small_and_unchanged():
    path = asset_path("data", "digits.npz")
    assert path.stat().st_size < 100_000
    with np.load(path, allow_pickle=False) as archive:
        X, y = archive["X"], archive["y"]
    assert X.dtype == np.uint8 and X.shape == (1797, 64) and X.max() == 16
    assert y.dtype == np.uint8 and np.bincount(y).min() >= 174
    digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert digest in readme and "CC BY 4.0" in readme


def test_missing_asset_is_a_clear_error():
    with pytest.raises(AssetNotFoundError, match="no_such_file.npz") as info:
        asset_path("data", "no_such_file.npz")
    assert isinstance(info.value, PlaygroundError)
    assert isinstance(info.value, FileNotFoundError)


# ----------------------------------------------------------------------------------- config
def test_defaults_cover_every_key_and_the_sources():
    assert set(DATA_DEFAULTS) == {"source", "samples", "noise", "validation_split",
                                  "features", "classes", "standardize", "path", "target",
                                  "task", "inputs", "targets"}
    assert DATA_DEFAULTS["source"] == "spiral" and DATA_DEFAULTS["features"] == ["x1", "x2"]
    assert len(ALL_SOURCES) == len(set(ALL_SOURCES)) == 12
    ds = load_dataset({}, np.random.default_rng(0))
    assert (ds.source, ds.n_train, ds.n_val, ds.n_classes) == ("spiral", 400, 100, 2)


def test_resolved_classes_are_the_effective_number():
    assert resolve_data_config({"source": "spiral"})["classes"] == 2
    assert resolve_data_config({"source": "blobs"})["classes"] == 3
    assert resolve_data_config({"source": "xor", "classes": 5})["classes"] == 2
    assert load(0, source="moons", classes=6).n_classes == 2


@pytest.mark.parametrize("config, key", [
    ({"source": "mnist"}, "data.source"),
    ({"samples": 1}, "data.samples"),
    ({"samples": 100_001}, "data.samples"),
    ({"samples": 10.5}, "data.samples"),
    ({"noise": -0.1}, "data.noise"),
    ({"noise": math.nan}, "data.noise"),
    ({"validation_split": 1.0}, "data.validation_split"),
    ({"validation_split": -0.1}, "data.validation_split"),
    ({"features": []}, "data.features"),
    ({"features": "x1"}, "data.features"),
    ({"features": ["x1", "x3"]}, "data.features[1]"),
    ({"features": ["x1", "x1"]}, "data.features[1]"),
    ({"source": "spiral", "classes": 11}, "data.classes"),
    ({"source": "blobs", "classes": 1}, "data.classes"),
    ({"source": "blobs", "classes": 5, "samples": 4}, "data.samples"),
    ({"standardize": "yes"}, "data.standardize"),
    ({"task": "clustering"}, "data.task"),
    ({"target": True}, "data.target"),
    ({"source": "csv"}, "data.path"),
    ({"source": "npz", "path": ""}, "data.path"),
    ({"sampels": 100}, "data.sampels"),
])
def test_bad_config_values_name_the_key(config, key):
    with pytest.raises(DataConfigError) as info:
        load_dataset(config, np.random.default_rng(0))
    assert info.value.path == key and str(info.value).startswith(key + ":")
    assert isinstance(info.value, DataError) and isinstance(info.value, ExperimentError)
