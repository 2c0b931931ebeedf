"""The elided label keeps its width: a long plain text is cut with "…" and shown whole in the
tooltip; rich text is never cut by characters."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ui.widgets.elided_label import ElidedLabel

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def test_a_long_text_is_cut_to_the_room_and_kept_whole_in_the_tooltip(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    label = ElidedLabel(host)
    QHBoxLayout(host).addWidget(label)
    host.resize(160, 40)
    host.show()
    qtbot.waitExposed(host)
    text = "accuracy 0.9731 · validation 0.9512 · 4 classes · 1200 samples · epoch 3000"
    label.setText(text)
    assert label.text() == text and label.toolTip() == text
    shown = super(ElidedLabel, label).text()
    assert shown.endswith("…") and len(shown) < len(text)
    assert host.width() == 160                          # the label did not widen its window
    label.setText("short")
    assert super(ElidedLabel, label).text() == "short" and label.toolTip() == ""


def test_rich_text_is_shown_as_it_is(qtbot):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(60, 20)
    rich = "<b>" + "bold words " * 20 + "</b>"
    label.setText(rich)
    assert super(ElidedLabel, label).text() == rich
