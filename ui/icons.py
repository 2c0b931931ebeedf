"""The app's icons: small SVG drawings shipped in ``assets/icons/``.

``icon("play")`` loads ``assets/icons/play.svg`` (found through
:func:`playground.resources.asset_path`, so it works from a checkout and from an installed
wheel). A missing file gives an empty icon rather than an error: buttons keep their text.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QIcon

from playground.resources import AssetNotFoundError, asset_path

NAMES = ("play", "pause", "step-batch", "step-epoch", "step-phase", "reset", "new", "open",
         "save", "save-as", "export", "undo", "redo", "chevron-down", "app")


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon ``name`` (one of :data:`NAMES`)."""
    try:
        return QIcon(str(asset_path("icons", f"{name}.svg")))
    except AssetNotFoundError:
        return QIcon()
