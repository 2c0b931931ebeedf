"""Two-dimensional toy data sets, drawn from a seeded random generator, and input features.

Every generated set is a cloud of points ``(x1, x2)`` in roughly ``[-1.5, 1.5]²`` — the scale of
TensorFlow Playground's pictures shrunk by 0.3 — so a network with a few tanh units can learn it
and the decision surface can be drawn on a grid. They are built in two steps:

1. **clean points** with their labels (classification) — the *shape* of the problem;
2. **noise**: ``points += noise · N(0, 1)`` on both coordinates (classification), or
   ``y += noise · N(0, 1)`` on the target (regression). ``noise`` is therefore a standard
   deviation in the units of the plot. Labels always belong to the clean point, so noise makes
   the classes overlap: a network cannot be perfect any more, which is the point of the slider.

Random numbers are drawn in a fixed order (documented per generator), and the noise is drawn
even when ``noise == 0``. So one seed gives bitwise the same data on every run, and changing
only the noise moves *the same* points further or closer — a nice thing to watch.

Labels cycle through the classes (``label = i % K`` for sample ``i``) wherever the shape allows,
so the classes are balanced and appear in generation order.

Classification sets (labels are ``int64`` 0..K−1):

``xor``       the classic truth table: sample ``i`` sits on corner ``i % 4`` of
              ``(0,0), (0,1), (1,0), (1,1)`` with label ``x1 XOR x2``. Not centred at 0, on
              purpose. Clean points use no random numbers.
``circle``    class 1 inside the disc ``r ≤ 0.75``, class 0 in the ring ``1.05 ≤ r ≤ 1.5``
              (radius uniform in its band, angle uniform). Draws: one ``random((n, 2))``
              (radius fraction, angle fraction).
``gaussian``  two round clusters of spread 0.25 at ``(+0.75, +0.75)`` (class 1) and
              ``(−0.75, −0.75)`` (class 0). Draws: one ``standard_normal((n, 2))``.
``spiral``    ``classes`` interleaved arms. Arm ``k`` point ``j`` (of ``m = ceil(n/K)``) has
              ``s = j/m``, radius ``1.5·s`` and angle ``1.75·2π·s + 2π·k/K``; the point is
              ``(r·sin θ, r·cos θ)``. Clean points use no random numbers.
``moons``     scikit-learn's two interleaving half circles, shifted by ``(−0.5, −0.25)`` so they
              span ``x1 ∈ [−1.5, 1.5]``. Clean points use no random numbers.
``blobs``     ``classes`` round clusters of spread 0.15 whose centres sit on the unit circle at
              angles ``π/2 + 2π·k/K`` (the first at the top). Draws: one
              ``standard_normal((n, 2))``.

Regression sets (targets ``float64`` of shape ``(n, 1)``); the inputs are uniform on
``[−1.5, 1.5]²`` (one ``uniform(size=(n, 2))`` draw), then the target noise is drawn:

``plane``     ``y = 0.5·x1 − 0.25·x2`` — a network with no hidden layer can learn it exactly,
              and its two weights should end near 0.5 and −0.25.
``sine``      ``y = sin(π·x1) · cos(π·x2 / 3)`` — one and a half waves along x1 whose height
              fades towards the x2 edges; needs hidden units.

Features
--------
A 2-D set can be fed to the network through hand-made features of ``(x1, x2)``, as in
TensorFlow Playground: with ``x1*x2`` a single neuron solves XOR; with ``x1^2`` and ``x2^2``
it solves the circle. :func:`feature_matrix` builds the chosen columns in the order given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = [
    "GeneratedSet", "GENERATED_SETS", "CLASSES_DEFAULTS", "FIXED_CLASSES",
    "CLASSIFICATION_GENERATORS", "REGRESSION_GENERATORS", "FEATURES", "FEATURE_FUNCTIONS",
    "generate", "feature_matrix", "RAW_SCALE",
]

RAW_SCALE = 1.5
"""Half the side of the square the generated points (roughly) fill."""

_Generator = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def _cycled_labels(n: int, k: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64) % k


def _index_within_class(labels: np.ndarray, k: int) -> np.ndarray:
    """For cycled labels, the position of each sample inside its own class: ``i // k``."""
    return np.arange(labels.shape[0]) // k


# ----------------------------------------------------------------- clean classification shapes
def _xor(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    points = corners[np.arange(n) % 4]
    labels = (points[:, 0] != points[:, 1]).astype(np.int64)
    return points, labels


def _circle(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = _cycled_labels(n, 2)
    u = rng.random((n, 2))
    inner = labels == 1
    radius = np.where(inner, 0.75 * u[:, 0], 1.05 + 0.45 * u[:, 0])
    angle = 2.0 * math.pi * u[:, 1]
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]), labels


def _gaussian(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = _cycled_labels(n, 2)
    centres = np.where(labels[:, None] == 1, 0.75, -0.75)
    return centres + 0.25 * rng.standard_normal((n, 2)), labels


def _spiral(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = _cycled_labels(n, classes)
    per_arm = math.ceil(n / classes)
    s = _index_within_class(labels, classes) / per_arm
    radius = RAW_SCALE * s
    angle = 1.75 * 2.0 * math.pi * s + 2.0 * math.pi * labels / classes
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]), labels


def _moons(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = _cycled_labels(n, 2)
    j = _index_within_class(labels, 2)
    counts = np.array([(n + 1) // 2, n // 2])            # samples of class 0 and of class 1
    steps = np.maximum(counts[labels] - 1, 1)
    t = math.pi * j / steps
    outer = np.column_stack([np.cos(t), np.sin(t)])
    inner = np.column_stack([1.0 - np.cos(t), 1.0 - np.sin(t) - 0.5])
    points = np.where(labels[:, None] == 0, outer, inner)
    return points - np.array([0.5, 0.25]), labels


def _blobs(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = _cycled_labels(n, classes)
    angles = 0.5 * math.pi + 2.0 * math.pi * np.arange(classes) / classes
    centres = np.column_stack([np.cos(angles), np.sin(angles)])
    return centres[labels] + 0.15 * rng.standard_normal((n, 2)), labels


# ----------------------------------------------------------------------- regression surfaces
def _plane(x: np.ndarray) -> np.ndarray:
    return 0.5 * x[:, 0] - 0.25 * x[:, 1]


def _sine(x: np.ndarray) -> np.ndarray:
    return np.sin(math.pi * x[:, 0]) * np.cos(math.pi * x[:, 1] / 3.0)


@dataclass(frozen=True)
class GeneratedSet:
    """One generated data set: what it is called, what it asks, how its samples are drawn."""

    name: str
    task: str                         # "classification" | "regression"
    draw: Callable                    # classification: _Generator; regression: target of x
    classes: int | None = None        # a shape with a fixed number of classes (xor: 2)
    default_classes: int | None = None  # a shape whose number of classes is chosen (spiral)


GENERATED_SETS: dict[str, GeneratedSet] = {s.name: s for s in (
    GeneratedSet("xor", "classification", _xor, classes=2),
    GeneratedSet("circle", "classification", _circle, classes=2),
    GeneratedSet("gaussian", "classification", _gaussian, classes=2),
    GeneratedSet("spiral", "classification", _spiral, default_classes=2),
    GeneratedSet("moons", "classification", _moons, classes=2),
    GeneratedSet("blobs", "classification", _blobs, default_classes=3),
    GeneratedSet("plane", "regression", _plane),
    GeneratedSet("sine", "regression", _sine),
)}
"""Every generated set; a new one is its draw function plus one entry here."""

CLASSIFICATION_GENERATORS: dict[str, _Generator] = {
    s.name: s.draw for s in GENERATED_SETS.values() if s.task == "classification"}
"""Clean point generators: ``(n, classes, rng) -> (points (n, 2), labels (n,))``."""

REGRESSION_GENERATORS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    s.name: s.draw for s in GENERATED_SETS.values() if s.task == "regression"}
"""Noise-free target functions of the raw points: ``(n, 2) -> (n,)``."""

FIXED_CLASSES = {s.name: s.classes for s in GENERATED_SETS.values() if s.classes}
"""Sets whose number of classes is part of their shape (``classes`` is ignored for them)."""

CLASSES_DEFAULTS = {s.name: s.default_classes for s in GENERATED_SETS.values()
                    if s.default_classes}
"""Sets whose number of classes is a setting, and its default."""


def generate(source: str, n: int, noise: float, classes: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` samples of the generated set ``source``.

    Returns ``(points, y)``: raw points ``float64 (n, 2)`` and labels ``int64 (n,)`` for
    classification or targets ``float64 (n, 1)`` for regression. ``classes`` is used by
    ``spiral`` and ``blobs`` only. Random draws, in order: the shape's own draws (see the module
    docstring), then one ``standard_normal`` for the noise.
    """
    if source in CLASSIFICATION_GENERATORS:
        k = FIXED_CLASSES.get(source, classes)
        points, labels = CLASSIFICATION_GENERATORS[source](n, k, rng)
        points = points + noise * rng.standard_normal((n, 2))
        return np.ascontiguousarray(points, dtype=np.float64), labels
    if source in REGRESSION_GENERATORS:
        points = rng.uniform(-RAW_SCALE, RAW_SCALE, size=(n, 2))
        target = REGRESSION_GENERATORS[source](points) + noise * rng.standard_normal(n)
        return points, target.reshape(n, 1)
    raise ValueError(f"unknown generated data set {source!r}")


# ------------------------------------------------------------------------------- features
FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1^2": lambda p: p[:, 0] ** 2,
    "x2^2": lambda p: p[:, 1] ** 2,
    "x1*x2": lambda p: p[:, 0] * p[:, 1],
    "sin(x1)": lambda p: np.sin(p[:, 0]),
    "sin(x2)": lambda p: np.sin(p[:, 1]),
}
"""How each named feature is computed from raw points ``(m, 2)``."""

FEATURES = tuple(FEATURE_FUNCTIONS)


def feature_matrix(points: np.ndarray, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """The model inputs for raw points: one column per feature name, in the order given.

    >>> feature_matrix(np.array([[2.0, 3.0]]), ["x1*x2", "x1"])
    array([[6., 2.]])
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"raw points must have shape (m, 2), got {points.shape}")
    columns = [FEATURE_FUNCTIONS[name](points) for name in names]
    return np.ascontiguousarray(np.column_stack(columns), dtype=np.float64)
