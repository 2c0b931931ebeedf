"""What training reports: immutable Snapshots that the window and the command line draw.

A :class:`Snapshot` holds copies, never views of the trainer's arrays, so it can cross to the
GUI thread and be kept. Besides the epoch's numbers it carries, per layer
(:class:`LayerStats`): weight and gradient histograms, the norms of the weights, of the weight
gradient and of the error signal ``δ = ∂L/∂z``, and activation statistics (mean, spread, the
share of dead ReLUs or saturated tanh/sigmoid units). These are measured on a fixed *probe
batch* (the first 256 training samples, no dropout), so that successive snapshots are
comparable and taking one never changes training: the probe uses its own buffers and puts the
gradient buffer back as it found it.

For 2-D data the snapshot also carries the decision surface (:class:`Surface`): the network's
output on a grid over the plane, and (``neurons``) each neuron's own map of the plane. For other classification data a confusion matrix, for other
regression data predicted-vs-target pairs.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from playground.nn.backprop import IterationResult, iteration
from .metrics import confusion_matrix, predicted_labels
from .neurons import neuron_views, plane_grid

PROBE_SIZE = 256
HISTOGRAM_BINS = 41
SURFACE_RESOLUTION = 64
CONFUSION_SAMPLES = 5000
SCATTER_SAMPLES = 500
MAX_DRAWN_PARAMS = 20_000


@dataclass(frozen=True)
class LayerStats:
    index: int
    name: str
    units: int
    fan_in: int
    activation: str
    dropout: float
    weight_counts: np.ndarray
    weight_edges: np.ndarray
    grad_counts: np.ndarray
    grad_edges: np.ndarray
    weight_norm: float
    bias_norm: float | None   # None: the layer has no bias
    grad_norm: float          # ‖∂L/∂W‖ on the probe batch
    bias_grad_norm: float | None
    error_signal_norm: float  # ‖δ‖ = ‖∂L/∂z‖ on the probe batch
    activation_mean: float
    activation_std: float
    dead_fraction: float | None       # ReLU-like: units that never fire on the probe batch
    saturated_fraction: float | None  # tanh/sigmoid: activations within 3% of the limits


@dataclass(frozen=True)
class Surface:
    """The network's output over a grid: ``values[row, col]`` at ``(xs[col], ys[row])``."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray            # P(class 1), the predicted value, or the class index
    confidence: np.ndarray | None  # multi-class: probability of the predicted class
    kind: str                     # "probability" | "class" | "value"
    extent: tuple[float, float, float, float]


@dataclass(frozen=True)
class DataView:
    """The data as a plot shows it (copied once per trainer)."""

    task: str
    n_classes: int
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    raw_train: np.ndarray | None
    raw_val: np.ndarray | None
    y_train: np.ndarray
    y_val: np.ndarray
    bounds: tuple[float, float, float, float] | None
    description: str

    @property
    def n_inputs(self) -> int:
        return len(self.feature_names)

    @property
    def n_targets(self) -> int:
        y = self.y_train
        return 1 if self.task == "classification" or y.ndim < 2 else int(y.shape[1])


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    iteration: int
    batch_in_epoch: int
    batches_per_epoch: int
    max_epochs: int
    learning_rate: float
    train_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    train_r2: float | None
    val_r2: float | None
    history_start: int
    history: dict[str, np.ndarray]
    finished: bool
    stop_reason: str | None
    stopped_early: bool
    diverged: bool
    best_epoch: int
    task: str
    n_params: int
    layers: tuple[LayerStats, ...] = ()
    surface: Surface | None = None
    confusion: np.ndarray | None = None
    confusion_source: str | None = None    # what the confusion counts were counted on
    predictions: tuple[np.ndarray, np.ndarray] | None = None   # (target, predicted)
    probe_loss: float | None = None
    data: DataView | None = field(default=None, repr=False)
    #: layer widths, input first: (2, 8, 8, 2)
    sizes: tuple[int, ...] = ()
    activations: tuple[str, ...] = ()
    #: copies of (W, b) per layer when the network is small enough to draw (≤ MAX_DRAWN_PARAMS);
    #: b is None for a layer without a bias
    weights: tuple[tuple[np.ndarray, np.ndarray | None], ...] | None = field(
        default=None, repr=False)
    #: the epoch the losses and metrics above are from when it is not the last one: early
    #: stopping restored that epoch's weights (None: the last epoch)
    metrics_epoch: int | None = None
    #: what each neuron computes, per layer (:mod:`playground.training.neurons`); None for a
    #: network too wide to map or a snapshot without detail
    neurons: tuple | None = field(default=None, repr=False)


#: each Dataset's DataView, made once: every trainer on the same data (a fork, a trainer rebuilt
#: for an earlier epoch of the timeline) hands the views the same object, so the window sees
#: the data unchanged and does not draw its scatter plots again (10-60 ms a time)
_VIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def data_view(ds) -> DataView:
    """The DataView of a Dataset (copies of what a plot shows), one per Dataset object."""
    view = _VIEWS.get(ds)
    if view is None:
        view = _VIEWS[ds] = _make_data_view(ds)
    return view


def _make_data_view(ds) -> DataView:
    return DataView(task=ds.task, n_classes=ds.n_classes, class_names=tuple(ds.class_names),
                    feature_names=tuple(ds.feature_names),
                    raw_train=None if ds.raw_train is None else ds.raw_train.copy(),
                    raw_val=None if ds.raw_val is None else ds.raw_val.copy(),
                    y_train=np.array(ds.y_train, copy=True), y_val=np.array(ds.y_val, copy=True),
                    bounds=ds.bounds, description=ds.description)


def _value(row: dict, key: str) -> float | None:
    value = row.get(key)
    return None if value is None or np.isnan(value) else value


def take_snapshot(trainer, history_from: int = 0, detail: bool = True) -> Snapshot:
    restored = trainer.restored_epoch
    if restored and 0 < restored <= len(trainer.history):     # the weights it ends with
        last = trainer.history.row(restored - 1)
    else:
        last, restored = trainer.history.last(), None
    layers, probe_loss, surface, confusion, predictions = (), None, None, None, None
    confusion_source = None
    neurons = None
    if detail:
        layers, probe_loss, probe_pass = _layer_stats(trainer)
        # at once: the probe batch's z and a are still in the evaluation workspace
        neurons = neuron_views(trainer, probe_pass)
        surface = _surface(trainer)
        if surface is None:
            confusion, predictions, confusion_source = _outcome(trainer)
    return Snapshot(
        epoch=trainer.epoch, iteration=trainer.iteration, batch_in_epoch=trainer.batch_in_epoch,
        batches_per_epoch=trainer.batches_per_epoch, max_epochs=trainer.max_epochs,
        learning_rate=trainer.learning_rate,
        train_loss=_value(last, "train_loss"), val_loss=_value(last, "val_loss"),
        train_accuracy=_value(last, "train_accuracy"), val_accuracy=_value(last, "val_accuracy"),
        train_r2=_value(last, "train_r2"), val_r2=_value(last, "val_r2"),
        history_start=min(history_from, len(trainer.history)),
        history=trainer.history.columns(history_from),
        finished=trainer.finished, stop_reason=trainer.stop_reason,
        stopped_early=trainer.stopped_early, diverged=trainer.diverged,
        best_epoch=trainer.best_epoch, task=trainer.dataset.task,
        n_params=trainer.network.n_params, layers=layers, surface=surface,
        confusion=confusion, confusion_source=confusion_source, predictions=predictions, probe_loss=probe_loss,
        data=trainer.data_view, sizes=tuple(trainer.network.sizes),
        activations=tuple(layer.activation.name for layer in trainer.network.layers),
        weights=_weights(trainer) if detail else None, metrics_epoch=restored,
        neurons=neurons)


def _weights(trainer):
    net = trainer.network
    if net.n_params > MAX_DRAWN_PARAMS:
        return None
    return tuple((layer.W.copy(), None if layer.b is None else layer.b.copy())
                 for layer in net.layers)


_EDGE_STEPS = np.arange(HISTOGRAM_BINS + 1, dtype=np.float64)


def _edges(top: float) -> np.ndarray:
    """``np.linspace(-top, top, HISTOGRAM_BINS + 1)`` for a float ``top > 0``, computed as
    linspace does it (0, 1, … times the step, plus the start; the last set to the stop),
    bitwise the same, without its ~5 µs of per-call work (six histograms per snapshot)."""
    edges = _EDGE_STEPS * ((top - -top) / HISTOGRAM_BINS)
    edges += -top
    edges[-1] = top
    return edges


def _histogram(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts in HISTOGRAM_BINS equal bins over [−max|v|, max|v|] and the bin edges.

    A value's bin is ⌊(v + top)·bins / (2·top)⌋ (the largest goes in the last bin), computed
    in the values' own precision with one bincount: about twice as fast as ``np.histogram``
    on the million weights of a big layer, which matters at the snapshot rate. Non-finite
    values are left out."""
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        values = values[np.isfinite(values)]
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    top = max(-lo, hi)
    # all zeros: ±1e-8; else at least 1e-30, so BINS/(2·top) stays finite in float32
    top = max(top, 1e-30) if top > 0 else 1e-8
    edges = _edges(top)
    scaled = np.multiply(values, HISTOGRAM_BINS / (2 * top), dtype=values.dtype)
    scaled += HISTOGRAM_BINS / 2
    # scaled ∈ [0, BINS] (rounding cannot take it below 0): only the largest value(s) land
    # in bin BINS, and fold into the last bin below; cheaper than clipping every index
    counts = np.bincount(scaled.astype(np.intp), minlength=HISTOGRAM_BINS + 1)
    counts[HISTOGRAM_BINS - 1] += counts[HISTOGRAM_BINS:].sum()
    return counts[:HISTOGRAM_BINS], edges


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.vdot(a, a)))


def _norm_or_none(a: np.ndarray | None) -> float | None:
    """The norm of a bias, None for a layer without one."""
    return None if a is None else _norm(a)


def _layer_stats(trainer) -> tuple[tuple[LayerStats, ...], float | None]:
    net = trainer.network
    n = min(PROBE_SIZE, len(trainer.X_train))
    if n == 0:
        return (), None, None
    x, y = trainer.X_train[:n], trainer.Y_train[:n]
    ws = net.workspace(n, training=False)
    saved_grads = net.grads.copy()
    result = IterationResult()
    with np.errstate(all="ignore"):
        for _ in iteration(net, trainer.loss, x, y, ws, rng=None, training=False,
                           l1=trainer.l1, l2=trainer.l2, result=result):
            pass
    stats = []
    for i, (layer, buf) in enumerate(zip(net.layers, ws.layers)):
        act = layer.activation.name
        a = buf.a
        dead = saturated = None
        if act in ("relu", "leaky_relu", "elu", "gelu"):
            dead = float(np.mean(np.all(buf.z <= 0, axis=0)))
        elif act == "tanh":
            saturated = float(np.mean(np.abs(a) > 0.97))
        elif act == "sigmoid":
            saturated = float(np.mean((a < 0.03) | (a > 0.97)))
        with np.errstate(all="ignore"):       # overflowing activations after a divergence
            a_mean, a_std = float(a.mean()), float(a.std())
        wc, we = _histogram(layer.W.ravel())
        if np.isfinite(result.loss):
            gc, ge = _histogram(layer.grad_W.ravel())
            grad_norm, bias_grad_norm = _norm(layer.grad_W), _norm_or_none(layer.grad_b)
            delta_norm = _norm(buf.delta)
        else:
            gc, ge = np.zeros(HISTOGRAM_BINS, np.int64), np.linspace(-1, 1, HISTOGRAM_BINS + 1)
            grad_norm = delta_norm = float("nan")
            bias_grad_norm = float("nan") if layer.use_bias else None
            finite = trainer.last_finite_error_signal     # diverged: where it was last finite
            if finite and len(finite) == len(net.layers):
                delta_norm = finite[i]
        stats.append(LayerStats(
            index=i, name=f"layer {i + 1}: {layer.describe()}", units=layer.units,
            fan_in=layer.fan_in, activation=act, dropout=layer.dropout,
            weight_counts=wc, weight_edges=we, grad_counts=gc, grad_edges=ge,
            weight_norm=_norm(layer.W), bias_norm=_norm_or_none(layer.b), grad_norm=grad_norm,
            bias_grad_norm=bias_grad_norm, error_signal_norm=delta_norm,
            activation_mean=a_mean, activation_std=a_std,
            dead_fraction=dead, saturated_fraction=saturated))
    net.grads[...] = saved_grads
    return tuple(stats), (result.loss if np.isfinite(result.loss) else None), ws.layers


def error_signal_norms(trainer) -> tuple[float, ...]:
    """‖δ‖ per layer (first layer first) on the probe batch: the ``error_signal_norm`` of a
    snapshot's layers, without the rest of the snapshot."""
    return tuple(layer.error_signal_norm for layer in _layer_stats(trainer)[0])


def decision_surface(trainer) -> Surface | None:
    """The network's output over a grid of the input plane (2-D data), else None."""
    return _surface(trainer)


def _surface(trainer) -> Surface | None:
    ds = trainer.dataset
    if ds.raw_train is None or ds.transform is None or ds.bounds is None:
        return None
    x0, x1, y0, y1 = ds.bounds
    xs, ys, inputs = plane_grid(trainer, SURFACE_RESOLUTION)
    xs, ys = xs.copy(), ys.copy()             # the snapshot's own, as before
    with np.errstate(all="ignore"):
        out = trainer.network.predict(inputs).astype(np.float64)
    shape = (len(ys), len(xs))
    confidence = None
    if ds.task == "regression":
        values, kind = out[:, 0].reshape(shape), "value"
    elif out.shape[1] == 1:
        values, kind = out[:, 0].reshape(shape), "probability"
    elif out.shape[1] == 2:
        values, kind = out[:, 1].reshape(shape), "probability"
    else:
        values = out.argmax(axis=1).reshape(shape).astype(np.float64)
        confidence, kind = out.max(axis=1).reshape(shape), "class"
    return Surface(xs=xs, ys=ys, values=values, confidence=confidence, kind=kind,
                   extent=(x0, x1, y0, y1))


def _outcome(trainer):
    """Confusion matrix and what it counts (classification), or (target, predicted) pairs
    (regression). After an epoch the confusion matrix is the one the trainer counted at the
    epoch's end anyway (no extra pass over the data); before the first epoch it is counted
    here on up to CONFUSION_SAMPLES samples."""
    ds = trainer.dataset
    on_val = len(ds.X_val) > 0
    X, y = (ds.X_val, ds.y_val) if on_val else (ds.X_train, ds.y_train)
    if ds.task == "regression":
        X, y = X[:SCATTER_SAMPLES], np.asarray(y)[:SCATTER_SAMPLES]
        with np.errstate(all="ignore"):
            pred = trainer.network.predict(X).astype(np.float64)
        return None, (np.asarray(y, np.float64).reshape(len(y), -1)[:, 0], pred[:, 0]), None
    if trainer.confusion is not None:
        counts, source = trainer.confusion
        return counts.copy(), None, source
    X, y = X[:CONFUSION_SAMPLES], np.asarray(y)[:CONFUSION_SAMPLES]
    with np.errstate(all="ignore"):
        out = trainer.network.predict(X)
    confusion = confusion_matrix(np.asarray(y, np.intp), predicted_labels(out), ds.n_classes)
    where = "validation set" if on_val else "training set"
    when = "before training" if trainer.epoch == 0 else f"at epoch {trainer.epoch}"
    return confusion, None, f"{where} {when}"
