"""The window's side of comparing runs: the Runs panel's requests go to the training worker.

The worker owns the :class:`~playground.training.runset.RunSet` and trains every run in turn;
the window only asks (``worker.change_runs(fn)``, ``fn`` runs on the worker thread) and draws
the RunViews it sends back. When another run becomes current, the settings panels switch to
its experiment and the plots start over with its history (as when a run is opened).
"""

from __future__ import annotations

from ui.live.training_worker import TrainingWorker


def _index(runs, number: int) -> int | None:
    return next((i for i, run in enumerate(runs) if run.number == number), None)


def _make_current(runs, number: int) -> None:
    i = _index(runs, number)
    if i is not None:
        runs.current = i


def _remove(runs, number: int) -> None:
    i = _index(runs, number)
    if i is not None and len(runs) > 1:
        runs.remove(i)


def _set_visible(runs, number: int, visible: bool) -> None:
    i = _index(runs, number)
    if i is not None:
        runs[i].visible = visible


def _continue_from(runs, epoch: int) -> None:
    """A fork of the current run at its checkpoint ``epoch``, made current."""
    runs.fork(runs.current, {}, epoch=epoch)
    runs.current = len(runs) - 1


def connect_runs(window) -> None:
    worker: TrainingWorker = window.worker
    panel, loss = window.views["runs"], window.views["loss"]
    worker.runsChanged.connect(panel.set_runs)
    worker.runsChanged.connect(loss.set_runs)
    worker.runsChanged.connect(window.views["gallery"].set_runs)
    worker.runsChanged.connect(window.views["error"].set_runs)
    worker.currentRunChanged.connect(window.adopt_run)
    panel.pinRequested.connect(lambda: worker.change_runs(lambda runs: runs.pin()))
    panel.forkRequested.connect(lambda key, value: worker.change_runs(
        lambda runs: runs.fork(runs.current, {key: value})))
    panel.sweepRequested.connect(lambda key, values: sweep(window, key, values))
    panel.currentRequested.connect(
        lambda number: worker.change_runs(lambda runs: _make_current(runs, number)))
    panel.removeRequested.connect(
        lambda number: worker.change_runs(lambda runs: _remove(runs, number)))
    panel.epochRequested.connect(worker.show_epoch)
    panel.continueRequested.connect(
        lambda epoch: worker.change_runs(lambda runs: _continue_from(runs, epoch)))
    panel.visibilityRequested.connect(lambda number, shown: worker.change_runs(
        lambda runs: _set_visible(runs, number, shown)))


def sweep(window, key: str, values: list) -> None:
    """One run per value from the settings on screen; training goes on if it was playing."""
    base = window.model.experiment
    window.worker.change_runs(lambda runs: runs.start_sweep(base, {key: values}))

