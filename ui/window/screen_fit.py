"""The window on the screen it opens on: sized to fit, and compact where the screen is small.

The full arrangement (data, network, the decision view and the loss side by side) needs about
1200 pixels across. On a narrower screen — a 1280×720 projector, a small laptop — the Data dock
is tabbed behind the Network dock, which leaves ~900 pixels of minimum width, and the transport
bar gets a row of its own with icon-only buttons; every dock that may be short scrolls (docks
declare ``dock_scrolls``). The first launch takes the screen's
available area up to 1400×900, or 90 % of a larger screen; a remembered geometry that no longer fits (another monitor, a
lower resolution) is brought back inside it. A window its user makes narrower than
:data:`SHRINK_TO_COMPACT` folds its first column into tabs (:func:`fold`), so it can go on
shrinking to under 1000 pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QRect

#: the size the window likes to open at
PREFERRED = (1400, 900)
#: below this available width the Data dock is tabbed behind the Network dock
COMPACT_BELOW = 1300
#: a window its user makes narrower than this (the full arrangement needs ~1200) folds
SHRINK_TO_COMPACT = 1250


def initial_size(available: QRect) -> tuple[int, int]:
    """The preferred size, or 90 % of a larger screen, never more than the screen's available
    area (less room for a frame)."""
    return (min(max(PREFERRED[0], int(0.9 * available.width())), available.width() - 16),
            min(max(PREFERRED[1], int(0.9 * available.height())), available.height() - 40))


def needs_compact(available: QRect) -> bool:
    return available.width() < COMPACT_BELOW


def fit_toolbars(window) -> None:
    """The transport bar on a row of its own when it and the file toolbar do not fit side by
    side: at 1366-1400 px across the epoch's readouts (losses, accuracies) went into the
    toolbar's overflow menu, out of sight. Once on its own row it stays there."""
    transport, files = window.transport, getattr(window, "file_toolbar", None)
    if files is None or window.toolBarBreak(transport) or transport.isFloating():
        return
    if files.sizeHint().width() + transport.sizeHint().width() + 12 > window.width():
        window.insertToolBarBreak(transport)


def compact(window, docks: dict) -> None:
    """Tab the Data dock behind the Network dock (both stay one click away), and give the
    transport bar a row of its own with icon-only buttons, so its readouts stay in view."""
    if "data" in docks and "network" in docks:
        window.tabifyDockWidget(docks["network"], docks["data"])
        docks["data"].raise_()
    window.insertToolBarBreak(window.transport)
    window.transport.set_compact(True)


def fold(window, docks: dict) -> None:
    """The compact arrangement for a window already shown (made narrower by its user): the
    Network and Training docks join the Data dock's tabs — Qt moves a shown dock onto another's tabs, not
    the other way round — and the transport bar turns compact as in :func:`compact`."""
    if "data" in docks and "network" in docks:
        for name in ("network", "training"):     # one column of tabs, each at full width
            if name in docks:
                window.tabifyDockWidget(docks["data"], docks[name])
        docks["network"].raise_()
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
