"""When the GUI thread counts as busy (ui/live/gui_first.py): a thread that computes asks
``GUI.busy()`` and leaves the interpreter lock to a GUI thread that needs it."""

from __future__ import annotations

import functools
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
    """A stand-in GUI thread: says its loop sleeps in its own frame, then, in that frame,
    calls the C function ``block()`` (no Python frame of its own) until released."""
    ready, release = threading.Event(), threading.Event()

    def run():
        GUI.sleeps(sys._getframe())
        ready.set()
        while not release.is_set():
            block()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(5)
    return thread, release


@needs_proc
def test_blocked_on_a_lock_in_the_loops_own_frame_counts_as_busy():
    # Qt's C++ (a relayout, a paint) asks Python objects for overrides from the loop's own
    # frame; each ask waits for the interpreter lock: the monkey saw 1 s stalls so
    lock = threading.Lock()
    lock.acquire()
    thread, release = _gui_thread(lock.acquire)     # a futex wait, as for the lock
    try:
        time.sleep(0.05)
        assert GUI.busy() is True
    finally:
        release.set()
        lock.release()
        thread.join(5)
        GUI.forget()


@needs_proc
def test_asleep_in_poll_in_the_loops_own_frame_is_not_busy():
    poller = select.poll()
    thread, release = _gui_thread(functools.partial(poller.poll, 20))  # as the loop sleeps
    try:
        time.sleep(0.05)
        answers = []
        for _ in range(20):
            time.sleep(0.005)
            answers.append(GUI.busy())
        assert not any(answers)
    finally:
        release.set()
        thread.join(5)
        GUI.forget()
