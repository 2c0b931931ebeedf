"""``train FILE [--epochs N] [--save RUN.bpp] [--json]``: headless training with a progress bar
on stderr; a ``.bpp`` resumes exactly where it stopped. Exit status 1 when training diverged
(the summary and ``--save`` still happen: the weights are the last finite ones)."""

from __future__ import annotations

import json
import math
import sys

import numpy as np

from playground.errors import PlaygroundError

from playground.training.budget import trainer_estimate

from . import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, add_yes_argument, confirm_work,
               load_trainer)

LONG_EPOCH_SECONDS = 2.0

NAME = "train"
HELP = "train an experiment (or resume a saved run) headless"


def add_arguments(p) -> None:
    p.add_argument("file", help="experiment .json, or a saved run .bpp to resume")
    p.add_argument("--epochs", type=int, help="train this many epochs (more, for a .bpp)")
    p.add_argument("--save", metavar="RUN.bpp", help="save the run here when done")
    p.add_argument("--json", action="store_true",
                   help="print the result as one JSON object on the last line of stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_yes_argument(p)


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def run(args) -> int:
    from tqdm import tqdm

    if args.epochs is not None and args.epochs < 1:
        raise PlaygroundError("--epochs must be at least 1")
    trainer = load_trainer(args.file)
    start = trainer.epoch
    if args.epochs is not None:
        target = start + args.epochs
        if trainer.finished or target > trainer.max_epochs:
            trainer.continue_training(extra_epochs=args.epochs)
    else:
        target = trainer.max_epochs
    interrupted = False
    estimate = trainer_estimate(trainer)
    confirm_work(args, estimate)
    by_batch = estimate.seconds > LONG_EPOCH_SECONDS     # long epochs: progress per batch
    per_epoch = trainer.batches_per_epoch if by_batch else 1
    bar = tqdm(total=max((target - start) * per_epoch - (trainer.batch_in_epoch if by_batch
                                                         else 0), 0),
               unit="batch" if by_batch else "epoch", file=sys.stderr, disable=args.quiet,
               dynamic_ncols=True, leave=False, desc="training")
    try:
        while not trainer.finished and trainer.epoch < target:
            epoch = trainer.epoch
            if by_batch:
                trainer.train_batch()
            else:
                trainer.train_epoch()        # a divergence is reported, not warned about
            bar.update(1)
            if trainer.epoch == epoch:
                continue
            last = trainer.history.last()
            post = {"loss": f"{last.get('train_loss', float('nan')):.4g}"}
            if not math.isnan(last.get("val_loss", math.nan)):
                post["val_loss"] = f"{last['val_loss']:.4g}"
            bar.set_postfix(post, refresh=False)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if args.save:
        trainer.save(args.save)
    result = summary(trainer, start)
    if trainer.stop_reason:
        print(trainer.stop_reason, file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    if interrupted:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED if trainer.diverged else EXIT_OK


def best_epoch(trainer) -> int | None:
    """Early stopping's best epoch when it is on; otherwise the epoch with the lowest
    validation loss (training loss without a validation set); None before any epoch."""
    if trainer.early_stopping.enabled:
        return trainer.best_epoch or None
    for name in ("val_loss", "train_loss"):
        column = trainer.history.column(name)
        finite = np.isfinite(column)
        if finite.any():
            return int(np.argmin(np.where(finite, column, np.inf))) + 1
    return None


def summary(trainer, start_epoch: int = 0) -> dict:
    """The ``--json`` result. When early stopping restored the best weights, the metrics are
    those of the best epoch (the weights the run ends with), else of the last epoch."""
    rows = trainer.history
    if not len(rows):
        row = {}
    else:
        index = len(rows) - 1
        restored = trainer.stop_reason and "restored the weights" in trainer.stop_reason
        if restored and trainer.best_epoch:
            index = trainer.best_epoch - 1
        row = {name: rows.column(name, index)[0] for name in
               ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "train_r2",
                "val_r2")}
    result = {"epochs_run": trainer.epoch,
              "train_loss": _finite(row.get("train_loss")),
              "val_loss": _finite(row.get("val_loss")),
              "train_accuracy": _finite(row.get("train_accuracy")),
              "val_accuracy": _finite(row.get("val_accuracy")),
              "best_epoch": best_epoch(trainer),
              "stopped_early": trainer.stopped_early}
    if trainer.dataset.task == "regression":
        result["train_r2"] = _finite(row.get("train_r2"))
        result["val_r2"] = _finite(row.get("val_r2"))
    result["epochs_this_session"] = trainer.epoch - start_epoch
    result["diverged"] = trainer.diverged
    result["stop_reason"] = trainer.stop_reason
    return result


