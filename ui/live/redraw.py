"""When the window redraws while training runs, and what — so that training keeps its speed.

The worker sends snapshots; the window stores them (cheap) and a timer (``REFRESH_HZ``) redraws.
While training is paused, or after a step, every view is redrawn (one per event-loop turn,
below). While it plays:

- a redraw happens only as often as the GUI's CPU budget allows (:mod:`ui.live.refresh_pacer`): an
  expensive window (every plot visible, a big network) redraws less often instead of slowing
  training; the timer itself then wakes only as often as the pacer allows (each wake-up of the
  GUI thread takes the interpreter lock from the worker: ~5 % of the default run's speed),
  and goes back to ``REFRESH_HZ`` when training stops — a paused or stepped snapshot is drawn
  the moment it arrives;
- the *primary* views — the toolbar's numbers, the loss curves, the decision surface — are
  redrawn whenever a snapshot arrived: the numbers each time, the two plots one per redraw,
  alternating (on a digits-sized run each takes 10–20 ms to paint, and together they held
  the GUI thread past 50 ms); the *secondary* ones — the error-signal plot, the
  weight histograms, the network diagram — at most every ``SECONDARY_PERIOD`` seconds each,
  one per redraw, taking turns with the primary ones, so that no single redraw blocks the GUI
  thread for long;
- whenever the GUI thread runs Python (a click's handler, a paint, a nested loop), the worker
  waits between batches, so the GUI does not share the interpreter lock
  (:mod:`ui.live.gui_first`, installed by the redrawer);
- the worker is asked to wait between batches until the redraw has been painted
  (``worker.gui_busy``: both threads need the interpreter lock, and sharing it would make
  the redraw take several times its CPU time), then told the snapshot was drawn
  (``worker.snapshot_drawn``) so it computes the next one — no snapshot is computed only
  to be dropped. Any other paint or relayout of the window or of a floating dock (a dock
  moved, a data source or preset chosen) makes the worker wait the same way.

Paused, stepped, or a tab brought to the front, every view owes a redraw — on a big network
that is several hundred milliseconds of paint. They are drawn one per event-loop turn (the
toolbar's numbers and the first view at once, the rest queued, :meth:`Redrawer.flush` draws
the queue now): clicks, keys and paints run between them, so no moment of the GUI thread holds
every view's cost at once (the monkey's longest stalls were such pile-ups). The worker is told
the snapshot was drawn once the queue is empty. A paused or stepped snapshot starts this on
the event-loop turn after it arrived, once for all that arrived in that turn (a burst of
steps is drawn once, as its last snapshot).

Views hidden behind another tab are not drawn; they catch up when shown
(:meth:`Redrawer.redraw_pending`, called when a dock's tab comes to the front).

The redrawer is handed the primary and the secondary views (each declares which it is, see
:mod:`ui.window.views`): it calls their ``refresh()`` and asks their ``pending``; of the
window it reads only ``latest_snapshot``, ``worker`` and ``show_numbers(snapshot)``.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QDockWidget

from . import gui_first
from .refresh_pacer import RefreshPacer
from ui.widgets.view_errors import guarded

REFRESH_HZ = 25
#: the worker is released after this long even if no paint followed a redraw (ms)
PAINT_TIMEOUT = 100
#: event-loop turns without a paint after which a redraw counts as painted
QUIET_TURNS = 3
#: while training plays, each secondary view is redrawn at most this often (seconds)
SECONDARY_PERIOD = 0.3


class Redrawer(QObject):
    """Redraws ``window``'s ``primary`` and ``secondary`` views (each with ``refresh()`` and
    ``pending``) on a timer, as the module docstring says."""

    def __init__(self, window, primary, secondary, clock=time.perf_counter):
        super().__init__(window)
        self.window = window
        self.clock = clock
        self.pacer = RefreshPacer(min_interval=1.0 / REFRESH_HZ, clock=clock)
        self.fresh = False                  # a snapshot arrived since the last redraw
        #: drawn one per redraw while training plays, taking turns
        self.primary = list(primary)
        self._stale: set[int] = set()       # primary views that have not drawn the newest
        self._primary_next = 0
        #: each drawn at most every SECONDARY_PERIOD while training plays, round robin
        self.secondary = list(secondary)
        self._drawn_at = [-SECONDARY_PERIOD] * len(self.secondary)
        self._next = 0
        self._secondary_turn = False
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REFRESH_HZ)
        self.timer.timeout.connect(self.tick)
        # the worker waits from a redraw until the window has painted it. The paint comes a
        # few event-loop turns later (scene updates post view updates, which post the
        # window's UpdateRequest): release after QUIET_TURNS turns without an UpdateRequest
        self._quiet = 0
        self._turns = QTimer(self)
        self._turns.setInterval(0)
        self._turns.timeout.connect(self._turn)
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(PAINT_TIMEOUT)
        self._release.timeout.connect(self._painted)
        # paused or stepped: the views still to draw, one per event-loop turn
        self._queue: list = []
        self._owes_drawn = False           # tell the worker once the queue is drawn
        self._drain = QTimer(self)
        self._drain.setInterval(0)
        self._drain.timeout.connect(self._draw_next)
        # a paused snapshot is drawn on the next turn: those that arrive together, once
        self._arrived = QTimer(self)
        self._arrived.setSingleShot(True)
        self._arrived.setInterval(0)
        self._arrived.timeout.connect(self._draw_arrived)
        window.installEventFilter(self)
        for dock in window.findChildren(QDockWidget):   # floating, a dock paints on its own
            dock.installEventFilter(self)
        window.worker.playingChanged.connect(self._playing_changed)
        gui_first.install()          # computing threads wait while the GUI runs Python
        ready = getattr(window.worker, "snapshotReady", None)
        if ready is not None:     # after the window's own slot (connected before): it stores
            ready.connect(self._snapshot_arrived)

    def shutdown(self) -> None:
        """The window closes: no more redraws."""
        self.timer.stop()
        self._drain.stop()
        self._arrived.stop()
        self._queue.clear()

    # -- the timer -----------------------------------------------------------------------
    @guarded("window's redraw")
    def tick(self) -> None:
        """Redraw if something new arrived (or a secondary view is behind) and it is time."""
        window = self.window
        if window.latest_snapshot is None:
            return
        playing = window.worker.playing
        if self.fresh:                       # a new snapshot: every primary view owes it
            self.fresh = False
            self._stale = set(range(len(self.primary)))
        secondary = self._due_secondary() if playing else None
        if not (self._stale or secondary is not None) or not self.pacer.due(playing):
            return
        self.pacer.redrawing()
        if not playing:                      # paused or stepping: everything, one per turn
            self.window.show_numbers(window.latest_snapshot)
            self._stale.clear()
            self._owes_drawn = True
            self._enqueue(self.primary + self.secondary)
            return
        # while playing, look again only when the pacer will allow the next redraw: every
        # wake-up of the GUI thread takes the interpreter lock from the worker
        self.timer.setInterval(max(1000 // REFRESH_HZ, round(1000 * self.pacer.interval)))
        self._hold_worker()                  # the worker waits until the paint is done
        # one kind of view per redraw, taking turns: no redraw blocks the GUI for long
        if secondary is not None and (self._secondary_turn or not self._stale):
            self._secondary_turn = False
            self._drawn_at[secondary] = self.clock()
            self._next = (secondary + 1) % len(self.secondary)
            self.secondary[secondary].refresh()
        else:
            self._secondary_turn = True
            self._draw_primary(self._next_primary())
            window.worker.snapshot_drawn()

    def _snapshot_arrived(self, _snapshot) -> None:
        """Paused or stepped, a snapshot is drawn at once (not at the next tick): on the next
        event-loop turn, once for all that arrived in this one. Steps queued faster than
        the window draws (keys held, a burst of commands) arrive together; each drawn on
        arrival held the GUI thread 1.7 s for 17 snapshots in one turn (the monkey)."""
        if not self.window.worker.playing and not self._arrived.isActive():
            self._arrived.start()

    def _draw_arrived(self) -> None:
        if not self.window.worker.playing:
            self.tick()

    def _playing_changed(self, _playing: bool) -> None:
        """Training started or stopped: measure the cost afresh, tick at the full rate (a
        pause's snapshot is drawn at once)."""
        self.pacer.reset()
        self.timer.setInterval(1000 // REFRESH_HZ)

    @guarded("window's redraw")
    def redraw_pending(self) -> None:
        """Draw what views that were hidden (a background tab) missed, one per turn."""
        self._enqueue([view for view in self.secondary + self.primary if view.pending])

    def flush(self) -> None:
        """Draw every queued view now (an export, a self-test, a test that reads a plot)."""
        while self._queue:
            self._draw_next()

    @property
    def drawing(self) -> bool:
        """Views are queued to be drawn on the coming event-loop turns."""
        return bool(self._queue)

    def _enqueue(self, views) -> None:
        """Queue ``views`` (each once, in order) and draw the first of them now."""
        for view in views:
            if all(view is not queued for queued in self._queue):
                self._queue.append(view)
        self._draw_next()

    def _draw_next(self) -> None:
        """Draw the next queued view that has something new to show; when none is left, stop
        the turns and tell the worker (if it waits) that the snapshot was drawn."""
        while self._queue:
            view = self._queue.pop(0)
            if guarded("window's redraw")(view.refresh)():
                break                        # one view drawn: the rest on the next turns
        if self._queue:
            self._drain.start()
            return
        self._drain.stop()
        if self._owes_drawn:
            self._owes_drawn = False
            self.window.worker.snapshot_drawn()

    # -- the views -----------------------------------------------------------------------
    def _next_primary(self) -> tuple[int, ...]:
        """The primary view to draw this turn: the stale ones take turns."""
        n = len(self.primary)
        for i in range(n):
            k = (self._primary_next + i) % n
            if k in self._stale:
                self._primary_next = (k + 1) % n
                return (k,)
        return ()

    def _draw_primary(self, indexes) -> None:
        """The window's numbers (always) and the primary views at ``indexes``."""
        self.window.show_numbers(self.window.latest_snapshot)
        for k in indexes:
            self._stale.discard(k)
            self.primary[k].refresh()

    def _due_secondary(self) -> int | None:
        """The next secondary view (round robin) that has something new, is on screen and
        was not drawn in the last ``SECONDARY_PERIOD`` seconds."""
        now = self.clock()
        n = len(self.secondary)
        for i in range(n):
            k = (self._next + i) % n
            if now - self._drawn_at[k] >= SECONDARY_PERIOD and self.secondary[k].pending:
                return k
        return None

    def _hold_worker(self) -> None:
        """The worker waits between batches until the window has painted: QUIET_TURNS
        event-loop turns without an UpdateRequest, or PAINT_TIMEOUT."""
        self.window.worker.gui_busy(True)
        self._quiet = 0
        self._turns.start()
        self._release.start()

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.UpdateRequest or kind == QEvent.Type.LayoutRequest:
            if self._turns.isActive():
                self._quiet = 0              # a paint: wait for the turns after it
            elif self.window.worker.playing:
                # a paint or a relayout the redraw did not start (a dock floated, a data
                # source, a preset): every plot may repaint, and sharing the interpreter
                # lock with training made such a paint take 1-2.4 s (the monkey)
                self._hold_worker()
        return False

    def _turn(self) -> None:
        self._quiet += 1
        if self._quiet >= QUIET_TURNS:
            self._painted()

    def _painted(self) -> None:
        self._turns.stop()
        self._release.stop()
        self.window.worker.gui_busy(False)
