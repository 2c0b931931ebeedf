"""Entry point of ``backprop-playground``: the desktop app, or a headless sub-command.

``train``, ``gradcheck``, ``trace`` and ``--version`` go to :mod:`playground.cli` *before* Qt
is imported, so they run on machines without a display or Qt libraries. Everything else opens
the window: no argument opens the last (or default) experiment, ``FILE`` opens an experiment
(``.json``) or a saved run (``.bpp``), and ``--self-test`` builds the window offscreen, trains a
few epochs through the real worker thread, renders every plot and prints ``self-test ok``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from playground.commands import NAMES as _COMMANDS

HEADLESS = (*_COMMANDS, "--version", "-V")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-playground",
        description="Backprop Playground: build a network, train it, see backpropagation. "
                    "Headless commands: train, gradcheck, trace (see "
                    "'backprop-playground train --help').")
    parser.add_argument("file", nargs="?", help="an experiment (.json) or a saved run (.bpp)")
    parser.add_argument("--self-test", action="store_true",
                        help="build the window offscreen, train a few epochs, render every "
                             "plot, print 'self-test ok'")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="with --self-test: also save a picture of the window")
    parser.add_argument("--version", action="store_true", help="print the version")
    return parser


def skip_feature_scan() -> None:
    """Spare the start-up PySide6's scan of every module imported after it.

    PySide6 reads the source of each newly imported module (``inspect.getsource``) to see
    whether it selects a ``__feature__`` (``snake_case``, ``true_property``); neither the app
    nor pyqtgraph selects one, and reading ~450 sources was ~60 ms of a start-up from a pip
    install (a bundle has no sources: the scan fails fast there). Every module is then
    treated as selecting none — what the scan would have found. Does nothing when the
    installed PySide6 has no such scan."""
    try:
        import PySide6.QtCore  # noqa: F401 - installs the import hook
    except ImportError:
        return                      # reported where the window is imported
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = lambda module: False


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in HEADLESS:
        from playground.cli import main as cli_main
        if argv[0] == "-V":
            argv[0] = "--version"
        try:
            return cli_main(argv)
        except SystemExit as exc:        # argparse's --version / --help / usage errors
            return exc.code if isinstance(exc.code, int) else 0
    args = build_parser().parse_args(argv)
    skip_feature_scan()
    try:
        from ui.window.launch import run_app
    except ImportError as exc:
        print(f"backprop-playground: error: the desktop app cannot start ({exc}); the "
              f"headless commands still work: backprop-playground train FILE", file=sys.stderr)
        return 2
    return run_app(file=args.file, self_test=args.self_test, screenshot=args.screenshot)


if __name__ == "__main__":
    sys.exit(main())
