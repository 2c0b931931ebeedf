"""``lr-find FILE [--json]``: the learning-rate range test (Smith 2017) on a copy of the
experiment's (or saved run's) current network: the loss per tried rate and the suggestion."""

from __future__ import annotations

import json
import math

from playground.errors import PlaygroundError

from . import EXIT_OK, load_trainer

NAME = "lr-find"
HELP = "sweep the learning rate in one short run and suggest one"


def add_arguments(p) -> None:
    from playground.training.lr_find import END, ITERATIONS, START

    p.add_argument("file", help="experiment .json, or a saved run .bpp (tested from its "
                                "current weights)")
    p.add_argument("--start", type=float, default=START, help=f"first rate (default {START:g})")
    p.add_argument("--end", type=float, default=END, help=f"last rate (default {END:g})")
    p.add_argument("--iterations", type=int, default=ITERATIONS,
                   help=f"iterations at most (default {ITERATIONS})")
    p.add_argument("--json", action="store_true",
                   help="print the result as one JSON object on the last line of stdout")


def _number(value: float):
    return float(value) if math.isfinite(value) else None


def run(args) -> int:
    from playground.training.lr_find import RangeTestProblem

    if args.iterations < 2:
        raise PlaygroundError("--iterations must be at least 2")
    if not (math.isfinite(args.start) and math.isfinite(args.end)
            and 0 < args.start < args.end):
        raise PlaygroundError("--start and --end must be numbers with 0 < start < end")
    test = RangeTestProblem(load_trainer(args.file)).run(
        start=args.start, end=args.end, iterations=args.iterations)
    if args.json:
        print(json.dumps({
            "learning_rates": [float(lr) for lr in test.learning_rates],
            "losses": [_number(v) for v in test.losses],
            "smoothed": [_number(v) for v in test.smoothed],
            "suggested": test.suggested, "minimum_rate": test.minimum_rate,
            "optimizer": test.optimizer, "stop_reason": test.stop_reason,
            "explanation": test.explanation}))
        return EXIT_OK
    print(f"{'learning rate':>14}  {'loss':>10}  {'smoothed':>10}")
    step = max(1, len(test.learning_rates) // 20)
    rows = sorted(set(range(0, len(test.learning_rates), step)) | (
        {test.suggested_index} if test.suggested_index is not None else set()))
    for i in rows:
        mark = "  <- suggested" if i == test.suggested_index else ""
        print(f"{test.learning_rates[i]:>14.3g}  {test.losses[i]:>10.4g}  "
              f"{test.smoothed[i]:>10.4g}{mark}")
    print(test.explanation)
    return EXIT_OK
