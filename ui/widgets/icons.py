"""The app's icons: small SVG drawings shipped in ``assets/icons/``.

``icon("play")`` loads ``assets/icons/play.svg`` (found through
:func:`playground.files.resources.asset_path`, so it works from a checkout and from an installed
wheel). A missing file gives an empty icon rather than an error: buttons keep their text.

The drawings use a dark grey and a mid blue. Under a dark palette (a dark desktop theme)
those would hardly show, so each is swapped for its light counterpart in :data:`ON_DARK`
and the icon is rendered from the recoloured drawing.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap

from playground.files.resources import AssetNotFoundError, asset_path

from .theme import is_dark

NAMES = ("play", "pause", "step-batch", "step-epoch", "step-phase", "reset", "new", "open",
         "save", "save-as", "export", "undo", "redo", "chevron-down", "app")

#: stroke and fill colours of the drawings, and what they become on a dark palette
ON_DARK = {"#3d4852": "#d5dbe1", "#6b7580": "#aab3bc", "#1f6fb2": "#6cb4ee"}
#: pixel sizes rendered for a recoloured icon (toolbar, buttons, menus, HiDPI)
SIZES = (16, 20, 24, 32, 40, 48, 64)


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon ``name`` (one of :data:`NAMES`), in colours that show on the palette."""
    try:
        path = asset_path("icons", f"{name}.svg")
    except AssetNotFoundError:
        return QIcon()
    if name == "app" or not is_dark():
        return QIcon(str(path))
    svg = path.read_text(encoding="utf-8")
    for light, dark in ON_DARK.items():
        svg = svg.replace(light, dark)
    return _rendered(svg)


def _rendered(svg: str) -> QIcon:
    from PySide6.QtSvg import QSvgRenderer      # only on a dark palette
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result
