"""Limits every file the app reads goes through *before* it is parsed, so a hostile or broken
file gets a message naming the limit it broke instead of a hang, a memory blow-up or a traceback.

One owner for each rule: a regular file of bounded size (never a FIFO, device or folder, opened
non-blocking), JSON of bounded nesting and number length, CSV cells of bounded length, zip
archives of bounded member count and uncompressed size (checked from the directory, before
inflating; encrypted members refused), and ``.npy`` arrays whose header (shape × item size) is
checked before a byte of data is read, never unpickled. Each reader passes ``error``, the
exception class-maker for its own kind of file, so messages keep their usual form.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Callable, IO

import numpy as np

from playground.errors import PlaygroundError

ErrorMaker = Callable[[str], Exception]

MAX_PATH_CHARS = 4096
MAX_JSON_BYTES = 8 * 2**20          # an experiment, a lesson, state.json, settings
MAX_JSON_DEPTH = 64                 # experiments nest 5 levels deep
MAX_NUMBER_CHARS = 100              # a float needs 24; the generator's 128-bit state 39
MAX_CSV_BYTES = 256 * 2**20         # parsed in Python: several times this much memory
MAX_CSV_CELL_CHARS = 131_072        # the csv module's own field limit, kept as it is
MAX_ARCHIVE_BYTES = 4 * 2**30       # an .npz or .bpp file on disk
MAX_ZIP_MEMBERS = 256
MAX_MEMBER_BYTES = 2 * 2**30        # one member, uncompressed (one array)
MAX_ARCHIVE_TOTAL_BYTES = 6 * 2**30  # all members together, uncompressed

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def size_text(count: int) -> str:
    """``1536 -> '1.5 KB'``: sizes in messages, binary units."""
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{count} bytes"                                   # pragma: no cover


def exact_size(count: int) -> str:
    """A file's actual size: ``'1 MB (1,048,586 bytes)'``, exact where it meets a limit."""
    return f"{size_text(count)} ({count:,} bytes)" if count >= 1024 else size_text(count)


def _default_error(message: str) -> Exception:
    return PlaygroundError(message)


# ----------------------------------------------------------------------------- plain files
def check_regular_file(path: str | os.PathLike, display: str | None = None, *,
                       max_bytes: int, what: str = "file",
                       error: ErrorMaker = _default_error) -> os.stat_result:
    """``os.stat`` the path (no open, so a FIFO cannot block) and refuse anything but a regular
    file of at most ``max_bytes``."""
    display = str(path) if display is None else display
    text = os.fspath(path)
    if len(str(text)) > MAX_PATH_CHARS:
        raise error(f"{display[:60]}…: the path is {len(str(text)):,} characters long, over "
                    f"the path length limit of {MAX_PATH_CHARS:,}")
    try:
        info = os.stat(text)
    except FileNotFoundError:
        raise error(f"{display}: no such file") from None
    except ValueError:                                  # an embedded NUL character
        raise error(f"{display!r}: not a valid path (it contains a NUL character)") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise error(f"{display[:60]}…: the path or one of its names is longer than the "
                        "system's path length limit") from None
        raise error(f"{display}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{display}: is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise error(f"{display}: is {kind}, not a regular {what}; only regular files are read")
    if info.st_size > max_bytes:
        raise error(f"{display}: is {exact_size(info.st_size)}, over the file size limit of "
                    f"{size_text(max_bytes)} for a {what}")
    return info


def open_regular_file(path: str | os.PathLike, display: str | None = None, *,
                      max_bytes: int, what: str = "file",
                      error: ErrorMaker = _default_error) -> IO[bytes]:
    """A binary handle on a checked regular file. Opened with ``O_NONBLOCK`` and checked again
    through the handle, so a file swapped for a FIFO after the first check cannot block."""
    display = str(path) if display is None else display
    check_regular_file(path, display, max_bytes=max_bytes, what=what, error=error)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(os.fspath(path), flags)
    except OSError as exc:
        raise error(f"{display}: cannot be read ({exc.strerror or exc})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        raise error(f"{display}: changed while it was opened (no longer a regular file of at "
                    f"most {size_text(max_bytes)})")
    return os.fdopen(fd, "rb")


def read_limited_bytes(path: str | os.PathLike, display: str | None = None, *,
                       max_bytes: int, what: str = "file",
                       error: ErrorMaker = _default_error) -> bytes:
    """The whole of a checked regular file, never more than ``max_bytes``."""
    display = str(path) if display is None else display
    with open_regular_file(path, display, max_bytes=max_bytes, what=what,
                           error=error) as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{display}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise error(f"{display}: grew past the file size limit of {size_text(max_bytes)} "
                    "while it was read")
    return data


def read_text_file(path: str | os.PathLike, display: str | None = None, *,
                   max_bytes: int = MAX_JSON_BYTES, what: str = "text file",
                   error: ErrorMaker = _default_error) -> str:
    display = str(path) if display is None else display
    data = read_limited_bytes(path, display, max_bytes=max_bytes, what=what, error=error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{display}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start})") from None


# ------------------------------------------------------------------------------------ JSON
def json_depth(text: str | bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (strings skipped), without parsing."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    bare = np.frombuffer(_STRING.sub(b'""', data), dtype=np.uint8)
    if not bare.size:
        return 0
    step = (np.isin(bare, (ord("["), ord("{"))).astype(np.int32)
            - np.isin(bare, (ord("]"), ord("}"))).astype(np.int32))
    return int(max(np.cumsum(step).max(), 0))


_RAISE = object()


def loads_json(text: str | bytes, source: str, *, allow_nonfinite: bool = False,
               max_bytes: int = MAX_JSON_BYTES, error: ErrorMaker = _default_error,
               not_json=_RAISE):
    """``json.loads`` behind the limits: size, nesting depth and number length are checked
    first; ``NaN``/``Infinity`` and numbers that overflow to infinity are refused unless
    ``allow_nonfinite`` (a saved run's metrics may legitimately be NaN). Text that is not
    JSON at all raises, or returns ``not_json`` when that is given."""
    if len(text) > max_bytes:
        raise error(f"{source}: is {exact_size(len(text))}, over the JSON size limit of "
                    f"{size_text(max_bytes)}")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise error(f"{source}: arrays and objects nest {depth:,} levels deep, over the JSON "
                    f"nesting limit of {MAX_JSON_DEPTH}")

    def number(literal: str, convert):
        if len(literal) > MAX_NUMBER_CHARS:
            raise error(f"{source}: a number of {len(literal):,} characters "
                        f"({literal[:20]}…), over the number length limit of "
                        f"{MAX_NUMBER_CHARS}")
        value = convert(literal)
        if not allow_nonfinite and isinstance(value, float) and not math.isfinite(value):
            raise error(f"{source}: the number {literal[:30]} is too large (it overflows to "
                        "infinity)")
        return value

    def constant(name: str):
        if not allow_nonfinite:
            raise error(f"{source}: {name} is not a JSON number; use a finite number")
        return float(name.replace("Infinity", "inf"))

    try:
        return json.loads(text, parse_int=lambda s: number(s, int),
                          parse_float=lambda s: number(s, float), parse_constant=constant)
    except json.JSONDecodeError as exc:
        if not_json is not _RAISE:
            return not_json
        raise error(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                    f"{exc.colno}") from None
    except UnicodeDecodeError:
        raise error(f"{source}: not UTF-8 text") from None
    except RecursionError:                              # pragma: no cover - depth checked
        raise error(f"{source}: nests too deeply (JSON nesting limit "
                    f"{MAX_JSON_DEPTH})") from None


def read_json_file(path: str | os.PathLike, display: str | None = None, *,
                   what: str = "JSON file", max_bytes: int = MAX_JSON_BYTES,
                   error: ErrorMaker = _default_error):
    """A JSON file (an experiment, a lesson, settings) read and parsed behind every limit."""
    display = str(path) if display is None else display
    text = read_text_file(path, display, max_bytes=max_bytes, what=what, error=error)
    return loads_json(text, display, max_bytes=max_bytes, error=error)


# ------------------------------------------------------------------------------------- CSV
def csv_error_text(exc: Exception) -> str:
    """A ``csv.Error`` as a message; the cell length limit is named as such."""
    if "field larger than field limit" in str(exc):
        return (f"a cell is longer than the CSV cell length limit of {MAX_CSV_CELL_CHARS:,} "
                "characters")
    return f"cannot be parsed as CSV: {exc}"


# ------------------------------------------------------------------------------------- zip
class _OwnedZip(zipfile.ZipFile):
    """A ZipFile that closes the handle it was opened on (ZipFile leaves a passed one open)."""

    def __init__(self, handle: IO[bytes]):
        self._owned_handle = handle
        super().__init__(handle)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._owned_handle.close()


def open_zip(path: str | os.PathLike, display: str | None = None, *, what: str,
             max_members: int = MAX_ZIP_MEMBERS, max_member_bytes: int = MAX_MEMBER_BYTES,
             error: ErrorMaker = _default_error) -> zipfile.ZipFile:
    """A zip archive whose directory was checked: member count, each member's and the total
    uncompressed size, no encrypted members, no unknown compression. Close it (or use
    ``with``) when done."""
    display = str(path) if display is None else display
    handle = open_regular_file(path, display, max_bytes=MAX_ARCHIVE_BYTES, what=what,
                               error=error)
    try:
        archive = _OwnedZip(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        handle.close()
        raise error(f"{display}: not a {what} (not a zip archive, or a damaged one)") \
            from None
    try:
        check_zip_directory(archive, display, max_members=max_members,
                            max_member_bytes=max_member_bytes, error=error)
    except BaseException:
        archive.close()
        raise
    return archive


def check_zip_directory(archive: zipfile.ZipFile, display: str, *, max_members: int,
                        max_member_bytes: int, error: ErrorMaker) -> None:
    infos = archive.infolist()
    if len(infos) > max_members:
        raise error(f"{display}: holds {len(infos):,} members, over the zip member count limit "
                    f"of {max_members}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise error(f"{display}: member {info.filename!r} is encrypted; encrypted zip "
                        "members are not read")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                      zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
            raise error(f"{display}: member {info.filename!r} uses an unknown compression "
                        f"method ({info.compress_type})")
        if info.file_size > max_member_bytes:
            raise error(f"{display}: member {info.filename!r} inflates to "
                        f"{exact_size(info.file_size)}, over the member size limit of "
                        f"{size_text(max_member_bytes)}")
        total += info.file_size
    if total > MAX_ARCHIVE_TOTAL_BYTES:
        raise error(f"{display}: its members inflate to {size_text(total)}, over the archive "
                    f"size limit of {size_text(MAX_ARCHIVE_TOTAL_BYTES)}")


_DAMAGED = (ValueError, OSError, EOFError, zipfile.BadZipFile, NotImplementedError,
            RuntimeError)


def read_member(archive: zipfile.ZipFile, name: str, display: str, *, max_bytes: int,
                error: ErrorMaker = _default_error) -> bytes:
    """A member's bytes, never more than ``max_bytes`` inflated (whatever the directory says)."""
    import zlib

    try:
        info = archive.getinfo(name)
    except KeyError:
        raise error(f"{display}: has no member {name!r}") from None
    if info.file_size > max_bytes:
        raise error(f"{display}: {name} inflates to {exact_size(info.file_size)}, over the "
                    f"size limit of {size_text(max_bytes)} for it")
    try:
        with archive.open(info) as member:
            data = member.read(max_bytes + 1)
    except (*_DAMAGED, zlib.error) as exc:
        raise error(f"{display}: {name} cannot be read from the archive ({exc})") from None
    if len(data) > max_bytes:                                 # pragma: no cover - CRC check
        raise error(f"{display}: {name} inflates past the size limit of "
                    f"{size_text(max_bytes)}")
    return data


# ------------------------------------------------------------------------------------- npy
def npz_array_names(archive: zipfile.ZipFile) -> list[str]:
    """The array names of an ``.npz`` archive (members ``NAME.npy``)."""
    return [name[:-4] if name.endswith(".npy") else name for name in archive.namelist()]


def read_npz_array(archive: zipfile.ZipFile, key: str, display: str, *,
                   max_bytes: int = MAX_MEMBER_BYTES,
                   error: ErrorMaker = _default_error) -> np.ndarray:
    """One array of an ``.npz``: its ``.npy`` header is read and its size (shape × item size)
    checked before its data; raw pickles, object arrays and non-``.npy`` members are refused."""
    import zlib

    name = key + ".npy" if key + ".npy" in archive.namelist() else key
    if not name.endswith(".npy"):
        raise error(f"{display}: {name!r} is not a NumPy array (.npy) member")
    try:
        with archive.open(name) as member:
            if member.read(6) != b"\x93NUMPY":
                raise error(f"{display}: {name!r} is not a NumPy array (it could be pickled "
                            "Python data, which is never loaded)")
            version = tuple(member.read(2))
            header = (np.lib.format.read_array_header_1_0 if version == (1, 0) else
                      np.lib.format.read_array_header_2_0 if version == (2, 0) else None)
            if header is None:
                raise error(f"{display}: {name!r} has an unknown .npy version {version}")
            shape, fortran, dtype = header(member, max_header_size=10_000)
            if dtype.hasobject:
                raise error(f"{display}: array {key!r} holds Python objects (dtype=object), "
                            "which are never unpickled; only plain arrays are read")
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes > max_bytes:
                raise error(f"{display}: array {key!r} of shape {shape} needs "
                            f"{size_text(nbytes)}, over the array size limit of "
                            f"{size_text(max_bytes)}")
            array = np.empty(math.prod(shape), dtype=dtype)
            _fill(member, array, key, display, error)
    except PlaygroundError:
        raise
    except (*_DAMAGED, zlib.error, SyntaxError, TypeError) as exc:
        raise error(f"{display}: array {key!r} is damaged ({exc})") from None
    if fortran:
        return array.reshape(shape[::-1]).transpose()
    return array.reshape(shape)


_CHUNK = 16 * 2**20


def _fill(member: IO[bytes], array: np.ndarray, key: str, display: str,
          error: ErrorMaker) -> None:
    """Read exactly the array's bytes into it, in chunks (no second copy in memory)."""
    view = memoryview(array).cast("B") if array.size else memoryview(b"")
    done = 0
    while done < len(view):
        chunk = member.read(min(_CHUNK, len(view) - done))
        if not chunk:
            raise error(f"{display}: array {key!r} is truncated (expected {len(view):,} "
                        f"bytes of data, found {done:,})")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)


class CheckedNpz:
    """An ``.npz`` file behind every limit, read lazily like ``np.load``'s ``NpzFile``:
    ``.files`` and ``archive[key]``; a context manager."""

    def __init__(self, path: str | os.PathLike, display: str | None = None, *,
                 error: ErrorMaker = _default_error):
        self.display = str(path) if display is None else display
        self.error = error
        self._zip = open_zip(Path(path), self.display, what=".npz archive", error=error)
        self.files = npz_array_names(self._zip)

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.files:
            raise KeyError(key)
        return read_npz_array(self._zip, key, self.display, error=self.error)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "CheckedNpz":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
