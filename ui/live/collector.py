"""Python's cyclic garbage collector runs on the GUI thread only.

CPython starts a collection in whichever thread allocates when a generation fills up: the
training worker, a save, a loss landscape, a learning-rate test. A collection that frees a cycle
holding Qt objects (a closed dialog, a replaced panel, a plot item) destroys them from that
thread while the GUI thread uses Qt — undefined in Qt, a segfault in practice. The monkey test
met two in ~40 runs of 1,200 actions, each in a computing thread at a Python line that
allocates and calls nothing deeper (``GUI.busy()`` between two pieces of work), the GUI thread
painting meanwhile.

So while the app's threads may run, automatic collection is off and pyqtgraph's
``GarbageCollector`` (made for this: "to ensure that garbage collection only happens in the GUI
thread, as otherwise Qt can crash") collects on a GUI-thread timer every :data:`INTERVAL`
seconds, generation by generation as the interpreter would have. Reference counting still frees
everything that is not in a cycle at once, in any thread; only cycles wait, at most
:data:`INTERVAL`.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QThread

#: seconds between two looks at the collector's generation counts (on the GUI thread)
INTERVAL = 0.25

_collector = None


def install() -> bool:
    """Collect on the GUI thread from now on (once; call it on the GUI thread, before a thread
    of the app starts). False when there is no application or this is not its thread."""
    global _collector
    if _collector is not None:
        return True
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return False
    from pyqtgraph.util.garbage_collector import GarbageCollector
    _collector = GarbageCollector(interval=INTERVAL)
    app.aboutToQuit.connect(_uninstall)
    return True


def installed() -> bool:
    return _collector is not None


def _uninstall() -> None:
    """The event loop ends: nothing collects on its timer any more, so the interpreter does."""
    global _collector
    if _collector is not None:
        _collector.timer.stop()
        _collector = None
        gc.enable()
