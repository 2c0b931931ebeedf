"""The path the weights take: the flat parameter vector after every epoch, in bounded memory.

The trainer records its weights at the start (epoch 0) and after every epoch. When the record
holds ``capacity`` vectors it drops every other one (the first, the initial weights, always
stays) and from then on keeps only every second epoch, then every fourth, …: the path keeps its
shape from the first epoch to the last however long training runs. ``capacity`` is 200
vectors, fewer for a big network so that the record never holds more than ``MAX_BYTES``
(16 MiB) — recording costs one copy of the weights per epoch.
"""

from __future__ import annotations

import numpy as np

#: at most this many weight vectors are kept
MAX_POINTS = 200
#: and at most this many bytes of them (a big network keeps fewer vectors, at least MIN_POINTS)
MAX_BYTES = 16 * 2 ** 20
MIN_POINTS = 8


class Trajectory:
    """Weight vectors at epochs 0, s, 2s, … (``s`` = ``stride``, doubled when full)."""

    def __init__(self, initial: np.ndarray, *, max_points: int = MAX_POINTS,
                 max_bytes: int = MAX_BYTES):
        per_point = max(int(initial.nbytes), 1)
        self.capacity = max(MIN_POINTS, min(max_points, max_bytes // per_point))
        self.stride = 1
        self._epochs: list[int] = [0]
        self._points: list[np.ndarray] = [np.array(initial, copy=True)]

    def __len__(self) -> int:
        return len(self._points)

    @property
    def initial(self) -> np.ndarray:
        """The weights training started from (a read-only view)."""
        view = self._points[0].view()
        view.flags.writeable = False
        return view

    @property
    def epochs(self) -> np.ndarray:
        return np.array(self._epochs, dtype=np.int64)

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self._points)

    def record(self, epoch: int, params: np.ndarray) -> None:
        """Keep a copy of ``params`` as the weights after ``epoch`` (if the stride wants it
        and they are finite)."""
        if epoch % self.stride or epoch <= self._epochs[-1] or not np.all(np.isfinite(params)):
            return
        self._epochs.append(int(epoch))
        self._points.append(np.array(params, copy=True))
        if len(self._points) > self.capacity:
            self._epochs = self._epochs[::2]
            self._points = self._points[::2]
            self.stride *= 2

    def points(self, dtype=np.float64) -> np.ndarray:
        """All kept vectors as rows of a new ``(len, n_params)`` array."""
        return np.array(self._points, dtype=dtype)
