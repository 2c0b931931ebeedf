"""A batch of a big network can be stopped from inside (``Trainer.interrupt_with``): closing
the window must not wait for a long batch. The interrupted batch leaves the trainer as it was
before it, so training on gives the same numbers, bit for bit, as never interrupted. The size
threshold is lowered here so the small test network counts as big."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from playground import Trainer
from playground.errors import Cancelled
from playground.training import trainer as trainer_module
from conftest import small_experiment


@pytest.fixture
def big(monkeypatch):
    monkeypatch.setattr(trainer_module, "INTERRUPT_MACS", 0)


def experiment(dropout: bool, optimizer: str = "adam") -> dict:
    d = small_experiment()
    if dropout:
        d["network"]["layers"][0]["dropout"] = 0.3
    d["training"]["optimizer"] = {"name": optimizer, "learning_rate": 0.05}
    return d


def state(trainer: Trainer) -> tuple:
    return (trainer.network.params.copy(),
            {k: v.copy() for k, v in trainer.optimizer.state_arrays().items()},
            trainer.epoch, trainer.iteration, trainer.batch_in_epoch,
            list(trainer.history.column("train_loss")),
            trainer.rng.bit_generator.state["state"])


def assert_same(a: tuple, b: tuple) -> None:
    assert a[0].tobytes() == b[0].tobytes()
    assert a[1].keys() == b[1].keys()
    assert all(a[1][k].tobytes() == b[1][k].tobytes() for k in a[1])
    assert a[2:] == b[2:]


@pytest.mark.parametrize("dropout", [False, True])
def test_a_check_that_never_fires_trains_the_same_numbers(big, dropout):
    """A big network's batches take the general path with the checks; the numbers are
    those of the fast path."""
    d = experiment(dropout)
    plain, checked = Trainer(copy.deepcopy(d)), Trainer(copy.deepcopy(d))
    calls = []
    checked.interrupt_with(lambda: calls.append(1) or False)
    for _ in range(3):
        plain.train_epoch()
        checked.train_epoch()
    assert calls                                     # the checks were asked
    assert_same(state(plain), state(checked))


# the checks of one batch of the 3-layer network: before each of the 3 layers forward, each
# of the 3 backward, and before the update — 7; (batch index, check within it) below
@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("batch, at", [(0, 1), (0, 5), (0, 7), (4, 2), (9, 6), (9, 7)])
def test_an_interrupted_batch_leaves_the_trainer_as_before_it(big, dropout, batch, at):
    """Interrupted at some check of some batch (batch 9 is the first of epoch 1: an epoch
    start draws the shuffle order), then trained on: the same numbers as uninterrupted."""
    d = experiment(dropout)
    reference, trainer = Trainer(copy.deepcopy(d)), Trainer(copy.deepcopy(d))
    assert reference.batches_per_epoch == 9
    for _ in range(batch):
        trainer.train_batch()
    before = state(trainer)
    calls = [0]

    def check():
        calls[0] += 1
        return calls[0] == at

    trainer.interrupt_with(check)
    with pytest.raises(Cancelled):
        trainer.train_batch()
    assert_same(state(trainer), before)               # nothing of the batch kept
    trainer.interrupt_with(None)
    for t in (trainer, reference):
        while t.epoch < 3:
            t.train_epoch()
    assert_same(state(trainer), state(reference))


def test_small_networks_keep_their_fast_path_and_are_not_checked():
    """Below the threshold the check is never asked: such batches are short, the worker
    stops between them."""
    trainer = Trainer(experiment(False))
    calls = []
    trainer.interrupt_with(lambda: calls.append(1) or True)
    trainer.train_epoch()
    assert calls == [] and trainer.epoch == 1
    assert trainer.network.interrupt is None


def test_the_threshold_counts_the_batchs_multiply_adds(monkeypatch):
    trainer = Trainer(experiment(False))
    sizes = trainer.network.sizes
    macs = 3 * trainer.batch_size * sum(a * b for a, b in zip(sizes, sizes[1:]))
    monkeypatch.setattr(trainer_module, "INTERRUPT_MACS", macs)
    trainer.interrupt_with(check := (lambda: False))
    assert trainer.network.interrupt is None          # exactly at the threshold: not big
    monkeypatch.setattr(trainer_module, "INTERRUPT_MACS", macs - 1)
    trainer.interrupt_with(None)
    trainer.interrupt_with(check)
    assert trainer.network.interrupt is check
    assert np.isfinite(trainer.network.params).all()


def test_a_new_batch_size_decides_again_whether_batches_are_checked(monkeypatch):
    """The rule counts the batch's multiply-adds, so a live batch-size change (between
    epochs at once, mid-epoch with the next epoch) moves a network across the threshold."""
    trainer = Trainer(experiment(False))
    sizes = trainer.network.sizes
    per_sample = 3 * sum(a * b for a, b in zip(sizes, sizes[1:]))
    monkeypatch.setattr(trainer_module, "INTERRUPT_MACS", per_sample * 20)
    check = lambda: False                                   # noqa: E731
    trainer.interrupt_with(check)
    assert trainer.batch_size == 10 and trainer.network.interrupt is None
    trainer.update("training.batch_size", 30)              # between epochs: at once
    assert trainer.network.interrupt is check
    trainer.train_batch()                                   # mid-epoch: with the next epoch
    trainer.update("training.batch_size", 10)
    assert trainer.network.interrupt is check
    trainer.train_epoch()
    trainer.train_batch()
    assert trainer.batch_size == 10 and trainer.network.interrupt is None
