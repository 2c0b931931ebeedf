"""The data file formats: one table of readers, and how a file's format is recognised.

Each :class:`FileFormat` names the data source it is (``csv``, ``npz``), the title shown for it,
the file-name suffixes it owns, the first bytes that give it away when the suffix does not,
and its reader, ``read(path, *, display, target, task, keep_rows, head_bytes) -> FileTable``. The
experiment's sources, the import dialog's file filter and :func:`file_kind` all come from
:data:`FILE_FORMATS`: a new format is its reader plus one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .csv_reader import read_csv
from .npz_reader import read_npz
from .table import FileTable
from playground.errors import PlaygroundError
from playground.files.limits import MAX_ARCHIVE_BYTES, open_regular_file

__all__ = ["FileFormat", "FILE_FORMATS", "DEFAULT_FORMAT", "file_kind", "file_filter",
           "read_table"]


@dataclass(frozen=True)
class FileFormat:
    name: str                       # the data source: "csv"
    title: str                      # shown in dialogs: "CSV"
    suffixes: tuple[str, ...]       # lower case, with the dot
    read: Callable[..., FileTable]
    magic: bytes | None = None      # the first bytes of such a file, if they tell
    chooses_target: bool = False    # the user picks the target column (a table of columns)


def _read_npz(path: Path, *, display: str, target, task, keep_rows: int,
              head_bytes: int | None = None) -> FileTable:   # arrays: read whole
    return read_npz(path, display=display, task=task, keep_rows=keep_rows)  # no target column


FILE_FORMATS: dict[str, FileFormat] = {f.name: f for f in (
    FileFormat("csv", "CSV", (".csv", ".tsv", ".txt"), read_csv, chooses_target=True),
    FileFormat("npz", "NPZ", (".npz",), _read_npz, magic=b"PK\x03\x04"),
)}
#: a file recognised by neither suffix nor first bytes is read as this (its reader explains)
DEFAULT_FORMAT = "csv"


def file_kind(path: str | Path) -> str:
    """The format of the file at ``path``: by suffix, else by its first bytes, else CSV.
    Only a regular file is looked into (a FIFO would block): the reader then says what is
    wrong with anything else."""
    path = Path(path)
    suffix = path.suffix.lower()
    for fmt in FILE_FORMATS.values():
        if suffix in fmt.suffixes:
            return fmt.name
    try:
        with open_regular_file(path, max_bytes=MAX_ARCHIVE_BYTES) as handle:
            head = handle.read(16)
    except (PlaygroundError, OSError):
        return DEFAULT_FORMAT     # missing or unreadable: the reader says which
    return next((f.name for f in FILE_FORMATS.values() if f.magic and head.startswith(f.magic)),
                DEFAULT_FORMAT)


def file_filter() -> str:
    """The file dialog's filter: every format's suffixes, then all files."""
    patterns = " ".join(f"*{s}" for f in FILE_FORMATS.values() for s in f.suffixes)
    return f"Data files ({patterns});;All files (*)"


def read_table(source: str, path: Path, display: str, target, task, keep_rows: int,
               head_bytes: int | None = None) -> FileTable:
    """Read ``path`` with the reader of format ``source`` (only its first ``head_bytes``
    when the format reads text line by line)."""
    return FILE_FORMATS[source].read(path, display=display, target=target, task=task,
                                     keep_rows=keep_rows, head_bytes=head_bytes)
