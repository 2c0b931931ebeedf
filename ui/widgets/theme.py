"""The app's look, in one place: Fusion style, the app icon, a short style sheet for our own
roles, the light-or-dark decision, the colours of drawing surfaces and of the classes.

The palette is the platform's (light or dark); the style sheet only adds what Qt has no role
for, using ``palette(...)`` references so it reads on both: the red border of a refused field,
the error line under it, hint text, the big epoch counter and the key numbers of the toolbar.
Widgets opt in through a dynamic property (``role``) or their objectName. Plots and pictures
draw on their own surface: :func:`current_theme` gives its colours, :func:`class_color` the
colour of a class wherever a class is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

ERROR_COLOR = "#d62728"

#: class colours: TF Playground's orange and blue first, then Tableau-10 order
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


@dataclass(frozen=True)
class Theme:
    """The colours of a drawing surface (a plot canvas, a picture) on one palette."""
    dark: bool
    background: str
    foreground: str     # axes, labels, text
    grid_alpha: float
    panel: str          # legend / label backgrounds (semi-transparent)


LIGHT = Theme(False, "#ffffff", "#303030", 0.25, "#ffffffd0")
DARK = Theme(True, "#1e1f22", "#d8d8d8", 0.3, "#1e1f22d0")

STYLE_SHEET = f"""
QLineEdit[invalid="true"], QComboBox[invalid="true"] {{
    border: 2px solid {ERROR_COLOR}; border-radius: 3px; padding: 1px 3px;
}}
QCheckBox[invalid="true"] {{ color: {ERROR_COLOR}; }}
QLabel[role="fieldError"] {{ color: {ERROR_COLOR}; font-size: 9pt; }}
QLabel[role="hint"] {{ color: palette(placeholder-text); font-size: 9pt; }}
QLabel#epochLabel {{ font-size: 17pt; font-weight: 600; }}
QLabel[role="caption"] {{ color: palette(placeholder-text); font-size: 8pt; }}
QLabel[role="metric"] {{ font-size: 11pt; font-weight: 600; }}
QLabel#speedLabel {{ font-size: 10pt; }}
QPushButton[role="transport"] {{ padding: 4px 8px; }}
QPushButton#playPauseButton {{ border: none; background: transparent; padding: 0px; }}
QGroupBox {{ font-weight: 600; }}
QGroupBox QLabel, QGroupBox QCheckBox, QGroupBox QLineEdit, QGroupBox QComboBox {{
    font-weight: normal;
}}
QFrame#noticeBar {{
    background: #fdecea; border: 1px solid #f5b5b0; border-radius: 4px;
}}
QFrame#noticeBar QLabel {{ color: #5f1412; }}
QFrame#noticeBar[kind="info"] {{ background: #e8f1fb; border-color: #a9c8ec; }}
QFrame#noticeBar[kind="info"] QLabel {{ color: #14365f; }}
"""


def is_dark() -> bool:
    """True when the application palette is dark (a dark desktop theme)."""
    app = QApplication.instance()
    return (app is not None
            and app.palette().color(QPalette.ColorRole.Window).lightness() < 128)


def current_theme() -> Theme:
    """Dark when the application's window colour is dark, else light."""
    return DARK if is_dark() else LIGHT


def class_color(k: int) -> str:
    """The colour of class ``k`` (the same in the data panel, the plots and their legends)."""
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


def shade(light: str, dark: str) -> str:
    """A colour of our own for the current palette: ``dark`` when the palette is dark.
    Panels pick their colours when they are built (the palette is not followed live)."""
    return dark if is_dark() else light


def error_text() -> str:
    """The colour of an error message's text on the palette's background."""
    return shade("#c62828", "#ff8a80")


def apply_theme(app: QApplication) -> None:
    """Style ``app`` once (Fusion, icon, style sheet); safe to call again."""
    if app.property("backpropThemed"):
        return
    app.setProperty("backpropThemed", True)
    app.setStyle("Fusion")
    from .icons import icon              # here: ui.icons imports is_dark from this module
    app.setWindowIcon(icon("app"))
    # under a style sheet Qt stops handing a parent's font (and palette) down to its
    # children unless asked: presentation mode's larger window font reached only the tick
    # labels it set by hand
    app.setAttribute(Qt.ApplicationAttribute.AA_UseStyleSheetPropagationInWidgetStyles, True)
    app.setStyleSheet(app.styleSheet() + STYLE_SHEET)
