"""Training speed: Backprop Playground's engine vs PyTorch on the CPU, same shapes and data.

Run (not part of the test suite)::

    pip install ".[bench]"            # torch==2.13.0, CPU build; optional
    python tests/benchmarks/bench_training.py            # all shapes
    python tests/benchmarks/bench_training.py --quick    # fewer repetitions

For each shape it prints samples/s of ``Trainer.step_epoch()`` — a full epoch of shuffled
mini-batches plus the normal per-epoch Snapshot (probe-batch statistics, histograms, decision
surface for 2-D data) — next to a plain PyTorch loop (``randperm``, index gather,
``zero_grad``, forward, ``CrossEntropyLoss``, ``backward``, ``SGD.step``) on the same data,
batch size and learning rate, and the ratio. For the big shapes it also prints the fraction of
the machine's float32 GEMM limit reached (measured here with one large ``np.matmul``), counting
the useful FLOPs of a training step: forward, weight gradients, and input gradients for all
layers but the first.

Both sides use the same number of threads for each shape: the count the engine's BLAS rule
picks (``playground.blas.threads_for``: one for the tiny shapes), given to torch with
``torch.set_num_threads`` — two threads against one made torch's tiny-shape figures collapse
under load. Both sides are warmed up, then timed epoch by epoch in alternating rounds (engine,
PyTorch, PyTorch, engine, …): this machine's speed drifts (shared cores), and taking turns makes
a slow spell hit both sides. The GEMM limit (one large ``np.matmul`` on the same threads) is
measured again in every round (the better of just before and just after it), so each round's
GEMM share — the engine's and torch's — is against that round's machine. It prints the
machine, the load average before and after, samples/s medians over the rounds, and for the
ratio the median of the per-round ratios, the best round and the range; then every round's
numbers, and all of it again as Markdown tables for PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playground import Experiment, Trainer  # noqa: E402
from playground.data import Dataset  # noqa: E402

SHAPES = [
    # name, sizes, activation, batch, samples
    ("2-8-8-2 tanh", [2, 8, 8, 2], "tanh", 10, 4000),
    ("2-(8x6)-2 tanh", [2] + [8] * 6 + [2], "tanh", 10, 4000),
    ("784-256-128-10 relu", [784, 256, 128, 10], "relu", 128, 16384),
    ("784-1024-1024-10 relu", [784, 1024, 1024, 10], "relu", 256, 8192),
]
#: the ratio (engine / PyTorch samples/s) each shape should reach (issue #15)
GOALS = {"2-8-8-2 tanh": 8.0, "2-(8x6)-2 tanh": 8.0, "784-256-128-10 relu": 1.3,
         "784-1024-1024-10 relu": 1.0}
LEARNING_RATE = 0.01


def make_data(sizes, samples, seed=0):
    rng = np.random.default_rng(seed)
    if sizes[0] == 2:
        return None      # the tiny shapes train on the generated spiral (with its 2-D surface)
    X = rng.standard_normal((samples, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], samples)
    return X, y


def experiment(sizes, activation, batch, samples):
    layers = [{"units": u, "activation": activation,
               "init": "he_uniform" if activation == "relu" else "xavier_uniform"}
              for u in sizes[1:-1]]
    layers.append({"units": sizes[-1], "activation": "softmax"})
    return Experiment.from_dict({
        "seed": 0,
        "data": {"source": "spiral", "samples": samples, "noise": 0.1, "validation_split": 0.0},
        "network": {"layers": layers, "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": LEARNING_RATE},
                     "batch_size": batch, "epochs": 10_000, "dtype": "float32"},
    })


def engine_epoch(sizes, activation, batch, samples, data):
    """The engine's trainer on the shape, warmed up, and a function that times one epoch."""
    exp = experiment(sizes, activation, batch, samples)
    dataset = None
    if data is not None:
        X, y = data
        dataset = Dataset(source="benchmark", task="classification", X_train=X, y_train=y,
                          X_val=X[:0], y_val=y[:0],
                          feature_names=tuple(f"x{i}" for i in range(X.shape[1])),
                          class_names=tuple(str(i) for i in range(sizes[-1])),
                          target_names=("class",), raw_train=None, raw_val=None,
                          transform=None, bounds=None, description="benchmark")
    trainer = Trainer(exp, dataset=dataset)
    n = len(trainer.X_train)

    def epoch() -> float:
        start = time.perf_counter()
        trainer.step_epoch()                              # training + the per-epoch Snapshot
        return n / (time.perf_counter() - start)

    epoch()                                               # warm-up: buffers, BLAS threads
    return trainer, epoch


def torch_epoch(sizes, activation, batch, X, y):
    """The plain PyTorch loop on the same data, warmed up, as a function timing one epoch."""
    import torch

    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    Xt = torch.from_numpy(np.array(X, np.float32))                       # a writable copy
    yt = torch.from_numpy(np.array(y, np.int64))                         # and of the labels
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(Xt)

    def epoch() -> float:
        start = time.perf_counter()
        perm = torch.randperm(n)
        for first in range(0, n, batch):
            idx = perm[first:first + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
        return n / (time.perf_counter() - start)

    epoch()
    return epoch


def interleaved(engine, theirs, rounds: int,
                limit=None) -> tuple[list[float], list[float], list[float]]:
    """Epochs of both, taking turns (ABBA order). Each turn starts with an untimed epoch: a
    library's idle BLAS/OpenMP threads keep spinning for ~0.1 s after its last call (OpenBLAS
    measured here), and that must not be charged to the other side. Sleeping instead does not
    work: after an idle pause this VM runs the next epoch ~25 % slower, on both sides. A slow
    spell of this shared machine then hits both sides of a round instead of one whole side
    of the table. The GEMM limit of a round is the better of a measurement just before and
    one just after it: a single one, taken in a slow moment, made shares above 100 %."""
    ours, other, limits = [], [], []
    for r in range(rounds):
        before = limit() if limit is not None else None
        pair = ((engine, ours), (theirs, other))
        for run, out in (pair if r % 2 == 0 else pair[::-1]):
            if run is not None:
                run()
                out.append(run())
        if limit is not None:
            limits.append(max(before, limit()))
    return ours, other, limits


def machine() -> str:
    """CPU model, core count and the BLAS NumPy uses (name, version, kernel, threads)."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        flags = "AVX-512" if " avx512f" in text else "AVX2" if " avx2" in text else ""
    except OSError:
        pass
    blas_text = "BLAS unknown"
    try:
        from threadpoolctl import threadpool_info
        libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if libs:
            i = libs[0]
            blas_text = (f"{i.get('internal_api')} {i.get('version')} "
                         f"{i.get('architecture') or ''} ({i.get('num_threads')} threads)")
    except Exception:        # noqa: BLE001 - only a description
        pass
    return f"{model}, {os.cpu_count()} CPUs {flags}; NumPy's BLAS: {blas_text}"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def gemm_limit(n=2048, reps=3) -> float:
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best = 0.0
    for _ in range(reps):
        start = time.perf_counter()
        np.matmul(a, a, out=out)
        best = max(best, 2 * n ** 3 / (time.perf_counter() - start))
    return best


def flops_per_sample(sizes) -> float:
    forward = sum(2 * sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1))
    input_grads = sum(2 * sizes[i] * sizes[i + 1] for i in range(1, len(sizes) - 1))
    return 2 * forward + input_grads          # forward + weight grads + input grads


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 rounds instead of 10")
    parser.add_argument("--no-torch", action="store_true", help="engine only")
    parser.add_argument("--only", help="run shapes whose name contains this text")
    args = parser.parse_args(argv)
    rounds = 4 if args.quick else 10
    try:
        import torch
        have_torch = not args.no_torch
        torch_version = torch.__version__
    except ImportError:
        have_torch, torch_version = False, "not installed"
    from playground import blas
    print(f"numpy {np.__version__}, torch {torch_version}, {os.cpu_count()} CPUs, "
          f"load average {load_average()}")
    machine_text = machine()          # before any shape sets the BLAS threads
    print(f"machine: {machine_text}")
    if have_torch:
        import torch
        print(f"torch BLAS: {'MKL' if torch.backends.mkl.is_available() else 'no MKL'}"
              f"{', oneDNN' if torch.backends.mkldnn.is_available() else ''}")
    details, rows = [], []
    load_before = load_average()
    header = f"{'shape':<24}{'batch':>6}{'thr':>4}{'engine samples/s':>18}" \
             f"{'torch samples/s':>17}{'ratio':>8}{'best':>6}{'goal':>7}{'GEMM %':>8}" \
             f"{'GEMM GF/s':>10}"
    print(header)
    print("-" * len(header))
    for name, sizes, activation, batch, samples in SHAPES:
        if args.only and args.only not in name:
            continue
        data = make_data(sizes, samples)
        trainer, engine = engine_epoch(sizes, activation, batch, samples, data)
        X, y = (np.array(trainer.X_train), trainer.Y_train) if data is None else data
        threads = blas.threads_for(sizes, batch) or blas.default_threads() or 1
        if have_torch:
            import torch
            torch.set_num_threads(threads)       # the engine's count, for a fair comparison
        theirs = torch_epoch(sizes, activation, batch, X, y) if have_torch else None

        def limit():
            blas.use(threads)
            return gemm_limit(reps=2)

        ours, other, limits = interleaved(engine, theirs, rounds, limit)
        engine_rate = statistics.median(ours)
        torch_rate = statistics.median(other) if other else float("nan")
        ratios = [a / b for a, b in zip(ours, other)]
        ratio = statistics.median(ratios) if ratios else float("nan")
        best = max(ratios) if ratios else float("nan")
        shares = [rate * flops_per_sample(sizes) / lim * 100 for rate, lim in zip(ours, limits)]
        torch_shares = [rate * flops_per_sample(sizes) / lim * 100
                        for rate, lim in zip(other, limits)]
        gemm = statistics.median(shares)
        details.append((name, ratios, limits, shares, torch_shares))
        rows.append((name, batch, threads, engine_rate, torch_rate, ratios, shares,
                     torch_shares, limits))
        verdict = "" if not have_torch else (" ok" if ratio >= GOALS[name] else " BELOW")
        spread = f"  ({min(ratios):.2f}–{max(ratios):.2f})" if ratios else ""
        print(f"{name:<24}{batch:>6}{threads:>4}{engine_rate:>18,.0f}{torch_rate:>17,.0f}"
              f"{ratio:>8.2f}{best:>6.2f}{GOALS[name]:>6.1f}x{gemm:>7.0f}%"
              f"{statistics.median(limits) / 1e9:>10.0f}{verdict}{spread}", flush=True)
    print(f"medians of {rounds} rounds; ratio = median of the per-round ratios, best = the "
          f"best round (range in brackets); GEMM % = median over rounds of the engine's share "
          f"of that round's float32 GEMM limit on the same threads")
    print(f"load average after: {load_average()}")
    print("\nper round (in order; GEMM limit = the better of one 2048² float32 np.matmul on "
          "the shape's threads just before and one just after the round):")
    for name, ratios, limits, shares, torch_shares in details:
        print(f"{name}:")
        print("  ratio         " + " ".join(f"{r:6.2f}" for r in ratios))
        print("  GEMM GF/s     " + " ".join(f"{x / 1e9:6.0f}" for x in limits))
        if sizes_big(name):
            print("  engine GEMM % " + " ".join(f"{x:6.0f}" for x in shares))
            if torch_shares:
                print("  torch GEMM %  " + " ".join(f"{x:6.0f}" for x in torch_shares))
                print(f"  median GEMM %: engine {statistics.median(shares):.0f}, "
                      f"torch {statistics.median(torch_shares):.0f}")
    print_markdown(rows, rounds, load_before, load_average(), have_torch, machine_text)
    return 0


def print_markdown(rows, rounds: int, load_before: str, load_after: str,
                   have_torch: bool, machine_text: str) -> None:
    """The same results as Markdown tables, to paste into PERFORMANCE.md."""
    if not rows or not have_torch:
        return
    print(f"\n### Markdown (for PERFORMANCE.md)\n\n{machine_text}; {rounds} alternating rounds; "
          f"load average {load_before} before, {load_after} after.\n")
    print("| shape | batch | threads | engine samples/s | torch samples/s | ratio (median) | "
          "best round | range | goal | met | engine GEMM % | torch GEMM % | GEMM limit GF/s "
          "(median) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|")
    for name, batch, threads, ours, theirs, ratios, shares, torch_shares, limits in rows:
        big = sizes_big(name)
        ratio = statistics.median(ratios)
        gemm = f"{statistics.median(shares):.0f}" if big else "–"
        tgemm = f"{statistics.median(torch_shares):.0f}" if big and torch_shares else "–"
        print(f"| {name} | {batch} | {threads} | {ours:,.0f} | {theirs:,.0f} | {ratio:.2f} | "
              f"{max(ratios):.2f} | {min(ratios):.2f}–{max(ratios):.2f} | {GOALS[name]:g}× | "
              f"{'yes' if ratio >= GOALS[name] else 'no'} | {gemm} | {tgemm} | "
              f"{statistics.median(limits) / 1e9:.0f} |")
    print("\nPer round (ratio; GEMM limit GF/s; for the 784 shapes engine / torch GEMM %):\n")
    print("| shape | " + " | ".join(f"r{i + 1}" for i in range(rounds)) + " |")
    print("|---|" + "---:|" * rounds)
    for name, batch, threads, ours, theirs, ratios, shares, torch_shares, limits in rows:
        cells = []
        for i, r in enumerate(ratios):
            cell = f"{r:.2f}; {limits[i] / 1e9:.0f}"
            if sizes_big(name):
                cell += f"; {shares[i]:.0f}/{torch_shares[i]:.0f} %"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")


def sizes_big(name: str) -> bool:
    """The shapes whose GEMM share means something (the tiny ones are call overhead)."""
    return name.startswith("784")


if __name__ == "__main__":
    sys.exit(main())
