"""Finding files that ship with the program (the digits data set, example experiments, icons).

The same code runs from three layouts:

* an installed wheel, where the packaging step copies the repository's ``assets/`` folder into
  the package as ``playground/_assets/``;
* a source checkout, where ``assets/`` sits next to the ``playground/`` folder;
* the stand-alone program built by PyInstaller (``packaging/``), which unpacks the same
  ``playground/_assets/`` under its bundle folder, ``sys._MEIPASS``.

:func:`asset_path` looks in that order and returns the first file or folder that exists, so
callers never build paths from ``__file__`` themselves.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playground.errors import PlaygroundError

__all__ = ["AssetNotFoundError", "asset_path", "asset_roots"]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]     # playground/


class AssetNotFoundError(PlaygroundError, FileNotFoundError):
    """A file that should ship with the program is missing (a broken install or checkout)."""


def asset_roots() -> tuple[Path, ...]:
    """The folders searched for assets, in order: ``<package>/_assets``, ``<repo>/assets``
    (in the PyInstaller bundle: ``<bundle>/playground/_assets`` first)."""
    roots = (_PACKAGE_DIR / "_assets", _PACKAGE_DIR.parent / "assets")
    bundle = getattr(sys, "_MEIPASS", None) if getattr(sys, "frozen", False) else None
    if bundle:
        frozen = Path(bundle) / "playground" / "_assets"
        roots = (frozen,) + tuple(root for root in roots if root != frozen)
    return roots


def asset_path(*parts: str) -> Path:
    """Path of the shipped asset ``parts`` (e.g. ``asset_path("data", "digits.npz")``).

    Raises :class:`AssetNotFoundError` (a :class:`PlaygroundError` and a
    :class:`FileNotFoundError`) naming every place that was searched.
    """
    if not parts:
        raise ValueError("asset_path() needs at least one path component")
    for root in asset_roots():
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    searched = " and ".join(str(root.joinpath(*parts)) for root in asset_roots())
    raise AssetNotFoundError(
        f"shipped file {'/'.join(parts)!r} is missing (looked at {searched}); "
        "the installation or checkout is incomplete")
