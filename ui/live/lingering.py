"""Threads that outlive their window: closing never waits for a long batch.

Closing gives the training worker one second to stop (it checks the stop flag between
batches). A single batch of a huge network can take longer, and Qt must not destroy a
``QThread`` that still runs (``QThread: Destroyed while thread is still running`` aborts the
process). So the window hides at once and hands such a thread to :func:`linger`, which keeps
its Python object alive and, when the application quits (or the interpreter exits), waits for
it: the window is gone immediately, the process ends when the batch returns.
"""

from __future__ import annotations

import atexit

from PySide6.QtCore import QCoreApplication, QThread

_threads: list[QThread] = []
_hooked: list[QCoreApplication] = []


def linger(thread: QThread) -> None:
    """Keep ``thread`` (asked to stop already) alive until it ends; the process waits for it
    on quitting."""
    thread.setParent(None)               # not deleted with the window it belonged to
    _threads[:] = [t for t in _threads if not t.isFinished()]
    _threads.append(thread)
    app = QCoreApplication.instance()
    if app is not None and app not in _hooked:
        _hooked.append(app)
        app.aboutToQuit.connect(wait_for_all)


def lingering() -> list[QThread]:
    """The threads still running after their window closed."""
    return [t for t in _threads if not t.isFinished()]


def wait_for_all() -> None:
    while _threads:
        _threads.pop().wait()


atexit.register(wait_for_all)
