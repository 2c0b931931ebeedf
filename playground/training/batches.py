"""Shuffled batches without an allocation per step: gathered into buffers kept per size.

An epoch of shuffled batches has at most two sizes (full batches and the last, shorter one),
so a handful of ``(x, y)`` buffer pairs serve every batch; ``take`` with ``out=`` fills them.
"""

from __future__ import annotations

import numpy as np

#: buffer pairs kept (a batch-size change adds new sizes; the oldest are dropped)
KEPT_SIZES = 4


class BatchGather:
    def __init__(self):
        self._buffers: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def take(self, X: np.ndarray, Y: np.ndarray, idx: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``idx`` of ``X`` and ``Y``, in buffers reused by later batches of this size."""
        size = len(idx)
        bufs = self._buffers.get(size)
        if bufs is None:
            bufs = (np.empty((size,) + X.shape[1:], X.dtype),
                    np.empty((size,) + Y.shape[1:], Y.dtype))
            self._buffers[size] = bufs
            if len(self._buffers) > KEPT_SIZES:
                self._buffers.pop(next(iter(self._buffers)))
        X.take(idx, 0, bufs[0], "clip")      # the method: no Python wrapper
        Y.take(idx, 0, bufs[1], "clip")
        return bufs
