"""``gradcheck FILE``: backprop's gradients against central differences, in float64."""

from __future__ import annotations

import json

from playground.errors import PlaygroundError

from playground.training.budget import estimate_gradcheck

from . import EXIT_FAILED, EXIT_OK, add_yes_argument, confirm_work, load_trainer

NAME = "gradcheck"
HELP = "compare backprop's gradients with finite differences"


def add_arguments(p) -> None:
    p.add_argument("file")
    p.add_argument("--samples", type=int, default=16, help="samples in the batch (default 16)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_yes_argument(p)


def run(args) -> int:
    from playground.training.gradcheck import check_gradients, noise_floor

    if args.samples < 1:
        raise PlaygroundError("--samples must be at least 1")
    trainer = load_trainer(args.file)
    confirm_work(args, estimate_gradcheck(list(trainer.network.sizes),
                                          min(args.samples, len(trainer.X_train))))
    report = check_gradients(trainer.experiment, samples=args.samples,
                             weights=trainer.network.weights(), dataset=trainer.dataset)
    if args.json:
        print(json.dumps({"passed": report.passed, "max_relative_error": report.max_error,
                          "threshold": report.threshold, "samples": report.samples,
                          "noise_floor_per_entry": noise_floor(report.loss, 1),
                          "layers": [{"layer": c.index + 1, "name": c.name,
                                      "relative_error": c.error, "error_W": c.error_W,
                                      "error_b": c.error_b, "checked": c.checked,
                                      "parameters": c.total} for c in report.layers]}))
    else:
        print(f"gradient check in float64 on {report.samples} samples (dropout off), "
              f"threshold {report.threshold:g}")
        print(f"  (relative to the gradient, or to {noise_floor(report.loss, 1):.1e}·√entries "
              f"where the gradient is smaller: below that, central differences of a loss of "
              f"{report.loss:.3g} cannot tell an error from rounding)")
        for c in report.layers:
            mark = "ok" if c.error <= report.threshold else "FAIL"
            print(f"  {c.name:<40} max relative error {c.error:.2e}  "
                  f"({c.checked}/{c.total} entries)  {mark}")
        print(f"{'passed' if report.passed else 'FAILED'}: max relative error "
              f"{report.max_error:.2e}")
    return EXIT_OK if report.passed else EXIT_FAILED


