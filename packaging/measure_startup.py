"""How long the desktop app takes from process start to its first painted window.

Starts the program with ``BACKPROP_PLAYGROUND_STARTUP_PROBE=1``: the app (``ui.window.launch.run_app``)
then prints ``startup-probe: painted`` once the main window's first paint is done, and quits.
The time counted is the wall time from just before the process is started until that line
arrives, so it includes everything a user waits for: the loader, Python, the imports, Qt, the
default experiment's first training state and the paint. Each run gets an empty home folder,
so no remembered file or window layout is loaded. Without a display it uses Qt's offscreen
platform. Next to the wall time it reports the CPU time the process used until it exited
(painting, then quitting): on a busy machine that is the steadier number.

    python packaging/measure_startup.py                         # the bundle in dist/
    python packaging/measure_startup.py --runs 7 -- python -m ui   # any other command

Prints every run and the median; exits 1 if a run fails or the median exceeds ``--limit``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_EXE = ROOT / "dist" / "backprop-playground" / "backprop-playground"
MARK = "startup-probe: painted"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(command: list[str], timeout: float) -> tuple[float, float]:
    """Seconds from starting ``command`` until it reports its first paint, and the CPU
    seconds it used in all."""
    with tempfile.TemporaryDirectory(prefix="bpp-startup-") as home:
        env = dict(os.environ, BACKPROP_PLAYGROUND_STARTUP_PROBE="1", HOME=home,
                   XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"))
        for name in ("BACKPROP_PLAYGROUND_SETTINGS", "BACKPROP_PLAYGROUND_CONFIG_DIR"):
            env.pop(name, None)          # settings elsewhere would not be a first start
        if not (env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
            env["QT_QPA_PLATFORM"] = "offscreen"
        cpu_before = _children_cpu()
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
        try:
            for line in process.stdout:
                if line.strip() == MARK:
                    elapsed = time.perf_counter() - started
                    process.wait(timeout)
                    return elapsed, _children_cpu() - cpu_before
            raise RuntimeError(f"{command[0]} exited with {process.wait(timeout)} before "
                               "painting (is BACKPROP_PLAYGROUND_STARTUP_PROBE supported?)")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs (default 5)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="runs first made and not counted, to fill the disk cache (1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run (60)")
    parser.add_argument("--limit", type=float, default=None,
                        help="fail when the median is above this many seconds")
    parser.add_argument("command", nargs="*", help=f"the program (default {BUNDLE_EXE})")
    args = parser.parse_args(argv)
    command = args.command or [str(BUNDLE_EXE)]
    times, cpus = [], []
    for index in range(args.warmup + args.runs):
        seconds, cpu = one_run(command, args.timeout)
        counted = index >= args.warmup
        if counted:
            times.append(seconds)
            cpus.append(cpu)
        print(f"run {index + 1}: {seconds:.3f} s to first paint, {cpu:.3f} s CPU"
              f"{'' if counted else ' (warm-up, not counted)'}")
    median = statistics.median(times)
    print(f"start-up to first paint: median {median:.3f} s over {len(times)} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}; CPU median "
          f"{statistics.median(cpus):.3f} s) — {' '.join(command)}")
    if args.limit is not None and median > args.limit:
        print(f"slower than the limit of {args.limit:.2f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
