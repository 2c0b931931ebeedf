"""Colours for data points and the small source pictures of the data panel.

Two classes are orange and blue as in TensorFlow Playground; more classes use a qualitative
palette. Regression targets go from orange (low) through grey to blue (high) — grey rather than
TF Playground's white so that middle values stay visible on a white plot. The source
thumbnails are drawn once with QPainter from a small sample of each generated set (the engine's
own generators, fixed seed) and cached. Display only: nothing here learns.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap

from playground.data.config import CLASSES_DEFAULTS, GENERATED
from playground.data.generated import RAW_SCALE, generate
from ui.widgets.theme import class_color

_LOW, _MID, _HIGH = (np.array([245, 147, 34.]), np.array([196, 200, 206.]),
                    np.array([8, 119, 189.]))

_THUMBS: dict[tuple[str, int], QIcon] = {}


def value_rgb(values: np.ndarray, low: float | None = None, high: float | None = None
              ) -> np.ndarray:
    """RGB rows (0..255) for regression values: orange (low) → white → blue (high)."""
    values = np.asarray(values, dtype=float).ravel()
    low = float(np.min(values)) if low is None and values.size else (low or 0.0)
    high = float(np.max(values)) if high is None and values.size else (high or 1.0)
    t = (values - low) / (high - low) if high > low else np.full(values.shape, 0.5)
    t = np.clip(t, 0.0, 1.0)[:, None]
    below = _LOW + (_MID - _LOW) * (t / 0.5)
    above = _MID + (_HIGH - _MID) * ((t - 0.5) / 0.5)
    return np.where(t < 0.5, below, above)


def _draw_points(painter: QPainter, points: np.ndarray, colours: list[QColor], size: int
                 ) -> None:
    scale = (size - 6) / (2 * RAW_SCALE * 1.1)
    centre = size / 2
    painter.setPen(Qt.PenStyle.NoPen)
    for (x, y), colour in zip(points, colours):
        painter.setBrush(QBrush(colour))
        painter.drawEllipse(QPointF(centre + x * scale, centre - y * scale), 1.5, 1.5)


def _draw_table(painter: QPainter, size: int) -> None:
    pen = QPen(QColor("#7b8594"), 1)
    painter.setPen(pen)
    top, left, w, h = size * 0.18, size * 0.14, size * 0.72, size * 0.64
    painter.setBrush(QColor("#dfe7f1"))
    painter.drawRect(QRectF(left, top, w, h / 4))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(left, top, w, h))
    for i in range(1, 4):
        painter.drawLine(QPointF(left, top + i * h / 4), QPointF(left + w, top + i * h / 4))
    for i in range(1, 3):
        painter.drawLine(QPointF(left + i * w / 3, top), QPointF(left + i * w / 3, top + h))


def _draw_digit(painter: QPainter, size: int) -> None:
    try:
        from playground.files.resources import asset_path     # the set ships with the engine
        with np.load(asset_path("data", "digits.npz"), allow_pickle=False) as archive:
            image = archive["X"][archive["y"] == 2][0].reshape(8, 8) / 16.0
    except Exception:                    # a damaged install: draw a plain frame instead
        image = np.zeros((8, 8))
    cell = (size - 10) / 8
    painter.setPen(Qt.PenStyle.NoPen)
    for r in range(8):
        for c in range(8):
            grey = int(255 - 200 * image[r, c])
            painter.setBrush(QColor(grey, grey, grey))
            painter.drawRect(QRectF(5 + c * cell, 5 + r * cell, cell + 0.5, cell + 0.5))


def source_icon(source: str, size: int = 44) -> QIcon:
    """A small picture of a data source (cached)."""
    key = (source, size)
    if key in _THUMBS:
        return _THUMBS[key]
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if source in GENERATED:
        rng = np.random.default_rng(3)
        n = 4 if source == "xor" else 150
        points, y = generate(source, n, 0.06, CLASSES_DEFAULTS.get(source, 2), rng)
        if source == "xor":                    # four corners are too sparse for a picture
            points, y = generate(source, 160, 0.12, 2, rng)
            points = (points - 0.5) * 2.0
        if y.ndim == 2:
            colours = [QColor(*map(int, rgb)) for rgb in value_rgb(y[:, 0])]
        else:
            colours = [QColor(class_color(k)) for k in y]
        _draw_points(painter, points, colours, size)
    elif source == "digits":
        _draw_digit(painter, size)
    else:
        _draw_table(painter, size)
    painter.setPen(QPen(QColor("#c5ccd6"), 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    painter.end()
    _THUMBS[key] = QIcon(pixmap)
    return _THUMBS[key]
