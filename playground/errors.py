"""Errors a user can cause, each with a message that says what to fix.

Everything the engine raises for bad input derives from :class:`PlaygroundError`, so the
command line and the window can show the message instead of a traceback.
"""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base class for user-facing errors (bad files, bad values, impossible settings)."""


class ExperimentError(PlaygroundError):
    """An experiment description is invalid; ``path`` names the offending key.

    ``path`` uses the notation of the file itself, e.g. ``network.layers[2].units``.
    """

    def __init__(self, path: str, message: str):
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class DataError(PlaygroundError):
    """A data file cannot be used; names the file and, where known, line and column."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: str | int | None = None):
        self.file = file
        self.line = line
        self.column = column
        self.reason = message
        where = []
        if file is not None:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class RunFileError(PlaygroundError):
    """A saved run (``.bpp``) cannot be read or written."""


class Cancelled(Exception):
    """A long computation (a loss landscape, a learning-rate test) was cancelled by its
    caller; not an error to report."""
