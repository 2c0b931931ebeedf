"""Training ▸ Detailed Statistics: every N epochs really takes fewer detailed snapshots, the
choice is remembered, and paused or stepped the views show the latest epoch's statistics."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from playground import Experiment, Trainer
from ui.window import settings
from ui.window.main_window import MainWindow
from conftest import small_experiment

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
TIMEOUT = 10000


def recording(trainer: Trainer) -> list[bool]:
    """Patch ``trainer.snapshot`` to note the ``detail`` of every snapshot taken (and, in
    ``trainer.detailed_at``, the epochs of the detailed ones)."""
    details: list[bool] = []
    trainer.detailed_at = []
    take = trainer.snapshot

    def snapshot(history_from=0, detail=True):
        details.append(detail)
        if detail:
            trainer.detailed_at.append(trainer.epoch)
        return take(history_from=history_from, detail=detail)

    trainer.snapshot = snapshot
    return details


def play_epochs(qtbot, worker_factory, every: int, epochs: int = 40):
    d = small_experiment()
    d["data"]["samples"] = 60
    d["training"]["epochs"] = 100_000
    trainer = Trainer(d)
    details = recording(trainer)
    # a snapshot after nearly every batch, so the rule is what limits the detailed ones
    worker = worker_factory(trainer, max_rate=10_000.0, snapshot_share=1.0)
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    worker.set_detail_every(every)
    worker.play()
    qtbot.waitUntil(lambda: bool(snapshots) and snapshots[-1].epoch >= epochs, timeout=TIMEOUT)
    worker.pause()
    qtbot.waitUntil(lambda: not worker.playing and snapshots[-1].epoch
                    == worker.submit(lambda t: t.epoch).result(5), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: worker.submit(lambda t: True).result(5))   # the pause's snapshot
    assert len(details) >= 3, "too few snapshots to tell"
    return worker, snapshots, details


def test_every_n_epochs_takes_fewer_detailed_snapshots(qtbot, worker_factory):
    worker, snapshots, details = play_epochs(qtbot, worker_factory, every=10)
    epochs = snapshots[-1].epoch
    # the detailed ones: the first, then one per 10 epochs or more, and the pause's
    assert 1 <= sum(details) <= epochs // 10 + 3 and not all(details)
    at = worker.submit(lambda t: t.detailed_at).result(5)[:-1]     # without the pause's
    assert all(b - a >= 10 for a, b in zip(at, at[1:])), at
    # in between, each carries the statistics of the last detailed one (never blank)
    for s in snapshots:
        assert s.layers and s.surface is not None
    # paused: the statistics are the latest epoch's — the weights are the trainer's now
    last = snapshots[-1]
    W = worker.submit(lambda t: [layer.W.copy() for layer in t.network.layers]).result(5)
    for (shown, _b), now in zip(last.weights, W):
        assert np.array_equal(shown, now)


def test_every_epoch_keeps_every_snapshot_detailed(qtbot, worker_factory):
    _worker, _snapshots, details = play_epochs(qtbot, worker_factory, every=1, epochs=10)
    assert all(details)


def test_a_bad_n_is_refused_at_once(worker_factory):
    worker = worker_factory(Trainer(small_experiment()))
    with pytest.raises(ValueError):
        worker.set_detail_every(0)


@pytest.fixture
def windows(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    made = []

    def make(**kwargs):
        d = small_experiment()
        d["training"]["epochs"] = 100_000
        window = MainWindow(Experiment.from_dict(d), **kwargs)
        made.append(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for window in made:
        window.model.undo_stack.setClean()
        window.close()
        assert window.worker.wait(5000)


def statistics_action(window, every: int):
    menu = next(a.menu() for a in window.menus.training.actions()
                if a.menu() is not None and "Statistics" in a.text())
    return next(a for a in menu.actions() if a.data() == every)


def test_the_menu_choice_reaches_the_worker_and_is_remembered(qtbot, windows):
    window = windows(remember=True)
    assert statistics_action(window, 1).isChecked()          # the default: every epoch
    assert window.worker.detail_every == 1
    statistics_action(window, 20).trigger()                  # as a click on the entry does
    assert statistics_action(window, 20).isChecked()
    assert not statistics_action(window, 1).isChecked()
    qtbot.waitUntil(lambda: window.worker.detail_every == 20, timeout=TIMEOUT)
    assert settings.statistics_every() == 20
    again = windows(remember=True)                           # the next start
    assert statistics_action(again, 20).isChecked()
    qtbot.waitUntil(lambda: again.worker.detail_every == 20, timeout=TIMEOUT)
    fresh = windows(remember=False)                          # a window that does not remember
    assert statistics_action(fresh, 1).isChecked()


def test_stepped_with_statistics_every_100_the_views_show_the_latest_epoch(qtbot, windows):
    window = windows(remember=False)
    statistics_action(window, 100).trigger()
    qtbot.waitUntil(lambda: window.worker.detail_every == 100, timeout=TIMEOUT)
    window.worker.play()
    qtbot.waitUntil(lambda: window.latest_snapshot is not None
                    and window.latest_snapshot.epoch >= 3, timeout=TIMEOUT)
    window.step_epoch()                                      # pauses, one more epoch
    qtbot.waitUntil(lambda: not window.worker.playing
                    and window.latest_snapshot.epoch == window.worker.submit(
                        lambda t: t.epoch).result(5), timeout=TIMEOUT)
    epoch = window.latest_snapshot.epoch
    window.docks["weights"].show()
    window.docks["weights"].raise_()
    histogram = window.views["weights"]
    qtbot.waitUntil(lambda: histogram.canvas_built, timeout=TIMEOUT)
    histogram.layer_selector.setCurrentIndex(histogram.layer_selector.count() - 1)  # all
    window.redraw_pending()
    title = histogram._plot.getPlotItem().titleLabel.text
    assert title.endswith(f"all layers · epoch {epoch}")
    W = window.worker.submit(lambda t: t.network.layers[0].W.copy()).result(5)
    assert np.array_equal(window.latest_snapshot.weights[0][0], W)
