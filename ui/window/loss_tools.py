"""The window's loss-surface tools: Training ▸ Find Learning Rate… (the range-test dialog) and
the Loss landscape view's dock. Both compute off the GUI thread from copies the training
thread hands over (``worker.submit``), so training goes on while they work and its state is
never touched; :meth:`LossTools.shutdown` stops what still runs when the window closes.
"""

from __future__ import annotations

from PySide6.QtGui import QAction

from .lr_find_dialog import LRFindDialog


class LossTools:
    def __init__(self, window):
        self.window = window
        self.find_lr_action = QAction("Find &Learning Rate…", window)
        self.find_lr_action.setObjectName("findLearningRateAction")
        self.find_lr_action.setStatusTip("A learning-rate range test on a copy of the network")
        self.find_lr_action.triggered.connect(lambda _=False: self.find_learning_rate())
        window.menus.training.insertAction(window.menus.reset, self.find_lr_action)
        window.menus.training.insertSeparator(window.menus.reset)
        self.dialog: LRFindDialog | None = None

    def find_learning_rate(self) -> LRFindDialog:
        """Open the range-test dialog (one, reused) and start a test of the current weights."""
        if self.dialog is None:
            self.dialog = LRFindDialog(self.window.model, self.window.worker.submit, self.window)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.run_test()
        return self.dialog

    def show_landscape(self):
        """Bring the Loss landscape dock to the front; returns its panel."""
        dock = self.window.docks["landscape"]
        dock.show()
        dock.raise_()
        return self.window.views["landscape"]

    def shutdown(self) -> None:
        """Stop what is still computing and wait for its threads."""
        self.window.views["landscape"].shutdown()
        if self.dialog is not None:
            self.dialog.shutdown()
