"""What a piece of work will cost, from the sizes alone, before any of it is allocated.

Validation accepts 64 layers of 16,384 units, but such a network needs hundreds of gigabytes;
2×4096 units at batch 1 take minutes per epoch. :func:`estimate_training` turns the layer sizes,
sample counts, batch size and dtype into memory and a rough time per epoch, so the program can
refuse what the machine cannot hold (:func:`check_fits`) and ask before what takes long. The
time is an order of magnitude, not a promise: matrix products at the speed :func:`machine_speed`
measures once (a few milliseconds of small products, so a busy machine gets longer estimates),
element-wise updates at the memory speed it measures, plus a fixed cost per layer and batch.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass

import numpy as np

from playground.errors import PlaygroundError

LAYER_OVERHEAD = 3e-5     # seconds of Python per layer and batch (forward + backward)
PARAM_COPIES = 10         # params, gradient, up to 6 optimizer buffers, checkpoint, best
ACTIVATION_COPIES = 5     # z, a, δ, scratch and a dropout mask per unit and sample
EVAL_CHUNK = 4096         # evaluation runs in chunks of this many samples
WRITE_SPEED = 5e7         # characters of JSON per second that json.dumps writes
MEMORY_SHARE = 0.8        # refuse work needing more than this share of physical memory
CONFIRM_SECONDS = 60.0    # ask before work longer than this (an epoch, a check, a trace)
CONFIRM_SHARE = 0.25      # … or needing more than this share of memory


NOMINAL_SPEED = (1e9, 5e9)  # used for work too small for the measurement to matter
MEASURE_ABOVE = 1e9         # float operations per epoch above which the speed is measured


@functools.lru_cache(maxsize=1)
def machine_speed() -> tuple[float, float]:
    """``(float operations per second in matrix products, bytes per second of element-wise
    traffic)``, measured on small float32 arrays (best of three)."""
    rng = np.random.default_rng(0)
    a = rng.random((64, 512), dtype=np.float32)
    b = rng.random((512, 512), dtype=np.float32)
    v = np.ones(2**20, dtype=np.float32)
    gemm, axpy = [], []
    for _ in range(3):
        start = time.perf_counter()
        a @ b
        gemm.append(time.perf_counter() - start)
        start = time.perf_counter()
        v * np.float32(0.9) + v
        axpy.append(time.perf_counter() - start)
    return 2 * 64 * 512 * 512 / max(min(gemm), 1e-9), 3 * v.nbytes / max(min(axpy), 1e-9)


@dataclass(frozen=True)
class Estimate:
    parameters: int
    memory_bytes: int
    seconds: float
    what: str             # "per epoch", "for the check", …

    def describe(self, with_time: bool = True) -> str:
        size = f"{self.parameters:,} parameters, about {_gb(self.memory_bytes)} of memory"
        return f"{size} and {_duration(self.seconds)} {self.what}" if with_time else size


def _gb(count: float) -> str:
    if count >= 2**28:
        return f"{count / 2**30:.1f} GB"
    return f"{count / 2**20:.0f} MB" if count >= 2**20 else f"{max(count, 1024) / 1024:.0f} KB"


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "an unknown time"
    if seconds < 1:
        return "under a second"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.0f} h"


def parameter_count(sizes: list[int]) -> int:
    """Weights and biases of a dense network with layer widths ``sizes`` (inputs first)."""
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):       # pragma: no cover - not POSIX
        return None


def estimate_training(sizes: list[int], n_train: int, n_val: int, batch_size: int,
                      itemsize: int, timed: bool = True) -> Estimate:
    """Memory and time per epoch of training a network of layer widths ``sizes`` (the time
    is NaN when not ``timed``: the memory check needs no measurement)."""
    params = parameter_count(sizes)
    units = sum(sizes)
    batch = max(1, min(batch_size, max(n_train, 1)))
    chunk = min(EVAL_CHUNK, max(n_val, n_train, 1))
    memory = (params * itemsize * PARAM_COPIES
              + batch * units * itemsize * ACTIVATION_COPIES
              + chunk * units * itemsize * 2
              + (n_train + n_val) * (sizes[0] + sizes[-1]) * (8 + itemsize))
    if not timed:
        return Estimate(params, int(memory), float("nan"), "per epoch")
    work = 6 * params * (n_train + n_val)
    flops, bandwidth = machine_speed() if work > MEASURE_ABOVE else NOMINAL_SPEED
    batches = -(-max(n_train, 0) // batch)
    per_batch = (6 * params * batch / flops + PARAM_COPIES * params * itemsize / bandwidth
                 + LAYER_OVERHEAD * (len(sizes) - 1))
    evaluation = 2 * params * n_val / flops
    return Estimate(params, int(memory), batches * per_batch + evaluation, "per epoch")


def estimate_gradcheck(sizes: list[int], samples: int, max_entries: int = 300) -> Estimate:
    """The finite-difference check: two forward passes per checked entry."""
    params = parameter_count(sizes)
    entries = sum(min(a * b, max_entries) + min(b, max_entries)
                  for a, b in zip(sizes, sizes[1:]))
    memory = params * 8 * 4 + samples * sum(sizes) * 8 * ACTIVATION_COPIES
    return Estimate(params, int(memory), entries * 4 * params * samples / machine_speed()[0],
                    "for the check")


def estimate_trace(sizes: list[int], batch_size: int) -> Estimate:
    """One traced iteration written as JSON: every matrix, about 24 characters a number."""
    params = parameter_count(sizes)
    numbers = 4 * params + 6 * batch_size * sum(sizes)
    return Estimate(params, int(numbers * 24 * 2), numbers * 24 / WRITE_SPEED,
                    "to write the trace")


def check_fits(estimate: Estimate, memory: int | None = None) -> None:
    """Refuse (before allocating) work that needs more than :data:`MEMORY_SHARE` of the
    machine's memory."""
    memory = physical_memory() if memory is None else memory
    if memory and estimate.memory_bytes > MEMORY_SHARE * memory:
        raise PlaygroundError(
            f"this network is too large for this machine: {estimate.describe(False)}, but "
            f"the machine has {_gb(memory)}; use fewer or narrower layers or fewer samples "
            "(or float32 instead of float64)")


def needs_confirmation(estimate: Estimate, memory: int | None = None) -> bool:
    """Work long or large enough to ask first (the window's dialog, the CLI's ``--yes``)."""
    memory = physical_memory() if memory is None else memory
    return estimate.seconds > CONFIRM_SECONDS or bool(
        memory and estimate.memory_bytes > CONFIRM_SHARE * memory)


def layer_sizes(n_inputs: int, layers: list[dict]) -> list[int]:
    return [n_inputs] + [int(layer["units"]) for layer in layers]


def check_experiment_fits(dataset, network: dict, training: dict, itemsize: int) -> None:
    """:func:`check_fits` for an experiment's sections and its loaded data (the trainer calls
    this before it allocates the network)."""
    check_fits(estimate_training(layer_sizes(dataset.n_inputs, network["layers"]),
                                 len(dataset.X_train), len(dataset.X_val),
                                 training["batch_size"], itemsize, timed=False))


def trainer_estimate(trainer) -> Estimate:
    return estimate_training(list(trainer.network.sizes), len(trainer.X_train),
                             len(trainer.X_val), trainer.batch_size, trainer.dtype.itemsize)


QUICK_PARAMETERS = 200_000   # a network this small builds in milliseconds …
QUICK_ACTIVATIONS = 5_000_000  # … when samples × units stay under this too
QUICK_INPUTS = 64            # the widest generated or shipped data (digits: 8×8 pixels)


def quick_to_build(experiment) -> bool:
    """True when building ``experiment``'s trainer surely takes a moment: generated or shipped
    data (no file to read) and a small network, judged from the settings alone (an upper
    bound on the inputs, nothing loaded). A caller can then build it at once and the
    rest in the background."""
    from playground.data.config import FILE_SOURCES, INLINE_SOURCES

    data, layers = experiment.data, experiment.network["layers"]
    if data["source"] in FILE_SOURCES or data["source"] in INLINE_SOURCES \
            or any("weights" in layer for layer in layers):
        return False
    sizes = layer_sizes(QUICK_INPUTS, layers)
    samples = int(data.get("samples", 0) or 0) or 2000       # shipped sets: a few thousand
    return (parameter_count(sizes) <= QUICK_PARAMETERS
            and samples * sum(sizes) <= QUICK_ACTIVATIONS)


def experiment_estimate(experiment) -> Estimate:
    """:func:`estimate_training` for ``experiment`` before its trainer exists: the data is
    loaded for its sizes (any draw has the same sizes), nothing of the network allocated."""
    from playground.data import load_dataset

    dataset = load_dataset(experiment.data, np.random.default_rng(0),
                           base_dir=experiment.base_dir)
    training = experiment.training
    return estimate_training(layer_sizes(dataset.n_inputs, experiment.network["layers"]),
                             len(dataset.X_train), len(dataset.X_val), training["batch_size"],
                             np.dtype(training["dtype"]).itemsize)
