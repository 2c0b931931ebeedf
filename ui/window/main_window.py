"""The main window: panels in docks, one training worker, and the rules that connect them.

How an edit reaches training
    Every panel edits the :class:`~ui.live.model.ExperimentModel`. On ``model.changed`` the window
    compares the model's experiment with the one the running trainer was built from
    (:func:`playground.training.live.live_changes`). If only live settings differ — learning rate and other
    optimizer settings of the *same* optimizer, dropout, L1/L2, clipping, early stopping, the
    epoch budget, batch size, shuffling — each changed key goes to ``worker.apply`` and
    training goes on. Anything else (architecture, data, seed, precision, the optimizer's kind)
    needs a new :class:`~playground.Trainer`: it is built here; on success it replaces the old
    one (``worker.replace_trainer``; training restarts from epoch 0 and keeps playing if it
    was), on failure the reason is shown and training stays paused on the old trainer.

How training reaches the screen
    The worker thread emits Snapshots (≤ 30/s). Each one is handed to the plots'
    ``add_snapshot`` (cheap: they only store). A 25 Hz timer redraws (:mod:`ui.live.redraw`) only
    when a new snapshot arrived, and while training plays only as often as the GUI's CPU
    budget allows, the secondary views less often than the primary ones; after each redraw
    the worker (a *paced* one) computes the next snapshot. The GUI thread leaves the
    interpreter lock and the CPU to training most of the time.

Layout and settings
    Docks (Data, Network, Training on the left; Loss, Backprop on the right; Error signal and
    Weights at the bottom) can be moved, tabbed and floated; their arrangement, the window
    geometry, the last file and the recent files are remembered (:mod:`ui.window.settings`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from playground import Experiment, PlaygroundError, Trainer
from playground.presets import default_experiment
from playground.training.live import live_changes
from playground.training.runset import RunSet

from ui.widgets.qt_workarounds import guard_none_refcount

guard_none_refcount()     # first of all: PySide6 6.12 on CPython 3.11 (see ui.widgets.qt_workarounds)

from . import settings
from .docks import build_docks, fit_bottom_docks, fit_network_dock, set_central, whole_tab_titles
from .file_actions import FileActions
from .loss_tools import LossTools
from .rebuild import DECLINED, Rebuilds
from .menus import build_menus, finish_view_menu
from ui.widgets.icons import icon
from ui.live.model import ExperimentModel
from ui.live.weight_edits import connect_parameter_edits
from .notice import NoticeBar
from ui.diagram.phase_format import update_rule
from ui.plots.base import PlotPanel
from ui.live.redraw import Redrawer
from ui.live.session import describe_change
from ui.live.lingering import linger
from ui.live.training_worker import TrainingWorker, disconnect_all

from .run_actions import connect_runs
from .transport import TransportBar
from .screen_fit import SHRINK_TO_COMPACT, fold, available_area, compact, fit_toolbars, initial_size, keep_on_screen, needs_compact
from .views import build_views, live_views
from ui.panels.lesson_panel import install_lessons
from .statistics_menu import install_statistics_menu
from ui.widgets.view_errors import add_reporter, describe, guarded, remove_reporter

APP_NAME = "Backprop Playground"


class MainWindow(QMainWindow):
    """The Backprop Playground window; owns one :class:`TrainingWorker` for its lifetime."""

    def __init__(self, experiment: Experiment | None = None, *, trainer: Trainer | None = None,
                 file_path: str | os.PathLike | None = None, remember: bool = True):
        super().__init__()
        self.setObjectName("mainWindow")
        self.remember = remember
        if trainer is None:
            experiment = experiment or default_experiment()
            trainer = Trainer(experiment)
        experiment = trainer.experiment
        self.model = ExperimentModel(experiment, self)
        if file_path is not None:
            self.model.file_path = Path(file_path)
        self._trainer_experiment = experiment
        self.latest_snapshot = None
        self._data_view = None
        self._was_finished = False
        self._rebuild_failed = False
        self.stopped_promptly: bool | None = None   # set by shutdown()
        self._shut_down = False
        self.worker = TrainingWorker(trainer, paced=True)
        self._view_errors_shown: set[str] = set()
        self._build_widgets()
        add_reporter(self._on_view_error)
        self._build_actions()
        #: the docks by view name (the central view has none)
        self.docks = build_docks(self, self.views, self.view_menu)
        finish_view_menu(self, self.menus)
        self.compact_layout = needs_compact(available_area(self))
        if self.compact_layout:
            compact(self, self.docks)
        self.loss_tools = LossTools(self)
        install_lessons(self)
        install_statistics_menu(self)
        self._default_state = self.saveState()
        self._connect()
        self._after_new_trainer(trainer)
        self._fitted = False                # the network dock is fitted when first shown
        self.resize(*initial_size(available_area(self)))
        if remember:
            self._restore_layout()
        keep_on_screen(self)
        self._update_title()
        self.redrawer = Redrawer(self, live_views(self.views, "primary"),
                                 live_views(self.views, "secondary"))
        self.refresh_timer = self.redrawer.timer
        self.refresh_timer.start()
        self.worker.start()
        # quitting without a close (app.quit() with a question up, the session ending)
        # stops the worker as closing does: Qt must never destroy it while it runs
        self._app = QApplication.instance()
        self._app.aboutToQuit.connect(self._on_quit)

    # -- construction --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.setWindowIcon(icon("app"))
        self.setDockNestingEnabled(True)
        self.transport = TransportBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport)
        self.notice = NoticeBar(self)
        #: every view by name (ui.window.views); plots behind a tab build their canvases
        #: when first seen (about 0.1 s less to wait for the window)
        self.views = build_views(self.model, self)
        set_central(self, self.views, above=self.notice)
        #: every plot panel, in the order of the export files
        self.plots = [view for view in self.views.values() if isinstance(view, PlotPanel)]
        #: every view that draws what training reports
        self.live_views = (live_views(self.views, "primary")
                           + live_views(self.views, "secondary"))
        self.summary_label = QLabel()
        self.summary_label.setObjectName("networkSummaryLabel")
        self.statusBar().addPermanentWidget(self.summary_label)

    def _build_actions(self) -> None:
        self.files = FileActions(self)
        self.rebuilds = Rebuilds(self)
        self.menus = build_menus(self, APP_NAME)
        self.view_menu, self.file_toolbar = self.menus.view, self.menus.file_toolbar

    def _connect(self) -> None:
        worker, transport = self.worker, self.transport
        worker.snapshotReady.connect(self._on_snapshot)
        phase_panel = self.views["backprop"]
        worker.phaseReady.connect(phase_panel.show_phase)
        worker.playingChanged.connect(transport.set_playing)
        worker.speedChanged.connect(transport.set_speed)
        worker.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        worker.failed.connect(self._on_failed)
        connect_runs(self)
        transport.play_button.clicked.connect(self.toggle_play)
        transport.step_batch_button.clicked.connect(self.step_batch)
        transport.step_epoch_button.clicked.connect(self.step_epoch)
        transport.step_phase_button.clicked.connect(phase_panel.request_step)
        transport.reset_button.clicked.connect(self.reset_training)
        transport.paceChanged.connect(
            lambda pace: worker.set_pace(*(pace if pace else (None, 0.0))))
        phase_panel.stepRequested.connect(self._step_phase)
        phase_panel.leaveRequested.connect(worker.finish_iteration)
        connect_parameter_edits(phase_panel, worker, self.model.undo_stack)
        self.model.changed.connect(self._on_model_changed)
        self.model.dirtyChanged.connect(lambda _dirty: self._update_title())
        self.model.fileChanged.connect(lambda _path: self._update_title())
        if hasattr(self.views["data"], "error"):
            self.views["data"].error.connect(lambda text: self.statusBar().showMessage(text, 8000))

    # -- transport -----------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.views["backprop"].active:
            self.views["backprop"].request_leave()    # finish the stepped iteration first
        self.worker.toggle()

    def step_epoch(self) -> None:
        self.worker.step_epoch()

    def step_batch(self) -> None:
        self.worker.step_batch()

    def _step_phase(self) -> None:
        self.docks["backprop"].show()
        self.docks["backprop"].raise_()
        self.worker.step_phase()

    def reset_training(self) -> None:
        """Start over from the current experiment: same seed, so the same initial weights."""
        self._replace_trainer("Reset: new initial weights from the same seed, epoch 0.",
                              lambda: self.worker.pause())

    # -- the trainer ---------------------------------------------------------------------------
    def _replace_trainer(self, message: str, then=None) -> None:
        """Build a trainer for the model's experiment (at once when small, else in the
        background: :mod:`ui.window.rebuild`); when it is built it replaces the worker's,
        the status bar says ``message`` and ``then()`` runs. A failure, a refusal or a
        declined big network keeps the old trainer and says why."""
        def built(trainer: Trainer) -> None:
            self._trainer_experiment = trainer.experiment
            self.worker.replace_trainer(trainer)
            self._after_new_trainer(trainer)
            self.statusBar().showMessage(message, 8000)
            if then is not None:
                then()

        self.rebuilds.build(self.model.experiment, built, self._rebuild_refused)

    def _rebuild_refused(self, reason: str) -> None:
        self.worker.pause()
        if reason == DECLINED:
            text = ("The big network was not built: training is paused on the previous "
                    "network (Edit ▸ Undo goes back to its settings).")
        else:
            text = (f"Cannot build the network from these settings: {reason}. "
                    f"Training is paused; the previous network is kept.")
        self.notice.show_message(text, "error")
        self._rebuild_failed = True
        self.statusBar().showMessage(text, 15000)

    def _after_new_trainer(self, trainer: Trainer) -> None:
        """Reset the views for a new run (called before the worker owns ``trainer``, or right
        after handing it over: only immutable facts are read)."""
        for plot in self.plots:
            plot.clear()
        self.notice.dismiss()
        self._rebuild_failed = False
        self.views["backprop"].set_active(False)
        self._show_update_rule(trainer.experiment)
        self._was_finished = trainer.finished

    def _show_update_rule(self, experiment: Experiment) -> None:
        try:
            rule = update_rule(experiment)
        except PlaygroundError:             # settings the engine refuses: say nothing wrong
            rule = None
        self.views["backprop"].set_update_rule(rule)

    def install_session(self, experiment: Experiment, trainer: Trainer,
                        path: str | os.PathLike | None, runs: RunSet | None = None) -> None:
        """Switch to ``experiment`` with its (already built) ``trainer`` — New and Open;
        ``runs`` (a reopened comparison, ``trainer`` its current run) replaces every run."""
        self.rebuilds.cancel()
        self.files.cancel_open()            # a big file still being read is dropped
        self._trainer_experiment = trainer.experiment
        if runs is not None:
            self.worker.replace_runs(runs)
        else:
            self.worker.replace_trainer(trainer)
        self._after_new_trainer(trainer)
        self.model.reset(trainer.experiment, Path(path) if path is not None else None)

    def adopt_run(self, experiment: Experiment) -> None:
        """Another run of the comparison is current (the worker trains it already): its
        settings in the panels, its history on the plots."""
        self.rebuilds.cancel()
        self._trainer_experiment = experiment
        for plot in self.plots:
            plot.clear()
        self._show_update_rule(experiment)
        self.model.reset(experiment, self.model.file_path)

    def _on_model_changed(self, paths: list) -> None:
        new = self.model.experiment
        changes = live_changes(self._trainer_experiment, new)
        if changes is None:
            was_playing = self.worker.playing
            what = describe_change(self._trainer_experiment, new)
            trained = self.latest_snapshot is not None and self.latest_snapshot.iteration > 0
            message = f"{what} changed: new network — training restarts from epoch 0."

            def then() -> None:
                if trained:                 # progress was dropped: say so where it is seen
                    self.notice.show_message(message, "info")
                if was_playing:
                    self.worker.play()
            self._replace_trainer(message, then)
            return
        self.rebuilds.cancel()              # back to the trainer's own network: none pending
        for key, value in changes:
            self.worker.apply(key, value)
        self._trainer_experiment = new
        self._show_update_rule(new)
        if self._rebuild_failed:            # back to settings the trainer has: nothing wrong
            self._rebuild_failed = False
            self.notice.dismiss()
        if changes:
            self.statusBar().showMessage(
                "Applied live: " + ", ".join(key for key, _ in changes), 4000)

    # -- from the worker -----------------------------------------------------------------------
    def _on_snapshot(self, snapshot) -> None:
        self.latest_snapshot = snapshot
        self.redrawer.fresh = True
        for view in self.live_views:
            where = (f"{view.export_name.replace('_', ' ')} plot"
                     if isinstance(view, PlotPanel) else view.dock_title)
            guarded(where)(view.add_snapshot)(snapshot)
        if snapshot.data is not None and snapshot.data is not self._data_view:
            self._data_view = snapshot.data
            self.views["data"].set_data_view(snapshot.data)
            self.views["network"].set_data_view(snapshot.data)
        if snapshot.finished and not self._was_finished and snapshot.stop_reason:
            # one place, whole: the notice bar (red for a divergence, blue for a normal end)
            if snapshot.diverged:
                self.notice.show_message(f"Training stopped: {snapshot.stop_reason}. Press "
                                         "Reset to start again.", "error")
            else:
                self.notice.show_message(f"Training stopped: {snapshot.stop_reason}.", "info")
        self._was_finished = snapshot.finished

    def _on_view_error(self, where: str, exc: BaseException) -> None:
        """A view failed to draw: say so once per view and message (see ui.widgets.view_errors)."""
        text = describe(where, exc)
        if text not in self._view_errors_shown:
            self._view_errors_shown.add(text)
            self.notice.show_message(text, "error")

    def _on_failed(self, reason: str) -> None:
        text = f"Training paused: {reason}"
        self.notice.show_message(text, "error")
        self.statusBar().showMessage(text, 15000)

    def show_numbers(self, snapshot) -> None:
        """The toolbar's numbers and the status bar's network summary for ``snapshot``."""
        self.transport.show_snapshot(snapshot)
        sizes = " → ".join(str(s) for s in snapshot.sizes)
        summary = f"{sizes}  ·  {snapshot.n_params:,} parameters"
        if summary != self.summary_label.text():
            self.summary_label.setText(summary)

    def refresh_views(self) -> None:
        """Redraw what changed (the refresh timer calls this; see :mod:`ui.live.redraw`)."""
        self.redrawer.tick()

    def redraw_pending(self) -> None:
        """Draw what panels that were hidden (a background tab) missed."""
        self.redrawer.redraw_pending()
        self.views["data"].scatter.catch_up()

    # -- queries -------------------------------------------------------------------------------
    def current_experiment(self) -> Experiment:
        """The experiment the window would save."""
        return self.model.experiment

    def document_stem(self) -> str:
        path = self.model.file_path
        if path is not None:
            return path.stem
        name = self.model.experiment.to_dict().get("name")
        return (name or "untitled").lower().replace(" ", "_")

    def document_name(self) -> str:
        path = self.model.file_path
        if path is not None:
            return path.name
        name = self.model.experiment.to_dict().get("name")
        return f"Untitled ({name})" if name else "Untitled"

    def _update_title(self) -> None:
        star = "*" if self.model.dirty else ""
        self.setWindowTitle(f"{self.document_name()}{star} — {APP_NAME}")

    # -- layout and closing --------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry, state = settings.window_geometry(), settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, lambda: whole_tab_titles(self))
        if not self._fitted:                # a restored layout is the user's: keep it
            self._fitted = True
            if not (self.remember and settings.window_state() is not None):
                QTimer.singleShot(0, lambda: fit_network_dock(self, self.views, self.docks))
                QTimer.singleShot(0, lambda: fit_bottom_docks(self, self.views, self.docks))
            QTimer.singleShot(0, lambda: fit_toolbars(self))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.isVisible():
            fit_toolbars(self)
        if not self.compact_layout and self.isVisible() and self.width() < SHRINK_TO_COMPACT:
            self.compact_layout = True              # made narrow: fold, after this resize
            QTimer.singleShot(0, lambda: fold(self, self.docks))

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        self.compact_layout = needs_compact(available_area(self))
        self.resize(*initial_size(available_area(self)))
        keep_on_screen(self)
        QTimer.singleShot(0, lambda: fit_network_dock(self, self.views, self.docks))
        QTimer.singleShot(0, lambda: fit_bottom_docks(self, self.views, self.docks))
        QTimer.singleShot(0, lambda: whole_tab_titles(self))

    def closeEvent(self, event) -> None:
        if self.files.saving.running:       # a run is being written: close when it is
            event.ignore()
            self.files.close_after_save()
            return
        if not self.files.maybe_save():
            event.ignore()
            return
        if self.remember:
            settings.save_window(self.saveGeometry(), self.saveState())
        self.shutdown()
        event.accept()

    def _on_quit(self) -> None:
        self.shutdown()

    def shutdown(self) -> bool:
        """Stop the worker (never terminate()), giving it one second: it stops between two
        batches. True when it did (``stopped_promptly``). A batch that takes longer (a huge
        network) is not waited for: the window hides at once and the thread lingers
        (:mod:`ui.live.lingering`) until the batch returns, its signals disconnected."""
        if self._shut_down:
            return bool(self.stopped_promptly)
        self._shut_down = True
        start = time.monotonic()
        try:
            self._app.aboutToQuit.disconnect(self._on_quit)
        except (RuntimeError, TypeError):   # already gone with the application
            pass

        def left() -> float:                # of the one second close gives everything
            return max(0.0, 1.0 - (time.monotonic() - start))

        self.redrawer.shutdown()
        remove_reporter(self._on_view_error)
        running = self.worker.isRunning()
        if running:
            self.worker.stop(0.0)           # asked now: it stops while the jobs below end
        self.files.cancel_open()            # a file read meanwhile is never installed
        for jobs in (self.files.saving, self.files.exporting, self.files.opening,
                     self.rebuilds):
            jobs.shutdown(min(0.5, left()))
        self.loss_tools.shutdown()
        self.stopped_promptly = not running or self.worker.stop(left())
        if not self.stopped_promptly:
            self.hide()
            disconnect_all(self.worker)
            linger(self.worker)
        return self.stopped_promptly
