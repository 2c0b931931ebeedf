"""Micro-benchmark of the live plots' refresh (prints; not a test).

    python tests/benchmarks/bench_plots.py

For each experiment (the default spiral, the vanishing-gradients preset, digits) it takes real
snapshots from a Trainer, then times, per plot, what the GUI thread pays per timer tick while
training runs at full speed: ``add_snapshot`` + ``refresh`` (the setData work), and separately
the synchronous repaint that follows. The loss and error-signal plots are first filled with
20 000 points (their cap) so the numbers are for a long run, and each tick adds 10 history
rows (hundreds of epochs per second at ~30 snapshots per second).
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground import Trainer  # noqa: E402
from playground.presets import default_experiment, preset  # noqa: E402

TICKS = 150
ROWS_PER_TICK = 10
PREFILL = 20_000


def real_snapshots(experiment, epochs=4, count=20):
    trainer = Trainer(experiment)
    for _ in range(epochs):
        trainer.train_epoch()
    snaps = []
    for _ in range(count):
        trainer.train_batch()
        snaps.append(trainer.snapshot())
    return snaps


def synthetic_history(base, start, n):
    epochs = np.arange(start + 1, start + n + 1, dtype=float)
    history = {name: np.full(n, np.nan) for name in base.history}
    noise = np.random.default_rng(start).normal(0, 0.01, n)
    history.update(epoch=epochs, train_loss=1 / np.sqrt(epochs) + noise,
                   val_loss=1.1 / np.sqrt(epochs) + noise, train_accuracy=0.9 + noise,
                   val_accuracy=0.85 + noise, learning_rate=np.full(n, 0.01))
    return history


def tick_snapshot(base, tick):
    """The `tick`-th snapshot of a long run: new rows, a new iteration."""
    start = PREFILL + tick * ROWS_PER_TICK
    return dataclasses.replace(base, epoch=start + ROWS_PER_TICK, iteration=10 * start + tick,
                               history_start=start,
                               history=synthetic_history(base, start, ROWS_PER_TICK))


def bench(app, plot, snaps, prefill):
    plot.resize(600, 400)
    plot.show()
    app.processEvents()
    if prefill:
        base = snaps[0]
        for start in range(0, PREFILL, 1000):
            plot.add_snapshot(dataclasses.replace(
                base, epoch=start + 1000, iteration=10 * start, history_start=start,
                history=synthetic_history(base, start, 1000)))
    plot.refresh()
    app.processEvents()
    refresh_ms, paint_ms = [], []
    for tick in range(TICKS):
        snap = snaps[tick % len(snaps)]
        snap = tick_snapshot(snap, tick + 1)
        t0 = time.perf_counter()
        plot.add_snapshot(snap)
        plot.refresh()
        t1 = time.perf_counter()
        plot.repaint()
        for child in plot.findChildren(type(plot.plot_widget)):
            child.viewport().repaint()
        t2 = time.perf_counter()
        refresh_ms.append(1000 * (t1 - t0))
        paint_ms.append(1000 * (t2 - t1))
    plot.hide()
    return statistics.median(refresh_ms), np.percentile(refresh_ms, 95), statistics.median(paint_ms)


def main():
    app = QApplication.instance() or QApplication([])
    from ui.plots import DecisionBoundaryPlot, ErrorSignalPlot, LossPlot, WeightHistogramPlot
    experiments = {"spiral (default)": default_experiment(),
                   "vanishing_gradients": preset("vanishing_gradients"),
                   "digits": preset("digits")}
    print(f"{'experiment':22} {'plot':22} {'refresh ms (median / p95)':>27} {'paint ms':>9}")
    for name, experiment in experiments.items():
        snaps = real_snapshots(experiment)
        for cls, prefill in ((LossPlot, True), (ErrorSignalPlot, True),
                             (WeightHistogramPlot, False), (DecisionBoundaryPlot, False)):
            median, p95, paint = bench(app, cls(), snaps, prefill)
            print(f"{name:22} {cls.__name__:22} {median:13.2f} / {p95:6.2f}     {paint:9.2f}")


if __name__ == "__main__":
    main()
