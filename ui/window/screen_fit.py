"""The window on the screen it opens on: sized to fit, and compact where the screen is small.

The full arrangement (data, network, the decision view and the loss side by side) needs about
1200 pixels across. On a narrower screen — a 1280×720 projector, a small laptop — the Data dock
is tabbed behind the Network dock, which leaves ~900 pixels of minimum width, and the transport
bar gets a row of its own with icon-only buttons; every dock that may be short scrolls (docks
declare ``dock_scrolls``). The first launch takes the screen's
available area up to 1400×900; a remembered geometry that no longer fits (another monitor, a
lower resolution) is brought back inside it.
"""

from __future__ import annotations

from PySide6.QtCore import QRect

#: the size the window likes to open at
PREFERRED = (1400, 900)
#: below this available width the Data dock is tabbed behind the Network dock
COMPACT_BELOW = 1300


def initial_size(available: QRect) -> tuple[int, int]:
    """The preferred size, shrunk to the screen's available area (less room for a frame)."""
    return (min(PREFERRED[0], available.width() - 16),
            min(PREFERRED[1], available.height() - 40))


def needs_compact(available: QRect) -> bool:
    return available.width() < COMPACT_BELOW


def compact(window, docks: dict) -> None:
    """Tab the Data dock behind the Network dock (both stay one click away), and give the
    transport bar a row of its own with icon-only buttons, so its readouts stay in view."""
    if "data" in docks and "network" in docks:
        window.tabifyDockWidget(docks["network"], docks["data"])
        docks["data"].raise_()
    window.insertToolBarBreak(window.transport)
    window.transport.set_compact(True)


def available_area(window) -> QRect:
    screen = window.screen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *PREFERRED)


def keep_on_screen(window) -> None:
    """Shrink and move the window so that all of it is on its screen's available area."""
    area = available_area(window)
    frame = window.frameGeometry()
    width = min(window.width(), area.width() - (frame.width() - window.width()))
    height = min(window.height(), area.height() - (frame.height() - window.height()))
    if (width, height) != (window.width(), window.height()):
        window.resize(max(width, window.minimumWidth()), max(height, window.minimumHeight()))
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() - frame.width() + 1)
    y = min(max(frame.y(), area.y()), area.bottom() - frame.height() + 1)
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)
