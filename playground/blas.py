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
"""

from __future__ import annotations

#: products smaller than this many multiply-adds per batch run on one thread
SMALL_PRODUCT = 1 << 18

_state: dict = {"controller": None, "default": None, "current": None, "ready": False}


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
