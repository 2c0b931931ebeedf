"""The loss around the current weights, seen along a plane and a line through weight space.

A network with n weights has its loss over an n-dimensional space; we can look at slices. The
plane through the current weights θ* spanned by directions d₁, d₂ shows L(θ* + α d₁ + β d₂) on a
grid, the current weights at the origin. The directions are either the two principal directions
of the path training took (the plane through θ* that holds most of the path, so the path can be
drawn on it), or two random directions scaled neuron by neuron to the size of the weights they
move (Li et al. 2018, "filter normalization": a step of 1 is as large as the weights themselves
in every layer). The line L(θ₀ + t (θ* − θ₀)) runs from the initial weights (t = 0) to the
current ones (t = 1), as in Goodfellow et al. (2015).

Everything runs on copies taken by :meth:`LandscapeProblem.from_trainer` (on the trainer's
thread), in float64: the trainer's weights, optimizer and random streams are never touched, and
:meth:`LandscapeProblem.compute` may run on any thread, with a progress callback and a cancel
flag. Its cost is one forward pass over the training set per grid point and per line point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from playground.errors import Cancelled, PlaygroundError

#: the ways to choose the plane
METHODS = ("trajectory", "random")
#: grid points per side and points on the line, unless asked otherwise
RESOLUTION, LINE_POINTS = 41, 81
#: the line runs over t in this range (0 = initial weights, 1 = current weights)
LINE_SPAN = (-0.5, 1.5)
#: the plane's half-width is this many times the path's farthest point (trajectory plane)
MARGIN = 1.25
CHUNK = 4096

Progress = Callable[[int, int], None]      # (done, total) forward passes
IsCancelled = Callable[[], bool]


@dataclass(frozen=True)
class Plane:
    """``losses[i, j]`` is the loss at ``alphas[i]·d₁ + betas[j]·d₂`` from the current weights."""

    method: str
    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    path: np.ndarray           # (points, 2): the recorded weights projected onto the plane
    path_epochs: np.ndarray    # the epoch of each path point (the last: now)
    captured: float            # share of the path's squared distance from θ* the plane holds
    directions: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Line:
    """``losses[k]`` is the loss at ``θ₀ + t[k]·(θ* − θ₀)``."""

    t: np.ndarray
    losses: np.ndarray
    distance: float            # ‖θ* − θ₀‖


@dataclass(frozen=True)
class Landscape:
    plane: Plane
    line: Line
    center_loss: float         # the training loss at the current weights
    forward_passes: int
    samples: int

    def describe(self) -> str:
        p = self.plane
        what = ("the two principal directions of the path" if p.method == "trajectory" else
                "two random directions, filter-normalized")
        return (f"{len(p.alphas)} × {len(p.betas)} grid along {what}; the plane holds "
                f"{p.captured:.0%} of the path. {self.forward_passes:,} forward passes over "
                f"{self.samples:,} training samples. Loss here: {self.center_loss:.4g}")


def cost(resolution: int = RESOLUTION, line_points: int = LINE_POINTS) -> int:
    """Forward passes over the training set that :meth:`LandscapeProblem.compute` makes."""
    return resolution * resolution + line_points


class LandscapeProblem:
    """Copies of what the landscape needs: the network (float64), the training data, the
    penalty, and the path. One problem serves one computation at a time."""

    def __init__(self, network, loss, X, Y, l1: float, l2: float, path: np.ndarray,
                 path_epochs: np.ndarray):
        if len(X) == 0:
            raise PlaygroundError("there are no training samples to compute a loss on")
        self.network, self.loss = network, loss
        self.X, self.Y, self.l1, self.l2 = X, Y, l1, l2
        self.path, self.path_epochs = path, path_epochs
        self.center = path[-1].copy()
        self.initial = path[0].copy()

    @classmethod
    def from_trainer(cls, trainer) -> "LandscapeProblem":
        """Copy the trainer's current weights, data and path (call on the trainer's thread)."""
        network = trainer.network.copy(np.float64)
        Y = trainer.Y_train
        Y = Y.copy() if Y.dtype.kind in "iu" else Y.astype(np.float64)
        path = trainer.trajectory.points(np.float64)
        epochs = trainer.trajectory.epochs.astype(np.float64)
        if not np.array_equal(path[-1], network.params):
            now = trainer.epoch + trainer.batch_in_epoch / trainer.batches_per_epoch
            path = np.vstack([path, network.params])
            epochs = np.append(epochs, now)
        return cls(network, trainer.loss, trainer.X_train.astype(np.float64), Y, trainer.l1,
                   trainer.l2, path, epochs)

    @property
    def samples(self) -> int:
        return len(self.X)

    def loss_at(self, params: np.ndarray) -> float:
        """The training loss (penalty included, no dropout) at the weights ``params``."""
        net = self.network
        net.params[...] = params
        total = 0.0
        with np.errstate(all="ignore"):
            for start in range(0, len(self.X), CHUNK):
                xb, yb = self.X[start:start + CHUNK], self.Y[start:start + CHUNK]
                ws = net.workspace(len(xb), training=False)
                net.forward(xb, ws)
                last = ws.layers[-1]
                total += self.loss.value(last.z, last.a, yb) * len(xb)
            return total / len(self.X) + net.penalty(self.l1, self.l2)

    # -- directions ----------------------------------------------------------------------
    def random_directions(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Two Gaussian directions, each neuron's part (its column of W and its bias) scaled
        to the length of that neuron's current weights (Li et al.'s filter normalization)."""
        return self._filter_normalized(rng), self._filter_normalized(rng)

    def _filter_normalized(self, rng: np.random.Generator) -> np.ndarray:
        d = rng.standard_normal(self.center.size)
        for layer, (w_slice, b_slice) in zip(self.network.layers, self.network.slices):
            dw, tw = d[w_slice].reshape(-1, layer.units), self.center[w_slice].reshape(
                -1, layer.units)
            d_sq, t_sq = np.einsum("ij,ij->j", dw, dw), np.einsum("ij,ij->j", tw, tw)
            if b_slice is not None:               # a layer without bias: the weights alone
                d_sq, t_sq = d_sq + d[b_slice] ** 2, t_sq + self.center[b_slice] ** 2
            scale = np.sqrt(t_sq) / np.maximum(np.sqrt(d_sq), np.finfo(np.float64).tiny)
            dw *= scale          # views into d
            if b_slice is not None:
                d[b_slice] *= scale
        return d

    def trajectory_directions(self) -> tuple[np.ndarray, np.ndarray, float]:
        """The two principal directions of the path around θ* (orthonormal), oriented so that
        the initial weights lie at α ≤ 0, β ≤ 0, and the share of the path they hold."""
        offsets = self.path[:-1] - self.center
        if len(offsets) < 2:
            raise PlaygroundError("the path has too few points for two principal directions: "
                                  "train for at least 2 epochs, or use random directions")
        _, s, vt = np.linalg.svd(offsets, full_matrices=False)
        if s[0] == 0 or s[1] <= 1e-12 * s[0]:
            raise PlaygroundError("the weights moved along a single line so far: there is no "
                                  "second principal direction yet; train longer, or use "
                                  "random directions")
        d1, d2 = vt[0], vt[1]
        first = offsets[0]
        d1 = -d1 if first @ d1 > 0 else d1
        d2 = -d2 if first @ d2 > 0 else d2
        return d1, d2, float((s[0] ** 2 + s[1] ** 2) / np.sum(s ** 2))

    def project(self, d1: np.ndarray, d2: np.ndarray) -> tuple[np.ndarray, float]:
        """The path's (α, β) in the plane (least squares: exact when the directions are
        orthonormal) and the share of its squared distance from θ* the plane holds."""
        basis = np.stack([d1, d2], axis=1)
        offsets = self.path - self.center
        coords, *_ = np.linalg.lstsq(basis, offsets.T, rcond=None)
        total = float(np.sum(offsets ** 2))
        held = float(np.sum((basis @ coords) ** 2))
        return coords.T, (held / total if total > 0 else 1.0)

    # -- the computation -----------------------------------------------------------------
    def compute(self, method: str = "trajectory", *, resolution: int = RESOLUTION,
                line_points: int = LINE_POINTS, rng: np.random.Generator | None = None,
                progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> Landscape:
        """The plane (``method``: "trajectory" or "random", the latter drawn from ``rng``)
        and the line; raises :class:`~playground.errors.Cancelled` when ``cancelled()``."""
        if method not in METHODS:
            raise PlaygroundError(f"landscape directions must be one of {', '.join(METHODS)}, "
                                  f"not {method!r}")
        if resolution < 2 or line_points < 2:
            raise PlaygroundError("the grid and the line need at least 2 points each")
        total = cost(resolution, line_points)
        counter = _Counter(total, progress, cancelled)
        plane = self._plane(method, resolution, rng, counter)
        line = self._line(line_points, counter)
        return Landscape(plane, line, self.loss_at(self.center), total, self.samples)

    def _plane(self, method: str, resolution: int, rng, counter: "_Counter") -> Plane:
        if method == "trajectory":
            d1, d2, _ = self.trajectory_directions()
        else:
            if rng is None:
                raise PlaygroundError("random directions need a random generator (rng)")
            d1, d2 = self.random_directions(rng)
        path, captured = self.project(d1, d2)
        half = np.max(np.abs(path), axis=0) * MARGIN
        if method == "random":
            half = np.maximum(half, 1.0)                   # Li et al.'s [-1, 1]
        else:
            half[1] = max(half[1], 0.25 * half[0])         # a flat second axis stays visible
        alphas = np.linspace(-half[0], half[0], resolution)
        betas = np.linspace(-half[1], half[1], resolution)
        losses = np.empty((resolution, resolution))
        for i, a in enumerate(alphas):
            for j, b in enumerate(betas):
                losses[i, j] = self.loss_at(self.center + a * d1 + b * d2)
            counter.add(resolution)
        return Plane(method, alphas, betas, losses, path, self.path_epochs.copy(), captured,
                     (d1, d2))

    def _line(self, points: int, counter: "_Counter") -> Line:
        t = np.linspace(*LINE_SPAN, points)
        step = self.center - self.initial
        losses = np.empty(points)
        for k, tk in enumerate(t):
            losses[k] = self.loss_at(self.initial + tk * step)
            if k % 8 == 7 or k == points - 1:
                counter.add(k % 8 + 1)
        return Line(t, losses, float(np.linalg.norm(step)))


class _Counter:
    """Reports progress and checks the cancel flag between batches of forward passes."""

    def __init__(self, total: int, progress: Progress | None, cancelled: IsCancelled | None):
        self.total, self.done = total, 0
        self.progress, self.cancelled = progress, cancelled

    def add(self, passes: int) -> None:
        self.done += passes
        if self.progress is not None:
            self.progress(self.done, self.total)
        if self.cancelled is not None and self.cancelled():
            raise Cancelled("the landscape computation was cancelled")
