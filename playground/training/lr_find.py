"""The learning-rate range test (Smith 2017; fastai's ``lr_find``): one short run with a rising
learning rate, to see which rates learn and which make the loss blow up.

On a copy of the current network, with a fresh optimizer of the same kind and settings, about
100 iterations are trained on mini-batches of the experiment's size while the learning rate
grows exponentially from 1e-6 to 10. After each update the loss is measured on a fixed probe of
up to 512 training samples (fastai records the noisy batch loss instead, which on the small
batches of a playground buries the curve in noise), smoothed lightly with a bias-corrected
moving average (β = 0.8); the run stops once the smoothed loss passes 4× its minimum: the rate
has become too high.

The suggestion is the *steepest descent*: the rate where the smoothed loss falls fastest per
decade of learning rate on its way down to its minimum, ignoring the first tenth of the run
(fastai's ``steep``, which looks past the minimum too and there finds the noise of a
blow-up). There the rate is large enough to make quick progress and still below the rates
where training becomes unstable. The trainer itself is never touched: its weights, optimizer
and random streams stay bitwise as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from playground.errors import Cancelled, PlaygroundError
from playground.nn.backprop import IterationResult, iteration
from playground.optim.rules import make_optimizer

START, END, ITERATIONS = 1e-6, 10.0, 100
DIVERGE_FACTOR = 4.0
SMOOTHING = 0.8
PROBE_SAMPLES = 512
SKIP_START_SHARE = 0.1


@dataclass(frozen=True)
class RangeTest:
    learning_rates: np.ndarray    # the rate of each iteration run
    losses: np.ndarray            # the probe's loss after each update
    smoothed: np.ndarray          # their bias-corrected moving average
    suggested: float | None       # the steepest descent of the smoothed loss
    suggested_index: int | None
    minimum_rate: float           # where the smoothed loss was lowest
    stop_reason: str
    optimizer: str

    @property
    def explanation(self) -> str:
        if self.suggested is None:
            return (f"No suggestion: {self.stop_reason} before the loss fell steadily. Try "
                    f"a smaller starting rate or look at the curve.")
        return (f"Suggested learning rate {self.suggested:.2g} ({self.optimizer}): the "
                f"steepest descent of the smoothed loss, where it falls fastest per decade of "
                f"learning rate — fast progress, still below the rates where the loss turns "
                f"up (lowest loss at {self.minimum_rate:.2g}; {self.stop_reason}).")


def rates(start: float = START, end: float = END, iterations: int = ITERATIONS) -> np.ndarray:
    """The exponentially growing schedule: start · (end/start)^(i/(iterations−1))."""
    return start * (end / start) ** (np.arange(iterations) / max(iterations - 1, 1))


class RangeTestProblem:
    """Copies of what the test needs (take it on the trainer's thread); run it anywhere."""

    def __init__(self, trainer):
        self.network = trainer.network.copy()
        self.loss = trainer.loss
        self.X, self.Y = trainer.X_train, trainer.Y_train       # read only
        self.optimizer_config = dict(trainer.experiment.training["optimizer"])
        self.batch_size, self.shuffle = trainer.batch_size, trainer.shuffle
        self.l1, self.l2, self.clip_norm = trainer.l1, trainer.l2, trainer.clip_norm
        # a fourth stream next to the trainer's three (data, weights, training)
        self.seed = np.random.SeedSequence(trainer.experiment.seed).spawn(4)[3]
        if len(self.X) == 0:
            raise PlaygroundError("there are no training samples to run the test on")

    def run(self, *, start: float = START, end: float = END, iterations: int = ITERATIONS,
            progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> RangeTest:
        if not 0 < start < end or iterations < 2:
            raise PlaygroundError("the range test needs 0 < start < end and at least 2 "
                                  "iterations")
        schedule = rates(start, end, iterations)
        net = self.network
        optimizer = make_optimizer(self.optimizer_config, net.n_params, net.dtype)
        rng = np.random.default_rng(self.seed)
        batches = self._batches(rng)
        probe = self._probe(rng)
        result = IterationResult()
        tried, losses, smoothed = [], [], []
        average, best = 0.0, np.inf
        stop_reason = f"reached {end:g} after {iterations} iterations"
        for i, lr in enumerate(schedule):
            optimizer.learning_rate = float(lr)
            xb, yb = next(batches)
            ws = net.workspace(len(xb), training=True)
            with np.errstate(all="ignore"):
                for _ in iteration(net, self.loss, xb, yb, ws, rng=rng, training=True,
                                   l1=self.l1, l2=self.l2, clip_norm=self.clip_norm,
                                   optimizer=optimizer, result=result):
                    pass
            tried.append(float(lr))
            value = self._probe_loss(probe) if result.updated else result.loss
            losses.append(value)
            average = SMOOTHING * average + (1 - SMOOTHING) * value
            smooth = average / (1 - SMOOTHING ** (i + 1))
            smoothed.append(smooth)
            if progress is not None:
                progress(i + 1, iterations)
            if not np.isfinite(smooth):
                stop_reason = f"the loss stopped being a number at {lr:.2g}"
                break
            best = min(best, smooth)
            if smooth > DIVERGE_FACTOR * best:
                stop_reason = f"stopped at {lr:.2g}, where the loss passed {DIVERGE_FACTOR:g}× " \
                              f"its minimum"
                break
            if cancelled is not None and cancelled():
                raise Cancelled("the learning-rate test was cancelled")
        return _result(np.array(tried), np.array(losses), np.array(smoothed), stop_reason,
                       self.optimizer_config["name"])

    def _probe(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.X)
        idx = np.sort(rng.choice(n, PROBE_SAMPLES, replace=False)) if n > PROBE_SAMPLES \
            else np.arange(n)
        return self.X[idx], self.Y[idx]

    def _probe_loss(self, probe) -> float:
        x, y = probe
        net = self.network
        ws = net.workspace(len(x), training=False)
        with np.errstate(all="ignore"):
            net.forward(x, ws)
            last = ws.layers[-1]
            return self.loss.value(last.z, last.a, y) + net.penalty(self.l1, self.l2)

    def _batches(self, rng: np.random.Generator):
        n, size = len(self.X), min(self.batch_size, len(self.X))
        while True:
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            for begin in range(0, n, size):
                idx = order[begin:begin + size]
                yield self.X[idx], self.Y[idx]


def steepest(learning_rates: np.ndarray, smoothed: np.ndarray) -> int | None:
    """The index of the steepest descent of ``smoothed`` per unit of log(rate) on the way down
    to its minimum (skipping the first tenth of the run); None when the loss never falls."""
    finite = np.where(np.isfinite(smoothed), smoothed, np.inf)
    first, lowest = int(len(smoothed) * SKIP_START_SHARE), int(np.argmin(finite))
    if lowest - first < 1:
        return None
    lr, loss = np.log10(learning_rates[first:lowest + 1]), smoothed[first:lowest + 1]
    slopes = np.diff(loss) / np.diff(lr)
    k = int(np.argmin(slopes))
    return first + k if slopes[k] < 0 else None


def _result(tried, losses, smoothed, stop_reason, optimizer) -> RangeTest:
    index = steepest(tried, smoothed)
    finite = np.where(np.isfinite(smoothed), smoothed, np.inf)
    return RangeTest(tried, losses, smoothed, None if index is None else float(tried[index]),
                     index, float(tried[int(np.argmin(finite))]), stop_reason, optimizer)
