"""The headless sub-commands, one module each, and the table the command line is built from.

A command module has ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``
(an exit status; :class:`~playground.errors.PlaygroundError` for bad input). Adding a command
is its module plus one line in :data:`COMMANDS`. Modules are imported only when their command
runs or the parser is built, so ``--version`` stays quick.
"""

from __future__ import annotations

import importlib
from pathlib import Path

#: sub-command name → module under playground.commands
COMMANDS = {
    "train": "train",
    "gradcheck": "gradcheck",
    "trace": "trace",
    "lr-find": "lr_find",
    "compare": "compare",
    "export": "export",
    "lesson": "lesson",
}

NAMES = tuple(COMMANDS)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def command_module(name: str):
    return importlib.import_module(f"playground.commands.{COMMANDS[name]}")


def load_trainer(file: str):
    """A Trainer for an experiment ``.json`` or a saved run ``.bpp`` (resumed)."""
    from playground.experiment import Experiment
    from playground.training.trainer import Trainer

    path = Path(file)
    if path.suffix.lower() == ".bpp":
        return Trainer.load(path)
    return Trainer(Experiment.from_file(path))


def add_yes_argument(parser) -> None:
    parser.add_argument("--yes", action="store_true",
                        help="run even when the estimate says the work is long or large")


def confirm_work(args, estimate) -> None:
    """Refuse work the estimate calls long or large unless ``--yes`` was given."""
    from playground.errors import PlaygroundError
    from playground.training.budget import needs_confirmation

    if needs_confirmation(estimate) and not getattr(args, "yes", False):
        raise PlaygroundError(f"this is big work: {estimate.describe()}; pass --yes to run "
                              "it anyway, or make the network or the data smaller")
