"""What each neuron computes: its activation over the input plane, over the data, and its state.

TensorFlow Playground draws every hidden neuron as a small picture of its activation
``a = f(Σ wᵢ·xᵢ + b)`` as a function of the two inputs. :func:`neuron_views` measures, per
Dense layer (:class:`NeuronView`):

* ``maps`` (2-D data only): each unit's activation on a ``MAP_RESOLUTION²`` grid over the
  plot bounds — the raw points go through the data set's own transform (features,
  standardization) and then through the network in evaluation mode (no dropout);
* ``counts``/``edges``: each unit's activation histogram over the probe batch (the first
  ``PROBE_SIZE`` training samples), for data with more inputs than a plane;
* ``status``: ``"dead"`` when a ReLU-family unit is never active on the probe batch
  (``z ≤ 0`` for every sample: no gradient reaches its weights), ``"saturated"`` when a
  tanh/sigmoid unit sits on its flat ends (``|a| > 0.97`` for tanh, ``a < 0.03`` or
  ``a > 0.97`` for sigmoid) for at least ``SATURATED_SHARE`` of the probe samples, else ``""``;
* ``images`` (first layer, 8×8 digit pixels): each unit's incoming weights as an 8×8 image.

Everything is computed with its own buffers; training is not disturbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAP_RESOLUTION = 33
PROBE_SIZE = 256
NEURON_BINS = 24
SATURATED_SHARE = 0.9
DEAD_FAMILY = ("relu", "leaky_relu", "elu", "gelu")
MAX_UNITS = 64          # per layer: wider layers are summarised in the diagram, not mapped


@dataclass(frozen=True)
class NeuronView:
    """What the units of one Dense layer compute (arrays are copies)."""

    maps: np.ndarray | None          # (units, R, R) activation over the plane; row = x2
    extent: tuple[float, float, float, float] | None   # x1 min, x1 max, x2 min, x2 max
    counts: np.ndarray               # (units, NEURON_BINS) histogram over the probe batch
    edges: np.ndarray                # (units, NEURON_BINS + 1)
    status: tuple[str, ...]          # per unit: "dead", "saturated" or ""
    images: np.ndarray | None        # (units, 8, 8): incoming weights of digit pixels


def _activations(network, X: np.ndarray) -> list[np.ndarray]:
    """Each layer's activation for ``X`` in evaluation mode (copies)."""
    ws = network.workspace(X.shape[0], training=False)
    a = np.asarray(X, dtype=network.dtype)
    out = []
    for layer, buf in zip(network.layers, ws.layers):
        a = layer.forward(a, buf, False, None)
        out.append(buf.a.astype(np.float64))
    return out


def _status(activation: str, z: np.ndarray, a: np.ndarray) -> tuple[str, ...]:
    if activation in DEAD_FAMILY:
        dead = np.all(z <= 0, axis=0)
        return tuple("dead" if d else "" for d in dead)
    if activation == "tanh":
        flat = np.abs(a) > 0.97
    elif activation == "sigmoid":
        flat = (a < 0.03) | (a > 0.97)
    else:
        return ("",) * a.shape[1]
    share = flat.mean(axis=0) if len(a) else np.zeros(a.shape[1])
    return tuple("saturated" if s >= SATURATED_SHARE else "" for s in share)


def _histograms(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (column of ``a``, float64): ``np.histogram(column, NEURON_BINS, (lo, hi))``
    over its finite values, lo/hi their extremes (±0.5 when they coincide, 0…1 when there are
    none) — the same counts and edges, computed for all units at once (one call per unit
    was most of a tiny network's snapshot)."""
    n, units = a.shape
    bins = NEURON_BINS
    finite = np.isfinite(a)
    if n and finite.all():
        lo, hi = a.min(axis=0), a.max(axis=0)
        if _too_wide(lo, hi):
            return _halved(a)
        return _finite_histograms(a, n, units, bins, lo, hi)
    lo = np.where(finite, a, np.inf).min(axis=0, initial=np.inf)
    hi = np.where(finite, a, -np.inf).max(axis=0, initial=-np.inf)
    empty = ~finite.any(axis=0)
    lo[empty], hi[empty] = 0.0, 1.0
    if _too_wide(lo, hi):
        return _halved(a)
    _widen_narrow(lo, hi)
    edges = np.linspace(lo, hi, bins + 1, axis=1)   # np.histogram's edges, every unit at once
    counts = np.zeros((units, bins), np.int64)
    if n == 0:
        return counts, edges
    cols = np.broadcast_to(np.arange(units), a.shape)
    keep = finite & (a >= lo) & (a <= hi)
    values, cols = a[keep], cols[keep]
    # np.histogram's index rule: ⌊(v − lo)/(hi − lo)·bins⌋, then ±1 where rounding put a
    # value on the wrong side of an edge; the right edge belongs to the last bin
    index = ((values - lo[cols]) / (hi - lo)[cols] * bins).astype(np.intp)
    index[index == bins] -= 1
    index[values < edges[cols, index]] -= 1
    index[(values >= edges[cols, index + 1]) & (index != bins - 1)] += 1
    counts += np.bincount(cols * bins + index, minlength=units * bins).reshape(units, bins)
    return counts, edges


#: above this magnitude a unit's range hi − lo can overflow to inf (a diverged layer's ±1e308)
_WIDE = np.finfo(np.float64).max / 2


def _widen_narrow(lo: np.ndarray, hi: np.ndarray) -> None:
    """A unit whose values (nearly) coincide gets the range value ± 0.5, as np.histogram
    gives it; past 2¹⁹ in magnitude ± 0.5 would vanish in rounding (a constant 1e20 left a
    range of width 0: NaN bin indices), so there the half-width is |value|·2⁻²⁰ instead."""
    narrow = hi - lo < 1e-12
    if narrow.any():
        pad = np.maximum(0.5, np.abs(lo[narrow]) * 2.0 ** -20)
        lo[narrow] -= pad
        hi[narrow] += pad


def _too_wide(lo: np.ndarray, hi: np.ndarray) -> bool:
    return bool(hi.max(initial=0.0) > _WIDE or lo.min(initial=0.0) < -_WIDE)


def _halved(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A diverged layer's histograms from ``a / 2`` (exact for such magnitudes): the same
    counts, the edges doubled back, and no overflowing range (which warned and gave NaN bin
    indices)."""
    counts, edges = _histograms(a * 0.5)
    return counts, edges * 2.0


def _finite_histograms(a: np.ndarray, n: int, units: int, bins: int,
                       lo: np.ndarray, hi: np.ndarray):
    """:func:`_histograms` when every value is finite (the usual case): nothing to mask or
    compress, so the per-value arithmetic runs on ``a`` itself, broadcast against each
    unit's range — the same operations on the same numbers, so the same counts and edges."""
    _widen_narrow(lo, hi)
    edges = _unit_edges(lo, hi, bins)
    index = ((a - lo) / (hi - lo) * bins).astype(np.intp)
    index[index == bins] -= 1
    cols = np.broadcast_to(np.arange(units), a.shape)
    index[a < edges[cols, index]] -= 1
    index[(a >= edges[cols, index + 1]) & (index != bins - 1)] += 1
    index += cols * bins
    counts = np.bincount(index.ravel(), minlength=units * bins).reshape(units, bins)
    return counts.astype(np.int64, copy=False), edges


def _unit_edges(lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    """``np.linspace(lo, hi, bins + 1, axis=1)`` computed as linspace computes it (0, 1, …
    times each unit's step, plus its start, the last set to its stop), bitwise the same,
    without linspace's ~30 µs of general-purpose work a snapshot."""
    step = (hi - lo) / bins
    if not step.all():                   # linspace's special case for a zero step
        return np.linspace(lo, hi, bins + 1, axis=1)
    edges = np.arange(bins + 1, dtype=np.float64) * step[:, None]
    edges += lo[:, None]
    edges[:, -1] = hi
    return edges


def plane_grid(trainer, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, inputs)`` of a ``resolution²`` grid over the 2-D data's plot bounds:
    ``inputs`` are the grid points (row = y, column = x) through the data set's transform,
    as the network sees them. Made once per trainer and resolution (the data and their
    transform never change within a trainer); treat the arrays as read-only."""
    ds = trainer.dataset
    cache = trainer.__dict__.setdefault("_plane_grids", {})
    key = (resolution, tuple(ds.bounds))
    grid = cache.get(key)
    if grid is None:
        x0, x1, y0, y1 = ds.bounds
        xs = np.linspace(x0, x1, resolution)
        ys = np.linspace(y0, y1, resolution)
        gx, gy = np.meshgrid(xs, ys)
        inputs = np.ascontiguousarray(ds.transform(np.column_stack([gx.ravel(), gy.ravel()])))
        for array in (xs, ys, inputs):
            array.flags.writeable = False
        grid = cache[key] = (xs, ys, inputs)
    return grid


def neuron_views(trainer, probe_pass=None) -> tuple[NeuronView, ...] | None:
    """One :class:`NeuronView` per Dense layer, or None for a network too wide to map.

    ``probe_pass``: the layers' buffers right after an evaluation-mode forward pass of the
    probe batch (the first ``PROBE_SIZE`` training samples) with the current weights, as the
    snapshot's layer statistics leave them — their ``z`` and ``a`` are used instead of a
    second pass over the same batch."""
    net, ds = trainer.network, trainer.dataset
    if any(layer.units > MAX_UNITS for layer in net.layers) or len(trainer.X_train) == 0:
        return None
    with np.errstate(all="ignore"):
        if probe_pass is None:
            probe = trainer.X_train[:PROBE_SIZE]
            acts = _activations(net, probe)
            probe_pass = net.workspace(len(probe), False).layers
        else:
            acts = [buf.a.astype(np.float64) for buf in probe_pass]
        zs = [buf.z.astype(np.float64) for buf in probe_pass]
        maps = extent = None
        if ds.raw_train is not None and ds.transform is not None and ds.bounds is not None:
            extent = tuple(ds.bounds)
            shape = (MAP_RESOLUTION, MAP_RESOLUTION)
            maps = [a.T.reshape((a.shape[1],) + shape)
                    for a in _activations(net, plane_grid(trainer, MAP_RESOLUTION)[2])]
    digits = ds.n_inputs == 64 and ds.feature_names[:1] == ("px0_0",)
    views = []
    # every unit of every layer in one pass (the histograms are per unit anyway)
    all_counts, all_edges = _histograms(np.hstack(acts))
    first = 0
    for i, (layer, a, z) in enumerate(zip(net.layers, acts, zs)):
        counts = all_counts[first:first + layer.units].copy()
        edges = all_edges[first:first + layer.units].copy()
        first += layer.units
        images = layer.W.T.reshape(layer.units, 8, 8).astype(np.float64) \
            if digits and i == 0 else None
        views.append(NeuronView(
            maps=None if maps is None else maps[i].copy(), extent=extent, counts=counts,
            edges=edges, status=_status(layer.activation.name, z, a), images=images))
    return tuple(views)
