"""Bounded, decimated history for live curves, and display smoothing.

A run at hundreds of epochs per second for half an hour produces hundreds of thousands of
rows; a curve needs a few thousand points to look right. :class:`SeriesStore` keeps every row
until ``cap`` is reached, then halves itself (keeps every 2nd stored row) and from then on
keeps only every ``stride``-th incoming row, doubling ``stride`` each time it fills up again.
The kept rows are exactly the rows whose index is a multiple of ``stride``, so the curve stays
evenly sampled; the most recent row is always shown as well, so a curve ends where training is.
Memory stays flat at ``cap`` rows whatever the run length.

:func:`ema` is the TensorBoard-style display smoothing (exponential moving average with bias
correction); it never changes the data, only what a curve shows.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_CAP = 20_000


class SeriesStore:
    """Rows of named float columns, at most ``cap`` of them (including the latest row)."""

    def __init__(self, columns, cap: int = DEFAULT_CAP):
        if cap < 4:
            raise ValueError("cap must be at least 4")
        self.columns = tuple(columns)
        self._index = {name: i for i, name in enumerate(self.columns)}
        self.cap = cap
        self._data = np.full((len(self.columns), cap), np.nan)
        self.clear()

    def clear(self) -> None:
        self._n = 0                 # stored rows
        self.stride = 1             # stored rows are those whose index % stride == 0
        self.total = 0              # rows seen
        self._tail: np.ndarray | None = None    # the latest row, when it is not stored
        # bumps on every change, never goes back (plots compare it to what they drew)
        self.version = getattr(self, "version", -1) + 1

    def __len__(self) -> int:
        """Rows a curve shows: the stored ones plus the latest one if not stored."""
        return self._n + (self._tail is not None)

    @property
    def stored(self) -> int:
        return self._n

    def append(self, block) -> None:
        """Add rows: ``block`` is a dict of equal-length arrays (missing columns → NaN) or an
        array of shape (len(columns), m)."""
        if isinstance(block, dict):
            m = max((np.size(v) for v in block.values()), default=0)
            arr = np.full((len(self.columns), m), np.nan)
            for name, values in block.items():
                i = self._index.get(name)
                if i is not None:
                    arr[i] = np.asarray(values, dtype=np.float64).reshape(-1)
        else:
            arr = np.asarray(block, dtype=np.float64).reshape(len(self.columns), -1)
        m = arr.shape[1]
        if m == 0:
            return
        index = self.total + np.arange(m)
        self.total += m
        self.version += 1
        keep = index % self.stride == 0
        rows, index = arr[:, keep], index[keep]
        last_stored = bool(keep[-1])
        while rows.shape[1]:
            space = self.cap - 1 - self._n        # one slot stays free for the tail
            if rows.shape[1] <= space:
                self._data[:, self._n:self._n + rows.shape[1]] = rows
                self._n += rows.shape[1]
                break
            self._compact()
            keep = index % self.stride == 0
            rows, index = rows[:, keep], index[keep]
            last_stored = last_stored and bool(keep[-1]) if keep.size else False
        self._tail = None if last_stored else arr[:, -1].copy()

    def _compact(self) -> None:
        kept = self._data[:, 0:self._n:2]
        n = kept.shape[1]
        self._data[:, :n] = kept
        self._data[:, n:] = np.nan
        self._n = n
        self.stride *= 2

    def column(self, name: str) -> np.ndarray:
        """The shown values of one column (stored rows, then the latest row)."""
        i = self._index[name]
        values = self._data[i, :self._n]
        if self._tail is not None:
            return np.append(values, self._tail[i])
        return values.copy()

    def last(self, name: str) -> float:
        i = self._index[name]
        if self._tail is not None:
            return float(self._tail[i])
        return float(self._data[i, self._n - 1]) if self._n else math.nan

    def set_column(self, name: str, values: np.ndarray) -> None:
        """Overwrite a column's shown values (e.g. recomputed smoothing); len(values) == len(self)."""
        i = self._index[name]
        values = np.asarray(values, dtype=np.float64)
        self._data[i, :self._n] = values[:self._n]
        if self._tail is not None:
            self._tail[i] = values[-1]
        self.version += 1


class EMA:
    """Exponential moving average with TensorBoard's bias correction, fed piece by piece.

    ``weight`` 0 means no smoothing; 0.9 averages over roughly the last ten points. NaN inputs
    give NaN outputs and leave the average unchanged."""

    def __init__(self, weight: float = 0.0):
        self.weight = float(weight)
        self.reset()

    def reset(self) -> None:
        self._value = 0.0
        self._count = 0

    def __call__(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self.weight <= 0.0:
            return values.copy()
        w = self.weight
        out = np.empty_like(values)
        value, count = self._value, self._count
        for j, v in enumerate(values.tolist()):
            if v != v or math.isinf(v):
                out[j] = math.nan
                continue
            value = value * w + (1.0 - w) * v
            count += 1
            out[j] = value / (1.0 - w ** count)
        self._value, self._count = value, count
        return out
