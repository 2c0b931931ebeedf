"""``compare FILE --vary KEY=V1,V2,… [--vary …] [--epochs N] [--json] [--csv DIR]``: one run
per combination of the values, trained in turn, each exactly as it would be alone; a table of
the final metrics per run on stdout.

``--json`` prints, as the last line, a list with per run ``settings`` (the varied keys) and
the keys of ``train``'s summary. ``--csv DIR`` writes each run's per-epoch history
(``run-1.csv``, …) and ``runs.csv`` (which file holds which settings); ``--save RUNS.bpp`` the
whole comparison (:mod:`playground.files.runset_file`)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from playground.errors import ExperimentError, PlaygroundError

from . import EXIT_INTERRUPTED, EXIT_OK, load_trainer
from .train import summary

NAME = "compare"
HELP = "train one run per combination of settings and compare their final metrics"
COLUMNS = ("epochs_run", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
           "best_epoch", "stopped_early", "diverged")


def add_arguments(p) -> None:
    p.add_argument("file", help="experiment .json (or a saved run .bpp: its experiment)")
    p.add_argument("--vary", action="append", required=True, metavar="KEY=V1,V2,…",
                   help="a key path and the values to try (JSON or plain words), e.g. "
                        "training.optimizer.learning_rate=0.01,0.1; repeat for more keys")
    p.add_argument("--epochs", type=int, help="train each run this many epochs")
    p.add_argument("--json", action="store_true",
                   help="print the results as one JSON list on the last line of stdout")
    p.add_argument("--csv", metavar="DIR", help="write each run's per-epoch history here")
    p.add_argument("--save", metavar="RUNS.bpp",
                   help="save the whole comparison (every run, resumable) in one file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _variations(texts: list[str]) -> dict[str, list]:
    from playground.training.runset import parse_vary

    vary: dict[str, list] = {}
    for text in texts:
        key, values = parse_vary(text)
        if key in vary:
            raise ExperimentError(key, "is given to --vary twice; list all its values once")
        vary[key] = values
    return vary


def build(args):
    """The run set the arguments describe, validated and built before any training."""
    from playground.training.runset import RunSet, apply_settings

    if args.epochs is not None and args.epochs < 1:
        raise PlaygroundError("--epochs must be at least 1")
    vary = _variations(args.vary)
    base = load_trainer(args.file).experiment
    if args.epochs is not None and "training.epochs" not in vary:
        base = apply_settings(base, {"training.epochs": args.epochs})
    return RunSet.sweep(base, vary)


def run(args) -> int:
    from tqdm import tqdm

    runs = build(args)
    total = sum(run.trainer.max_epochs - run.trainer.epoch for run in runs)
    bar = tqdm(total=total, unit="epoch", file=sys.stderr, disable=args.quiet,
               dynamic_ncols=True, leave=False, desc=f"{len(runs)} runs")
    done = [0]

    def progress(run_set) -> None:
        now = sum(run.trainer.epoch for run in run_set)
        bar.update(now - done[0])
        done[0] = now

    interrupted = False
    try:
        runs.train(on_epoch=progress)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    results = [{"settings": run.settings, **summary(run.trainer)} for run in runs]
    if args.csv:
        write_csv(runs, Path(args.csv))
    if args.save:
        from playground.files.runset_file import save_runset
        save_runset(runs, args.save)
    print(table(runs, results))
    if args.json:
        print(json.dumps(results))
    if interrupted:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value) if not isinstance(value, str) else value


def table(runs, results: list[dict]) -> str:
    """One row per run: its number, the varied settings, then the final metrics."""
    from playground.training.runset import short_key

    keys = list(results[0]["settings"]) if results else []
    header = ["run", *map(short_key, keys), *COLUMNS]
    rows = [[str(i + 1), *(json.dumps(r["settings"][k]) for k in keys),
             *(_cell(r.get(c)) for c in COLUMNS)] for i, r in enumerate(results)]
    widths = [max(len(row[j]) for row in [header, *rows]) for j in range(len(header))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in [header, *rows]]
    return "\n".join(lines)


def write_csv(runs, folder: Path) -> None:
    from playground.files.atomic import atomic_write_text

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlaygroundError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    if not folder.is_dir():
        raise PlaygroundError(f"{folder}: is not a folder")
    keys = list(runs[0].settings) if len(runs) else []
    index = io.StringIO()
    writer = csv.writer(index, lineterminator="\n")
    writer.writerow(["file", *keys])
    for i, run in enumerate(runs):
        name = f"run-{i + 1}.csv"
        atomic_write_text(folder / name, run.trainer.history.to_csv())
        writer.writerow([name, *(json.dumps(run.settings[k]) for k in keys)])
    atomic_write_text(folder / "runs.csv", index.getvalue())
