"""Statistics every N epochs (playground.training.detail): which snapshots are detailed, and
what a snapshot between two detailed ones carries."""

from __future__ import annotations

import numpy as np
import pytest

from playground import Trainer
from playground.training.detail import (CHOICES, DETAIL_FIELDS, carry_detail, check_every,
                                        detail_due)
from conftest import small_experiment


def test_detail_is_due_first_then_every_n_epochs():
    assert detail_due(0, None, 5)                 # nothing detailed yet
    assert not detail_due(3, 0, 5)
    assert not detail_due(4, 0, 5)
    assert detail_due(5, 0, 5)
    assert detail_due(9, 3, 5) and not detail_due(7, 3, 5)
    assert all(detail_due(e, e, 1) for e in range(4))      # every epoch: every snapshot
    assert detail_due(2, 40, 20)                  # the trainer went back (a reset)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "5", True, None])
def test_a_bad_n_is_refused(bad):
    with pytest.raises(ValueError, match="whole number"):
        check_every(bad)


def test_the_choices_start_with_every_epoch():
    assert CHOICES[0] == 1 and list(CHOICES) == sorted(set(CHOICES))


def test_a_light_snapshot_carries_the_last_statistics_and_its_own_numbers():
    trainer = Trainer(small_experiment())
    trainer.train_epoch()
    detailed = trainer.snapshot(detail=True)
    W0 = trainer.network.layers[0].W.copy()
    trainer.train_epoch()
    trainer.train_epoch()
    light = trainer.snapshot(detail=False)
    assert light.layers == () and light.weights is None         # what detail=False leaves out
    carried = carry_detail(light, detailed)
    for name in DETAIL_FIELDS:
        assert getattr(carried, name) is getattr(detailed, name)
    # the numbers are the latest epoch's (read from the history, independently)
    assert carried.epoch == 3 and detailed.epoch == 1
    assert carried.train_loss == pytest.approx(trainer.history.last()["train_loss"])
    assert len(carried.history["epoch"]) == 3
    # the weights shown are those of the detailed epoch, not the current ones
    assert np.array_equal(carried.weights[0][0], W0)
    assert not np.array_equal(carried.weights[0][0], trainer.network.layers[0].W)
