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


#: a script that looks at other threads' frames while they push and pop deep stacks, with
#: garbage whose finalizer lets go of the interpreter lock; ``{look}`` is the call under test
_FRAMES_STRESS = r'''
import gc, sys, threading, time
sys.path.insert(0, {root!r})
from ui.live.gui_first import current_frames
stop = False
class Junk:
    def __init__(self):
        self.me = self                        # a cycle: only the collector frees it
    def __del__(self):
        time.sleep(0)                         # lets go of the interpreter lock
def deep(n):
    return deep(n - 1) + 1 if n else 0
def runner():
    i = 0
    while not stop:
        i += 1
        deep(i % 900)
sys.setrecursionlimit(5000)
sys.setswitchinterval(1e-6)
gc.set_threshold(5, 5, 5)
threads = [threading.Thread(target=runner) for _ in range(2)]
for t in threads:
    t.start()
looks, deadline = 0, time.monotonic() + {seconds}
while time.monotonic() < deadline:
    for _ in range(20):
        Junk()
    frames = {look}
    for frame in frames.values():
        frame.f_code
    del frames
    looks += 1
stop = True
for t in threads:
    t.join()
print("looks", looks)
'''


def _stress(look: str, seconds: float):
    import subprocess
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[2])
    script = _FRAMES_STRESS.format(root=root, look=look, seconds=seconds)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120,
                          env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})


def test_looking_at_other_threads_frames_survives_a_collection_that_lets_go_of_the_lock():
    # On 3.11.7 the plain sys._current_frames() segfaults in this script within a second (9 of
    # 9 runs): the collection started by the frame objects it makes runs a
    # finalizer that lets go of the lock, and the thread whose frame is half wrapped frees it.
    # GUI.busy() looks this way between every few pieces of training.
    done = _stress("current_frames()", seconds=3)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert int(done.stdout.split()[-1]) > 100           # it did look, many times


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the crash is CPython 3.11's")
def test_the_stress_script_does_crash_the_plain_call_here():
    # the script above tests the guard only where the plain call crashes in it (3.11.7: always)
    done = _stress("sys._current_frames()", seconds=10)
    if done.returncode == 0:
        pytest.skip(f"the plain call survives on {sys.version.split()[0]}")
    assert done.returncode < 0 or done.returncode == 139, done.returncode


def test_a_gui_frame_looked_at_is_let_go_of_on_the_gui_thread():
    # GUI.busy() reads the GUI thread's frame. If that frame's function returns meanwhile,
    # the frame object owns its locals, and whoever drops it last frees them: a training or
    # landscape thread so destroyed Qt objects from itself (a segfault in ~QObject, seen in a
    # core dump of the monkey test). Here the GUI's handler returns while busy() still looks.
    import queue
    gui_first_ = gui_first.GuiFirst()
    freed_on: list[str] = []
    freed = threading.Event()

    class Canary:
        def __del__(self):
            freed_on.append(threading.current_thread().name)
            freed.set()

    commands: queue.Queue = queue.Queue()
    in_handler, leave, returned = threading.Event(), threading.Event(), threading.Event()

    def handler():
        canary = Canary()                   # a local, as a handler's widgets are  # noqa: F841
        in_handler.set()
        leave.wait(5)

    def loop():
        gui_first_.sleeps(sys._getframe())
        while True:
            command = commands.get()
            if command == "handle":
                handler()
                returned.set()
            elif command == "sleep":
                gui_first_.sleeps(sys._getframe())
            else:
                return

    gui = threading.Thread(target=loop, name="gui")
    gui.start()
    try:
        commands.put("handle")
        assert in_handler.wait(5)

        def using_cpu():                    # the look goes on while the handler returns
            leave.set()
            assert returned.wait(5)
            return True
        gui_first_._using_cpu = using_cpu
        assert gui_first_.busy()            # the GUI ran another frame than its loop's
        assert freed_on == []               # not here: kept for the GUI thread
        commands.put("sleep")               # the GUI's loop sleeps again: it lets go
        assert freed.wait(5)
        assert freed_on == ["gui"]
    finally:
        leave.set()
        commands.put("stop")
        gui.join(5)
