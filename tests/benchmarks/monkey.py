"""The long GUI monkey: ``python tests/benchmarks/monkey.py --seed S --actions N`` drives a
playing window with N seeded random actions (tests/ui/monkeying.py) and prints the figures:
Python exceptions, view errors, Qt warnings, the longest GUI-thread stall, the close time (until
the window is gone, and until its worker has finished: later when one batch outlasts the second
close gives it) and the peak memory. Exit 1 when any of them is out of bounds (an exception, a
view error, a Qt warning, a stall over 1 s, a window still open 1.5 s after close, a worker still
running 2 minutes after)."""

from __future__ import annotations

import argparse
import faulthandler
import os
import resource
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

faulthandler.enable()         # a crash prints every thread's Python stack
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKPROP_PLAYGROUND_SETTINGS", "test")
ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "ui"), str(ROOT / "tests")]

import numpy as np  # noqa: E402
import shiboken6  # noqa: E402
from PySide6.QtCore import QEvent, qInstallMessageHandler, QtMsgType  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from conftest import small_experiment  # noqa: E402
from monkeying import Answers, Monkey, StallProbe, close_and_time  # noqa: E402
from ui.live import collector  # noqa: E402
from ui.live.gui_first import GUI, current_frames  # noqa: E402

IGNORED_WARNINGS = ("does not support propagateSizeHints", "does not support raise",
                    "does not support grabbing")


class Patcher:
    """monkeypatch.setattr for a script."""

    def setattr(self, owner, name, value):
        setattr(owner, name, value)


class Bot:
    """The two pytest-qt calls the monkey uses, through QTest."""

    def __init__(self):
        from PySide6.QtTest import QTest
        self.test = QTest

    def wait(self, ms):
        """Run the event loop for ``ms``, sleeping between events as the app's own loop does
        (QTest.qWait never sleeps in the loop, so the worker's look at the GUI, which
        learns the sleeping loop from ``aboutToBlock``, would never be exercised)."""
        from PySide6.QtCore import QEventLoop, QTimer
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def mouseClick(self, widget, button):
        self.test.mouseClick(widget, button)

    def keyClick(self, widget, key, modifiers=None):
        from PySide6.QtCore import Qt
        self.test.keyClick(widget, key, modifiers or Qt.KeyboardModifier.NoModifier)

    def keyClicks(self, widget, text):
        self.test.keyClicks(widget, text)


def _chain(frame, keep: list) -> list[str]:
    """``file:line function`` of ``frame`` and its callers, innermost first, read without
    I/O (no file's lines looked up); every frame passed is added to ``keep``, so none is let go
    of in this thread."""
    out = []
    while frame is not None:
        keep.append(frame)
        code = frame.f_code
        out.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return out


class StallSampler:
    """A watchdog thread: while the GUI thread has not ticked ``probe``'s timer for ``after`` seconds, it
    samples the GUI thread's Python stack every 0.1 s; the samples of the longest stall are
    kept (``where``: the innermost frames seen most often), to tell what the GUI was doing.
    Other threads' frames are read with :func:`ui.live.gui_first.current_frames` (a plain
    ``sys._current_frames()`` can crash Python 3.11 before 3.11.9); ``--native`` asks py-spy
    from outside instead."""

    def __init__(self, probe, after=0.5, depth=6, others=False, native=None):
        self.after, self.depth, self.others, self.native = after, depth, others, native
        self.dumps, self.dumped = [], False     # native stacks: (stalled for, py-spy's text)
        self.main = threading.main_thread().ident
        self.last, self.samples, self.where = time.monotonic(), [], []
        self.longest, self.cpu_last, self.cpu_share = 0.0, time.thread_time(), 0.0
        probe.timer.timeout.connect(self._tick)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _tick(self):
        now, cpu = time.monotonic(), time.thread_time()     # on the GUI thread
        gap = now - self.last
        if gap > self.longest and self.samples:
            self.longest, self.where = gap, self.samples
            self.cpu_share = (cpu - self.cpu_last) / gap
        self.last, self.samples, self.dumped, self.cpu_last = now, [], False, cpu

    def _watch(self):
        while not self.stopping.wait(0.1):
            stalled = time.monotonic() - self.last
            if self.native is not None and stalled > self.native and not self.dumped:
                self.dumped = True
                self.dumps.append((stalled, self._native_dump()))
            if stalled > self.after:
                # every frame object read here goes back to the GUI thread to be let go of
                # (GUI.release_later): dropped in this thread, a GUI frame whose function has
                # returned would free its locals, Qt objects among them, here
                frames, keep = current_frames(), []
                chains = {ident: _chain(frame, keep) for ident, frame in frames.items()}
                GUI.release_later(frames, keep)
                del frames, keep
                main = chains.get(self.main)
                if main is not None:
                    text = " <- ".join(main[:self.depth])
                    if self.others:                 # what the other threads run meanwhile
                        for ident, other in chains.items():
                            if ident not in (self.main, threading.get_ident()):
                                text += "\n      other thread: " + " <- ".join(other[:3])
                    self.samples.append(text)

    @staticmethod
    def _native_dump() -> str:
        """Every thread's native and Python stack, from py-spy (a development tool, not a
        dependency: ``pip install py-spy``)."""
        import shutil
        import subprocess
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        try:
            done = subprocess.run([spy, "dump", "--native", "--pid", str(os.getpid())],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"py-spy failed: {exc}"
        return done.stdout + done.stderr

    def stop(self):
        self.stopping.set()
        self.thread.join()

    def report(self) -> list[str]:
        from collections import Counter
        return [f"{n}× {where}" for where, n in Counter(self.where).most_common(3)]


class EventClock:
    """``--events``: times every event the GUI thread delivers (``QApplication.notify``
    overridden) and keeps those over ``over`` seconds with their nesting depth, and the span of
    the probe's longest gap, so the events that filled the longest stall can be listed:
    one long event, or many in one loop pass."""

    def __init__(self, over=0.001):
        self.over, self.depth, self.events = over, 0, []
        self.state = lambda: ""             # what the window was doing (set by main)
        self.last, self.gap = None, (0.0, 0.0)

    def tick(self):                         # connected to the stall probe's timer
        now = time.perf_counter()
        if self.last is not None and now - self.last > self.gap[1] - self.gap[0]:
            self.gap = (self.last, now)
        self.last = now

    def notify(self, deliver, receiver, event):
        kind = event.type()
        self.depth += 1
        start = time.perf_counter()
        try:
            return deliver(receiver, event)
        finally:
            took = time.perf_counter() - start
            self.depth -= 1
            if took > self.over:
                name = self._name(receiver, kind)
                if self.depth == 0:
                    name += self.state()
                self.events.append((start, took, self.depth, kind, name))
            # the event's Python wrapper must not outlive it: a later C++ object at the same
            # address (a QAction) would be handed out as this stale QEvent
            shiboken6.invalidate(event)

    @staticmethod
    def _name(receiver, kind) -> str:
        if kind == QEvent.Type.DeferredDelete or not shiboken6.isValid(receiver):
            return "(deleted)"
        name = type(receiver).__name__
        if receiver.objectName():
            name += f"[{receiver.objectName()}]"
        parent = receiver.parent() if hasattr(receiver, "parent") else None
        if parent is not None and shiboken6.isValid(parent):
            name += f" in {type(parent).__name__}"
        return name

    def report(self) -> list[str]:
        from collections import defaultdict
        start, end = self.gap
        inside = [e for e in self.events if e[0] < end and e[0] + e[1] > start]
        outer = [e for e in inside if e[2] == 0]
        lines = [f"longest gap {(end - start) * 1000:.0f} ms: {len(outer)} outermost events over "
                 f"{self.over * 1000:.0f} ms in it, together "
                 f"{sum(e[1] for e in outer) * 1000:.0f} ms; by kind and receiver:"]
        kinds = defaultdict(lambda: [0, 0.0])
        for e in outer:
            kinds[(e[3].name, e[4])][0] += 1
            kinds[(e[3].name, e[4])][1] += e[1]
        for (kind, name), (n, took) in sorted(kinds.items(), key=lambda i: -i[1][1])[:12]:
            lines.append(f"  {took * 1000:6.0f} ms in {n:3d}× {kind} -> {name}")
        lines.append("the longest ones, with what they held (nested events):")
        for e in sorted(outer, key=lambda e: -e[1])[:6]:
            lines.append(f"  +{(e[0] - start) * 1000:6.0f} ms {e[1] * 1000:6.0f} ms "
                         f"{e[3].name} -> {e[4]}")
            held = [i for i in inside if i[2] == 1 and e[0] <= i[0] < e[0] + e[1]]
            for i in sorted(held, key=lambda i: -i[1])[:4]:
                lines.append(f"      {i[1] * 1000:6.0f} ms {i[3].name} -> {i[4]}")
        return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actions", type=int, default=1200)
    parser.add_argument("--sample-after", type=float, default=0.5,
                        help="sample the GUI thread's stack once it has been stalled this long (s)")
    parser.add_argument("--depth", type=int, default=6, help="frames kept per stack sample")
    parser.add_argument("--other-threads", action="store_true",
                        help="with each sample, the innermost frames of every other thread")
    parser.add_argument("--native", type=float, default=None, metavar="SECONDS",
                        help="once a stall lasts this long, print every thread's native stack "
                             "(needs py-spy and permission to trace this process)")
    parser.add_argument("--events", action="store_true",
                        help="time every event the GUI thread delivers and list those that "
                             "filled the longest stall (slows the window a little)")
    args = parser.parse_args(argv)
    clock = EventClock() if args.events else None
    if clock is not None and QApplication.instance() is None:
        class TimedApplication(QApplication):
            def notify(self, receiver, event):
                return clock.notify(super().notify, receiver, event)
        app = TimedApplication([])
    else:
        app = QApplication.instance() or QApplication([])
    warnings, exceptions, view_errors = [], [], []
    qInstallMessageHandler(lambda kind, context, text: warnings.append(text) if (
        kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg
        and not any(i in text for i in IGNORED_WARNINGS)) else None)
    sys.excepthook = lambda *info: exceptions.append("".join(traceback.format_exception(*info)))
    from ui.widgets.view_errors import add_reporter
    add_reporter(lambda where, exc: view_errors.append(f"{where}: {exc!r}"))
    from playground import Experiment
    from ui.window.main_window import MainWindow
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["BACKPROP_PLAYGROUND_CONFIG_DIR"] = str(Path(folder) / "config")
        answers = Answers(Patcher(), rng, Path(folder))
        d = small_experiment()
        d["training"]["epochs"] = 100_000
        window = MainWindow(Experiment.from_dict(d), remember=False)
        window.show()
        bot = Bot()
        # as a user first sees it: the window laid out and painted before the clock starts
        # (the first paint is the start-up time, tests/benchmarks/bench_window.py)
        bot.test.qWaitForWindowExposed(window)
        bot.wait(300)
        monkey = Monkey(window, bot, rng)
        probe = StallProbe(lambda: monkey.log[-1] if monkey.log else "start")
        probe.start()
        if clock is not None:
            probe.timer.timeout.connect(clock.tick)
            clock.state = lambda: ((" (playing" if window.worker.playing else " (paused")
                                   + f", action {len(monkey.log)})")
        sampler = StallSampler(probe, args.sample_after, args.depth, args.other_threads,
                                args.native)
        window.toggle_play()
        try:
            monkey.run(args.actions)
        except Exception:                                  # noqa: BLE001 - reported below
            exceptions.append(traceback.format_exc())
        probe.stop()
        sampler.stop()
        saving = window.files.saving

        def slow_close():                   # what every thread does when close is slow
            print(f"close slow: a save running: {saving.running}; "
                  "every thread's stack:", flush=True)
            faulthandler.dump_traceback(file=sys.stdout, all_threads=True)
        close_seconds, worker_seconds = close_and_time(window, answers, worker_timeout=120,
                                                       slow=1.5, on_slow=slow_close)
        stopped = window.worker.isFinished()
    app.processEvents()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"seed {args.seed}: {len(monkey.log)} actions, {answers.asked} dialogs answered")
    print(f"exceptions {len(exceptions)}, view errors {len(view_errors)}, "
          f"Qt warnings {len(warnings)}")
    print(f"longest GUI stall {probe.longest_ms:.0f} ms, close {close_seconds:.2f} s "
          f"(worker stopped: {stopped}, after {worker_seconds:.2f} s), "
          f"peak memory {peak_mb:.0f} MB")
    print(f"longest stall at: {probe.longest_at}")
    if sampler.longest:
        print(f"the longest sampled stall ({sampler.longest * 1000:.0f} ms): the GUI thread "
              f"used the CPU {sampler.cpu_share:.0%} of it (the rest: waiting for a lock or "
              f"for the CPU)")
    for line in sampler.report():
        print(f"  GUI thread during the longest sampled stall: {line}")
    if clock is not None:
        for line in clock.report():
            print(f"  events: {line}")
    for stalled, text in sampler.dumps:
        print(f"  native stacks {stalled * 1000:.0f} ms into a stall:\n    "
              + text.strip().replace("\n", "\n    "))
    for text in (exceptions + view_errors + warnings)[:5]:
        print("  " + text.strip().replace("\n", "\n  "))
    if exceptions or view_errors or warnings:
        print("last actions:", *monkey.log[-8:], sep="\n  ")
    bad = (exceptions or view_errors or warnings or probe.longest_ms >= 1000 or not stopped
           or close_seconds >= 1.5)
    collector.shutdown()            # the app's cycles freed while it exists, as the app does
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
