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


#: rows gathered at a time by :func:`gather_rows`: their staging block (~400 KB for 784
#: float32 features) stays in the core's cache between the gather and the copy
GATHER_BLOCK = 128


def gather_rows(X: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = X[idx]`` for an ``out`` whose rows are not contiguous (the inputs beside a
    column of ones), ``GATHER_BLOCK`` rows at a time through a contiguous staging block.
    Gathering the whole epoch first and copying after read the epoch's inputs twice from
    memory: 18.6 ms against 8.5 ms for 16,384 × 784 float32 (take with a strided ``out``
    buffers it and is slower still, 24.8 ms)."""
    n = len(idx)
    full = n - n % GATHER_BLOCK
    block = np.empty((GATHER_BLOCK,) + X.shape[1:], X.dtype) if full else None
    for start in range(0, full, GATHER_BLOCK):
        stop = start + GATHER_BLOCK
        X.take(idx[start:stop], 0, block, "clip")
        np.copyto(out[start:stop], block)
    if full < n:
        np.copyto(out[full:], X.take(idx[full:], 0, mode="clip"))
