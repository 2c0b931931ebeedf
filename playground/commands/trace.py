"""``trace FILE [--batch K]``: the numbers of one backprop iteration as JSON on stdout."""

from __future__ import annotations

import json

from playground.errors import PlaygroundError

from playground.training.budget import estimate_trace

from . import EXIT_OK, add_yes_argument, confirm_work, load_trainer

NAME = "trace"
HELP = "print the numbers of one backprop iteration as JSON"


def add_arguments(p) -> None:
    p.add_argument("file")
    p.add_argument("--batch", type=int, default=1, metavar="K",
                   help="trace the K-th iteration (batch) of training, counting from 1 "
                        "(default 1; from a .bpp, the K-th from where it stopped)")
    add_yes_argument(p)


def run(args) -> int:
    from playground.training.trace import trace_iteration

    if args.batch < 1:
        raise PlaygroundError("--batch counts from 1")
    trainer = load_trainer(args.file)
    confirm_work(args, estimate_trace(list(trainer.network.sizes), trainer.batch_size))
    try:
        result = trace_iteration(trainer, args.batch)
    except ValueError as exc:
        raise PlaygroundError(str(exc)) from None
    print(json.dumps(result))
    return EXIT_OK


