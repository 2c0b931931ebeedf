"""Trainer.train_batches: the batches of train_batch() in turn, stopping at an epoch's end or
when asked (the window's worker trains so at full speed)."""

from __future__ import annotations

import numpy as np
import pytest

from playground import Trainer
from conftest import small_experiment


def test_it_trains_up_to_the_epoch_end_like_train_batch_in_turn():
    a, b = Trainer(small_experiment()), Trainer(small_experiment())
    assert a.batches_per_epoch > 2
    assert a.train_batches() is True                  # no stop: the whole epoch
    while not b.train_batch():
        pass
    assert a.epoch == b.epoch == 1 and a.batch_in_epoch == b.batch_in_epoch == 0
    assert np.array_equal(a.network.params, b.network.params)
    assert a.history.last()["train_loss"] == b.history.last()["train_loss"]


def test_stop_is_asked_after_each_batch():
    a, b = Trainer(small_experiment()), Trainer(small_experiment())
    asked = []
    assert a.train_batches(lambda: asked.append(1) or len(asked) >= 2) is False
    assert a.batch_in_epoch == 2 and len(asked) == 2
    b.train_batch()
    b.train_batch()
    assert np.array_equal(a.network.params, b.network.params)
    assert a.train_batches() is True and a.epoch == 1   # the rest of the epoch


@pytest.mark.parametrize("n", [1, 127, 128, 129, 300, 1000])
def test_gather_rows_puts_the_rows_beside_the_ones_column(n):
    """The epoch's inputs are gathered block by block into the rows of ``[x, 1]``: every
    row must be the one the permutation names, the ones column untouched."""
    from playground.training.batches import gather_rows
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 7)).astype(np.float32)
    perm = rng.permutation(n)
    out = np.ones((n, 8), np.float32)
    gather_rows(X, perm, out[:, :7])
    for row, source in enumerate(perm):
        assert np.array_equal(out[row, :7], X[source])
    assert np.all(out[:, 7] == 1)
