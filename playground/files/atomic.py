"""Atomic file writes: write to a temporary file beside the target, then rename over it.

A crash or a full disk half-way through leaves the old file untouched, never a truncated one.
``os.replace`` is atomic on POSIX and Windows when both paths are on the same file system,
which is why the temporary file is created in the target's own folder.

A save killed half-way leaves its temporary file behind; the next save of the same target
removes such orphans. The writer holds a lock on its temporary file (``flock``, released by
the system when the process dies), so only files nobody is still writing are removed; where
there is no ``flock`` (Windows) an orphan must be an hour old.

The temporary file is created private (mode 0600); before the rename it gets the permissions
the target had, or, for a new file, the ones ``open()`` would have given it (0666 minus the
umask), so saving never makes a shared file private.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Callable, IO, Iterator

from playground.errors import PlaygroundError

try:
    import fcntl
except ImportError:                       # pragma: no cover - Windows
    fcntl = None

#: an unlocked temporary file this many seconds old is an orphan (flock guards the rest)
ORPHAN_AGE = 1.0 if fcntl is not None else 3600.0


def _read_umask() -> int:
    mask = os.umask(0o022)      # the only portable way to read it is to set it …
    os.umask(mask)              # … and put it back (done once, at import)
    return mask


_UMASK = _read_umask()


def _final_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~_UMASK


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _abandoned(candidate: Path) -> bool:
    """True when no live process writes ``candidate`` (its lock can be taken) and it has not
    changed for :data:`ORPHAN_AGE` seconds."""
    try:
        info = os.lstat(candidate)
        if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime < ORPHAN_AGE:
            return False
        if fcntl is None:
            return True
        fd = os.open(candidate, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False                       # a live writer holds it
    finally:
        os.close(fd)


def remove_orphans(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that interrupted saves of ``path`` left beside it."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    prefix = _temp_prefix(path)
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")
                 and len(n) == len(prefix) + 8 + len(".tmp")]     # mkstemp: 8 characters
    except OSError:
        return removed
    for name in names:
        candidate = folder / name
        if _abandoned(candidate):
            with contextlib.suppress(OSError):
                os.unlink(candidate)
                removed.append(candidate)
    return removed


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file for writing; on success it replaces ``path`` atomically."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PlaygroundError(f"{path}: the folder {folder} does not exist")
    remove_orphans(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise PlaygroundError(f"{path}: cannot write here ({exc.strerror})") from None
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)     # held until closed: "still being written"
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8",
                                                           "newline": ""})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PlaygroundError(f"{path}: could not be written ({exc.strerror}); "
                                  "the previous file, if any, is unchanged") from None
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as handle:
        handle.write(text)


def atomic_write_with(path: str | os.PathLike, writer: Callable[[IO], None]) -> None:
    """Call ``writer(binary_handle)`` and commit the result atomically."""
    with atomic_open(path, "wb") as handle:
        writer(handle)
