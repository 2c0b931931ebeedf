"""How long the GUI thread's own Python work takes while training plays (prints; not a test).

    python tests/benchmarks/bench_gui_work.py              # ~15 s
    python tests/benchmarks/bench_gui_work.py --rounds 12 --work 3000000

A click's handler, a paint, a nested loop waiting for a save: Python on the GUI thread that the
redraw pacing does not bracket. The window (offscreen) opens on a small spiral run; a fixed piece
of pure-Python work (a loop of ``--work`` additions) is timed with training paused, then
``--rounds`` times as a 0 ms timer's handler while training plays at full speed, then paused
again. With the worker sharing the interpreter lock the handler took 2.5-3x its own time; the
worker now waits while the GUI thread runs Python (:mod:`ui.live.training_worker`), so the
ratio should be close to 1. Prints each round, the median ratio to the paused time, the batches
the worker trained meanwhile and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKPROP_PLAYGROUND_SETTINGS", "bench")
ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def spin(ms: int) -> None:
    """Run the event loop for ``ms`` as the app's own loop does (sleeping between events)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def work(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--work", type=int, default=1_500_000, help="additions per handler")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    from playground import Experiment
    from conftest import small_experiment
    from ui.window.main_window import MainWindow
    d = small_experiment()
    d["training"]["epochs"] = 1_000_000
    window = MainWindow(Experiment.from_dict(d), remember=False)
    window.show()
    spin(500)
    trainer = window.worker.submit(lambda t: t).result(5)

    def timed() -> float:
        start = time.perf_counter()
        work(args.work)
        return time.perf_counter() - start

    paused = [timed() for _ in range(3)]
    window.toggle_play()
    spin(1000)
    rounds = []
    for _ in range(args.rounds):
        out = []

        def handler():
            first = trainer.iteration
            out.append((timed(), trainer.iteration - first))

        QTimer.singleShot(0, handler)
        spin(300)
        rounds.append(out[0])
    window.toggle_play()
    spin(300)
    paused += [timed() for _ in range(3)]
    alone = min(paused)
    load = open("/proc/loadavg").read().split()[:3]
    print(f"handler work alone (paused): {alone * 1e3:.1f} ms (best of {len(paused)})")
    print("while playing: " + ", ".join(f"{t * 1e3:.0f} ms ({n} batches)" for t, n in rounds))
    print(f"median ratio to alone: {statistics.median(t for t, _ in rounds) / alone:.2f}  "
          f"(range {min(t for t, _ in rounds) / alone:.2f}-{max(t for t, _ in rounds) / alone:.2f})"
          f"; load average {' '.join(load)}")
    window.files.maybe_save = lambda: True
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
