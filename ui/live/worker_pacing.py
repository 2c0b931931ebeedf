"""When the training worker sends a snapshot, and how fast it trains when paced.

:class:`SnapshotPacing` is the part of :class:`~ui.live.training_worker.TrainingWorker` that
decides the rhythm of what the GUI sees: snapshots throttled on time and on their own cost,
the speed readout, and the optional pace a person can follow. It only measures and waits;
the batches it paces are the trainer's own.
"""

from __future__ import annotations

import time

from playground.training.detail import check_every, carry_detail, detail_due

#: while playing, taking snapshots costs at most this share of the worker's time (the goal on
#: a digits-sized run is the window at ≥ 0.95x plain training: 10 % would allow twice that)
SNAPSHOT_SHARE = 0.05
#: how often the speed readout is updated while playing (seconds; up to 4× longer while
#: fewer than 3 epochs end in that time, so a slow run's readout does not jump)
SPEED_PERIOD = 0.5


class SnapshotPacing:
    """Mixin of the worker (its thread runs all but the GUI-thread API below).

    While playing the worker emits a snapshot at most ``max_rate`` times a second, plus one
    whenever it stops; each carries the history rows added since the previous one, so the loss
    plot misses no epoch however fast training runs. The interval between two snapshots is at
    least ``1/max_rate`` *and* long enough that taking them costs at most ``snapshot_share`` of
    the worker's time (a big network's snapshot can take longer than a batch); a *paced* worker
    (the window's) sends the next one only after the GUI said it drew the previous one
    (:meth:`snapshot_drawn`), or after a timeout. The speed readout (``speedChanged``) is
    independent of the snapshots: every ``SPEED_PERIOD``.

    :meth:`set_pace`: full speed, or so many epochs a second (a snapshot after every epoch), or
    a slow motion of so many *batches* a second (a snapshot after every batch). Pacing only
    waits between steps (on an Event that any command wakes, so pause and stop still act at
    once); the steps and their numbers are those of full speed.

    :meth:`set_detail_every`: the detailed statistics (layer statistics, decision surface,
    weights) only every N epochs while playing (:mod:`playground.training.detail`); a
    snapshot in between carries the last detailed ones. Every forced snapshot (pause, step,
    the end) is detailed.
    """

    def _init_pacing(self, max_rate: float, snapshot_share: float, paced: bool) -> None:
        self._min_interval = 1.0 / max_rate
        self._snapshot_share = snapshot_share
        self._snapshot_cost = 0.0       # seconds one snapshot takes (running average)
        self._paced = paced
        self._undrawn = False           # paced: a snapshot was sent and not yet drawn
        self._last_emit = 0.0
        self._history_sent = 0
        self._speed_epochs = 0
        self._speed_since = time.perf_counter()
        self._pace: tuple[str, float] | None = None   # ("epochs" | "batches", per second)
        self._next_step_at = 0.0
        self._detail_every = 1
        self._detailed = None           # the last detailed snapshot of the current trainer

    # -- GUI-thread API ------------------------------------------------------------------------
    def set_pace(self, unit: str | None, per_second: float = 0.0) -> None:
        """Full speed (``unit`` None), or ``per_second`` epochs (``"epochs"``) or batches
        (``"batches"``, slow motion) a second."""
        if unit not in (None, "epochs", "batches") or (unit and not per_second > 0):
            raise ValueError(f"bad pace {unit!r} {per_second!r}")
        self._post(self._on_pace, unit, per_second)

    def set_detail_every(self, every: int) -> None:
        """Detailed statistics every ``every`` epochs while playing (1: always)."""
        self._post(self._on_detail_every, check_every(every))

    @property
    def detail_every(self) -> int:
        return self._detail_every

    def snapshot_drawn(self) -> None:
        """The GUI drew the latest snapshot: a paced worker may send the next one."""
        self._undrawn = False

    @property
    def snapshot_interval(self) -> float:
        """Seconds between two snapshots while playing (before waiting for the GUI)."""
        return max(self._min_interval, self._snapshot_cost / self._snapshot_share)

    # -- worker thread ---------------------------------------------------------------------------
    def _on_detail_every(self, every: int) -> None:
        self._detail_every = every

    def _on_pace(self, unit: str | None, per_second: float) -> None:
        self._pace = (unit, per_second) if unit else None
        self._next_step_at = time.perf_counter()

    def _restart_snapshots(self) -> None:
        """Another trainer became current: its history is sent from the start, its cost
        measured afresh."""
        self._history_sent = 0
        self._snapshot_cost = 0.0
        self._detailed = None

    def _report_speed(self, now: float, paced: bool = False) -> None:
        elapsed = now - self._speed_since
        if elapsed >= SPEED_PERIOD and (paced or self._speed_epochs >= 3
                                        or elapsed >= 4 * SPEED_PERIOD):
            self.speedChanged.emit(self._speed_epochs / elapsed)
            self._speed_epochs, self._speed_since = 0, now

    def _wait_for_pace(self) -> None:
        """Wait until the next paced step is due (a command ends the wait early)."""
        self._next_step_at = max(self._next_step_at + 1.0 / self._pace[1],
                                 time.perf_counter() - 1.0 / self._pace[1])
        delay = self._next_step_at - time.perf_counter()
        if delay > 0:
            self._wake.clear()
            if self._commands.empty():
                self._wake.wait(delay)
        self._report_speed(time.perf_counter(), paced=True)

    def _emit_snapshot(self, force: bool = False) -> None:
        if self._stop.is_set():         # nobody will see it: a big network's costs seconds
            return
        start = time.perf_counter()
        trainer, last = self._trainer, self._detailed
        detail = force or detail_due(trainer.epoch, None if last is None else last.epoch,
                                     self._detail_every)
        snapshot = self._guard(lambda: trainer.snapshot(history_from=self._history_sent,
                                                        detail=detail))
        if snapshot is None:
            return
        if detail:
            self._detailed = snapshot
        else:
            snapshot = carry_detail(snapshot, last)
        self._last_emit = time.perf_counter()
        cost = self._last_emit - start
        self._snapshot_cost = cost if not self._snapshot_cost else \
            0.7 * self._snapshot_cost + 0.3 * cost
        self._history_sent = snapshot.history_start + len(snapshot.history["epoch"])
        self._undrawn = True
        self.snapshotReady.emit(snapshot)
        if detail and not self._stop.is_set():  # the runs' surfaces and signals: with the statistics
            # the other runs' ‖δ‖ only (the error-signal plot compares them with the current
            # run's own); the current run's surface is its snapshot's. Each was computed
            # again for every snapshot: 23 ms on the 784 run, more than the snapshot
            # guarded: a big network's probe pass is interrupted when close asks to stop
            overview = self._guard(lambda: self._runs.overview(
                surfaces=True, error_signals=len(self._runs) > 1,
                current_surface=snapshot.surface))
            if overview is not None:
                self.runsChanged.emit(overview)
