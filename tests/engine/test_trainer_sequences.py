"""Seeded random sequences of what the window does to a Trainer — batches, bursts, epochs,
a phase stepper left open, live changes of the batch size and learning rate (up to
divergence), continuing after the end, save and restore, timeline checkpoints and going back —
checked after every step: the epoch's running metrics never count more samples than the
training set holds, and the trainer can always be saved; saved at any moment (a stepper
perhaps open), a copy trains on to the same weights, and a stepper dropped while open leaves
the trainer as before its iteration. The monkey test found one such
sequence (a batch size changed inside an open first iteration of an epoch); 9 of these 12
seeds fail on the code before the fix (dfcfd83)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from playground import Trainer
from playground.training.state import StateError
from playground.training.timeline import Timeline

EXPECTED = ("has ended", "budget", "cannot change", "history has")


def experiment(seed: int) -> dict:
    return {"seed": seed,
            "data": {"source": "spiral", "samples": 200, "noise": 0.1, "validation_split": 0.2},
            "network": {"layers": [{"units": 6, "activation": "tanh"},
                                   {"units": 2, "activation": "softmax"}],
                        "loss": "cross_entropy"},
            "training": {"optimizer": {"name": "sgd", "learning_rate": 0.05}, "batch_size": 3,
                         "epochs": 10**6}}


def run_sequence(seed: int, steps: int) -> None:
    rng = np.random.default_rng(seed)
    trainer = Trainer(experiment(seed))
    dataset = trainer.dataset
    timeline = Timeline()
    stepper = None                            # kept open, as the window keeps it

    def finish():                             # as the window's worker ends a stepper
        nonlocal stepper
        if stepper is not None:
            for _ in stepper:
                pass
            stepper = None

    for step in range(steps):
        op = int(rng.integers(0, 13))
        try:
            if op == 0:
                trainer.train_batch()
            elif op == 1:
                left = [int(rng.integers(1, 50))]

                def stop():
                    left[0] -= 1
                    return left[0] <= 0
                trainer.train_batches(stop)
            elif op == 2 and not trainer.finished:
                trainer.train_epoch()
            elif op == 3:
                stepper = trainer.phases()
                for _ in range(int(rng.integers(0, 6))):
                    next(stepper, None)
            elif op == 4:
                trainer.update("training.batch_size", int(rng.choice([1, 2, 3, 5, 7, 64])))
            elif op == 5:
                trainer.update("training.optimizer.learning_rate",
                               float(rng.choice([0.05, 1e4, 1e30])))
            elif op == 6 and trainer.finished:
                trainer.continue_training(extra_epochs=3)
            elif op == 7:
                finish()
                saved = trainer.state_dict()
                trainer = Trainer(trainer.experiment, dataset=dataset)
                trainer.load_state_dict(saved)
            elif op == 8:
                finish()
                timeline.record(trainer)
            elif op == 9 and timeline.epochs:
                finish()
                epoch = int(rng.choice(timeline.epochs))
                trainer = timeline.trainer_at(epoch, dataset, trainer.history.copy(),
                                              exact=bool(rng.integers(0, 2)))
                timeline = timeline.until(trainer.epoch)
            elif op == 10:
                finish()
            elif op == 11:
                # saved now (a stepper perhaps open), the copy trains on like the trainer
                # finish() completes an open iteration, or runs one a stepper not yet begun
                one_more = trainer.stepping or (
                    stepper is not None and inspect.getgeneratorstate(stepper) == "GEN_CREATED")
                copy = Trainer(trainer.experiment, dataset=dataset)
                copy.load_state_dict(trainer.state_dict())
                finish()
                if one_more and not copy.finished:
                    copy.train_batch()            # the iteration finish() did, done anew
                assert copy.iteration == trainer.iteration, (seed, step)
                for _ in range(int(rng.integers(1, 8))):
                    if trainer.finished or copy.finished:
                        break
                    trainer.train_batch()
                    copy.train_batch()
                assert np.array_equal(copy.network.params, trainer.network.params), (seed, step)
            elif op == 12 and stepper is not None:
                # dropped while open, the iteration is undone: the trainer is what its saved
                # state (taken while open: the state before the iteration) says
                saved = trainer.state_dict()
                stepper.close()
                stepper = None
                assert not trainer.stepping
                copy = Trainer(trainer.experiment, dataset=dataset)
                copy.load_state_dict(saved)
                assert trainer.iteration == copy.iteration, (seed, step)
                assert trainer.rng.bit_generator.state == copy.rng.bit_generator.state
                assert np.array_equal(trainer.network.params, copy.network.params), (seed, step)
        except (ValueError, RuntimeError) as exc:
            if isinstance(exc, StateError) and "history has" not in str(exc):
                raise
            assert any(text in str(exc) for text in EXPECTED), (seed, step, op, exc)
        metrics = trainer._metrics
        assert metrics.seen <= len(trainer.X_train), (seed, step, op)
        if not trainer.stepping:
            trainer.state_dict()              # the running metrics add up


@pytest.mark.parametrize("seed", range(12))
def test_random_sequences_keep_the_trainer_consistent(seed):
    run_sequence(seed, 250)
