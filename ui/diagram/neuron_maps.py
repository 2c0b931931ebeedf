"""Pictures and words for one neuron: its activation map as an image, its formula, its state.

The engine measures what each neuron computes (:mod:`playground.training.neurons`); this
module only turns those numbers into things to look at:

* :func:`map_image` — a unit's activation over the input plane as a QImage on the diagram's
  diverging scale (orange − · grey 0 · blue +), x2 growing upwards as in the decision plot
  (:func:`map_images`: those of a whole layer at once);
* :func:`formula` — ``a = tanh(0.41·x1 − 1.2·x2 + 0.05)`` with the current weights;
* :class:`NeuronCard` — the large view shown when a neuron is clicked: the map (or, for data
  with more inputs, the activation histogram, or for digits the 8×8 weight image), the
  formula and whether the unit is dead or saturated.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout

from ui.diagram.layout import NEGATIVE, POSITIVE, ZERO
from ui.diagram.phase_format import fmt

BOUNDED_01 = ("sigmoid", "softmax")
STATUS_TEXT = {"dead": "dead: never active on the data (z ≤ 0 for every sample), so no "
                       "gradient reaches its weights",
               "saturated": "saturated: on the flat ends of its activation for most samples, "
                            "so its gradient is tiny"}


def scaled(values: np.ndarray, activation: str, top: float | None = None) -> np.ndarray:
    """Activation values on the colour scale's [−1, 1]: sigmoid/softmax 0…1 → −1…1, tanh as
    is, unbounded ones divided by ``top`` (the largest |a| of the layer)."""
    values = np.asarray(values, dtype=np.float64)
    if activation in BOUNDED_01:
        return 2.0 * values - 1.0
    if activation == "tanh":
        return values
    top = top if top and np.isfinite(top) and top > 0 else 1.0
    return values / top


def _rgb(t: np.ndarray) -> np.ndarray:
    """The diagram's diverging colours for scaled values (same curve as layout.diverging)."""
    t = np.clip(np.nan_to_num(t), -1.0, 1.0)
    u = np.abs(t) ** 0.8
    zero = np.array([ZERO.red(), ZERO.green(), ZERO.blue()], np.float64)
    pos = np.array([POSITIVE.red(), POSITIVE.green(), POSITIVE.blue()], np.float64)
    neg = np.array([NEGATIVE.red(), NEGATIVE.green(), NEGATIVE.blue()], np.float64)
    end = np.where((t > 0)[..., None], pos, neg)
    return (zero + (end - zero) * u[..., None]).astype(np.uint8)


def map_image(values: np.ndarray, activation: str, top: float | None = None) -> QImage:
    """A unit's map (rows = x2 from low to high) as an RGB image, x2 upwards."""
    return map_images(np.asarray(values)[None], activation, top)[0]


def map_images(maps: np.ndarray, activation: str, top: float | None = None) -> list[QImage]:
    """The maps of a layer's units ``(units, rows, columns)`` as images (see
    :func:`map_image`), coloured in one pass over them all: a deep network's few hundred
    nodes took a colour pass each, tens of milliseconds per picture of the diagram."""
    rgb = np.ascontiguousarray(_rgb(scaled(maps, activation, top))[:, ::-1])
    return [_rgb_image(unit) for unit in rgb]


def _rgb_image(rgb: np.ndarray) -> QImage:
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()          # owns its pixels: the array may go


def weight_image(image: np.ndarray) -> QImage:
    """An 8×8 weight image on the diverging scale (its own largest |w| is full colour)."""
    top = float(np.max(np.abs(image))) or 1.0
    return _rgb_image(np.ascontiguousarray(_rgb(np.asarray(image) / top)))


def formula(W: np.ndarray, b: np.ndarray | None, unit: int, activation: str,
            inputs: list[str], max_terms: int = 6) -> str:
    """``a = f(w₁·x₁ + … + b)`` of one unit with its current numbers."""
    column = np.asarray(W)[:, unit]
    terms = []
    for i, w in enumerate(column[:max_terms]):
        sign = "−" if w < 0 else "+"
        text = f"{fmt(abs(float(w)), 3)}·{inputs[i]}"
        terms.append(text if not terms and w >= 0 else f"{sign} {text}" if terms
                     else f"−{text}")
    if len(column) > max_terms:
        terms.append(f"+ … ({len(column) - max_terms} more)")
    if b is not None:
        bias = float(np.asarray(b)[unit])
        terms.append(f"{'−' if bias < 0 else '+'} {fmt(abs(bias), 3)}")
    return f"a = {activation}({' '.join(terms)})"


def _histogram_pixmap(counts: np.ndarray, edges: np.ndarray, size: int) -> QPixmap:
    pixmap = QPixmap(size, size // 2)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    top = max(int(counts.max()), 1)
    width = size / len(counts)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(POSITIVE)
    for i, c in enumerate(counts):
        h = (size // 2 - 4) * c / top
        painter.drawRect(QRectF(i * width + 1, size // 2 - h, width - 2, h))
    painter.setPen(QPen(QColor("#5f6368")))
    painter.drawText(QRectF(2, 2, size - 4, 14), Qt.AlignmentFlag.AlignLeft,
                     f"{fmt(float(edges[0]), 2)} … {fmt(float(edges[-1]), 2)}")
    painter.end()
    return pixmap


class NeuronCard(QFrame):
    """The large view of one neuron, opened by clicking it in the diagram."""

    edit_bias = Signal(int, int)        # layer (1…L), unit

    SIZE = 220

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("neuronCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = QLabel(objectName="neuronTitle")
        self.title.setStyleSheet("font-weight: bold")
        self.picture = QLabel(objectName="neuronPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(objectName="neuronCaption")
        self.formula = QLabel(objectName="neuronFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(objectName="neuronStatus")
        self.status.setWordWrap(True)
        self.bias_button = QPushButton("Set bias b…", objectName="neuronSetBias")
        self.bias_button.clicked.connect(lambda: self.edit_bias.emit(*self._unit))
        for widget in (self.title, self.picture, self.caption, self.formula, self.status,
                       self.bias_button):
            layout.addWidget(widget)
        self._unit = (1, 0)
        self.setMinimumWidth(self.SIZE + 40)

    def show_neuron(self, layer: int, unit: int, activation: str, view, W, b,
                    inputs: list[str], editable: bool) -> None:
        """Fill the card for unit ``unit`` of Dense layer ``layer`` (1…L)."""
        self._unit = (layer, unit)
        self.title.setText(f"layer {layer}, neuron {unit + 1} · {activation}")
        if view is not None and view.maps is not None:
            top = float(np.max(np.abs(view.maps)))
            image = map_image(view.maps[unit], activation, top)
            self.picture.setPixmap(QPixmap.fromImage(image).scaled(
                self.SIZE, self.SIZE, Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            x0, x1, y0, y1 = view.extent
            self.caption.setText(f"activation over the input plane: x1 {fmt(x0, 2)}…"
                                 f"{fmt(x1, 2)} →, x2 {fmt(y0, 2)}…{fmt(y1, 2)} ↑")
        elif view is not None and view.images is not None:
            self.picture.setPixmap(QPixmap.fromImage(weight_image(view.images[unit])).scaled(
                self.SIZE, self.SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation))
            self.caption.setText("its incoming weights as an 8×8 image (blue +, orange −)")
        elif view is not None:
            self.picture.setPixmap(_histogram_pixmap(view.counts[unit], view.edges[unit],
                                                     self.SIZE))
            self.caption.setText("its activation over the data (histogram of the probe batch)")
        else:
            self.picture.clear()
            self.caption.setText("")
        self.formula.setText(formula(W, b, unit, activation, inputs) if W is not None else "")
        status = view.status[unit] if view is not None else ""
        self.status.setText(STATUS_TEXT.get(status, "active: responds to the data"))
        self.bias_button.setVisible(b is not None)
        self.bias_button.setEnabled(editable)
        self.bias_button.setToolTip("" if editable else "pause training to edit")
        self.adjustSize()
