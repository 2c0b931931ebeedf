"""Training keeps its speed in the window: the redraw policy, the paced worker, stepped ranges,
fixed-size readouts and hidden tabs. No timing asserts: clocks are injected, and the worker
tests wait on signals and on the worker's own state."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from playground import Experiment, Trainer
from ui.live import training_worker
from ui.plots.ranges import FollowRange, fitted_range, grown_range, nice_ceiling
from ui.live.redraw import REFRESH_HZ, SECONDARY_PERIOD, Redrawer
from ui.live.refresh_pacer import RefreshPacer

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- the pacer ------------------------------------------------------------------------------
def test_pacer_spaces_redraws_to_keep_the_gui_within_its_budget():
    wall, cpu = Clock(), Clock()
    pacer = RefreshPacer(budget=0.1, min_interval=0.04, max_interval=0.5, clock=wall, cpu=cpu)
    assert pacer.due(playing=True)
    pacer.redrawing()
    cpu.now += 0.02                     # this redraw cost 20 ms of GUI CPU
    wall.now += 0.04
    assert pacer.due(playing=True)      # nothing measured yet: the timer's own period
    pacer.redrawing()
    assert pacer.cost == pytest.approx(0.02)
    assert pacer.interval == pytest.approx(0.2)      # 20 ms is 10 % of 200 ms
    wall.now += 0.1
    assert not pacer.due(playing=True)
    assert pacer.due(playing=False)     # paused: nothing competes, redraw at once
    wall.now += 0.1
    assert pacer.due(playing=True)
    cpu.now += 1.0                      # a very expensive cycle: capped, plots stay alive
    wall.now += 0.2
    pacer.redrawing()
    assert pacer.interval == 0.5
    pacer.reset()
    assert pacer.due(playing=True) and pacer.cost == 0.0


# -- stepped ranges ---------------------------------------------------------------------------
def test_nice_ceilings_and_fitted_ranges():
    assert [nice_ceiling(v) for v in (0.7, 1, 1.1, 13, 99, 101, 450, 7000)] == [
        0.8, 1, 1.2, 15, 100, 120, 500, 8000]
    assert grown_range(0, 230) == (0, 250)
    assert fitted_range((0.0, 1.0), 0.3, 0.9) == (0.0, 1.0)           # inside, fills 60 %
    lo, hi = fitted_range((0.0, 1.0), -0.5, 0.9)                       # overflows below
    assert lo < -0.5 - 0.3 * 1.4 + 1e-9 and 0.9 < hi < 1.0
    lo, hi = fitted_range((0.0, 1.0), 0.45, 0.55)                      # fills 10 %: refit
    assert 0.4 < lo < 0.45 and 0.55 < hi < 0.6


def test_follow_range_moves_in_steps_and_yields_to_the_user(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    vb = widget.getPlotItem().getViewBox()
    follow = FollowRange(vb, x="grow", y="fit")
    changes = sum(follow.fit((0.0, float(epoch)), (1.0 / epoch, 1.0))
                  for epoch in range(1, 1001))
    assert changes <= 40                                   # not once per epoch
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 == 0 and x1 == pytest.approx(1200) and y0 <= 0.001 and y1 >= 1.0
    vb.sigRangeChangedManually.emit([True, False])          # the user pans along x
    assert not follow.fit((0.0, 5000.0), (0.0, 1.0)) or vb.viewRange()[0][1] < 5000
    assert follow.following == [False, True]
    vb.enableAutoRange()                                   # the "A" button: follow again
    follow.fit((0.0, 5000.0), (0.0, 1.0))
    assert follow.following == [True, True] and vb.viewRange()[0][1] >= 5000


# -- the redraw policy ------------------------------------------------------------------------
class FakeWorker(QObject):
    playingChanged = Signal(bool)

    def __init__(self):
        super().__init__()
        self.playing = False
        self.busy: list[bool] = []
        self.drawn = 0

    def gui_busy(self, busy):
        self.busy.append(busy)

    def snapshot_drawn(self):
        self.drawn += 1


class View:
    def __init__(self, log, name):
        self.log, self.name, self.pending = log, name, True

    def refresh(self):
        self.log.append(self.name)
        self.pending = False
        return True

class FakeSnapshot:
    sizes, n_params = (2, 3, 1), 13


class FakeWindow(QWidget):
    """What the Redrawer reads of a MainWindow, recording what it draws."""

    def __init__(self):
        super().__init__()
        self.log: list[str] = []
        self.worker = FakeWorker()
        self.primary = [View(self.log, "loss"), View(self.log, "decision")]
        self.secondary = [View(self.log, name) for name in ("error", "weights", "diagram")]
        self.latest_snapshot = FakeSnapshot()

    def show_numbers(self, _snapshot):
        self.log.append("transport")


def test_playing_redraws_take_turns_and_paused_redraws_draw_everything(qtbot, monkeypatch):
    window = FakeWindow()
    qtbot.addWidget(window)
    clock = Clock()
    redrawer = Redrawer(window, window.primary, window.secondary, clock=clock)
    redrawer.pacer = RefreshPacer(min_interval=0.04, clock=clock, cpu=lambda: 0.0)
    window.worker.playing = True
    frames = []
    for step in range(40):
        clock.now += 0.05
        if step % 2 == 0:                        # a snapshot every other tick
            redrawer.fresh = True
            for view in window.secondary:
                view.pending = True
            window.latest_snapshot = FakeSnapshot()
        window.log.clear()
        redrawer.tick()
        frames.append(list(window.log))
    drawn = [f for f in frames if f]
    primary, secondary = {"transport", "loss", "decision"}, {"error", "weights", "diagram"}
    for frame in drawn:                          # never both kinds in one redraw
        assert set(frame) <= primary or (len(frame) == 1 and frame[0] in secondary)
        assert not {"loss", "decision"} <= set(frame)   # nor both expensive primary plots
    plots = [name for f in drawn for name in f if name in ("loss", "decision")]
    assert plots.count("loss") >= 5 and plots.count("decision") >= 5   # taking turns
    assert all(a != b for a, b in zip(plots, plots[1:]))
    seen = [f[0] for f in drawn if f[0] in secondary]
    assert set(seen) == secondary                # every secondary view gets its turn
    times = {name: [i * 0.05 for i, f in enumerate(frames) if f == [name]] for name in secondary}
    for name, at in times.items():               # each at most every SECONDARY_PERIOD
        assert all(b - a >= SECONDARY_PERIOD - 1e-9 for a, b in zip(at, at[1:])), name
    assert window.worker.busy.count(True) == len(drawn)      # the worker yields every redraw
    # paused: one redraw shows everything, and the worker is not asked to wait
    window.worker.playing = False
    window.worker.busy.clear()
    window.log.clear()
    redrawer.fresh = True
    clock.now += 0.05
    drawn_before = window.worker.drawn
    redrawer.tick()
    qtbot.waitUntil(lambda: not redrawer.drawing)
    assert set(window.log) == primary | secondary and True not in window.worker.busy
    assert window.worker.drawn == drawn_before + 1       # told once, when all is drawn


def test_paused_the_views_are_drawn_one_per_event_loop_turn(qtbot):
    """A pause or a step redraws every view; on a big network that pile-up held the GUI
    thread for most of a second (the monkey's longest stalls). The numbers and the first view
    are drawn at once, the rest one per turn, with the user's events running between them."""
    window = FakeWindow()
    qtbot.addWidget(window)
    redrawer = Redrawer(window, window.primary, window.secondary, clock=Clock())
    redrawer.fresh = True
    redrawer.tick()
    assert window.log == ["transport", "loss"] and window.worker.drawn == 0
    QTimer.singleShot(0, lambda: window.log.append("a click"))   # the user's next event
    qtbot.waitUntil(lambda: not redrawer.drawing)
    assert window.log[:2] == ["transport", "loss"]
    assert set(window.log[2:]) == {"decision", "error", "weights", "diagram", "a click"}
    assert window.log.index("a click") < len(window.log) - 1    # ran between the views
    assert window.worker.drawn == 1
    # a view with nothing new costs no turn; flush draws what is queued at once
    for view in window.primary + window.secondary:
        view.pending = True
    window.primary[1].pending = False
    window.log.clear()
    redrawer.redraw_pending()
    assert window.log == ["error"] and redrawer.drawing
    redrawer.flush()
    assert window.log == ["error", "weights", "diagram", "loss"] and not redrawer.drawing


class SnapshotWorker(FakeWorker):
    snapshotReady = Signal(object)


def test_paused_snapshots_that_arrive_together_are_drawn_once_on_the_next_turn(qtbot):
    """Steps queued faster than the window draws arrive in one event-loop turn; drawing each
    on arrival held the GUI thread 1.7 s for 17 snapshots (the monkey, seed 150). Drawn on
    the next turn, once, they leave the user's events a turn of their own."""
    window = FakeWindow()
    window.worker = SnapshotWorker()
    qtbot.addWidget(window)
    redrawer = Redrawer(window, window.primary, window.secondary, clock=Clock())
    for _ in range(10):                     # what the worker's queued signals deliver
        redrawer.fresh = True
        window.worker.snapshotReady.emit(FakeSnapshot())
    assert window.log == []                 # nothing drawn inside the burst's turn
    QTimer.singleShot(0, lambda: window.log.append("a click"))
    qtbot.waitUntil(lambda: len(window.log) >= 7 and not redrawer.drawing)
    assert window.log.count("transport") == 1 and window.log.count("loss") == 1
    assert set(window.log) == {"transport", "loss", "decision", "error", "weights", "diagram",
                               "a click"}
    assert window.worker.drawn == 1
    window.worker.playing = True            # while playing the timer draws, not arrivals
    window.log.clear()
    window.worker.snapshotReady.emit(FakeSnapshot())
    qtbot.wait(20)
    assert window.log == []                 # (the redrawer's timer is not started here)


def test_while_playing_the_timer_wakes_only_when_the_pacer_allows_a_redraw(qtbot):
    """Every wake-up of the GUI thread takes the interpreter lock from training: playing, the
    redraw timer's period follows the pacer's interval; a pause brings the full rate back."""
    window = FakeWindow()
    qtbot.addWidget(window)
    clock = Clock()
    redrawer = Redrawer(window, window.primary, window.secondary, clock=clock)
    cpu = [0.0]
    redrawer.pacer = RefreshPacer(budget=0.1, min_interval=0.04, clock=clock,
                                  cpu=lambda: cpu[0])
    full = redrawer.timer.interval()
    assert full == 1000 // REFRESH_HZ
    window.worker.playing = True
    for _ in range(4):                           # each redraw cycle costs 20 ms of GUI CPU
        clock.now += 1.0
        cpu[0] += 0.02
        redrawer.fresh = True
        redrawer.tick()
    assert redrawer.pacer.interval == pytest.approx(0.2)
    assert redrawer.timer.interval() == 200      # 20 ms is 10 % of 200 ms
    window.worker.playing = False
    window.worker.playingChanged.emit(False)
    assert redrawer.timer.interval() == full


@pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise")
def test_a_paint_the_redraw_did_not_start_holds_the_worker_too(qtbot):
    """Floating a dock, choosing a data source or a preset repaints every plot; sharing the
    interpreter lock with training made those paints take 1-2.4 s (the monkey). While
    training plays, any paint or relayout of the window or of a floating dock makes the
    worker wait between batches until it is done, as a redraw does."""
    from PySide6.QtWidgets import QDockWidget, QLabel
    window = FakeWindow()
    qtbot.addWidget(window)
    dock = QDockWidget("dock", window)
    dock.setWidget(QLabel("a view"))
    window.show()
    qtbot.waitExposed(window)
    Redrawer(window, window.primary, window.secondary)
    busy = window.worker.busy
    window.worker.playing = True
    window.update()
    qtbot.waitUntil(lambda: busy == [True, False])              # held, then released
    busy.clear()
    dock.setFloating(True)                                      # a window of its own
    dock.show()
    qtbot.waitUntil(lambda: busy[-1:] == [False])
    assert busy.count(True) >= 1
    window.worker.playing = False                               # paused: nothing to hold
    busy.clear()
    window.update()
    dock.update()
    qtbot.wait(100)
    assert busy == []


# -- the paced worker ---------------------------------------------------------------------------
def small_trainer(small_dict) -> Trainer:
    small_dict["training"]["epochs"] = 100_000
    return Trainer(Experiment.from_dict(small_dict))


def test_a_paced_worker_waits_for_the_gui_to_draw(qtbot, small_dict, worker_factory,
                                                  monkeypatch):
    monkeypatch.setattr(training_worker, "DRAW_TIMEOUT", 3600.0)
    worker = worker_factory(small_trainer(small_dict), paced=True)
    received = []
    worker.snapshotReady.connect(received.append)
    qtbot.waitUntil(lambda: len(received) == 1, timeout=5000)     # the first, forced one
    worker.snapshot_drawn()
    worker.play()
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=5000)     # one while playing ...
    count = len(received)
    start = worker.submit(lambda t: t.epoch).result(5)
    qtbot.waitUntil(lambda: worker.submit(lambda t: t.epoch).result(5) >= start + 5,
                    timeout=10_000)
    assert len(received) == count               # ... and no more until it was drawn
    worker.snapshot_drawn()
    qtbot.waitUntil(lambda: len(received) > count, timeout=5000)
    worker.pause()
    qtbot.waitUntil(lambda: not worker.playing, timeout=5000)
    # history is never lost: the rows of every epoch arrived across the snapshots
    epochs = np.concatenate([s.history["epoch"] for s in received])
    assert list(epochs) == list(range(1, len(epochs) + 1))


def test_the_worker_waits_between_batches_while_the_gui_draws(qtbot, small_dict,
                                                              worker_factory, monkeypatch):
    monkeypatch.setattr(training_worker, "MAX_YIELD", 3600.0)
    worker = worker_factory(small_trainer(small_dict))
    worker.play()
    qtbot.waitUntil(lambda: worker.submit(lambda t: t.iteration).result(5) > 3, timeout=5000)
    worker.gui_busy(True)
    qtbot.waitUntil(lambda: worker.submit(lambda t: t.iteration).result(5) > 3, timeout=5000)
    waiting = worker.submit(lambda t: t.iteration)   # handled between batches: after the wait
    qtbot.wait(200)
    assert not waiting.done()
    worker.gui_busy(False)
    assert waiting.result(5) >= 4
    worker.pause()
    qtbot.waitUntil(lambda: not worker.playing, timeout=5000)


def test_snapshots_cost_at_most_their_share_of_the_workers_time(small_dict):
    worker = training_worker.TrainingWorker(small_trainer(small_dict), max_rate=30.0)
    assert worker.snapshot_interval == pytest.approx(1 / 30)
    worker._snapshot_cost = 0.05             # a big network: 50 ms per snapshot
    assert worker.snapshot_interval == pytest.approx(0.05 / training_worker.SNAPSHOT_SHARE)


# -- readouts that never re-lay the window out -------------------------------------------------
class LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_changing_numbers_do_not_lay_the_toolbar_out_again(qtbot):
    from ui.window.transport import TransportBar
    host = QWidget()
    qtbot.addWidget(host)
    bar = TransportBar(host)
    host.show()
    qtbot.waitExposed(host)
    requests = LayoutRequests()
    bar.installEventFilter(requests)
    # the first show's layout requests: deliver them until a round brings none (a fixed
    # wait was not enough on a loaded CI machine)
    for _ in range(20):
        requests.count = 0
        QCoreApplication.sendPostedEvents()
        if requests.count == 0:
            break
    label = bar.epoch_label
    size = label.size()
    for epoch in range(100, 1000, 37):
        label.setText(f"Epoch {epoch}")
        bar.speed_label.setText(f"{epoch % 97} epochs/s")
        bar.metric_labels["train_loss"].setText(f"0.{epoch:04d}")
    QCoreApplication.sendPostedEvents()      # deliver what the changes posted
    assert requests.count == 0 and label.size() == size
    label.setText("Epoch 123456789012")      # wider than ever: it grows, once
    assert label.width() > size.width()
    assert label.text() == "Epoch 123456789012"


# -- hidden tabs ----------------------------------------------------------------------------
def test_a_background_tab_waits_and_catches_up_when_raised(qtbot, small_dict):
    from ui.window.main_window import MainWindow
    window = MainWindow(small_trainer(small_dict).experiment, remember=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        window.docks["backprop"].raise_()
        window.worker.step_epoch()
        qtbot.waitUntil(lambda: getattr(window.latest_snapshot, "epoch", 0) == 1,
                        timeout=5000)
        window.refresh_views()
        plot = window.views["error"]
        assert plot.isVisible() and plot.visibleRegion().isEmpty()    # the Qt 6 quirk
        assert plot._dirty and not plot.pending        # behind a tab: not drawn
        window.docks["error"].raise_()
        qtbot.waitUntil(lambda: not plot._dirty, timeout=5000)
        assert plot.store is not None and plot.store.total == 2      # epochs 0 and 1
    finally:
        window.model.undo_stack.setClean()
        window.close()
        assert window.worker.wait(5000)
