"""History: the per-epoch record kept in fixed-size blocks."""

import numpy as np

from playground.training import history as history_module
from playground.training.history import History


def filled(n):
    h = History()
    for k in range(n):
        h.append(epoch=k + 1, train_loss=k / 2, val_loss=None, learning_rate=0.1)
    return h


def test_rows_across_block_boundaries(monkeypatch):
    monkeypatch.setattr(history_module, "BLOCK_ROWS", 8)
    h = filled(21)
    assert len(h) == 21 and len(h._blocks) == 3            # 8 + 8 + 5 rows
    np.testing.assert_array_equal(h.column("epoch"), np.arange(1, 22))
    np.testing.assert_array_equal(h.column("train_loss", 7), np.arange(7, 21) / 2)
    np.testing.assert_array_equal(h.column("train_loss", 16), np.arange(16, 21) / 2)
    assert h.column("epoch", 21).size == 0 and h.column("epoch", 500).size == 0
    assert np.isnan(h.column("val_loss")).all()
    assert h.last()["epoch"] == 21 and h.last()["learning_rate"] == 0.1


def test_memory_grows_by_blocks_not_by_doubling(monkeypatch):
    monkeypatch.setattr(history_module, "BLOCK_ROWS", 8)
    h = filled(8)
    first = h._blocks[0]
    h.append(epoch=9)
    assert h._blocks[0] is first                           # nothing copied
    assert [b.shape[1] for b in h._blocks] == [8, 8]


def test_truncate_then_append_overwrites_the_dropped_rows(monkeypatch):
    monkeypatch.setattr(history_module, "BLOCK_ROWS", 8)
    h = filled(20)
    h.truncate(9)
    assert len(h) == 9 and len(h._blocks) == 2
    h.append(epoch=100)
    assert h.column("epoch")[-2:].tolist() == [9, 100]
    assert np.isnan(h.last()["train_loss"])                # not the old row's value
    h.truncate(0)
    assert len(h) == 0 and h.last() == {} and h.column("epoch").size == 0
    h.truncate(5)                                          # never grows
    assert len(h) == 0


def test_csv_round_trip_over_several_blocks(monkeypatch):
    monkeypatch.setattr(history_module, "BLOCK_ROWS", 8)
    h = filled(19)
    back = History.from_csv(h.to_csv())
    for name in ("epoch", "train_loss", "val_loss", "learning_rate"):
        np.testing.assert_array_equal(back.column(name), h.column(name))
    assert h.to_csv().splitlines()[0] == ("epoch,train_loss,val_loss,train_accuracy,"
                                          "val_accuracy,learning_rate")
