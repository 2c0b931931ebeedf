"""Training off the GUI thread.

:class:`TrainingWorker` is a ``QThread`` that owns the :class:`~playground.Trainer`s of its run
set: only this thread touches them. The GUI sends commands (each one of the ``_on_*`` methods
with its arguments) through a queue that the loop reads *between batches*, so pause and stop
act within one batch; when a snapshot goes back is :mod:`ui.live.worker_pacing`.

While the GUI redraws (bracketed by :meth:`gui_busy`) the worker waits between batches (on an
Event, interpreter lock released, at most ``MAX_YIELD``) instead of competing for the lock, so
the redraw runs at its own speed (:mod:`ui.live.refresh_pacer`, :mod:`ui.live.switch_interval`).
The same holds for anything else the GUI thread does in Python (:mod:`ui.live.gui_first`): at
most every ``GUI_LOOK`` seconds the worker looks whether the GUI thread runs Python — a click's
handler, a paint, a nested loop waiting for a save — and if so it waits (between batches, and
between the layers of a big network's batch) until the GUI's loop sleeps again. Sharing the
lock, such work took 2.5-3x its own time.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from concurrent.futures import Future
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from playground import PlaygroundError, Trainer
from playground.errors import Cancelled
from playground.training.runset import Run, RunSet

from . import collector
from .gui_first import GUI, LONGEST_WAIT
from .switch_interval import quick_switching
from .worker_pacing import SNAPSHOT_SHARE, SnapshotPacing

#: a paced worker sends the next snapshot after this long even if the GUI did not draw
DRAW_TIMEOUT = 1.0
#: a busy GUI makes the worker wait between batches at most this long (seconds)
MAX_YIELD = 0.05
#: the longest the worker waits at a time while the GUI thread runs Python (seconds)
GUI_FIRST_WAIT = LONGEST_WAIT
#: the worker looks whether the GUI thread runs Python at most this often (seconds; a look,
#: ``sys._current_frames()``, costs ~2 µs: every batch of a tiny network, ~2 % of it)
GUI_LOOK = 0.002
#: a lone run at full speed trains batch after batch for at most this long before the loop
#: looks at its snapshots and speed readout (commands and redraws end a burst at once)
BURST = 0.005


class TrainingWorker(QThread, SnapshotPacing):
    snapshotReady = Signal(object)      # Snapshot
    phaseReady = Signal(object)         # backprop.Phase (phase-by-phase stepping)
    playingChanged = Signal(bool)
    message = Signal(str)               # something the user should read (e.g. why play did nothing)
    failed = Signal(str)                # an error from the engine; training is paused
    speedChanged = Signal(float)        # epochs per second while playing
    runsChanged = Signal(object)        # list of RunView: every run, with each snapshot
    currentRunChanged = Signal(object)  # Experiment of the run that became current

    def __init__(self, trainer: Trainer, max_rate: float = 30.0, *,
                 snapshot_share: float = SNAPSHOT_SHARE, paced: bool = False, parent=None):
        super().__init__(parent)
        collector.install()          # cycles (Qt objects among them) freed on the GUI thread
        self._trainer = trainer
        #: every run this worker trains in turn; the current one is ``_trainer``
        self._runs = RunSet([Run(trainer)])
        self._commands: queue.Queue = queue.Queue()
        self._post_lock = threading.Lock()  # _post against the end of run()
        self._closed = False                # run() has ended: no command will run
        self._stop = threading.Event()
        self._stop_check = self._between_layers   # one object: trainers compare it by identity
        self._playing = False
        self._stepper = None            # generator of phases while stepping through one iteration
        self._epoch_step: int | None = None  # Step epoch: train batch by batch up to this epoch
        self._init_pacing(max_rate, snapshot_share, paced)
        self._gui_idle = threading.Event()  # cleared while the GUI redraws: leave it the lock
        self._gui_idle.set()
        self._next_gui_look = 0.0
        self._gui_busy_seen = False         # what the last look saw
        self._wake = threading.Event()      # set by every command: ends a pacing wait

    # -- GUI-thread API (thread-safe: all of these only enqueue) -----------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def stepping_phases(self) -> bool:
        return self._stepper is not None

    def play(self) -> None:
        self._post(self._on_play)

    def pause(self) -> None:
        self._post(self._on_pause)

    def toggle(self) -> None:
        self._post(self._on_toggle)

    def step_batch(self) -> None:
        self._post(self._on_step_batch)

    def step_epoch(self) -> None:
        self._post(self._on_step_epoch)

    def step_phase(self) -> None:
        self._post(self._on_step_phase)

    def finish_iteration(self) -> None:
        """Run the rest of a phase-by-phase iteration so normal training continues from a
        consistent state."""
        self._post(self._on_finish_iteration)

    def apply(self, dotted: str, value: Any) -> None:
        """Change a live setting (``Trainer.update``) between batches."""
        self._post(self._on_apply, dotted, value)

    def replace_trainer(self, trainer: Trainer) -> None:
        self._post(self._on_replace, trainer)

    def replace_runs(self, runs: RunSet) -> None:
        """Train ``runs`` from now on (a reopened comparison); its current run is current."""
        self._post(self._on_replace_runs, runs)

    def change_runs(self, fn: Callable[[RunSet], Any]) -> Future:
        """Run ``fn(run_set)`` on the worker thread between batches (pin, fork, sweep, make
        current, remove, show/hide); the views hear of the result. Returns a Future."""
        future: Future = Future()
        self._post(self._change_runs, fn, future)
        return future

    def show_epoch(self, epoch: int) -> None:
        """Pause and send the current run's snapshot as it was after ``epoch`` (its nearest
        timeline checkpoint at or before it); the next live snapshot brings the present back."""
        self._post(self._on_show_epoch, epoch)

    def request_snapshot(self) -> None:
        self._post(self._on_snapshot)

    def _post(self, command: Callable[..., None], *args) -> None:
        """Queue ``command(*args)``, one of the ``_on_*`` methods, for the worker thread. Once
        the thread has ended nothing runs it: a call's Future is cancelled at once (a loss
        landscape job waited on one after close, and Qt aborted the process at exit)."""
        with self._post_lock:
            if not self._closed:
                self._commands.put((command, args))
                self._wake.set()
                return
        if command == self._on_call:
            args[1].cancel()

    def gui_busy(self, busy: bool) -> None:
        """The GUI starts (True) or ends (False) a redraw: the worker waits between batches."""
        (self._gui_idle.clear if busy else self._gui_idle.set)()

    def submit(self, fn: Callable[[Trainer], Any], *, runs: bool = False) -> Future:
        """Run ``fn(trainer)`` — or ``fn(run_set)`` with ``runs`` — on the worker thread
        between batches (saving, exporting); returns a Future. Unlike :meth:`change_runs`
        nothing is reported to the views."""
        future: Future = Future()
        self._post(self._on_call, fn, future, runs)
        return future

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the loop to end and wait for it (``timeout`` seconds); never terminates."""
        self._stop.set()
        self._gui_idle.set()                 # a worker waiting for a redraw stops now
        self._wake.set()                     # … and one waiting for its pace
        self._post(self._on_stop)
        return self.wait(int(timeout * 1000))

    # -- worker thread -------------------------------------------------------------------
    def run(self) -> None:
        with quick_switching():
            self._loop()
        with self._post_lock:               # nothing is queued after this
            self._closed = True
        while True:                         # what stop left queued: futures cancelled
            try:
                self._run_command(self._commands.get_nowait())
            except queue.Empty:
                break

    def _loop(self) -> None:
        self._emit_snapshot(force=True)
        while not self._stop.is_set():
            if self._playing or self._epoch_step is not None:
                self._drain_commands()
                if self._stop.is_set():
                    break
                if self._playing:
                    self._train_one_batch()
                elif self._epoch_step is not None:
                    self._step_epoch_batch()
            else:
                try:
                    command = self._commands.get(timeout=0.25)
                except queue.Empty:
                    continue
                self._run_command(command)

    def _drain_commands(self) -> None:
        if not self._commands.queue:        # the common case, read without the queue's lock
            return                          # (get_nowait raising Empty cost ~4 % of a batch)
        while not self._stop.is_set():
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._run_command(command)

    def _run_command(self, command) -> None:
        """Run one queued command; once stop is asked, the rest are dropped (a queue of
        architecture changes, each a new trainer and a Snapshot of it, kept a closed window's
        worker busy for 7-32 s in the monkey test). A dropped call's Future is cancelled, so a
        caller waiting on it learns at once."""
        method, args = command
        if self._stop.is_set():
            if method == self._on_call:
                args[1].cancel()
            return
        method(*args)

    def _set_playing(self, playing: bool) -> None:
        self._epoch_step = None             # every command that plays or pauses ends a Step epoch
        if playing != self._playing:
            self._playing = playing
            self._speed_epochs, self._speed_since = 0, time.perf_counter()
            self.playingChanged.emit(playing)
            if not playing:
                self.speedChanged.emit(0.0)

    def _guard(self, fn: Callable[[], Any]) -> Any:
        """Run engine code; an error pauses training and is reported, never raised. A batch
        interrupted because stop was asked (Cancelled) ends quietly."""
        try:
            return fn()
        except Cancelled:
            self._set_playing(False)
        except PlaygroundError as exc:
            self._set_playing(False)
            self.failed.emit(str(exc))
        except (ValueError, RuntimeError, FloatingPointError, MemoryError) as exc:
            self._set_playing(False)
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the thread silently
            self._set_playing(False)
            traceback.print_exc()
            self.failed.emit(f"internal error: {type(exc).__name__}: {exc}")
        return None

    # -- the commands (worker thread; queued by the GUI-thread API above) ---------------------
    def _on_stop(self) -> None:
        self._set_playing(False)

    def _on_play(self) -> None:
        self._start_playing()

    def _on_toggle(self) -> None:
        if self._playing:
            self._on_pause()
        else:
            self._start_playing()

    def _on_pause(self) -> None:
        if self._playing or self._epoch_step is not None:
            self._set_playing(False)
            self._emit_snapshot(force=True)

    def _on_step_batch(self) -> None:
        self._step(lambda trainer: trainer.train_batch())

    def _on_step_epoch(self) -> None:
        """Finish the epoch batch by batch (:meth:`_step_epoch_batch`, from the loop), so
        pause, stop and every other command act between two batches, not after the epoch."""
        if self._epoch_step is not None and not self._playing:
            self._epoch_step += 1           # clicked again while stepping: one epoch more
            return
        self._set_playing(False)
        if self._ready_to_train():
            self._guard(self._finish_stepper)
            self._epoch_step = self._trainer.epoch + 1
            self._last_emit = time.perf_counter()

    def _step_epoch_batch(self) -> None:
        self._interruptible()
        trainer = self._trainer
        ended = trainer.epoch < self._epoch_step and not trainer.finished \
            and self._guard(trainer.train_batch)
        if self._epoch_step is None or trainer.epoch >= self._epoch_step or trainer.finished:
            self._epoch_step = None
            self._current_run.timeline.record(trainer)
            self._emit_snapshot(force=True)
        elif ended:                              # one of several stepped epochs: seen too
            self._current_run.timeline.record(trainer)
            self._emit_snapshot(force=True)
        elif time.perf_counter() - self._last_emit >= DRAW_TIMEOUT:
            self._emit_snapshot(force=True)     # a long epoch shows its progress

    def _step(self, train: Callable[[Trainer], Any]) -> None:
        """Pause, then ``train`` once (a batch or an epoch) and send the result."""
        self._set_playing(False)
        if self._ready_to_train():
            trainer = self._trainer
            self._interruptible()
            self._guard(lambda: self._finish_stepper() or train(trainer))
            self._current_run.timeline.record(trainer)
            self._emit_snapshot(force=True)

    def _on_step_phase(self) -> None:
        self._set_playing(False)
        self._step_phase()

    def _on_finish_iteration(self) -> None:
        if self._stepper is not None:
            self._guard(self._finish_stepper)
            self._emit_snapshot(force=True)

    def _on_apply(self, dotted: str, value: Any) -> None:
        trainer = self._trainer
        self._guard(lambda: trainer.update(dotted, value))
        if self._stepper is not None and not trainer.stepping:
            # the change completed the iteration being stepped through (it applies
            # between iterations): show where training is now
            self._stepper = None
            self._emit_snapshot(force=True)

    def _on_replace(self, trainer: Trainer) -> None:
        self._runs.replace_current(trainer)
        self._start_over(trainer)

    def _on_replace_runs(self, runs: RunSet) -> None:
        self._runs = runs
        self._start_over(runs[runs.current].trainer)

    def _start_over(self, trainer: Trainer) -> None:
        """``trainer`` (already the current run) is what the views show, from its start."""
        self._set_playing(False)
        self._close_stepper()
        self._trainer = trainer
        self._interruptible()        # its first snapshot of a big network can be stopped too
        self._restart_snapshots()
        self._emit_snapshot(force=True)

    def _on_show_epoch(self, epoch: int) -> None:
        self._set_playing(False)
        snapshot = self._guard(lambda: self._current_run.snapshot_at(epoch, exact=False))
        if snapshot is not None:
            self._history_sent = 0          # the next snapshot starts the history over
            self.snapshotReady.emit(snapshot)

    def _on_snapshot(self) -> None:
        self._emit_snapshot(force=True)

    def _on_call(self, fn: Callable[[Any], Any], future: Future, runs: bool) -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(fn(self._runs if runs else self._trainer))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

    def _ready_to_train(self) -> bool:
        trainer = self._trainer
        if not trainer.finished:
            return True
        if trainer.diverged:
            self.message.emit("Training diverged (the note above says why); press Reset to "
                              "start again.")
            return False
        if trainer.epoch >= trainer.max_epochs:
            self.message.emit(f"All {trainer.max_epochs} epochs are done. Raise the epoch "
                              f"budget to train further, or Reset.")
            return False
        trainer.continue_training()         # after early stopping: go on
        return True

    def _start_playing(self) -> None:
        if self._ready_to_train():
            self._guard(self._finish_stepper)
            self._set_playing(True)

    def _gui_waiting(self) -> bool:
        """The GUI redraws, or (looked at every ``GUI_LOOK``) runs Python: leave it the lock."""
        if not self._gui_idle.is_set():
            return True
        now = time.perf_counter()
        if now >= self._next_gui_look:       # between two looks the last one's answer holds
            self._next_gui_look = now + GUI_LOOK
            self._gui_busy_seen = GUI.busy()
        return self._gui_busy_seen

    def _burst_over(self, end: float) -> Callable[[], bool]:
        """A burst's stop condition, asked after every batch: a command, a redraw, ``end``
        reached, or (looked at every ``GUI_LOOK``) the GUI running Python. One clock read and
        no method call per batch: going through :meth:`_gui_waiting` cost 0.21 µs a batch,
        ~1 % of a tiny network's."""
        commands, idle, clock = self._commands, self._gui_idle, time.perf_counter

        def over() -> bool:
            if commands.queue or not idle.is_set():
                return True
            now = clock()
            if now >= end:
                return True
            if now >= self._next_gui_look:
                self._next_gui_look = now + GUI_LOOK
                self._gui_busy_seen = GUI.busy()
            return self._gui_busy_seen
        return over

    def _yield_to_gui(self) -> None:
        """Wait (without the interpreter lock, no polling) until the GUI has painted (at most
        ``MAX_YIELD``) and its event loop sleeps again (at most ``GUI_FIRST_WAIT``)."""
        if not self._gui_idle.wait(MAX_YIELD):
            return
        if not self._stop.is_set():
            GUI.wait(GUI_FIRST_WAIT)
        self._gui_busy_seen = False              # the next batch looks afresh
        self._next_gui_look = 0.0

    def _between_layers(self) -> bool:
        """A big network's batch asks between its layers: stop now? Meanwhile the GUI goes
        first (a batch of such a network takes long enough to hold a click for a second)."""
        if not self._stop.is_set() and (not self._gui_idle.is_set() or GUI.busy()):
            self._yield_to_gui()
        return self._stop.is_set()

    def _interruptible(self) -> None:
        """Every run's batches of a big network can be stopped from inside once close asks
        (the engine decides which networks are big enough to check)."""
        check = self._stop_check
        for run in self._runs:
            run.trainer.interrupt_with(check)

    def _train_one_batch(self) -> None:
        if self._gui_waiting():
            self._yield_to_gui()
        self._interruptible()
        trainer = self._trainer
        if self._pace is None and len(self._runs) == 1:
            # alone at full speed: batches back to back until an epoch ends, a command
            # comes, the GUI redraws or BURST seconds pass (this loop's own cost per batch
            # was ~10 % of a small network's batch)
            end = time.perf_counter() + BURST
            over = self._burst_over(end)
            epoch_ended = not trainer.finished and self._guard(
                lambda: self._current_run.train_batches(over))
        else:
            epoch_ended = not trainer.finished and self._guard(self._current_run.train_batch)
        for run in self._runs.training:      # the other runs, one batch each, in turn
            if run.trainer is not trainer:
                self._guard(run.train_batch)
        if epoch_ended:
            self._speed_epochs += 1
        if self._runs.finished or not self._playing:
            self._set_playing(False)
            self._emit_snapshot(force=True)
            return
        if self._pace is not None and (epoch_ended or self._pace[0] == "batches"):
            self._emit_snapshot(force=True)      # every paced step is seen
            self._wait_for_pace()
            return
        now = time.perf_counter()
        self._report_speed(now)
        since = now - self._last_emit
        if since >= self.snapshot_interval and (not (self._paced and self._undrawn)
                                                or since >= DRAW_TIMEOUT):
            self._emit_snapshot()

    # run sets --------------------------------------------------------------------------------
    @property
    def _current_run(self) -> Run:
        return self._runs[self._runs.current]

    def _change_runs(self, fn: Callable[[RunSet], Any], future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(self._runs))
        except PlaygroundError as exc:      # a refused setting: said, training goes on
            future.set_exception(exc)
            self.message.emit(f"Not done: {exc}")
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            future.set_exception(exc)
        current = self._current_run.trainer
        if current is not self._trainer:
            self._epoch_step = None
            self._close_stepper()
            self._trainer = current
            self._interruptible()
            self._restart_snapshots()
            self.currentRunChanged.emit(current.experiment)
        self._emit_snapshot(force=True)

    # phase-by-phase stepping ---------------------------------------------------------------
    def _step_phase(self) -> None:
        if self._stepper is None:
            if not self._ready_to_train():
                return
            self._stepper = self._trainer.phases()
        phase = self._guard(lambda: next(self._stepper, None))
        if phase is None:
            self._stepper = None
            self._emit_snapshot(force=True)
            return
        self.phaseReady.emit(phase)
        if phase.kind == "update":
            # the iteration's last phase: let the generator finish its bookkeeping
            self._finish_stepper()
            self._emit_snapshot(force=True)

    def _finish_stepper(self) -> None:
        if self._stepper is not None:
            stepper, self._stepper = self._stepper, None
            for _ in stepper:
                pass

    def _close_stepper(self) -> None:
        if self._stepper is not None:
            self._stepper.close()
            self._stepper = None


def disconnect_all(worker: TrainingWorker) -> None:
    """Disconnect every signal of ``worker`` (a worker that outlives its window)."""
    for name in ("snapshotReady", "phaseReady", "playingChanged", "message", "failed",
                 "speedChanged", "runsChanged", "currentRunChanged"):
        try:
            getattr(worker, name).disconnect()
        except (RuntimeError, TypeError):     # nothing connected
            pass
