"""The bounded history behind the live curves and the display smoothing (no Qt needed)."""

from __future__ import annotations

import numpy as np
import pytest

from ui.plots.series import EMA, SeriesStore


def rows(start, stop):
    epochs = np.arange(start, stop, dtype=float)
    return {"epoch": epochs, "loss": 1.0 / epochs}


def test_keeps_every_row_below_the_cap():
    store = SeriesStore(("epoch", "loss"), cap=100)
    store.append(rows(1, 51))
    store.append(rows(51, 60))
    assert len(store) == 59 and store.stride == 1
    assert list(store.column("epoch")) == list(range(1, 60))


def test_thins_evenly_and_always_shows_the_latest_row():
    store = SeriesStore(("epoch", "loss"), cap=100)
    for start in range(1, 1001, 7):
        store.append(rows(start, min(start + 7, 1001)))
    epochs = store.column("epoch")
    assert store.total == 1000
    assert len(store) <= 100
    assert epochs[0] == 1 and epochs[-1] == 1000
    kept = epochs[:store.stored]
    assert np.all((kept - 1) % store.stride == 0)         # rows 0, k, 2k, … of the stream
    assert np.all(np.diff(kept) == store.stride)
    np.testing.assert_allclose(store.column("loss"), 1.0 / epochs)


def test_one_huge_block_is_thinned_too():
    store = SeriesStore(("epoch", "loss"), cap=64)
    store.append(rows(1, 100_001))
    assert len(store) <= 64 and store.column("epoch")[-1] == 100_000


def test_missing_columns_are_nan_and_clear_resets():
    store = SeriesStore(("epoch", "loss", "other"), cap=10)
    store.append(rows(1, 4))
    assert np.all(np.isnan(store.column("other")))
    version = store.version
    store.clear()
    assert len(store) == 0 and store.total == 0 and store.version > version
    assert store.column("epoch").size == 0


def test_ema_is_bias_corrected_and_resumable():
    values = np.array([1.0, 2.0, 3.0, np.nan, 4.0])
    whole = EMA(0.5)(values)
    assert whole[0] == pytest.approx(1.0)
    assert whole[1] == pytest.approx((0.25 + 1.0) / 0.75)  # (0.5·0.5·1 + 0.5·2) / (1 − 0.25)
    assert np.isnan(whole[3])
    parts = EMA(0.5)
    np.testing.assert_allclose(np.concatenate([parts(values[:2]), parts(values[2:])]), whole)
    np.testing.assert_allclose(EMA(0.0)(values), values)
