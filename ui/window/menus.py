"""The window's menu bar and File toolbar: File, Edit, Training, View and Help.

Every entry calls a public method of the window (``toggle_play``, ``step_epoch``,
``reset_layout``, ...) or of its :class:`~ui.window.file_actions.FileActions`; the Training
actions carry window-wide shortcuts (Space, →, Shift+→, ., Ctrl+R) so they work wherever the
focus is. The View menu is filled by :func:`ui.window.docks.build_docks` with one entry per
dock, then :func:`finish_view_menu` adds the toolbars and Reset Layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QToolBar

from ui.widgets.icons import icon
from ui.window.presentation import Presentation

SHORTCUTS_TEXT = ("Space\tplay / pause\n→\tstep one epoch\nShift+→\tstep one batch\n"
                  ".\tstep one backprop phase\nCtrl+R\treset (same seed)\n"
                  "Ctrl+Z / Ctrl+Shift+Z\tundo / redo\nCtrl+N / Ctrl+O / Ctrl+S\tnew / open / save")


@dataclass
class Menus:
    """What :func:`build_menus` made that the window refers to later."""
    view: QMenu
    file_toolbar: QToolBar
    training: QMenu
    reset: QAction             # Training ▸ Reset (tools insert their entries before it)


def build_menus(window, app_name: str) -> Menus:
    """The menu bar of ``window`` (its ``files``, ``model``, ``transport`` and the backprop
    view's step action exist already) and the File toolbar before the transport bar."""
    bar = window.menuBar()
    window.files.fill_menu(bar.addMenu("&File"))
    _fill_edit_menu(window, bar.addMenu("&Edit"))
    file_toolbar = QToolBar("File", window)
    file_toolbar.setObjectName("fileToolBar")
    file_toolbar.setIconSize(QSize(20, 20))
    window.files.fill_toolbar(file_toolbar)
    window.insertToolBar(window.transport, file_toolbar)
    training = bar.addMenu("&Training")
    reset = _fill_training_menu(window, training)
    view = bar.addMenu("&View")                     # filled by build_docks
    help_menu = bar.addMenu("&Help")
    help_menu.addAction("&Keyboard Shortcuts",
                        lambda: QMessageBox.information(window, "Keyboard shortcuts",
                                                        SHORTCUTS_TEXT))
    help_menu.addAction(f"&About {app_name}", lambda: show_about(window, app_name))
    return Menus(view, file_toolbar, training, reset)


def _fill_edit_menu(window, edit: QMenu) -> None:
    undo = window.model.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    undo.setIcon(icon("undo"))
    redo = window.model.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    redo.setIcon(icon("redo"))
    edit.addAction(undo)
    edit.addAction(redo)


def _fill_training_menu(window, training: QMenu) -> QAction:
    steps = [window_action(window, "&Play / Pause", "Space", window.toggle_play, "play"),
             window_action(window, "Step &Epoch", "Right", window.step_epoch, "step-epoch"),
             window_action(window, "Step &Batch", "Shift+Right", window.step_batch,
                           "step-batch")]
    step_phase = window.views["backprop"].step_action      # "." (see PhasePanel)
    step_phase.setText("Step &Phase (backprop)")
    step_phase.setIcon(icon("step-phase"))
    step_phase.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    window.addAction(step_phase)
    reset = window_action(window, "&Reset", "Ctrl+R", window.reset_training, "reset")
    for action in steps + [step_phase]:
        training.addAction(action)
    training.addSeparator()
    training.addAction(reset)
    return reset


def window_action(window, text: str, shortcut: str, slot, icon_name: str) -> QAction:
    """An action of ``window`` whose ``shortcut`` works wherever the focus is."""
    action = QAction(icon(icon_name), text, window)
    action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _=False: slot())
    window.addAction(action)
    return action


def finish_view_menu(window, menus: Menus) -> None:
    """After the docks' entries: the toolbars (called "… Toolbar": the Training dock is
    "Training" already) and Reset Layout."""
    for toolbar in (menus.file_toolbar, window.transport):
        action = toolbar.toggleViewAction()
        action.setText(f"{toolbar.windowTitle()} Toolbar")
        menus.view.addAction(action)
    menus.view.addSeparator()
    window.presentation = Presentation(window)
    menus.view.addAction(window.presentation.action)
    menus.view.addAction("Reset &Layout", window.reset_layout)


def show_about(window, app_name: str) -> None:
    from playground import __version__
    QMessageBox.about(window, f"About {app_name}", (
        f"<b>{app_name}</b> {__version__}<br>Build a neural network, train it, and watch "
        "backpropagation happen. The engine is plain NumPy; every number on screen is "
        "computed by it."))
