"""The hidden layers' list in the layer editor: one :class:`~ui.panels.layer_card.LayerCard` per row.

:class:`HiddenLayerList` keeps the list's rows in step with the model's hidden layers, sizes
each row to its card (and the list to its cards, so the stack stays compact), follows the
selection and writes the new order after a drag and drop. It is a mixin of
:class:`~ui.panels.layer_editor.LayerEditor`, which owns the edits themselves.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QListWidget, QListWidgetItem,
                               QSizePolicy)

from ui.panels.layer_card import LayerCard

#: each row's data: the index of its layer in the model when the list was last synced
_ROLE = Qt.ItemDataRole.UserRole


class HiddenLayerList:
    """The list part of the layer editor (``self.hidden_list`` and its cards)."""

    def _build_hidden_list(self) -> QListWidget:
        lst = QListWidget(objectName="hiddenLayerList")
        lst.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        lst.setDefaultDropAction(Qt.DropAction.MoveAction)
        lst.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        lst.setSpacing(2)
        lst.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        lst.setFrameShape(QFrame.Shape.NoFrame)
        lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        palette = lst.palette()     # the cards draw their own background
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Highlight):
            palette.setColor(role, QColor(0, 0, 0, 0))
        lst.setPalette(palette)
        lst.setToolTip("Hidden layers — drag a card to reorder")
        lst.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        lst.model().rowsMoved.connect(
            lambda *args: QTimer.singleShot(0, self._commit_list_order))
        lst.currentRowChanged.connect(self._on_current_row)
        lst.viewport().installEventFilter(self)
        return lst

    def _commit_list_order(self) -> None:
        """After a drag and drop: write the hidden layers in the list's new order."""
        order = [self.hidden_list.item(i).data(_ROLE) for i in range(self.hidden_list.count())]
        if order == list(range(len(order))):
            return
        layers = self.model.get("network.layers")
        moved = self.hidden_list.currentRow()
        reordered = [layers[j] for j in order] + [layers[-1]]
        if not self._write(reordered, "reorder hidden layers"):
            self.refresh()
        elif moved >= 0:
            self.hidden_list.setCurrentRow(moved)

    def _sync_list(self, hidden: list[dict]) -> None:
        lst = self.hidden_list
        while lst.count() > len(hidden):
            lst.takeItem(lst.count() - 1)
        while lst.count() < len(hidden):
            lst.addItem(QListWidgetItem())
        for i, layer in enumerate(hidden):
            item = lst.item(i)
            card = lst.itemWidget(item)
            new = card is None
            if new:
                card = LayerCard(output=False)
                card.edited.connect(lambda f, v, c=card: self._edit_layer(c, f, v))
                card.focused.connect(lambda c=card: self._select_card(c))
            item.setData(_ROLE, i)
            card.set_layer(layer, f"Hidden layer {i + 1}")
            card.set_selected(i == lst.currentRow())
            if new:     # styled before it is shown: polished once (a card styled after
                lst.setItemWidget(item, card)       # it was shown cost twice: 15 ms)
            self._fit_item(card)

    def _fit_item(self, card: LayerCard) -> None:
        """Give the card's list row the height the card needs at the list's width, and let
        the list grow up to the height of all its cards (the stack stays compact)."""
        row = self._row_of(card)
        if row >= 0:
            width = max(self.hidden_list.viewport().width() - 2 * self.hidden_list.spacing(),
                        120)
            hint = QSize(width, card.sizeHint().height())
            if card.hasHeightForWidth():
                hint.setHeight(card.heightForWidth(width))
            self.hidden_list.item(row).setSizeHint(hint)
        self._fit_list()

    def _fit_list(self) -> None:
        lst = self.hidden_list
        rows = [lst.item(i).sizeHint().height() + 2 * lst.spacing() for i in range(lst.count())]
        total = sum(rows) + 2 * lst.frameWidth() + 2
        lst.setMaximumHeight(max(total, 40))
        lst.setMinimumHeight(min(total, sum(rows[:2]) + 2))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.hidden_list.viewport() and event.type() == QEvent.Type.Resize:
            for card in self.cards()[:-1]:
                self._fit_item(card)
        return super().eventFilter(watched, event)

    def _row_of(self, card: LayerCard) -> int:
        for i in range(self.hidden_list.count()):
            if self.hidden_list.itemWidget(self.hidden_list.item(i)) is card:
                return i
        return -1

    def _select_card(self, card: LayerCard) -> None:
        row = self._row_of(card)
        if row >= 0 and row != self.hidden_list.currentRow():
            self.hidden_list.setCurrentRow(row)

    def _on_current_row(self, row: int) -> None:
        for i, card in enumerate(self.cards()[:-1]):
            card.set_selected(i == row)
        self._update_buttons()

