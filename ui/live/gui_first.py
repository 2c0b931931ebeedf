"""The GUI thread goes first: threads that compute (training, a loss landscape, a learning-rate
test) wait while the GUI thread runs Python.

Every thread that runs Python needs the interpreter lock. A click's handler, a paint or a nested
loop waiting for a save, sharing the lock with a thread that trains, took 2.5-3x its own time
(``tests/benchmarks/bench_gui_work.py``). So each time the GUI's event loop is about to sleep,
the event dispatcher's ``aboutToBlock`` tells :data:`GUI` the Python frame the loop sleeps in
(:func:`install`); a computing thread asks :meth:`GuiFirst.busy` — is the GUI thread's current
frame another one, and has that thread been using the CPU? — between two pieces of its work
and, if so, calls :meth:`GuiFirst.wait`: it blocks, without the lock, until the loop sleeps
again (or the timeout passes, so no thread waits long on a GUI that never sleeps). The CPU
part tells a GUI thread that runs Python from one blocked outside its loop (``QThread.wait``,
a test's ``qWait``): that one needs no lock, and the others run on.

The GUI thread also needs the lock while its current frame *is* the loop's: Qt's own C++ (a
layout, a paint) asks every Python object it touches whether Python overrides the virtual
method it is about to call, and each ask takes the lock. A relayout of the plots so waited up
to a second behind a training thread (the monkey test, native stacks from py-spy), unseen by
the frame test. So in the loop's frame the GUI counts as busy when the kernel says the thread
is blocked in the ``futex`` call (the interpreter lock, or Qt waiting for its own helper
threads), read from ``/proc/self/task/<tid>/syscall`` (Linux; 0.7 µs a read); asleep in
``poll``, or running C++ without the lock, it is not, and training runs beside it.

A look costs ~2 µs (``sys._current_frames()``): a thread with pieces of a few microseconds looks
only every few milliseconds (the training worker does, :mod:`ui.live.training_worker`).

On Python 3.11, ``sys._current_frames()`` itself can crash the process: the frame objects it
makes may start a garbage collection, a finalizer in it may let go of the lock, and the thread
whose frame is half wrapped runs on and frees it (``tests/ui/test_gui_first.py`` reproduces the
segfault in under a second on 3.11.7). :func:`current_frames` keeps the collector off during the
call, as CPython's own patch for the deadlock of the same cause does (gh-106883); from 3.12 a
collection starts only between bytecodes, never inside an allocation.

And a looking thread never lets go of a GUI frame itself (:meth:`GuiFirst.release_later`): a
frame object held while its function returns owns that function's locals, and dropping it last
in a computing thread destroyed the GUI's Qt objects there (the monkey test's segfaults, three
in ~60 runs, each right after ``GUI.busy()``; a core dump showed ``frame_dealloc`` →
``QObject::~QObject`` in a loss-landscape thread).
"""

from __future__ import annotations

import gc
import os
import platform
import sys
import threading
import time

from PySide6.QtCore import QAbstractEventDispatcher, QObject, QThread


#: the longest a computing thread waits for the GUI at a time (seconds): a GUI that is busy for
#: long (or never sleeps) must not stop the work for long
LONGEST_WAIT = 0.05
#: the GUI thread counts as running when it used the CPU this share of the time since the last
#: look: running Python ~100 %, but waiting for the lock it uses none, and sharing it with a
#: training thread it was seen at 12 %; blocked outside its loop, ~0 %
RUNNING_SHARE = 0.02
#: looks closer together than this reuse the last answer (seconds)
MIN_WINDOW = 0.0005
#: a look longer than this after the last one cannot tell what the GUI does now (its CPU time
#: covers mostly the past): it counts the GUI as running, and the next look tells (seconds)
MAX_WINDOW = 0.1


#: the futex system call's number per machine (Linux): a thread blocked in it waits for a lock
FUTEX = {"x86_64": 202, "amd64": 202, "aarch64": 98, "arm64": 98, "riscv64": 98}


_frames_lock = threading.Lock()


def current_frames() -> dict:
    """``sys._current_frames()`` with the garbage collector held off during the call (on 3.11 a
    collection inside it can free the frame it wraps; see above). The lock keeps two looking
    threads from turning the collector back on under each other."""
    if sys.version_info >= (3, 12):         # no collection while allocating any more
        return sys._current_frames()
    with _frames_lock:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return sys._current_frames()
        finally:
            if enabled:
                gc.enable()


def _syscall_file(native_id: int) -> int | None:
    """An open descriptor of the thread's ``/proc/.../syscall`` (None where there is none)."""
    if sys.platform != "linux" or platform.machine().lower() not in FUTEX:
        return None
    try:
        return os.open(f"/proc/self/task/{native_id}/syscall", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _cpu_clock(ident: int):
    """The CPU-time clock of thread ``ident``; None where the platform has none."""
    try:
        return time.pthread_getcpuclockid(ident)
    except (AttributeError, OSError):
        return None


class GuiFirst:
    """Where the GUI thread's event loop sleeps, and a way to wait until it does."""

    def __init__(self):
        self._thread: int | None = None     # the GUI thread's ident
        self._idle_frame = None             # the frame its event loop sleeps in
        self._asleep = threading.Event()    # set each time the loop goes to sleep
        self._asleep.set()
        self._clock = None                  # the GUI thread's CPU-time clock
        self._seen = (0.0, 0.0)             # (wall, CPU) time at the last look
        self._running = True
        self._syscall = None                # the GUI thread's /proc syscall file (a descriptor)
        self._futex = b"%d " % FUTEX.get(platform.machine().lower(), -1)
        #: frame objects looked at from other threads, let go of on the GUI thread
        self._graveyard: list = []

    def sleeps(self, frame) -> None:
        """On the GUI thread: its event loop is about to sleep inside ``frame``."""
        ident = threading.get_ident()
        if ident != self._thread:
            self._thread, self._clock = ident, _cpu_clock(ident)
            if self._syscall is not None:
                os.close(self._syscall)
            self._syscall = _syscall_file(threading.get_native_id())
        self._idle_frame = frame
        self._graveyard.clear()             # in place: a looking thread may be appending
        self._asleep.set()

    def forget(self) -> None:
        """No loop is known any more (nothing waits for it): every thread runs freely."""
        self._idle_frame = None
        self._graveyard.clear()
        self._asleep.set()

    def release_later(self, *objects) -> None:
        """Keep ``objects`` (frame objects of other threads, or what holds them) until the GUI
        thread lets go of them, the next time its loop sleeps. A frame object outlives its
        function when another thread holds it as that function returns: it then owns the
        function's locals, and the thread that drops it last frees them. A computing thread
        dropping a GUI frame so destroyed the Qt objects among its locals from that thread,
        while the GUI thread used Qt: a segfault in ``QObject::~QObject`` (core dump of a
        monkey run: ``frame_dealloc`` in a loss-landscape thread, leaving ``GUI.busy()``)."""
        self._graveyard.append(objects)

    def busy(self) -> bool:
        """The GUI thread runs Python outside its sleeping event loop (a handler, a paint), or
        inside the loop's own frame it is blocked on a lock (Qt's C++ asking for Python
        overrides); never on the GUI thread itself (it cannot wait for itself)."""
        idle = self._idle_frame
        if idle is None or threading.get_ident() == self._thread:
            return False
        frames = current_frames()
        frame = frames.get(self._thread)
        where = None if frame is None else frame is idle
        # never the last to let go of a GUI frame here (see release_later)
        self.release_later(frames, idle)
        del frames, frame, idle
        if where is None:
            return False
        if where:
            return self._blocked()
        return self._using_cpu()

    def _blocked(self) -> bool:
        """The GUI thread waits in the futex call (for a lock), says the kernel."""
        fd = self._syscall
        if fd is None:
            return False
        try:
            return os.pread(fd, 24, 0).startswith(self._futex)
        except OSError:                     # the thread is gone
            return False

    def _using_cpu(self) -> bool:
        """The GUI thread used the CPU ``RUNNING_SHARE`` of the time since the last look."""
        clock = self._clock
        if clock is None:
            return True
        try:
            wall, cpu = time.perf_counter(), time.clock_gettime(clock)
        except OSError:                     # the thread is gone
            return False
        seen_wall, seen_cpu = self._seen
        window = wall - seen_wall
        if window >= MIN_WINDOW:
            self._seen = (wall, cpu)
            self._running = window > MAX_WINDOW or cpu - seen_cpu >= RUNNING_SHARE * window
        return self._running

    def wait(self, timeout: float) -> None:
        """Block (without the interpreter lock) until the GUI's loop sleeps again, at most
        ``timeout`` seconds; at once if it is not busy."""
        if timeout <= 0:
            return
        self._asleep.clear()
        if self.busy():                     # looked again after clear: no lost wake-up
            self._asleep.wait(timeout)


#: the application's GUI thread
GUI = GuiFirst()


class _Hook(QObject):
    """Tells :data:`GUI` where the event loop of this (the GUI) thread sleeps."""

    def sleeps(self) -> None:
        try:
            frame = sys._getframe(1)       # the caller of exec(): the loop's own frame
        except ValueError:                  # the loop was started from outside Python
            frame = None
        if frame is None:
            GUI.forget()
        else:
            GUI.sleeps(frame)


_hook: _Hook | None = None


def install() -> None:
    """Connect the GUI thread's event dispatcher to :data:`GUI` (once; call on that thread)."""
    global _hook
    if _hook is not None:
        return
    dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread())
    if dispatcher is None:                  # no event loop on this thread yet
        return
    _hook = _Hook()
    dispatcher.aboutToBlock.connect(_hook.sleeps)
