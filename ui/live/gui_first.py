"""The GUI thread goes first: threads that compute (training, a loss landscape, a learning-rate
test) wait while the GUI thread needs the interpreter lock.

Every thread that runs Python needs the lock. A click's handler, a paint or a nested loop
waiting for a save, sharing it with a thread that trains, took 2.5-3x its own time
(``tests/benchmarks/bench_gui_work.py``). Qt's own C++ needs it too: a relayout or a paint asks
every Python-made widget whether Python overrides the virtual method it is about to call, and
each ask takes the lock; such a relayout waited up to a second behind training (the monkey
test; native stacks from py-spy).

So a computing thread asks :meth:`GuiFirst.busy` between two pieces of its work and, if so,
calls :meth:`GuiFirst.wait`: it blocks, without the lock, until the GUI's event loop is about
to sleep again (the event dispatcher's ``aboutToBlock``, :func:`install`), or the timeout
passes, so no thread waits long on a GUI that never sleeps.

*Busy* is read from the kernel and the GUI thread's CPU clock, never from Python frames
(``sys._current_frames()`` from a thread that computes is a known cause of crashes on Python
3.11, e.g. in profilers sampling other threads; this module called it ~500 times a second).
The asking thread holds the lock (and keeps it while it looks), so a GUI thread that wants it
is blocked in the ``futex`` call (``/proc/self/task/<tid>/syscall``, Linux, ~1 µs a read);
asleep in its loop it is in ``poll``, drawing in C++ it is running, and training goes on
beside it. And it has been using the CPU: a GUI thread blocked on something else
(``QThread.wait``, a test's wait) uses none and needs no one's lock. Where there is no
``/proc`` the CPU clock alone decides.

A look costs ~1-2 µs: a thread with pieces of a few microseconds looks only every few
milliseconds (the training worker does, :mod:`ui.live.training_worker`).
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
import threading
import time

from PySide6.QtCore import QAbstractEventDispatcher, QObject, QThread


#: the longest a computing thread waits for the GUI at a time (seconds): a GUI that is busy for
#: long (or never sleeps) must not stop the work for long
LONGEST_WAIT = 0.05
#: a GUI thread blocked in the futex call wants the interpreter lock if it also used the CPU
#: this share of the time since the last look: a GUI thread waiting for the lock gets it at
#: every switch (1 ms while training, :mod:`ui.live.switch_interval`) and works a little;
#: blocked on another lock (``QThread.wait``) it uses none
RUNNING_SHARE = 0.02
#: looks closer together than this reuse the last CPU answer (seconds): long enough to span a
#: few switches of the lock
MIN_WINDOW = 0.005
#: a GUI thread seen running may be on its way back to the lock (handed over a moment ago):
#: it is looked at again this many times, this long apart (seconds)
RUNNING_REREADS = 2
REREAD_AFTER = 0.00002
#: a look longer than this after the last one cannot tell what the GUI does now (its CPU time
#: covers mostly the past): it counts the GUI as running, and the next look tells (seconds)
MAX_WINDOW = 0.1


#: the futex system call's number per machine (Linux): a thread blocked in it waits for a lock
FUTEX = {"x86_64": 202, "amd64": 202, "aarch64": 98, "arm64": 98, "riscv64": 98}


def _pread_holding_the_lock():
    """libc's pread called with the interpreter lock held (ctypes.PyDLL), or None."""
    try:
        function = ctypes.PyDLL(None).pread
    except (AttributeError, OSError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_long)
    function.restype = ctypes.c_ssize_t
    return function


_read_held = _pread_holding_the_lock()


def _syscall_file(native_id: int) -> int | None:
    """An open descriptor of the thread's ``/proc/.../syscall`` (None where there is none)."""
    if sys.platform != "linux" or platform.machine().lower() not in FUTEX or _read_held is None:
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
    """Whether the GUI thread wants the interpreter lock, and a way to wait until its event
    loop sleeps again."""

    def __init__(self):
        self._thread: int | None = None     # the GUI thread's ident
        self._known = False                 # its event loop has been seen going to sleep
        self._asleep = threading.Event()    # set each time the loop goes to sleep
        self._asleep.set()
        self._clock = None                  # the GUI thread's CPU-time clock
        self._seen = (0.0, 0.0)             # (wall, CPU) time at the last look
        self._running = True
        self._syscall = None                # the GUI thread's /proc syscall file (a descriptor)
        self._futex = b"%d " % FUTEX.get(platform.machine().lower(), -1)
        self._buffer = ctypes.create_string_buffer(32)

    def sleeps(self, frame=None) -> None:
        """On the GUI thread: its event loop is about to sleep (``frame``: where; unused)."""
        ident = threading.get_ident()
        if ident != self._thread:
            self._thread, self._clock = ident, _cpu_clock(ident)
            if self._syscall is not None:
                os.close(self._syscall)
            self._syscall = _syscall_file(threading.get_native_id())
        self._known = True
        self._asleep.set()

    def forget(self) -> None:
        """No loop is known any more (nothing waits for it): every thread runs freely."""
        self._known = False
        self._asleep.set()

    def busy(self) -> bool:
        """The GUI thread wants the interpreter lock (a handler, a paint, Qt's C++ asking for
        Python overrides); never on the GUI thread itself (it cannot wait for itself)."""
        if not self._known or threading.get_ident() == self._thread:
            return False
        return self._wants_lock() and self._using_cpu()

    def _wants_lock(self) -> bool:
        """Blocked in the futex call, says the kernel (True where it cannot be asked). Read
        without letting go of the lock (``os.pread`` would: the GUI thread could take it
        meanwhile and be seen running, which a GUI thread drawing in C++ is too)."""
        fd = self._syscall
        if fd is None:
            return True
        for _ in range(RUNNING_REREADS + 1):
            if _read_held(fd, self._buffer, 24, 0) <= 0:    # the thread is gone
                return False
            state = self._buffer.raw
            if state.startswith(self._futex):
                return True
            if not state.startswith(b"running"):
                return False                # asleep (poll), or in another call
            # running: drawing in C++, or on its way back to the lock, just handed over
            # (then blocked within microseconds): look again after a moment
            until = time.perf_counter() + REREAD_AFTER
            while time.perf_counter() < until:
                pass
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
    """Tells :data:`GUI` each time the event loop of this (the GUI) thread goes to sleep."""

    def sleeps(self) -> None:
        GUI.sleeps()


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
