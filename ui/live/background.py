"""Long computations off the GUI thread, with progress and cancel (a loss landscape, a
learning-rate test).

A :class:`BackgroundJob` is a ``QThread`` that runs ``job(progress, cancelled)`` once: the job
reports ``progress(done, total)`` and checks ``cancelled()`` between pieces of work (the
engine's computations take both and raise :class:`~playground.errors.Cancelled`); that check
also lets the GUI go first (:mod:`ui.live.gui_first`). The result,
an error message, or the cancellation comes back as a signal, queued to the GUI thread.

:func:`from_trainer` is the usual first step of such a job: the trainer belongs to the
training thread, so the job asks it (``worker.submit``) for copies of what it needs and waits
for them here, off the GUI thread, giving up when cancelled or when the worker is gone.
"""

from __future__ import annotations

import threading
import traceback
from concurrent.futures import CancelledError, Future, TimeoutError
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QProgressBar

from playground.errors import Cancelled, PlaygroundError

from . import collector
from .gui_first import GUI, LONGEST_WAIT
from .lingering import linger

#: what ``on_stop`` is told when the job was cancelled
CANCELLED = "Cancelled."
#: the longest a job waits at a time while the GUI thread runs Python (seconds)
MAX_YIELD = LONGEST_WAIT
#: how long a job waits for the training thread to hand over its copies (seconds)
HANDOVER_TIMEOUT = 30.0


class BackgroundJob(QThread):
    progressed = Signal(int, int)       # done, total
    succeeded = Signal(object)          # the job's result
    failed = Signal(str)                # a message for the user
    cancelled = Signal()

    def __init__(self, job: Callable[[Callable[[int, int], None], Callable[[], bool]], Any],
                 parent=None):
        super().__init__(parent)
        collector.install()          # cycles (Qt objects among them) freed on the GUI thread
        self._job = job
        self._cancel = threading.Event()
        self._hurry = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def hurry(self) -> None:
        """The GUI stops going first: the window waits for this job (it closes when a save
        is written), so it runs its pieces back to back."""
        self._hurry.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Cancel and wait for the thread (never terminates it); True when it ended."""
        self.cancel()
        return self.wait(int(timeout * 1000))

    def _between_pieces(self) -> bool:
        """The job asks between two pieces of its work: cancelled? Meanwhile the GUI goes
        first: while the GUI thread runs Python the job waits (``MAX_YIELD`` at most), so a
        landscape or a learning-rate test does not slow a click or a paint down."""
        if not self._cancel.is_set() and not self._hurry.is_set() and GUI.busy():
            GUI.wait(MAX_YIELD)
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self._job(self.progressed.emit, self._between_pieces)
        except Cancelled:
            self.cancelled.emit()
        except PlaygroundError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug is reported, never raised into Qt
            traceback.print_exc()
            self.failed.emit(f"internal error: {type(exc).__name__}: {exc}")
        else:
            if self._cancel.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)


class JobRunner(QObject):
    """One job at a time for a view, shown on its progress bar (visible while it runs).

    ``start(job, on_result, on_stop)``: when the job ends, its thread is joined and the bar
    hidden, then ``on_result(result)`` is called, or ``on_stop(message)`` when it failed (the
    reason) or was cancelled (:data:`CANCELLED`).

    After :meth:`shutdown` (the window is closing) it starts nothing more: a signal queued
    before the close (a snapshot asking for an automatic landscape, a rebuild) must not start
    a thread that nobody stops — one still running when the interpreter exits aborts it."""

    def __init__(self, progress: QProgressBar, parent: QObject):
        super().__init__(parent)
        self.progress = progress
        self.progress.setVisible(False)
        self._job: BackgroundJob | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once :meth:`shutdown` ran: :meth:`start` does nothing more."""
        return self._closed

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, job, on_result: Callable[[Any], None],
              on_stop: Callable[[str], None]) -> None:
        if self._closed:
            return
        if self._job is not None:           # never orphaned: cancelled, and kept till it ends
            self._drop(self._job, 0.0)
        self._job = thread = BackgroundJob(job, self)
        thread.progressed.connect(self._on_progress)
        # a dropped job's signals, queued before it was dropped, find it replaced: unheard
        thread.succeeded.connect(lambda result: self._ended(thread) and on_result(result))
        thread.failed.connect(lambda text: self._ended(thread) and on_stop(text))
        thread.cancelled.connect(lambda: self._ended(thread) and on_stop(CANCELLED))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._job.start()

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def hurry(self) -> None:
        """The running job no longer gives way to the GUI (see :meth:`BackgroundJob.hurry`)."""
        if self._job is not None:
            self._job.hurry()

    def shutdown(self, timeout: float = 0.5) -> None:
        """Cancel the job (the window is closing); a job that does not end within
        ``timeout`` seconds is not waited for: it lingers, unheard, until it does
        (:mod:`.lingering`)."""
        self._closed = True
        job, self._job = self._job, None
        if job is not None:
            self._drop(job, timeout)
        self.progress.setVisible(False)

    @staticmethod
    def _drop(job: BackgroundJob, timeout: float) -> None:
        """Cancel ``job`` and wait ``timeout`` seconds at most; unheard from now on, it
        lingers until it ends when it runs on."""
        if job.stop(timeout):
            job.deleteLater()
        else:
            for signal in (job.progressed, job.succeeded, job.failed, job.cancelled):
                signal.disconnect()
            linger(job)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _ended(self, job: BackgroundJob) -> bool:
        """``job`` has ended: True when it is still this runner's job (its thread is joined
        and freed, the bar hidden); False for one dropped meanwhile."""
        if job is not self._job:
            return False
        self._job = None
        job.wait()
        job.deleteLater()
        self.progress.setVisible(False)
        return True


def from_trainer(submit: Callable[[Callable], Future], copy: Callable,
                 cancelled: Callable[[], bool], timeout: float | None = None):
    """``copy(trainer)`` run on the training thread (``submit`` is ``worker.submit``), waited
    for here (at most ``timeout`` seconds, :data:`HANDOVER_TIMEOUT` by default); raises
    Cancelled when ``cancelled()`` turns true first."""
    timeout = HANDOVER_TIMEOUT if timeout is None else timeout
    future = submit(copy)
    waited = 0.0
    while True:
        if cancelled():
            future.cancel()
            raise Cancelled("cancelled before the training thread answered")
        try:
            return future.result(timeout=0.1)
        except TimeoutError:
            waited += 0.1
            if waited >= timeout:
                future.cancel()
                raise PlaygroundError(f"the training thread did not answer within {timeout:g} s "
                                      "(a long batch); pause training and try again") from None
        except CancelledError:
            raise Cancelled("the training thread was replaced") from None
