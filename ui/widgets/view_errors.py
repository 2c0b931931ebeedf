"""An error inside a view never takes the window down.

Qt calls the views' paint, show and timer code; an exception raised there by a view (a value
the drawing code did not expect) must not reach Qt — PySide6 6.12 aborts the process on an
exception from a ``showEvent`` — and must not go unnoticed either. Every such entry point is
wrapped in :func:`guarded`: the exception is reported (the window shows it in its notice bar,
once per view and message, and prints the traceback to stderr for a bug report) and the view
stays as it was. The window keeps working and the unsaved experiment is not lost.
"""

from __future__ import annotations

import functools
import sys
import traceback
from typing import Any, Callable

Reporter = Callable[[str, BaseException], None]

_reporters: list[Reporter] = []


def add_reporter(reporter: Reporter) -> None:
    """Call ``reporter(where, exception)`` for every error a guarded view catches."""
    _reporters.append(reporter)


def remove_reporter(reporter: Reporter) -> None:
    if reporter in _reporters:
        _reporters.remove(reporter)


def describe(where: str, exc: BaseException) -> str:
    """The message a user sees: which view failed and why, in one line."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (f"The {where} could not be drawn ({type(exc).__name__}: {reason}). Training and "
            "your settings are unaffected; please report this with the traceback printed on "
            "the terminal.")


def report(where: str, exc: BaseException) -> None:
    """Tell every reporter; without one (a panel used on its own) print the traceback."""
    traceback.print_exception(exc, file=sys.stderr)
    for reporter in list(_reporters):
        try:
            reporter(where, exc)
        except Exception:                     # a reporter that fails must not fail the view
            traceback.print_exc(file=sys.stderr)


def guarded(where: str, default: Any = None):
    """Decorate a view's entry point (paint, show, refresh, timer slot): an exception is
    reported as the ``where`` view's and ``default`` is returned instead."""
    def wrap(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:        # noqa: BLE001 - the point: nothing reaches Qt
                report(where, exc)
                return default
        return call
    return wrap
