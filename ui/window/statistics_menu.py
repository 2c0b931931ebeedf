"""Training ▸ Detailed Statistics: every epoch, or every 5, 20, 100 epochs (issue #15 item 4).

On a big network the detailed statistics a snapshot carries (layer statistics, decision
surface, weights, neuron maps) cost more than an epoch; taking them less often lets training
run at its own speed while the numbers and the loss curves stay live. The rule is the
engine's (:mod:`playground.training.detail`); this menu only chooses N, tells the worker and
remembers the choice (:mod:`ui.window.settings`). When training stops — pause, a step — the
views show the latest epoch's statistics whatever N is.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup

from playground.training.detail import CHOICES

from . import settings


def _label(every: int) -> str:
    return "Every &epoch" if every == 1 else f"Every &{every} epochs"


def install_statistics_menu(window) -> QActionGroup:
    """Add the submenu to ``window.menus.training``; apply the remembered choice (a window
    that does not remember starts at every epoch). Returns the group of choices."""
    menu = window.menus.training.addMenu("Detailed &Statistics")
    menu.setObjectName("statisticsMenu")
    menu.setToolTipsVisible(True)
    group = QActionGroup(window)
    group.setExclusive(True)
    chosen = settings.statistics_every() if window.remember else 1
    if chosen not in CHOICES:
        chosen = 1
    for every in CHOICES:
        action = QAction(_label(every), group)
        action.setObjectName(f"statisticsEvery{every}")
        action.setCheckable(True)
        action.setChecked(every == chosen)
        action.setData(every)
        action.setToolTip("Layer statistics, decision surface and weights after every epoch"
                          if every == 1 else
                          f"Layer statistics, decision surface and weights every {every} "
                          f"epochs while training plays (faster on big networks); the latest "
                          f"when paused")
        menu.addAction(action)
    group.triggered.connect(lambda action: _choose(window, int(action.data())))
    window.worker.set_detail_every(chosen)
    window.statistics_choices = group
    return group


def _choose(window, every: int) -> None:
    window.worker.set_detail_every(every)
    if window.remember:
        settings.set_statistics_every(every)
    window.statusBar().showMessage(
        "Detailed statistics after every epoch." if every == 1 else
        f"Detailed statistics every {every} epochs while training plays; the latest when "
        f"paused.", 6000)
