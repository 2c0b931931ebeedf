"""When the GUI thread counts as busy (ui/live/gui_first.py): a thread that computes asks
``GUI.busy()`` and leaves the interpreter lock to a GUI thread that needs it."""

from __future__ import annotations

import functools
import hashlib
import select
import sys
import threading
import time

import pytest

from ui.live import gui_first
from ui.live.gui_first import GUI

needs_proc = pytest.mark.skipif(sys.platform != "linux",
                                reason="reads /proc/self/task/<tid>/syscall (Linux)")


def _gui_thread(block):
    """A stand-in GUI thread: says its loop sleeps, then calls ``block()`` until released."""
    ready, release = threading.Event(), threading.Event()

    def run():
        GUI.sleeps()
        ready.set()
        while not release.is_set():
            block()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(5)
    return thread, release


def _looks_while_this_thread_runs_python(seconds: float = 0.5) -> float:
    """The share of True answers of ``GUI.busy()`` asked as the training worker asks: this
    thread runs Python (holding the interpreter lock, handed over every millisecond as while
    training) and looks every ``GUI_LOOK``."""
    from ui.live.training_worker import GUI_LOOK
    from ui.live.switch_interval import quick_switching
    answers = []
    with quick_switching():
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            until = time.perf_counter() + GUI_LOOK
            while time.perf_counter() < until:
                pass
            answers.append(GUI.busy())
    return sum(answers) / len(answers)


@needs_proc
def test_wanting_the_lock_from_c_code_in_the_loops_own_frame_counts_as_busy():
    # Qt's C++ (a relayout, a paint) works from the loop's own frame and asks Python objects
    # for overrides, each ask taking the interpreter lock: the monkey saw 1 s stalls so. The
    # stand-in: C work without the lock (hashing 1 MB), then the lock again, over and over.
    data = b"x" * 2**20
    thread, release = _gui_thread(functools.partial(hashlib.sha256, data))
    try:
        assert _looks_while_this_thread_runs_python() > 0.5
    finally:
        release.set()
        thread.join(5)
        GUI.forget()


@needs_proc
def test_blocked_on_another_lock_uses_no_cpu_and_is_not_busy():
    # QThread.wait and the like: blocked in a futex too, but the GUI needs nobody's lock
    lock = threading.Lock()
    lock.acquire()
    thread, release = _gui_thread(lock.acquire)
    try:
        time.sleep(0.05)
        assert _looks_while_this_thread_runs_python() < 0.05    # the first look may say yes
    finally:
        release.set()
        lock.release()
        thread.join(5)
        GUI.forget()


@needs_proc
def test_asleep_in_poll_is_not_busy():
    poller = select.poll()
    thread, release = _gui_thread(functools.partial(poller.poll, 20))  # as the loop sleeps
    try:
        time.sleep(0.05)
        assert _looks_while_this_thread_runs_python() == 0.0
    finally:
        release.set()
        thread.join(5)
        GUI.forget()


def test_no_python_frames_are_read():
    # sys._current_frames() from a computing thread crashes Python 3.11 now and then (a
    # sampling profiler's known bug); the look must not call it
    import inspect
    assert "_current_frames" not in inspect.getsource(gui_first.GuiFirst)
