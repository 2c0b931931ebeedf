"""Does the window train at engine speed? (issue #5, part 3 — prints; not a test)

    python tests/benchmarks/bench_window.py                   # ~4 min: 3 rounds, 60 s memory
    python tests/benchmarks/bench_window.py --minutes 30      # the full memory check
    python tests/benchmarks/bench_window.py --rounds 1 --seconds 5 --minutes 0.5   # quick look
    python tests/benchmarks/bench_window.py --profile         # + where the GUI thread's time goes

Offscreen (``QT_QPA_PLATFORM=offscreen``: Qt paints into memory exactly as on screen, minus
the compositor). Two runs:

``default``  the experiment the app opens (``playground.presets.default_experiment()``);
``784-256-128-10``  a digits-sized run with MNIST-sized inputs: 1797 synthetic samples of 784
             features, 10 classes, 20 % validation, ReLU, batch 128, SGD — an ``npz`` experiment,
             so the window can rebuild it like any other.

For each run and round it measures, in an order that alternates from round to round,

1. **plain training**: epochs/s of a ``train_epoch()`` loop (no Snapshot at all) — what the
   window is held against (goal: window ≥ 0.9× on the default run, ≥ 0.95× on the 784 one);
   and of a ``Trainer.step_epoch()`` loop (an epoch plus its Snapshot), for reference;
2. **window** epochs/s: the real :class:`~ui.window.main_window.MainWindow`, every plot dock visible
   (the tabbed bottom docks are split side by side), playing at full speed (``--statistics-every
   N``: Training ▸ Detailed Statistics set to every N epochs on the 784 run);
3. the **GUI stall probe** right after (2), still playing: a 5 ms ``QTimer`` records the gaps
   between its ticks — max and 99th percentile (a gap of 5 ms is no stall; 50 ms is the
   limit). Its 200 wake-ups a second take the interpreter lock from the worker each time, so
   the speed while it runs is printed apart ("with the stall probe running");
4. the worker's share of time spent taking Snapshots, and snapshots per second.

Then **memory**: the default run plays for ``--minutes`` while VmRSS is sampled every 2 s; the
slope is a least-squares fit over the samples after the first 20 % (warm-up).
And **start-up**: a fresh ``python`` process imports the app, builds the window on the default
experiment and shows it; the time from process start (``/proc/self/stat``) to the window's first
Paint event, median of 5.

Then **run sets** (issue #14, :mod:`bench_runsets`): 4 runs trained in turn against one alone
(samples/s summed), headless and in the window, and a timeline's memory after 10,000 epochs.

Ratios are taken per round (window and plain training measured back to back) and reported as
the median, the best round and the range; the load average is printed for every round. The
machine has 2 cores and other jobs may run: read the range and the load before a ratio. The
end of the output is a Markdown block to paste into PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BACKPROP_PLAYGROUND_SETTINGS", "bench")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from playground import Experiment, Trainer  # noqa: E402
from playground.presets import default_experiment  # noqa: E402

PROBE_MS = 5
BIG_SIZES = (784, 256, 128, 10)


# -- the two runs ------------------------------------------------------------------------------
def big_experiment(folder: Path) -> Experiment:
    """784-256-128-10 ReLU, batch 128, SGD, on 1797 synthetic 784-feature samples (npz)."""
    rng = np.random.default_rng(0)
    n, k = 1797, BIG_SIZES[-1]
    y = rng.integers(0, k, n)
    centres = rng.standard_normal((k, BIG_SIZES[0])).astype(np.float32)
    X = (centres[y] + 2.0 * rng.standard_normal((n, BIG_SIZES[0]))).astype(np.float32)
    path = folder / "digits784.npz"
    np.savez(path, X=X, y=y)
    layers = [{"units": u, "activation": "relu", "init": "he_uniform"} for u in BIG_SIZES[1:-1]]
    layers.append({"units": k, "activation": "softmax"})
    return Experiment.from_dict({
        "seed": 0,
        "data": {"source": "npz", "path": str(path), "validation_split": 0.2},
        "network": {"layers": layers, "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.01}, "batch_size": 128,
                     "epochs": 10_000_000}})


def endless(experiment: Experiment) -> Experiment:
    return experiment.replace("training.epochs", 10_000_000)


# -- headless ----------------------------------------------------------------------------------
def headless_rate(experiment: Experiment, seconds: float, snapshots: bool) -> float:
    trainer = Trainer(experiment)
    step = trainer.step_epoch if snapshots else trainer.train_epoch
    step()                                               # warm-up: buffers, BLAS threads
    epochs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or epochs < 3:
        step()
        epochs += 1
    return epochs / (time.perf_counter() - start)


def snapshot_cost(experiment: Experiment, count: int = 20) -> float:
    """Median seconds of one full Snapshot (what the worker pays per report)."""
    trainer = Trainer(experiment)
    trainer.train_epoch()
    times = []
    for _ in range(count):
        trainer.train_batch()
        start = time.perf_counter()
        trainer.snapshot(history_from=len(trainer.history))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- the window --------------------------------------------------------------------------------
def app():
    from PySide6.QtWidgets import QApplication

    from ui.widgets.theme import apply_theme
    application = QApplication.instance()
    if application is None:
        application = QApplication([sys.argv[0]])
        apply_theme(application)
    return application


def run_loop(seconds: float, condition=None) -> None:
    """Process events for ``seconds`` (or until ``condition()``, checked every 20 ms). Without
    a condition nothing of the benchmark's wakes the GUI thread meanwhile: each wake-up takes
    the interpreter lock from the worker."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    end = QTimer()
    end.setSingleShot(True)
    end.setInterval(max(0, int(1000 * seconds)))
    end.timeout.connect(loop.quit)
    end.start()
    check = QTimer()
    if condition is not None:
        check.setInterval(20)
        check.timeout.connect(lambda: condition() and loop.quit())
        check.start()
    loop.exec()
    end.stop()
    check.stop()


def all_plots_visible(window) -> None:
    """Take the error-signal and weight docks out of their tabs and put them beside the
    stepper, so every plot and the diagram are on screen at once."""
    from PySide6.QtCore import Qt
    for dock in (window.docks["error"], window.docks["weights"]):
        window.removeDockWidget(dock)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock,
                             Qt.Orientation.Horizontal)
        dock.show()
    run_loop(0.2)


def open_window(experiment: Experiment):
    from ui.window.main_window import MainWindow
    app()
    window = MainWindow(experiment, remember=False)
    window.show()
    all_plots_visible(window)
    run_loop(1.0, lambda: window.latest_snapshot is not None)
    return window


def close_window(window) -> None:
    window.model.undo_stack.setClean()
    window.close()
    window.deleteLater()
    run_loop(0.2)


class StallProbe:
    """A 5 ms timer on the GUI thread; ``gaps`` are the times between its ticks (ms)."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer
        self.gaps: list[float] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(1000 * (now - self._last))
        self._last = now

    def start(self) -> None:
        self._last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


class SnapshotMeter:
    """Counts the worker's snapshots and the time it spends taking them (bench-only patch)."""

    def __init__(self, worker):
        self.count, self.seconds = 0, 0.0
        original = worker._emit_snapshot

        def timed(*args, **kwargs):
            start = time.perf_counter()
            original(*args, **kwargs)
            self.seconds += time.perf_counter() - start
            self.count += 1

        worker._emit_snapshot = timed

    def reset(self) -> None:
        self.count, self.seconds = 0, 0.0


def trainer_epoch(window) -> int:
    return window.worker.submit(lambda t: t.epoch).result(10)


def window_rate(experiment: Experiment, seconds: float, profile: bool = False,
                statistics_every: int = 1) -> dict:
    window = open_window(experiment)
    if statistics_every != 1:
        window.worker.set_detail_every(statistics_every)
    meter = SnapshotMeter(window.worker)
    probe = StallProbe()
    try:
        window.worker.play()
        run_loop(1.5)                                      # warm-up at full speed
        profiler = cProfile.Profile(time.thread_time) if profile else None
        # the speed: nothing but the window on the GUI thread
        meter.reset()
        first, start = trainer_epoch(window), time.perf_counter()
        if profiler:
            profiler.enable()
        run_loop(seconds)
        if profiler:
            profiler.disable()
        last, elapsed = trainer_epoch(window), time.perf_counter() - start
        snap_share, snap_rate = meter.seconds / elapsed, meter.count / elapsed
        # the stalls, still playing: the probe's 200 wake-ups a second cost the worker
        # several per cent themselves, so the speed meanwhile is reported apart
        probe.start()
        probe_first, probe_start = trainer_epoch(window), time.perf_counter()
        run_loop(max(2.0, seconds / 2))
        probe_last, probe_elapsed = trainer_epoch(window), time.perf_counter() - probe_start
        probe.stop()
        window.worker.pause()
        run_loop(2.0, lambda: not window.worker.playing)
        gaps = np.asarray(probe.gaps)
        result = {"rate": (last - first) / elapsed, "max_gap": float(gaps.max()),
                  "probed_rate": (probe_last - probe_first) / probe_elapsed,
                  "p99_gap": float(np.percentile(gaps, 99)),
                  "snap_share": snap_share, "snap_rate": snap_rate}
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
            result["profile"] = out.getvalue()
        return result
    finally:
        close_window(window)


# -- memory ------------------------------------------------------------------------------------
def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_run(experiment: Experiment, minutes: float, every: float = 2.0) -> dict:
    window = open_window(experiment)
    try:
        window.worker.play()
        start = time.perf_counter()
        times, rss = [], []
        while time.perf_counter() - start < 60 * minutes:
            run_loop(every)
            times.append((time.perf_counter() - start) / 60)
            rss.append(rss_mb())
        epochs = trainer_epoch(window)
        window.worker.pause()
        t, r = np.asarray(times), np.asarray(rss)
        keep = t >= 0.2 * t[-1]
        slope = float(np.polyfit(t[keep], r[keep], 1)[0]) if keep.sum() >= 2 else float("nan")
        per_minute = [r[np.searchsorted(t, m)] for m in np.arange(0, t[-1], 1.0)] + [r[-1]]
        return {"start": rss[0], "end": rss[-1], "peak": max(rss), "slope": slope,
                "minutes": t[-1], "epochs": epochs, "per_minute": per_minute}
    finally:
        close_window(window)


# -- start-up ----------------------------------------------------------------------------------
STARTUP_CHILD = r"""
import os, sys, time
def since_start():
    with open('/proc/self/stat') as f:
        start_ticks = int(f.read().rsplit(')', 1)[1].split()[19])
    with open('/proc/uptime') as f:
        uptime = float(f.read().split()[0])
    return uptime - start_ticks / os.sysconf('SC_CLK_TCK')
os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
t0 = time.perf_counter(); at_python = since_start()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from ui.window.main_window import MainWindow
from ui.widgets.theme import apply_theme
t_import = time.perf_counter()
app = QApplication([sys.argv[0]]); apply_theme(app)
window = MainWindow(remember=False)
t_built = time.perf_counter()
class FirstPaint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            t = time.perf_counter()
            print(f"{at_python + t - t0:.3f} {t_import - t0:.3f} {t_built - t_import:.3f} "
                  f"{t - t_built:.3f}", flush=True)
            QTimer.singleShot(0, lambda: (window.model.undo_stack.setClean(), window.close(),
                                          app.quit()))
        return False
probe = FirstPaint()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def entry_point_times(runs: int = 5) -> list[float]:
    """Wall seconds from spawning ``python -m ui`` (the real entry point, in an empty home
    folder) to its first painted window, measured as packaging/measure_startup.py does."""
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from measure_startup import one_run
    finally:
        sys.path.pop(0)
    return [one_run([sys.executable, "-m", "ui"], timeout=60.0)[0] for _ in range(runs)]


def startup_times(runs: int = 5) -> list[tuple[float, ...]]:
    out = []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               BACKPROP_PLAYGROUND_SETTINGS="bench-startup")
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", STARTUP_CHILD], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        line = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not line:
            raise RuntimeError(f"start-up child failed:\n{proc.stderr}")
        out.append(tuple(float(x) for x in line[-1].split()))
    return out


# -- report ------------------------------------------------------------------------------------
def spread(values, fmt="{:.0f}") -> str:
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratio_summary(values, md: bool = False) -> str:
    """Median, best round and range of per-round ratios."""
    med, best, low = statistics.median(values), max(values), min(values)
    if len(values) == 1:
        return f"{med:.2f}"
    text = f"{med:.2f} (best {best:.2f}; {low:.2f}–{best:.2f})"
    return f"**{med:.2f}** (best {best:.2f}; {low:.2f}–{best:.2f})" if md else text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3,
                        help="measurements per run (median); 0 skips the speed part")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one measurement")
    parser.add_argument("--minutes", type=float, default=1.0, help="memory run length")
    parser.add_argument("--only", choices=("default", "big"), help="one of the two runs")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the GUI thread during one window measurement per run")
    parser.add_argument("--statistics-every", type=int, default=1, metavar="N",
                        help="the 784 run's window takes detailed statistics every N epochs "
                             "(Training ▸ Detailed Statistics); default 1")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=("memory", "startup", "runsets"),
                        help="parts to leave out")
    args = parser.parse_args(argv)

    markdown_startup = ""
    folder = Path(tempfile.mkdtemp(prefix="bench_window_"))
    runs = [("default", endless(default_experiment())),
            ("784-256-128-10", big_experiment(folder))]
    if args.only:
        runs = runs[:1] if args.only == "default" else runs[1:]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"{args.rounds} round(s) of {args.seconds:g} s; offscreen Qt")
    results = {}
    markdown: list[str] = []
    for name, experiment in (runs if args.rounds > 0 else []):   # --rounds 0: memory only
        every = args.statistics_every if name != "default" else 1
        rows = {"headless": [], "bare": [], "window": [], "load": []}

        def measure(part: str, r: int) -> None:
            if part == "bare":
                rows["bare"].append(headless_rate(experiment, args.seconds, snapshots=False))
            elif part == "headless":
                rows["headless"].append(headless_rate(experiment, args.seconds, snapshots=True))
            else:
                rows["window"].append(window_rate(experiment, args.seconds,
                                                  profile=args.profile and r == 0,
                                                  statistics_every=every))

        for r in range(args.rounds):
            rows["load"].append(os.getloadavg()[0])
            order = ("bare", "window", "headless") if r % 2 == 0 else \
                ("headless", "window", "bare")
            for part in order:
                measure(part, r)
            w = rows["window"][-1]
            print(f"  [{name} round {r + 1}: load {rows['load'][-1]:.2f}; plain "
                  f"{rows['bare'][-1]:.1f}, step_epoch {rows['headless'][-1]:.1f}, window "
                  f"{w['rate']:.1f} epochs/s ({w['rate'] / rows['bare'][-1]:.2f}× plain), "
                  f"stall max {w['max_gap']:.0f} ms]", flush=True)
        results[name] = rows
        cost = snapshot_cost(experiment)
        w = rows["window"]
        vs_bare = [x["rate"] / b for x, b in zip(w, rows["bare"])]
        vs_step = [x["rate"] / h for x, h in zip(w, rows["headless"])]
        label = name + (f", statistics every {every} epochs" if every != 1 else "")
        print(f"\n== {label}  (one Snapshot takes {1000 * cost:.1f} ms here; load average "
              f"{spread(rows['load'], '{:.2f}')})")
        print(f"  plain train_epoch()    epochs/s  {spread(rows['bare'], '{:.1f}')}  "
              f"(no Snapshots)")
        print(f"  headless step_epoch()  epochs/s  {spread(rows['headless'], '{:.1f}')}")
        print(f"  window, all plots      epochs/s  {spread([x['rate'] for x in w], '{:.1f}')}")
        print(f"  window / plain training          {ratio_summary(vs_bare)}")
        print(f"  window / step_epoch()            {ratio_summary(vs_step)}")
        print(f"  with the stall probe running     "
              f"{ratio_summary([x['probed_rate'] / b for x, b in zip(w, rows['bare'])])}"
              f"  (window / plain)")
        print(f"  GUI stall max / p99 (ms)         {spread([x['max_gap'] for x in w], '{:.1f}')}"
              f" / {spread([x['p99_gap'] for x in w], '{:.1f}')}")
        print(f"  worker: snapshots/s, time share  {spread([x['snap_rate'] for x in w], '{:.1f}')}"
              f", {spread([100 * x['snap_share'] for x in w], '{:.1f}')} %")
        markdown.append(
            f"| {label} | {spread(rows['bare'], '{:.0f}')} | "
            f"{spread(rows['headless'], '{:.0f}')} | {spread([x['rate'] for x in w], '{:.0f}')}"
            f" | {ratio_summary(vs_bare, md=True)} | {ratio_summary(vs_step, md=True)} | "
            f"{spread([x['max_gap'] for x in w], '{:.0f}')} | {spread(rows['load'], '{:.2f}')} |")
        for x in w:
            if "profile" in x:
                print("  GUI thread profile (cumulative):")
                print("    " + x["profile"].replace("\n", "\n    "))

    if "memory" not in args.skip:
        mem = memory_run(endless(default_experiment()), args.minutes)
        print(f"\n== memory, default run playing {mem['minutes']:.1f} min "
              f"({mem['epochs']:,} epochs)")
        print(f"  VmRSS start {mem['start']:.0f} MB, end {mem['end']:.0f} MB, peak "
              f"{mem['peak']:.0f} MB, slope after warm-up {mem['slope']:+.2f} MB/min")
        print("  VmRSS each minute (MB): "
              + " ".join(f"{v:.0f}" for v in mem["per_minute"]))
    if "startup" not in args.skip:
        entry = entry_point_times()
        times = startup_times()
        print("\n== start-up to the first painted window (5 fresh processes each)")
        if entry:
            print(f"  python -m ui, spawn → painted  {spread(entry, '{:.2f}')} s")
            markdown_startup = (f"Start-up, `python -m ui` spawned → first paint "
                                f"({os.environ.get('QT_QPA_PLATFORM', 'X display')}): "
                                f"median {statistics.median(entry):.2f} s, best "
                                f"{min(entry):.2f} s, range {min(entry):.2f}–{max(entry):.2f} s "
                                f"(5 runs).")
        print(f"  total since process start  {spread([t[0] for t in times], '{:.2f}')} s")
        print(f"  of which imports {spread([t[1] for t in times], '{:.2f}')} s, window built "
              f"{spread([t[2] for t in times], '{:.2f}')} s, show → first paint "
              f"{spread([t[3] for t in times], '{:.2f}')} s")
    if "runsets" not in args.skip:
        from bench_runsets import report as runsets_report
        runsets_report(max(args.rounds, 1), args.seconds / 2, epochs=10_000, window=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    if markdown or "startup" not in args.skip:
        print(f"\n---- for PERFORMANCE.md ({os.cpu_count()} CPUs, {args.rounds} rounds of "
              f"{args.seconds:g} s, alternating) ----")
    if markdown:
        print("| run | plain train_epoch() epochs/s | step_epoch() epochs/s | window epochs/s | "
              "window / plain: median (best; range) | window / step_epoch() | "
              "GUI stall max (ms) | load average |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(markdown))
        print("\nEpochs/s: median (min–max) over the rounds; ratios per round.")
    if "startup" not in args.skip and markdown_startup:
        print(markdown_startup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
