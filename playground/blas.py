"""How many threads the BLAS (OpenBLAS under NumPy) uses for the network's matrix products.

Small networks train fastest on **one** BLAS thread: their matrix products take a few
microseconds, and handing each one to a second thread costs more than it saves (measured here:
a 2-8-8-2 network trains ~1.7× faster, a 2-(8×6)-2 one ~2× faster, on one thread than on
two). Large products (an MNIST-sized layer) need every core. So each :class:`~playground.Trainer`
picks a thread count from its largest per-batch product (:func:`threads_for`) and calls
:func:`use` before each step; :func:`use` only talks to the library when the count changes.

The count is process-wide (that is how BLAS libraries work): :func:`use` remembers what it
set last, so code that changes it behind our back (another threadpoolctl user) should put it
back. Environment settings such as
``OPENBLAS_NUM_THREADS`` are respected: the count is never raised above what the process
started with. Without ``threadpoolctl`` or a BLAS it can control, all of this is a no-op.

:func:`axpy` (``y ← y + α·x``) is the one BLAS routine NumPy does not offer. Plain SGD's update
``w ← w − η·g`` needs it: NumPy spends two passes over the parameters (``s = η·g``, then
``w − s``), on one core, while the BLAS does one pass on its own threads — which, right after
the backward pass's matrix products, are still awake. On a 784-1024-1024-10 network that is
~2 ms → ~0.2 ms a step (the update had been ~9 % of the training time). The routine is looked up in the library
threadpoolctl found (OpenBLAS, with or without the ``scipy_``/``64_`` affixes of NumPy's
wheels), checked once on a small case, and used only for large contiguous vectors; anything
else returns False and the caller keeps its NumPy code. (With fused multiply-add, as
``torch``'s ``add_(g, alpha=−η)``, the result may differ from NumPy's two roundings in the last
bit; it is deterministic.)
"""

from __future__ import annotations

import ctypes

import numpy as np

#: products smaller than this many multiply-adds per batch run on one thread
SMALL_PRODUCT = 1 << 18

#: vectors shorter than this are updated by NumPy (a ctypes call costs ~1 µs)
AXPY_MIN = 1 << 16

_state: dict = {"controller": None, "default": None, "current": None, "ready": False,
                "axpy": None}


def _init() -> None:
    _state["ready"] = True
    try:
        from threadpoolctl import ThreadpoolController
        controller = ThreadpoolController().select(user_api="blas")
    except Exception:        # noqa: BLE001 - no threadpoolctl, or it cannot inspect the libs
        return
    if not controller.lib_controllers:
        return
    _state["controller"] = controller
    _state["default"] = max(lib.num_threads for lib in controller.lib_controllers)
    _state["current"] = _state["default"]
    try:
        _state["axpy"] = _find_axpy(controller.lib_controllers)
    except Exception:        # noqa: BLE001 - an unexpected library: keep NumPy's update
        _state["axpy"] = None


def _find_axpy(libs) -> dict | None:
    """``{dtype: function}`` for cblas_saxpy/daxpy of the first OpenBLAS that has them."""
    for lib in libs:
        if getattr(lib, "internal_api", "") != "openblas":
            continue
        dynlib = getattr(lib, "dynlib", None)
        for prefix in ("scipy_", ""):
            for suffix in ("64_", ""):
                found = {}
                for dtype, name, real in ((np.float32, "cblas_saxpy", ctypes.c_float),
                                          (np.float64, "cblas_daxpy", ctypes.c_double)):
                    fn = getattr(dynlib, f"{prefix}{name}{suffix}", None)
                    if fn is None:
                        break
                    index = ctypes.c_int64 if suffix or _uses_64bit_ints(dynlib, prefix) \
                        else ctypes.c_int32
                    fn.argtypes = [index, real, ctypes.c_void_p, index, ctypes.c_void_p, index]
                    fn.restype = None
                    found[np.dtype(dtype)] = fn
                if len(found) == 2 and _axpy_works(found):
                    return found
    return None


def _uses_64bit_ints(dynlib, prefix: str) -> bool:
    config = getattr(dynlib, f"{prefix}openblas_get_config", None)
    if config is None:
        return False
    config.restype = ctypes.c_char_p
    return b"USE64BITINT" in (config() or b"")


def _axpy_works(functions) -> bool:
    for dtype, fn in functions.items():
        x = np.arange(1, 6, dtype=dtype)
        y = np.full(5, 10, dtype=dtype)
        fn(5, -0.5, x.ctypes.data, 1, y.ctypes.data, 1)
        if not np.array_equal(y, 10 - 0.5 * np.arange(1, 6)):
            return False
    return True


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> bool:
    """``y ← y + alpha·x`` in place through the BLAS; False (nothing done) when it cannot:
    no usable BLAS, vectors shorter than :data:`AXPY_MIN`, or not contiguous 1-D vectors of
    the same float dtype."""
    if not _state["ready"]:
        _init()
    functions = _state["axpy"]
    if functions is None or y.size < AXPY_MIN or x.shape != y.shape or y.ndim != 1 \
            or x.dtype != y.dtype or not (x.flags.c_contiguous and y.flags.c_contiguous
                                          and y.flags.writeable):
        return False
    fn = functions.get(y.dtype)
    if fn is None:
        return False
    fn(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
    return True


def default_threads() -> int | None:
    """The BLAS thread count the process started with (None when it is not controllable)."""
    if not _state["ready"]:
        _init()
    return _state["default"]


def threads_for(sizes: list[int], batch: int) -> int | None:
    """The thread count for a network with layer ``sizes`` at ``batch`` samples per step:
    1 when every product is small, else the process default (None = leave it alone)."""
    largest = max((batch * a * b for a, b in zip(sizes[:-1], sizes[1:])), default=0)
    return 1 if largest < SMALL_PRODUCT else default_threads()


def use(threads: int | None) -> None:
    """Make the BLAS use ``threads`` threads (None: leave it). Cheap when nothing changes."""
    if threads is None or threads == _state["current"]:
        return
    if not _state["ready"]:
        _init()
        if threads == _state["current"]:
            return
    controller = _state["controller"]
    if controller is None:
        return
    threads = min(threads, _state["default"])
    for lib in controller.lib_controllers:
        lib.set_num_threads(threads)
    _state["current"] = threads
