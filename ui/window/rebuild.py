"""Building the window's next :class:`~playground.Trainer` without freezing it.

An architecture, data or seed edit needs a new trainer. A small network from generated data
(:func:`playground.training.budget.quick_to_build`, judged from the settings alone) builds in
milliseconds, so it is built at once on the GUI thread: the edit takes effect before the
click returns. Anything else — a wide network, a data file to read — is built by a background
thread while the status bar says so, in two steps:

1. the engine's estimate from the sizes (:func:`~playground.training.budget.experiment_estimate`),
   nothing allocated yet; past what the machine's memory holds it is refused
   (:func:`~playground.training.budget.check_fits`), and work the estimate calls big
   (:func:`~playground.training.budget.needs_confirmation`) is only built after the user
   agrees in a dialog;
2. the trainer itself.

Every request has a number; a result that is not the latest request's is dropped, and a
newer request cancels a running one between its steps, so rapid edits end on the last one.
A trainer built at once is checked the same way (its estimate may call an epoch long: a
hundred thousand samples at batch 1) before it replaces the old one.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from playground import Experiment, Trainer
from playground.errors import Cancelled, PlaygroundError
from playground.training.budget import (Estimate, check_fits, experiment_estimate, needs_confirmation,
                                        quick_to_build, trainer_estimate)

from ui.live.background import CANCELLED
from .status_job import StatusJob

#: (experiment, trainer) → None: install it; (experiment, reason) → None: say why not
Built = Callable[[Trainer], None]
Failed = Callable[[str], None]

DECLINED = "declined"


def confirm_big(parent, estimate) -> bool:
    """Ask before building (and training) what the estimate calls big."""
    answer = QMessageBox.question(
        parent, "Build a big network?",
        f"This network needs {estimate.describe()}. The window stays usable, but training "
        "will be slow. Build it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class Rebuilds(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job = StatusJob("rebuildJob", window)
        window.statusBar().addPermanentWidget(self.job)
        self._request = 0                     # the latest request's number
        self._pending: tuple | None = None    # a request waiting for the running job to end
        #: what the last request came to: "built", "failed", DECLINED or "dropped"
        self.outcome: str | None = None

    @property
    def busy(self) -> bool:
        return self.job.running or self._pending is not None

    def cancel(self) -> None:
        """Forget every request (the trainer's own settings came back): nothing is installed."""
        self._request += 1
        self._pending = None
        if self.job.running:
            self.job.cancel()

    def build(self, experiment: Experiment, built: Built, failed: Failed) -> None:
        """Build a trainer for ``experiment``; then ``built(trainer)`` or ``failed(reason)``
        (:data:`DECLINED` when the user said no to a big one) — unless a newer request came."""
        self._request += 1
        number = self._request
        if quick_to_build(experiment) and not self.job.running:
            try:
                trainer = Trainer(experiment)
            except Exception as exc:  # noqa: BLE001 - shown to the user, the old trainer stays
                from .file_actions import describe_error
                self._fail(failed, describe_error(exc))
                return
            estimate = trainer_estimate(trainer)
            if needs_confirmation(estimate) and not confirm_big(self.window, estimate):
                self._fail(failed, DECLINED, DECLINED)
                return
            self.outcome = "built"
            built(trainer)
            return
        self._pending = (number, experiment, built, failed, False)
        if self.job.running:
            self.job.cancel()                 # it ends between two steps; then this one
        else:
            self._start_pending()

    def _start_pending(self) -> None:
        if self._pending is None:
            return
        number, experiment, built, failed, confirmed = self._pending
        self._pending = None
        if number != self._request:
            return

        def job(progress, cancelled):
            try:
                if not confirmed:
                    estimate = experiment_estimate(experiment)
                    check_fits(estimate)
                    if needs_confirmation(estimate):
                        return estimate       # ask first (GUI thread), then build
                if cancelled():
                    raise Cancelled("a newer edit")
                return Trainer(experiment)
            except (MemoryError, OSError, ValueError) as exc:
                from .file_actions import describe_error
                raise PlaygroundError(describe_error(exc)) from None

        def done(result) -> None:
            if number != self._request:
                self.outcome = "dropped"
            elif not isinstance(result, Estimate):
                self.outcome = "built"
                built(result)
            elif confirm_big(self.window, result):
                self._pending = (number, experiment, built, failed, True)
            else:
                self._fail(failed, DECLINED, DECLINED)
            self._start_pending()

        def stopped(reason: str) -> None:
            if reason == CANCELLED or number != self._request:
                self.outcome = "dropped"
            else:
                self._fail(failed, reason)
            self._start_pending()

        self.job.start("Building the network…", job, done, stopped, cancellable=False)

    def _fail(self, failed: Failed, reason: str, outcome: str = "failed") -> None:
        self.outcome = outcome
        failed(reason)

    def shutdown(self, timeout: float = 0.5) -> None:
        self._pending = None
        self._request += 1
        self.job.shutdown(timeout)
