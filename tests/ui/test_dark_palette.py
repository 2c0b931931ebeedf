"""Under a dark desktop palette the panels with colours of their own stay readable: their
backgrounds turn dark under the palette's light text, and the icons turn light."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from playground import Experiment

DARK_ROLES = {QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e0e0e0",
              QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.Text: "#e0e0e0",
              QPalette.ColorRole.Button: "#3a3a3a", QPalette.ColorRole.ButtonText: "#e0e0e0"}


def _forget_icons():
    from ui.widgets.icons import icon
    icon.cache_clear()


@pytest.fixture(params=["light", "dark"])
def palette(request, qapp):
    """Each test runs under the usual light palette and under a dark one."""
    before = QPalette(qapp.palette())
    if request.param == "dark":
        dark = QPalette(before)
        for role, colour in DARK_ROLES.items():
            dark.setColor(role, QColor(colour))
        qapp.setPalette(dark)
    _forget_icons()
    yield request.param
    qapp.setPalette(before)
    _forget_icons()


def mean_lightness(widget) -> float:
    image = widget.grab().toImage()
    step = max(1, min(image.width(), image.height()) // 20)
    values = [image.pixelColor(x, y).lightness()
              for x in range(0, image.width(), step) for y in range(0, image.height(), step)]
    return sum(values) / len(values)


def test_icons_show_on_the_palette(palette):
    from ui.widgets.icons import icon
    image = icon("open").pixmap(24, 24).toImage()
    drawn = [image.pixelColor(x, y) for x in range(24) for y in range(24)
             if image.pixelColor(x, y).alpha() > 200]
    assert drawn
    lightness = sum(c.lightness() for c in drawn) / len(drawn)
    assert (lightness > 170) if palette == "dark" else (lightness < 100)


def test_layer_cards_and_the_phase_table_follow_the_palette(qtbot, palette, small_dict):
    from ui.panels.layer_card import InputCard
    from ui.diagram.phase_format import update_rule
    from ui.diagram.phase_panel import PhasePanel
    card = InputCard()
    qtbot.addWidget(card)
    card.label.setText("Input: 2 features")
    card.resize(300, 60)
    panel = PhasePanel()
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.set_update_rule(update_rule(Experiment.from_dict(small_dict)))
    for widget in (card, panel.phaseTable):
        light = mean_lightness(widget)
        # the text drawn on it is the palette's: dark text on light, light text on dark
        assert (light < 110) if palette == "dark" else (light > 180), widget.objectName()
    text = QApplication.palette().color(QPalette.ColorRole.Text).lightness()
    assert (text > 128) == (palette == "dark")
