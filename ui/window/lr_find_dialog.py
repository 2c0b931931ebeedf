"""Training ▸ Find Learning Rate…: the range test of the current network, and one click to
use what it suggests.

The test (:mod:`playground.training.lr_find`) runs on copies of the trainer's state in a
:class:`~ui.live.background.BackgroundJob` as soon as the dialog opens (training may go on);
the dialog shows its progress, then the loss-against-rate plot with the suggestion marked and
explained. "Use this learning rate" sets ``training.optimizer.learning_rate`` through the
experiment model, so it is one step of Edit ▸ Undo and reaches the running trainer like any
other live edit. "Run again" tests the weights as they are then.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QProgressBar, QPushButton,
                               QVBoxLayout)

from playground.errors import ExperimentError
from playground.training.lr_find import RangeTestProblem

from ui.live.background import CANCELLED, JobRunner, from_trainer
from ui.plots.lr_find_plot import LRFindPlot


def rounded(rate: float) -> float:
    """Two significant digits: what the test can tell apart (0.007743 → 0.0077)."""
    return float(f"{rate:.2g}")


class LRFindDialog(QDialog):
    def __init__(self, model, submit, parent=None):
        super().__init__(parent)
        self.setObjectName("lrFindDialog")
        self.setWindowTitle("Find Learning Rate")
        self.model, self._submit = model, submit
        self.test = None
        layout = QVBoxLayout(self)
        intro = QLabel("About 100 training steps on a copy of the network, the learning rate "
                       "growing from 1e-6 to 10 until the loss passes 4× its lowest value. "
                       "Your training is not touched.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.plot = LRFindPlot(self)
        layout.addWidget(self.plot, 1)
        self.progress = QProgressBar(self)
        layout.addWidget(self.progress)
        self._jobs = JobRunner(self.progress, self)
        self.explanation = QLabel(self)
        self.explanation.setObjectName("lrFindExplanation")
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.use_button = QPushButton("Use this learning rate", self)
        self.use_button.setObjectName("lrFindUse")
        self.use_button.setEnabled(False)
        self.again_button = QPushButton("Run again", self)
        self.again_button.setObjectName("lrFindAgain")
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.use_button.clicked.connect(self.use_suggestion)
        self.again_button.clicked.connect(self.run_test)
        layout.addWidget(buttons)
        self.resize(640, 480)

    @property
    def running(self) -> bool:
        return self._jobs.running

    def run_test(self) -> None:
        if self.running:
            return

        def job(progress, cancelled):
            problem = from_trainer(self._submit, RangeTestProblem, cancelled)
            return problem.run(progress=progress, cancelled=cancelled)

        self.use_button.setEnabled(False)
        self.again_button.setEnabled(False)
        self.explanation.setText("Running the range test…")
        self._jobs.start(job, self._on_result, lambda text: self._stopped(
            text if text == CANCELLED else f"The test failed: {text}"))

    def _on_result(self, test) -> None:
        self.test = test
        self.plot.show_test(test)
        text = test.explanation
        if test.suggested is not None:
            text += (f" “Use this learning rate” sets {rounded(test.suggested):g}; "
                     f"now: {self.model.get('training.optimizer.learning_rate'):g}.")
        self._stopped(text)
        self.use_button.setEnabled(test.suggested is not None)

    def _stopped(self, text: str) -> None:
        self.again_button.setEnabled(True)
        self.explanation.setText(text)

    def use_suggestion(self) -> None:
        if self.test is None or self.test.suggested is None:
            return
        rate = rounded(self.test.suggested)
        try:
            self.model.set("training.optimizer.learning_rate", rate,
                           text=f"use the suggested learning rate {rate:g}")
        except ExperimentError as exc:          # never for a positive rate; say so if it is
            self.explanation.setText(str(exc))
            return
        self.explanation.setText(f"Learning rate set to {rate:g} (Edit ▸ Undo goes back).")

    def shutdown(self) -> None:
        self._jobs.shutdown()

    def done(self, result: int) -> None:      # Close, Escape, the window's ✕
        self._jobs.cancel()
        super().done(result)
