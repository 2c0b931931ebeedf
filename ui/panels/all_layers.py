"""One row that edits every hidden layer at once: their activation or their initializer.

Changing a deep stack's activation one card at a time took a click per layer and a second one
for its initializer; here one choice changes all hidden layers in one undoable step, and the
initializer follows the activation where it was the one recommended for the old activation
(:func:`playground.nn.initializers.with_activation`). Dropout for all hidden layers is in the
Training panel.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from playground.nn.activations import ACTIVATIONS
from playground.nn.initializers import INITIALIZERS

_PLACEHOLDERS = {"activation": "activation…", "init": "initializer…"}


class AllHiddenRow(QWidget):
    """Two combo boxes whose choice goes to every hidden layer (``apply(field, value)``)."""

    apply = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("All hidden:"))
        self.combos: dict[str, QComboBox] = {}
        for field, names in (("activation", [n for n in ACTIVATIONS if n != "softmax"]),
                             ("init", list(INITIALIZERS))):
            combo = QComboBox(objectName=f"allHidden{field.capitalize()}Combo")
            combo.addItem(_PLACEHOLDERS[field])
            combo.addItems(names)
            combo.setToolTip({"activation": "Give every hidden layer this activation (the "
                                            "initializer follows: He for ReLU, Xavier for "
                                            "tanh/sigmoid, unless you chose another)",
                              "init": "Give every hidden layer this initializer"}[field])
            combo.activated.connect(lambda index, f=field, c=combo: self._chosen(f, c, index))
            layout.addWidget(combo, 1)
            self.combos[field] = combo

    def _chosen(self, field: str, combo: QComboBox, index: int) -> None:
        if index > 0:
            value = combo.itemText(index)
            combo.setCurrentIndex(0)            # a command, not a state: back to the prompt
            self.apply.emit(field, value)
