"""Work the window does off the GUI thread, shown in the status bar while it runs: what it
does, its progress (a busy bar when the total is unknown) and a Cancel button.

A :class:`StatusJob` runs one :class:`~ui.live.background.BackgroundJob` at a time (saving a
run, building a big network); the GUI thread only starts it and hears how it ended, so the
window keeps painting and answering while it works. :meth:`StatusJob.wait` lets a caller that
must know the outcome before it goes on (the unsaved-changes prompt: save, then close) wait
for it with the window alive (a local event loop), never by blocking.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QEventLoop, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from ui.live.background import JobRunner


class StatusJob(QWidget):
    #: the job ended: True when it succeeded
    ended = Signal(bool)

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)      # apart from the network summary
        self.label = QLabel(self)
        self.label.setObjectName(f"{name}Label")
        self.bar = QProgressBar(self)
        self.bar.setObjectName(f"{name}Progress")
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName(f"{name}Cancel")
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._runner = JobRunner(self.bar, self)
        #: True when the last job succeeded (None before the first one ended)
        self.succeeded: bool | None = None
        self.setVisible(False)

    @property
    def running(self) -> bool:
        return self._runner.running

    def start(self, text: str, job, on_result: Callable[[Any], None],
              on_stop: Callable[[str], None], cancellable: bool = True) -> None:
        """Run ``job(progress, cancelled)`` off the GUI thread; then ``on_result(result)`` or
        ``on_stop(reason)`` (failed or cancelled), on the GUI thread. Nothing starts after
        :meth:`shutdown`."""
        if self._runner.closed:
            return
        self.label.setText(text)
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        self.bar.setRange(0, 0)                 # busy until the job reports a total
        self.setVisible(True)
        self._runner.start(job, lambda result: self._end(True, on_result, result),
                           lambda reason: self._end(False, on_stop, reason))
        self.bar.setRange(0, 0)                 # (JobRunner.start set a value)

    def _end(self, ok: bool, then: Callable[[Any], None], value: Any) -> None:
        self.setVisible(False)
        self.succeeded = ok
        try:
            then(value)
        finally:
            self.ended.emit(ok)

    def cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText(self.label.text().rstrip("…") + " — cancelling…")
        self._runner.cancel()

    def hurry(self) -> None:
        """The job no longer gives way to the GUI (the window waits for it to close)."""
        self._runner.hurry()

    def wait(self) -> bool | None:
        """Wait until the running job ends, the window alive meanwhile; True when it
        succeeded (the last job's outcome when none runs)."""
        if self.running:
            loop = QEventLoop()
            self.ended.connect(loop.quit)
            try:
                if self.running:
                    loop.exec()
            finally:
                self.ended.disconnect(loop.quit)
        return self.succeeded

    def shutdown(self, timeout: float = 0.5) -> None:
        """Cancel, and wait for the thread at most ``timeout`` seconds (the window is
        closing; one that runs longer lingers: :mod:`ui.live.lingering`)."""
        self._runner.shutdown(timeout)
