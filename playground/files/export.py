"""Export a network for other tools: a PyTorch script that trains it as the app does
(:mod:`~playground.files.export_pytorch`), or an ONNX model of it for inference
(:mod:`~playground.files.export_onnx`).

:func:`export_trainer` works on any trainer, one built from a file by the command line or the
one the window has. An export is several files (the script and its ``.npz`` files); they are
written together: each to a temporary file first, then all renamed into place, so a failure
part-way (a full disk, a folder that cannot be written) leaves none of them behind.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from playground.errors import PlaygroundError
from .atomic import atomic_open

#: target → (what the output file's name ends in, what it is)
FORMATS = {"pytorch": (".py", "a PyTorch script"), "onnx": (".onnx", "an ONNX model")}


def check_target(to: str, out: str | Path) -> Path:
    """``out`` as a Path, once it is a valid place for an export to ``to``."""
    if to not in FORMATS:
        raise PlaygroundError(f"unknown export format {to!r}; choose "
                              + " or ".join(FORMATS))
    out = Path(out)
    suffix, what = FORMATS[to]
    if out.suffix.lower() != suffix:
        raise PlaygroundError(f"{out}: {what} is written to a file whose name ends in "
                              f"{suffix}")
    if out.is_dir():
        raise PlaygroundError(f"{out}: is a folder; name the {suffix} file to write")
    return out


def export_files(trainer, to: str, out: str | Path, source: str) -> dict[Path, bytes]:
    """Every file of the export, keyed by its path (nothing is written)."""
    out = check_target(to, out)
    if to == "onnx":
        from .export_onnx import onnx_files
        return onnx_files(trainer, out, source)
    from .export_pytorch import pytorch_files
    return pytorch_files(trainer, out, source)


def export_trainer(trainer, to: str, out: str | Path, source: str) -> list[Path]:
    """Export ``trainer`` to ``to`` (``pytorch`` or ``onnx``) at ``out``; ``source`` names
    what it came from (a file, or the window's experiment). Returns the files written."""
    files = export_files(trainer, to, out, source)
    write_together(files)
    return list(files)


def write_together(files: dict[Path, bytes]) -> None:
    """Write every file atomically, all or none (see the module docstring)."""
    with contextlib.ExitStack() as stack:
        handles = [(stack.enter_context(atomic_open(path, "wb")), data)
                   for path, data in files.items()]
        for handle, data in handles:
            handle.write(data)
