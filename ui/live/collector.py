"""Python's cyclic garbage collector runs on the GUI thread only.

CPython starts a collection in whichever thread allocates when a generation fills up: the
training worker, a save, a loss landscape, a learning-rate test. A collection that frees a cycle
holding Qt objects (a closed dialog, a replaced panel, a plot item) destroys them from that
thread while the GUI thread uses Qt — undefined in Qt, a segfault in practice. The monkey test
met two in ~40 runs of 1,200 actions, each in a computing thread at a Python line that
allocates and calls nothing deeper (``GUI.busy()`` between two pieces of work), the GUI thread
painting meanwhile.

So while the app's threads may run, automatic collection is off and a GUI-thread timer collects
every :data:`INTERVAL` seconds, generation by generation as the interpreter would have (the
remedy pyqtgraph ships as ``GarbageCollector``, "to ensure that garbage collection only happens
in the GUI thread, as otherwise Qt can crash"). Reference counting still frees everything that
is not in a cycle at once, in any thread; only cycles wait. A collection of the oldest
generation walks every object of the window (~80,000: 30-55 ms here); the interpreter runs one
only when a quarter more objects have grown old since the last, which Python cannot see, so
here it runs at most every :data:`FULL_EVERY` seconds (pyqtgraph's would every ~100 looks).
"""

from __future__ import annotations

import gc

import time

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

#: seconds between two looks at the collector's generation counts (on the GUI thread)
INTERVAL = 0.25
#: the oldest generation is collected at most this often (seconds)
FULL_EVERY = 30.0


class _Collector(QObject):
    """Automatic collection off; the generations collected from a GUI-thread timer."""

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.last_full = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(int(INTERVAL * 1000))
        self.timer.timeout.connect(self.collect)
        gc.disable()
        self.timer.start()

    def collect(self) -> None:
        young, middle, old = gc.get_count()
        first, second, third = self.thresholds
        if young <= first:
            return
        if middle <= second:
            gc.collect(0)
            return
        now = time.monotonic()
        if old > third and now - self.last_full >= FULL_EVERY:
            gc.collect(2)
            self.last_full = now
        else:
            gc.collect(1)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


_collector: _Collector | None = None


def install() -> bool:
    """Collect on the GUI thread from now on (once; call it on the GUI thread, before a thread
    of the app starts). False when there is no application or this is not its thread."""
    global _collector
    if _collector is not None:
        return True
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return False
    _collector = _Collector(app)
    app.aboutToQuit.connect(shutdown)
    return True


def installed() -> bool:
    return _collector is not None


def shutdown() -> None:
    """The application is about to end (call it on the GUI thread while the application
    still exists): collect every cycle now, Qt objects among them, and give collection back
    to the interpreter. Left to the interpreter's own collection at exit, cycles holding Qt
    widgets were freed after the QApplication had gone (a segfault at exit, 1 of 20 monkey
    runs)."""
    global _collector
    if _collector is not None:
        _collector.stop()
        _collector = None
    gc.collect()
