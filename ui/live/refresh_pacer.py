"""How often the window redraws while training plays: as often as it can afford.

The GUI thread and the training thread share one interpreter lock, and on a small machine one
or two cores. Every millisecond the GUI spends drawing plots is a millisecond training does
not get. So while training plays, the window keeps its own share of the CPU under a budget
(``budget``, 7 % of one core): after each redraw it looks at how much CPU time the GUI
thread has used since the redraw before (``time.thread_time``: the redraw, the paint that
followed and anything else the GUI did) and waits long enough for that to be ``budget`` of
the wall time — never less than ``min_interval`` (the timer's own period) and never more
than ``max_interval`` (the plots must still look alive).

Cheap windows (few plots, a small network) redraw at the full rate; an expensive frame
(every plot visible, a big network) lowers the frame rate instead of the training speed.
While paused nothing competes, and a step redraws at once.

The pacer is plain Python with injectable clocks, so the policy is tested without Qt.
"""

from __future__ import annotations

import time
from typing import Callable

#: share of one core the GUI may use while training plays. The worker waits out each redraw
#: (``gui_busy``) and every other GIL hand-over costs it too, so this share is about what
#: training loses to the window: 15 % held the window at 0.6-0.75x plain training, 7 % lets
#: it reach ~0.9x (issue #15 item 4); a frame with every plot visible then comes ~5 times a
#: second on the default run instead of ~10
BUDGET = 0.07


class RefreshPacer:
    def __init__(self, budget: float = BUDGET, min_interval: float = 0.04,
                 max_interval: float = 0.5, *, clock: Callable[[], float] = time.perf_counter,
                 cpu: Callable[[], float] = time.thread_time):
        self.budget = budget
        self.min_interval = min_interval
        self.max_interval = max_interval
        self._clock, self._cpu = clock, cpu
        self._last_wall: float | None = None
        self._last_cpu = 0.0
        #: GUI CPU seconds per redraw cycle (running average)
        self.cost = 0.0

    @property
    def interval(self) -> float:
        """Seconds to wait after a redraw (while training plays)."""
        return min(self.max_interval, max(self.min_interval, self.cost / self.budget))

    def due(self, playing: bool) -> bool:
        """May the window redraw now? Always when paused."""
        if not playing or self._last_wall is None:
            return True
        return self._clock() - self._last_wall >= self.interval

    def redrawing(self) -> None:
        """Call when a redraw starts: measures the cycle that ends here."""
        wall, cpu = self._clock(), self._cpu()
        if self._last_wall is not None:
            spent = max(0.0, cpu - self._last_cpu)
            self.cost = spent if not self.cost else 0.6 * self.cost + 0.4 * spent
        self._last_wall, self._last_cpu = wall, cpu

    def reset(self) -> None:
        """Forget the history (e.g. after a pause: the next cycle starts fresh)."""
        self._last_wall = None
        self.cost = 0.0
