"""Run sets cost nothing extra (issue #14; prints, not a test; also a part of bench_window.py).

    python tests/benchmarks/bench_runsets.py                  # ~1 min
    python tests/benchmarks/bench_runsets.py --rounds 5 --seconds 4 --epochs 10000

1. **Throughput.** N runs of the default experiment (a learning-rate sweep) trained in turn by
   one :class:`~playground.training.runset.RunSet`, against one run alone: training samples per
   second summed over the runs. Each round measures the single run and the set back to back,
   so both see the same machine load; the ratio is per round. Timeline checkpoints are on in
   both (a Run records them), as they are in the app.
   With ``--window`` (and from bench_window.py) the same in the real window: the worker
   trains a batch of each run in turn while every plot and the Runs overlay redraw, N runs
   against one (a sweep of one value, so both take the same path), back to back per round,
   with the GUI stall probe of bench_window.py.
2. **Timeline memory.** One run of the default experiment trains ``--epochs`` epochs while its
   timeline keeps checkpoints: what it holds (bytes, checkpoints, stride) against the stated
   bound ``(max_checkpoints + 1) × state_nbytes``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playground import Experiment  # noqa: E402
from playground.presets import default_experiment  # noqa: E402
from playground.training.runset import RunSet  # noqa: E402
from playground.training.trainer_state import state_nbytes  # noqa: E402

LEARNING_RATES = [0.003, 0.01, 0.03, 0.1]


def endless(experiment: Experiment) -> Experiment:
    return experiment.replace("training.epochs", 10_000_000)


def samples_per_second(runs: RunSet, seconds: float) -> float:
    runs.train_epoch()                                   # warm-up: buffers, BLAS threads
    start = [run.trainer.epoch for run in runs]
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        runs.train_epoch()
    elapsed = time.perf_counter() - t0
    return sum((run.trainer.epoch - e) * len(run.trainer.X_train)
               for run, e in zip(runs, start)) / elapsed


def throughput(n: int, rounds: int, seconds: float) -> dict:
    base = endless(default_experiment())
    rates = LEARNING_RATES[:n] if n <= len(LEARNING_RATES) else \
        [0.001 * (i + 1) for i in range(n)]
    key = "training.optimizer.learning_rate"
    alone, together = [], []
    for _ in range(rounds):
        alone.append(samples_per_second(RunSet.sweep(base, {key: rates[:1]}), seconds))
        together.append(samples_per_second(RunSet.sweep(base, {key: rates}), seconds))
    return {"alone": alone, "together": together,
            "ratio": [t / a for t, a in zip(together, alone)]}


def window_samples_per_second(n: int, seconds: float) -> dict:
    """Samples/s summed over ``n`` runs playing in the window (offscreen), and GUI stalls."""
    import numpy as np
    from bench_window import StallProbe, close_window, open_window, run_loop

    base = endless(default_experiment())
    window = open_window(base)
    worker, key = window.worker, "training.optimizer.learning_rate"

    def samples() -> int:
        return worker.submit(lambda runs: sum(r.trainer.epoch * len(r.trainer.X_train)
                                              + r.trainer.batch_in_epoch
                                              * r.trainer.experiment.get("training.batch_size")
                                              for r in runs), runs=True).result(10)
    try:
        worker.change_runs(lambda runs: runs.start_sweep(
            base, {key: LEARNING_RATES[:n]})).result(10)
        worker.play()
        run_loop(1.0)                                        # warm-up
        probe = StallProbe()
        probe.start()
        first, t0 = samples(), time.perf_counter()
        run_loop(seconds)
        rate = (samples() - first) / (time.perf_counter() - t0)
        probe.stop()
        worker.pause()
        run_loop(2.0, lambda: not worker.playing)
        return {"rate": rate, "max_gap": float(np.max(probe.gaps)),
                "p99_gap": float(np.percentile(probe.gaps, 99))}
    finally:
        close_window(window)


def window_throughput(n: int, rounds: int, seconds: float) -> dict:
    alone, together = [], []
    for _ in range(rounds):
        alone.append(window_samples_per_second(1, seconds))
        together.append(window_samples_per_second(n, seconds))
    return {"alone": alone, "together": together,
            "ratio": [t["rate"] / a["rate"] for t, a in zip(together, alone)]}


def timeline_memory(epochs: int) -> dict:
    runs = RunSet.sweep(endless(default_experiment()), {})
    run = runs[0]
    t0 = time.perf_counter()
    for _ in range(epochs):
        run.train_epoch()
    return {"epochs": run.trainer.epoch, "seconds": time.perf_counter() - t0,
            "nbytes": run.timeline.nbytes, "checkpoints": len(run.timeline),
            "stride": run.timeline.stride, "bound": run.timeline.bound_bytes(run.trainer),
            "per_state": state_nbytes(run.trainer), "limit": run.timeline.max_checkpoints,
            "params": run.trainer.network.n_params}


def spread(values, fmt="{:.0f}") -> str:
    return (f"{fmt.format(statistics.median(values))} "
            f"[{fmt.format(min(values))}–{fmt.format(max(values))}]")


def report(rounds: int, seconds: float, epochs: int, n: int = 4, window: bool = False) -> None:
    t = throughput(n, rounds, seconds)
    print(f"\n== run sets: {n} runs trained in turn vs one alone (default experiment, "
          f"{rounds} rounds of {seconds:g} s each)")
    print(f"  one run alone      samples/s  {spread(t['alone'])}")
    print(f"  {n} runs together   samples/s  {spread(t['together'])}  (summed over the runs)")
    print(f"  together / alone              {spread(t['ratio'], '{:.2f}')}   (goal ≥ 0.90)")
    if window:
        w = window_throughput(n, rounds, seconds)
        print(f"  in the window (every plot, offscreen): one run "
              f"{spread([x['rate'] for x in w['alone']])}, {n} runs "
              f"{spread([x['rate'] for x in w['together']])} samples/s; "
              f"ratio {spread(w['ratio'], '{:.2f}')}")
        print(f"  GUI stall max / p99 (ms), {n} runs  "
              f"{spread([x['max_gap'] for x in w['together']], '{:.1f}')} / "
              f"{spread([x['p99_gap'] for x in w['together']], '{:.1f}')}  (one run: "
              f"{spread([x['max_gap'] for x in w['alone']], '{:.1f}')} / "
              f"{spread([x['p99_gap'] for x in w['alone']], '{:.1f}')})")
    m = timeline_memory(epochs)
    print(f"\n== timeline after {m['epochs']:,} epochs ({m['seconds']:.0f} s of training; "
          f"{m['params']} weights, {m['per_state']} bytes per checkpoint)")
    print(f"  holds {m['checkpoints']} checkpoints every {m['stride']} epochs = "
          f"{m['nbytes']:,} bytes; bound ({m['limit']} + 1) × {m['per_state']} = "
          f"{m['bound']:,} bytes")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--epochs", type=int, default=10_000, help="timeline run length")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--window", action="store_true",
                        help="also measure in the real window (offscreen Qt)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    report(args.rounds, args.seconds, args.epochs, args.runs, args.window)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
