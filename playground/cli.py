"""The headless command line: the sub-commands of :mod:`playground.commands` and ``--version``.

``backprop-playground`` (see :mod:`ui.app`) hands these sub-commands here without importing
Qt, so they work on a server. Exit status: 0 success, 1 a check failed (gradcheck), 2 bad
input (a missing or invalid file, a bad option) — always with a one-line message, never a
traceback. Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import __version__
from .commands import (COMMANDS, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED,  # noqa: F401
                       EXIT_OK, command_module)
from .errors import PlaygroundError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a short message, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser(prog: str = "backprop-playground") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Backprop Playground: see backpropagation happen. "
                     "Without a command the desktop app opens.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in COMMANDS:
        module = command_module(name)
        module.add_arguments(sub.add_parser(name, help=module.HELP))
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None, prog: str = "backprop-playground") -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return command_module(args.command).run(args)
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
