"""Render the app icon (assets/icons/app.svg) to the PNG sizes desktops look for.

Writes ``assets/icons/hicolor/<n>x<n>/apps/<DESKTOP_FILE_ID>.png`` for n in :data:`SIZES` with
Qt's own SVG renderer (QtSvg), the same one that draws the icon in the running app. The PNGs
are committed; run this again after changing the SVG::

    python packaging/render_icons.py            # from the repository root, any venv with PySide6
    python packaging/render_icons.py --check    # exit 1 if a committed PNG is missing or stale

``--check`` compares pixels, not bytes, and allows the small anti-aliasing differences between
Qt versions (:data:`TOLERANCE`), so it fails only when the drawing itself changed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "assets" / "icons" / "app.svg"
HICOLOR = ROOT / "assets" / "icons" / "hicolor"
DESKTOP_FILE_ID = "io.github.backprop_playground.BackpropPlayground"
SIZES = (48, 64, 128, 256, 512)
#: --check: the largest mean difference per channel (0..255) still taken as the same picture
TOLERANCE = 2.0


def png_path(size: int) -> Path:
    return HICOLOR / f"{size}x{size}" / "apps" / f"{DESKTOP_FILE_ID}.png"


def render(renderer, size: int):
    """The SVG drawn on a transparent ``size`` × ``size`` image."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def difference(a, b) -> float:
    """Mean absolute difference per channel (0..255) of two images; inf if sizes differ."""
    import numpy as np
    from PySide6.QtGui import QImage

    if a.size() != b.size():
        return float("inf")
    arrays = []
    for image in (a, b):
        image = image.convertToFormat(QImage.Format.Format_RGBA8888)
        data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
        rows = data.reshape(image.height(), image.bytesPerLine())[:, :4 * image.width()]
        arrays.append(rows.astype(np.int16))
    return float(np.abs(arrays[0] - arrays[1]).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the committed PNGs match the SVG")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - needed
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 2
    stale = []
    for size in SIZES:
        image = render(renderer, size)
        path = png_path(size)
        if args.check:
            if difference(QImage(str(path)), image) > TOLERANCE:
                stale.append(str(path.relative_to(ROOT)))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            print(f"cannot write {path}", file=sys.stderr)
            return 2
        print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("missing or stale (run python packaging/render_icons.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
