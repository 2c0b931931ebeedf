"""Painting the network diagram with QPainter (used by :mod:`ui.diagram.network_diagram`).

The widget decides *what* to show and hands over a :class:`DiagramView`; this module only
decides *where* and *how*:

- one column of nodes per layer, the input layer first, a loss box right of the output layer;
- links coloured by sign as in TensorFlow Playground (blue positive, orange negative), their
  width and opacity growing with the magnitude (relative to the largest in the network);
- node fill on the same diverging scale (orange − / light grey 0 / blue +), numbers inside the
  nodes when there is room, hollow dashed nodes for values not computed yet;
- the active layer in a violet band with a pill naming the quantity (``a₂``, ``δ₂``, ``ΔW``);
- for big networks at most ``max_nodes`` nodes a column with a ``⋮ +N`` marker, and links as
  bundles between columns (opacity ∝ RMS of the weights).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFont, QFontMetricsF, QLinearGradient, QPainter,
                           QPainterPath, QPen)

from ui.diagram.layout import (CARD, CARD_BORDER, FLOW_Y, HEADER_H, HIGHLIGHT, LEGEND_H,
                               MUTED, NEGATIVE, NODE_BORDER, POSITIVE, TEXT, ZERO, DiagramView,
                               Layout, compute_layout, diverging)
from ui.diagram.phase_format import fmt


def paint(painter: QPainter, rect: QRectF, view: DiagramView, base_font: QFont) -> Layout:
    """Draw ``view`` into ``rect``: card, highlight band, links, loss box, nodes, headers,
    legend (in that order, so the highlight sits behind and the text on top)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(QPen(CARD_BORDER, 1))
    painter.setBrush(CARD)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
    layout = compute_layout(view, rect)
    if not view.sizes:
        _text(painter, rect, "No network yet", base_font, MUTED, Qt.AlignmentFlag.AlignCenter)
        return layout
    _paint_band(painter, view, layout, base_font)
    if view.summarised:
        _paint_bundles(painter, view, layout, base_font)
    else:
        _paint_links(painter, view, layout)
    _paint_loss_box(painter, view, layout, base_font)
    _paint_nodes(painter, view, layout, base_font)
    _paint_headers(painter, view, layout, base_font)
    _paint_legend(painter, view, rect, base_font)
    return layout


def _font(base: QFont, points: float, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(base)
    font.setPointSizeF(points)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def _text(painter, rect, text, font, colour, flags) -> None:
    painter.setFont(font)
    painter.setPen(colour)
    painter.drawText(rect, int(flags), text)


def _chip(painter, centre: QPointF, text: str, font: QFont, colour) -> None:
    """``text`` centred on ``centre`` over a light rounded patch, readable on links too."""
    metrics = QFontMetricsF(font)
    w, h = metrics.horizontalAdvance(text) + 8, metrics.height() + 2
    box = QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 225))
    painter.drawRoundedRect(box, 4, 4)
    _text(painter, box, text, font, colour, Qt.AlignmentFlag.AlignCenter)


def _paint_band(painter, view, layout, base_font) -> None:
    """The violet band behind the active column (and the loss box in the loss phase)."""
    k, r = view.highlighted_layer, layout.radius
    if k is None or k >= len(layout.xs):
        return
    ys = layout.ys[k]
    x = layout.xs[k]
    half = max(r + 14, 30)
    band_top = layout.top - HEADER_H + 4
    band = QRectF(x - half, band_top, 2 * half, (ys[-1] + r + 36) - band_top)
    if view.loss_active and layout.loss_box is not None:
        band.setRight(layout.loss_box.right() + 8)
        band.setBottom(max(band.bottom(), layout.loss_box.bottom() + 52))
    fill = QColor(HIGHLIGHT)
    fill.setAlpha(26)
    painter.setPen(QPen(QColor(126, 87, 194, 150), 1.5))
    painter.setBrush(fill)
    painter.drawRoundedRect(band, 12, 12)
    if view.pill:
        font = _font(base_font, 9.5, bold=True)
        width = QFontMetricsF(font).horizontalAdvance(view.pill) + 16
        pill = QRectF(x - width / 2, ys[-1] + r + 10, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HIGHLIGHT)
        painter.drawRoundedRect(pill, 10, 10)
        _text(painter, pill, view.pill, font, QColor("white"), Qt.AlignmentFlag.AlignCenter)


#: link strengths are drawn in this many steps (of |w| / the largest |w|): finer than the eye
#: (and the 8 bits of a colour channel) tells, and the pens of a paint are made once a step
LINK_STEPS = 256


def _link_opacity(t: float, strong: bool) -> float:
    return (0.18 + 0.82 * t ** 0.7) * (1.0 if strong else 0.22)


def _link_colour(positive: bool, t: float, strong: bool) -> QColor:
    """The link's colour at its opacity, mixed with the white card it lies on and drawn
    opaque: the same colour, but Qt strokes an opaque antialiased curve 3–4× faster than a
    translucent one (which it must outline and fill so that it does not blend with itself) —
    2,500 translucent links took 0.5 s a paint, more while training shares the CPU. (Where
    links cross, the stronger one, drawn last, covers the fainter instead of tinting it.)"""
    end = POSITIVE if positive else NEGATIVE
    alpha = _link_opacity(t, strong)
    return QColor.fromRgbF(CARD.redF() + (end.redF() - CARD.redF()) * alpha,
                           CARD.greenF() + (end.greenF() - CARD.greenF()) * alpha,
                           CARD.blueF() + (end.blueF() - CARD.blueF()) * alpha)


def _strength(value: float, scale: float) -> float:
    """|value| / scale on 0…1 (0 for a value that is not finite)."""
    return min(abs(value) / scale, 1.0) if scale > 0 and np.isfinite(value) else 0.0


def _link_pen(positive: bool, t: float, strong: bool, max_width: float) -> QPen:
    pen = QPen(_link_colour(positive, t, strong), 0.6 + (max_width - 0.6) * t)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class _LinkPens:
    """The pens of one layer's links, one per sign and step of |w| / scale, made on first
    use (thousands of links, a few hundred distinct pens)."""

    def __init__(self, scale: float, strong: bool, max_width: float):
        self.scale, self.strong, self.max_width = scale, strong, max_width
        self.pens: dict[tuple[bool, int], QPen] = {}

    def __call__(self, value: float) -> QPen:
        key = (value > 0, round(_strength(value, self.scale) * LINK_STEPS))
        pen = self.pens.get(key)
        if pen is None:
            pen = self.pens[key] = _link_pen(key[0], key[1] / LINK_STEPS, self.strong,
                                             self.max_width)
        return pen


def _curve(x1, y1, x2, y2) -> QPainterPath:
    path = QPainterPath(QPointF(x1, y1))
    mid = (x1 + x2) / 2
    path.cubicTo(QPointF(mid, y1), QPointF(mid, y2), QPointF(x2, y2))
    return path


def _paint_links(painter, view, layout) -> None:
    painter.setBrush(Qt.BrushStyle.NoBrush)
    r = layout.radius
    max_width = float(np.clip(r * 0.45, 2.0, 7.0))
    order = sorted(range(1, len(view.sizes)),
                   key=lambda k: view.link_emphasis is None or k in view.link_emphasis)
    for k in order:
        W = view.link_values[k - 1] if k - 1 < len(view.link_values) else None
        if W is None:
            continue
        strong = view.link_emphasis is None or k in view.link_emphasis
        pens = _LinkPens(view.link_scale, strong, max_width)
        pairs = [(abs(W[i, j]), i, j, a, b)
                 for a, i in enumerate(layout.slots[k - 1]) if i is not None
                 for b, j in enumerate(layout.slots[k]) if j is not None]
        for _, i, j, a, b in sorted(pairs):         # the strongest on top
            painter.setPen(pens(float(W[i, j])))
            painter.drawPath(_curve(layout.xs[k - 1] + r, layout.ys[k - 1][a],
                                    layout.xs[k] - r, layout.ys[k][b]))


def _paint_bundles(painter, view, layout, base_font) -> None:
    """Summarised links: one band per layer, opacity ∝ RMS (of W or ΔW)."""
    rms = [v for v in view.link_rms if v is not None and np.isfinite(v)]
    top_rms = max(rms) if rms else 1.0
    r = layout.radius
    for k in range(1, len(view.sizes)):
        value = view.link_rms[k - 1] if k - 1 < len(view.link_rms) else None
        if value is not None and not np.isfinite(value):
            t = 1.0                     # a diverged layer (inf): the strongest band, not NaN
        else:
            t = min(value / top_rms, 1.0) if value and top_rms > 0 else 0.0
        strong = view.link_emphasis is None or k in view.link_emphasis
        x1, x2 = layout.xs[k - 1] + r + 2, layout.xs[k] - r - 2
        a, b = layout.ys[k - 1], layout.ys[k]
        path = QPainterPath(QPointF(x1, a[0]))
        mid = (x1 + x2) / 2
        path.cubicTo(QPointF(mid, a[0]), QPointF(mid, b[0]), QPointF(x2, b[0]))
        path.lineTo(QPointF(x2, b[-1]))
        path.cubicTo(QPointF(mid, b[-1]), QPointF(mid, a[-1]), QPointF(x1, a[-1]))
        path.closeSubpath()
        colour = QColor("#7a8896")
        colour.setAlphaF((0.10 + 0.45 * t) * (1.0 if strong else 0.45))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPath(path)
        if value is not None:
            # a quarter down the band: its middle is where the columns' "⋮ +N" markers sit
            top, bottom = (a[0] + b[0]) / 2, (a[-1] + b[-1]) / 2
            box = QRectF(mid - 50, top + 0.25 * (bottom - top) - 9, 100, 18)
            _text(painter, box, f"rms {_short(value)}", _font(base_font, 8), TEXT,
                  Qt.AlignmentFlag.AlignCenter)


def _short(value: float) -> str:
    return fmt(value, 2)


def _paint_loss_box(painter, view, layout, base_font) -> None:
    box = layout.loss_box
    if box is None:
        return
    r = layout.radius
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(150, 156, 162, 140), 1.0, Qt.PenStyle.DashLine))
    for y in layout.ys[-1]:
        painter.drawPath(_curve(layout.xs[-1] + r, y, box.left(), box.center().y()))
    border = HIGHLIGHT if view.loss_active else NODE_BORDER
    painter.setPen(QPen(border, 2.0 if view.loss_active else 1.0))
    painter.setBrush(QColor("#f6f2fc") if view.loss_active else QColor("#f8f9fa"))
    painter.drawRoundedRect(box, 8, 8)
    top = QRectF(box.left(), box.top() + 4, box.width(), 20)
    _text(painter, top, "L", _font(base_font, 11, bold=True, italic=True), TEXT,
          Qt.AlignmentFlag.AlignCenter)
    value = view.loss_text if view.loss_text is not None else "–"
    _text(painter, QRectF(box.left(), box.top() + 24, box.width(), 22), value,
          _font(base_font, 9.5), TEXT if view.loss_text else MUTED, Qt.AlignmentFlag.AlignCenter)
    if view.target_text:
        right = box.right() + 8
        under = QRectF(right - box.width() - 40, box.bottom() + 4, box.width() + 40, 44)
        _text(painter, under, view.target_text, _font(base_font, 8.5), MUTED,
              Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)


def _paint_nodes(painter, view, layout, base_font) -> None:
    r = layout.radius
    number_font = _font(base_font, max(6.5, min(9.0, r * 0.45)))
    chip_font = _font(base_font, 7.5)
    for k, column in enumerate(layout.slots):
        values = view.node_values[k] if k < len(view.node_values) else None
        scale = view.node_scales[k] if k < len(view.node_scales) else 1.0
        pending = view.pending[k] if k < len(view.pending) else False
        active = view.highlighted_layer == k
        x = layout.xs[k]
        font = None
        if view.numbers and values is not None and r >= 12:
            texts = [_short(float(values[u])) for u in column if u is not None]
            longest = max(texts, key=len, default="")
            font = _fitting_font(number_font, longest, 1.8 * r)
        for slot, unit in enumerate(column):
            y = layout.ys[k][slot]
            if unit is None:
                hidden = view.sizes[k] - (len(column) - 1)
                _chip(painter, QPointF(x, y), f"⋮ +{hidden}", _font(base_font, 8.5), MUTED)
                continue
            centre = QPointF(x, y)
            if pending:
                pen = QPen(NODE_BORDER, 1.0, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.setBrush(QColor("white"))
                painter.drawEllipse(centre, r, r)
                continue
            value = None if values is None else float(values[unit])
            fill = QColor("#f1f3f4") if value is None else diverging(value / scale if scale else 0)
            painter.setPen(QPen(HIGHLIGHT if active else NODE_BORDER, 2.2 if active else 1.0))
            painter.setBrush(QBrush(fill))
            painter.drawEllipse(centre, r, r)
            images = view.node_images[k] if k < len(view.node_images) else None
            if images is not None:
                _paint_node_image(painter, centre, r, images[unit], active)
                continue
            if not view.numbers or value is None:
                continue
            text = _short(value)
            if font is not None:
                dark = fill.lightnessF() < 0.55
                _text(painter, QRectF(x - r, y - r, 2 * r, 2 * r), text, font,
                      QColor("white") if dark else TEXT, Qt.AlignmentFlag.AlignCenter)
            elif active:
                left = view.highlight_kind == "backward" and k > 0
                _paint_chip(painter, x, y, r, text, left, chip_font)


def _paint_node_image(painter, centre: QPointF, r: float, image, active: bool) -> None:
    """A neuron's picture (activation map) inside its node, under the node's ring."""
    clip = QPainterPath()
    clip.addEllipse(centre, r, r)
    painter.save()
    painter.setClipPath(clip)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r), image)
    painter.restore()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(HIGHLIGHT if active else NODE_BORDER, 2.2 if active else 1.0))
    painter.drawEllipse(centre, r, r)


def _paint_chip(painter, x, y, r, text, left, font) -> None:
    """A value in a small white label beside a node too small to hold it."""
    width = QFontMetricsF(font).horizontalAdvance(text) + 8
    cx = x - r - 3 - width if left else x + r + 3
    chip = QRectF(cx, y - 7.5, width, 15)
    painter.setPen(QPen(QColor(126, 87, 194, 140), 0.8))
    painter.setBrush(QColor(255, 255, 255, 235))
    painter.drawRoundedRect(chip, 4, 4)
    _text(painter, chip, text, font, TEXT, Qt.AlignmentFlag.AlignCenter)


def _fitting_font(font: QFont, text: str, width: float) -> QFont | None:
    """``font`` shrunk until ``text`` fits ``width`` (not below 7 pt; None if it never fits)."""
    font = QFont(font)
    while QFontMetricsF(font).horizontalAdvance(text) > width:
        if font.pointSizeF() <= 7.0:
            return None
        font.setPointSizeF(font.pointSizeF() - 0.5)
    return font


def _fitted(text: str, font: QFont, width: float, *shorter: str) -> str:
    """``text``, else the first of ``shorter`` that fits ``width``, else the last elided."""
    metrics = QFontMetricsF(font)
    for candidate in (text, *shorter):
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText((shorter or (text,))[-1], Qt.TextElideMode.ElideRight, width)


def abbreviated(title: str) -> str:
    """A column title for a narrow column: "layer 3" → "L3", "input x" → "x", "output" →
    "out" (nine columns in a small dock left "in… la… 8 s…")."""
    words = title.split()
    if len(words) == 2 and words[0] == "layer":
        return "L" + words[1]
    if words and words[0] == "input":
        return words[-1]
    return {"output": "out"}.get(title, title)


def _paint_headers(painter, view, layout, base_font) -> None:
    top = layout.top - HEADER_H
    bold, small = _font(base_font, 9.5, bold=True), _font(base_font, 8.5)
    centres = list(layout.xs) + ([layout.loss_box.center().x()] if layout.loss_box else [])
    for k, x in enumerate(layout.xs):
        title, subtitle = view.titles[k] if k < len(view.titles) else ("", "")
        colour = HIGHLIGHT if view.highlighted_layer == k else TEXT
        # room between the neighbouring columns, so that no two headers overlap
        gaps = [abs(centres[j] - x) for j in (k - 1, k + 1) if 0 <= j < len(centres)]
        width = min([140.0] + [g - 6 for g in gaps])
        short = title.split(" · ")[-1] if " · " in title else title
        _text(painter, QRectF(x - width / 2, top + 4, width, 18),
              _fitted(title, bold, width, short, abbreviated(short)), bold, colour,
              Qt.AlignmentFlag.AlignCenter)
        # "8 sigmoid" → "8": the count always fits, the name is in the tooltip and the card
        _text(painter, QRectF(x - width / 2, top + 21, width, 16),
              _fitted(subtitle, small, width, subtitle.split(" ")[0]), small, MUTED,
              Qt.AlignmentFlag.AlignCenter)
    if layout.loss_box is not None:
        box = layout.loss_box
        colour = HIGHLIGHT if view.loss_active else TEXT
        _text(painter, QRectF(box.center().x() - 40, top + 4, 80, 18), "loss", bold, colour,
              Qt.AlignmentFlag.AlignCenter)
    if view.banner:
        font = _font(base_font, 9.5, bold=True)
        width = QFontMetricsF(font).horizontalAdvance(view.banner) + 20
        centre = (layout.xs[0] + layout.xs[-1]) / 2
        pill = QRectF(centre - width / 2, top + FLOW_Y - 10, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(HIGHLIGHT)
        painter.drawRoundedRect(pill, 10, 10)
        _text(painter, pill, view.banner, font, QColor("white"), Qt.AlignmentFlag.AlignCenter)
    if view.flow is not None:
        start, end, caption = view.flow
        xs = layout.xs + ([layout.loss_box.center().x()] if layout.loss_box else [])
        x1, x2 = np.interp([start, end], range(len(xs)), xs)
        _paint_flow_arrow(painter, x1, x2, top + FLOW_Y, caption, base_font)


def _paint_flow_arrow(painter, x1, x2, y, caption, base_font) -> None:
    """An arrow between two columns just above the nodes, with a caption on it."""
    pen = QPen(HIGHLIGHT, 2.0)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    lo, hi = min(x1, x2) + 18, max(x1, x2) - 18
    if hi - lo < 20:
        return
    painter.drawLine(QPointF(lo, y), QPointF(hi, y))
    tip = hi if x2 > x1 else lo
    back = -7 if x2 > x1 else 7
    painter.setBrush(HIGHLIGHT)
    head = QPainterPath(QPointF(tip, y))
    head.lineTo(QPointF(tip + back, y - 4.5))
    head.lineTo(QPointF(tip + back, y + 4.5))
    head.closeSubpath()
    painter.drawPath(head)
    font = _font(base_font, 9, bold=True)
    width = QFontMetricsF(font).horizontalAdvance(caption) + 12
    box = QRectF((lo + hi) / 2 - width / 2, y - 19, width, 15)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 235))
    painter.drawRoundedRect(box, 4, 4)
    _text(painter, box, caption, font, HIGHLIGHT, Qt.AlignmentFlag.AlignCenter)


def _paint_legend(painter, view, rect, base_font) -> None:
    y = rect.bottom() - LEGEND_H + 8
    x = rect.left() + 14
    small = _font(base_font, 8.5)
    gradient = QLinearGradient(QPointF(x, 0), QPointF(x + 64, 0))
    gradient.setColorAt(0.0, NEGATIVE)
    gradient.setColorAt(0.5, ZERO)
    gradient.setColorAt(1.0, POSITIVE)
    painter.setPen(QPen(CARD_BORDER, 0.8))
    painter.setBrush(QBrush(gradient))
    painter.drawRoundedRect(QRectF(x, y + 3, 64, 9), 3, 3)
    _text(painter, QRectF(x - 2, y + 13, 20, 12), "−", small, MUTED, Qt.AlignmentFlag.AlignLeft)
    _text(painter, QRectF(x + 48, y + 13, 18, 12), "+", small, MUTED,
          Qt.AlignmentFlag.AlignRight)
    text_x = x + 76
    width = rect.right() - text_x - 12
    lines = [(view.legend_nodes, TEXT), (view.legend_links, MUTED)]
    if view.note:
        lines.append((view.note, MUTED))
    metrics = QFontMetricsF(small)
    for i, (line, colour) in enumerate(list(lines)):       # split at " · " while room is left
        if (len(lines) < 3 and " · " in line
                and metrics.horizontalAdvance(line) > width):
            first, rest = line.split(" · ", 1)
            at = lines.index((line, colour))
            lines[at:at + 1] = [(first, colour), (rest, colour)]
    for i, (line, colour) in enumerate(lines[:3]):
        line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
        _text(painter, QRectF(text_x, y - 2 + 14 * i, width, 14), line, small, colour,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
