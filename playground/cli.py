"""The headless command line: ``train``, ``gradcheck``, ``trace``, ``--version``.

``backprop-playground`` (see :mod:`ui.app`) hands these sub-commands here without importing
Qt, so they work on a server. Exit status: 0 success, 1 a check failed (gradcheck), 2 bad
input (a missing or invalid file, a bad option) — always with a one-line message, never a
traceback. Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from . import __version__
from .errors import PlaygroundError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMANDS = ("train", "gradcheck", "trace")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a short message, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser(prog: str = "backprop-playground") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Backprop Playground: see backpropagation happen. "
                     "Without a command the desktop app opens.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    p = sub.add_parser("train", help="train an experiment (or resume a saved run) headless")
    p.add_argument("file", help="experiment .json, or a saved run .bpp to resume")
    p.add_argument("--epochs", type=int, help="train this many epochs (more, for a .bpp)")
    p.add_argument("--save", metavar="RUN.bpp", help="save the run here when done")
    p.add_argument("--json", action="store_true",
                   help="print the result as one JSON object on the last line of stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = sub.add_parser("gradcheck", help="compare backprop's gradients with finite differences")
    p.add_argument("file")
    p.add_argument("--samples", type=int, default=16, help="samples in the batch (default 16)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p = sub.add_parser("trace", help="print the numbers of one backprop iteration as JSON")
    p.add_argument("file")
    p.add_argument("--batch", type=int, default=1, metavar="K",
                   help="trace the K-th iteration (batch) of training, counting from 1 "
                        "(default 1; from a .bpp, the K-th from where it stopped)")
    return parser


def load_trainer(file: str):
    from .experiment import Experiment
    from playground.training.trainer import Trainer

    path = Path(file)
    if path.suffix.lower() == ".bpp":
        return Trainer.load(path)
    return Trainer(Experiment.from_file(path))


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _train(args) -> int:
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
    bar = tqdm(total=max(target - start, 0), unit="epoch", file=sys.stderr,
               disable=args.quiet, dynamic_ncols=True, leave=False, desc="training")
    try:
        while not trainer.finished and trainer.epoch < target:
            trainer.train_epoch()            # a divergence is reported, not warned about
            bar.update(1)
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
    return EXIT_OK


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


def _gradcheck(args) -> int:
    from playground.training.gradcheck import check_gradients

    if args.samples < 1:
        raise PlaygroundError("--samples must be at least 1")
    trainer = load_trainer(args.file)
    report = check_gradients(trainer.experiment, samples=args.samples,
                             weights=trainer.network.weights(), dataset=trainer.dataset)
    if args.json:
        print(json.dumps({"passed": report.passed, "max_relative_error": report.max_error,
                          "threshold": report.threshold, "samples": report.samples,
                          "layers": [{"layer": c.index + 1, "name": c.name,
                                      "relative_error": c.error, "error_W": c.error_W,
                                      "error_b": c.error_b, "checked": c.checked,
                                      "parameters": c.total} for c in report.layers]}))
    else:
        print(f"gradient check in float64 on {report.samples} samples (dropout off), "
              f"threshold {report.threshold:g}")
        for c in report.layers:
            mark = "ok" if c.error <= report.threshold else "FAIL"
            print(f"  {c.name:<40} max relative error {c.error:.2e}  "
                  f"({c.checked}/{c.total} entries)  {mark}")
        print(f"{'passed' if report.passed else 'FAILED'}: max relative error "
              f"{report.max_error:.2e}")
    return EXIT_OK if report.passed else EXIT_FAILED


def _trace(args) -> int:
    from playground.training.trace import trace_iteration

    if args.batch < 1:
        raise PlaygroundError("--batch counts from 1")
    trainer = load_trainer(args.file)
    try:
        result = trace_iteration(trainer, args.batch)
    except ValueError as exc:
        raise PlaygroundError(str(exc)) from None
    print(json.dumps(result))
    return EXIT_OK


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None, prog: str = "backprop-playground") -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    handler = {"train": _train, "gradcheck": _gradcheck, "trace": _trace}[args.command]
    try:
        return handler(args)
    except PlaygroundError as exc:
        print(f"{prog}: error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print(f"{prog}: error: not enough memory for this experiment", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours; silence the flush at exit
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
