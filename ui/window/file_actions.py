"""File ▸ New, Open, Save, Save As, Export (the network, the plots), recent files — and the
unsaved-changes prompt.

Two kinds of file:

``.json``  an experiment (:meth:`Experiment.save` / :meth:`Experiment.from_file`): data,
           network and training settings; opening one starts a fresh run.
``.bpp``   a saved run (:meth:`Trainer.save` / :meth:`Trainer.load`): the experiment plus the
           weights, optimizer state and history, so training resumes where it stopped and the
           plots show the history. While the Runs panel compares several runs, the file holds
           all of them (:mod:`playground.files.runset_file`; the current run at the top, so
           single-run readers open it as that run) and opening it brings every run back.
           The runs live in the worker thread, so saving goes through ``worker.submit`` and
           runs between two batches.

Opening reads and builds everything *before* the window switches over: a file that fails
(bad JSON, a missing CSV, a damaged run) is reported in a message box with the engine's
message and the current session stays exactly as it was. A file over
:data:`OPEN_IN_BACKGROUND_BYTES` (a big saved run) is read and built by a background thread
while the status bar says "Opening …" and the window goes on; a newer Open or New drops it
(its result is never installed). Smaller files open at once, so the click has taken effect
when it returns.

*File ▸ Export ▸ PyTorch Script…* and *ONNX Model…* hand the trainer to
:func:`playground.files.export.export_trainer` on the worker thread (between two batches, like
saving a run); whatever the engine refuses (a run in the middle of an epoch, a missing ``onnx``
package, a folder that cannot be written) is shown in a message box with its reason.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QToolButton

from playground import Experiment, PlaygroundError, Trainer
from playground.errors import Cancelled
from playground.files.export import FORMATS, export_trainer
from playground.files.runset_file import load_runset, runset_members, write_archive
from playground.training.runset import Run, RunSet
from playground.lessons import is_lesson_file
from playground.presets import PRESETS, default_experiment, preset

from . import settings
from .status_job import StatusJob
from ui.live.background import CANCELLED, from_trainer
from ui.widgets.icons import icon

RUN_SUFFIX = ".bpp"
EXPERIMENT_FILTER = "Experiment (*.json)"
RUN_FILTER = "Saved run: experiment, weights and history (*.bpp)"
OPEN_FILTER = "Experiments, runs and lessons (*.json *.bpp);;" + EXPERIMENT_FILTER + ";;" + RUN_FILTER
#: how long a run save waits for the training thread to hand over its copy (seconds): a
#: batch of a huge network can take that long; the window goes on meanwhile
SAVE_HANDOVER_TIMEOUT = 120.0
#: how long an export waits for the training thread (it writes there; the window goes on)
SAVE_TIMEOUT = 120.0
#: files larger than this (bytes) are read and built off the GUI thread
OPEN_IN_BACKGROUND_BYTES = 4 * 1024 * 1024
#: export target → (menu text, what it writes)
NETWORK_EXPORTS = {"pytorch": ("&PyTorch Script…", "PyTorch script that trains the same way"),
                   "onnx": ("&ONNX Model…", "ONNX model for inference")}


def describe_error(exc: BaseException) -> str:
    """The message a user sees: the engine's own words, never a traceback (nor nothing: an
    exception without words is named)."""
    if isinstance(exc, MemoryError):
        return "not enough memory"
    text = str(exc)
    if isinstance(exc, OSError) and not text:
        return type(exc).__name__
    if isinstance(exc, (PlaygroundError, OSError)):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_runs(path: str | Path) -> RunSet:
    """Load an experiment (.json: one new run) or a saved run or comparison (.bpp: every run
    in it) and build the trainers; raises on failure."""
    path = Path(path)
    if path.suffix.lower() == RUN_SUFFIX:
        return load_runset(path)
    return RunSet([Run(Trainer(Experiment.from_file(path)))])


def file_size(path: Path) -> int:
    """The size of a regular file (0 for anything else: the reader refuses those at once)."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


class FileActions(QObject):
    """The File menu's actions and what they do, for one :class:`~ui.window.main_window.MainWindow`."""

    #: an open ended: the path and whether it is the window's document now
    opened = Signal(object, bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.new_action = self._action("&New", "new", QKeySequence.StandardKey.New,
                                       "Start a new experiment (the default spiral)", self.new)
        self.open_action = self._action("&Open…", "open", QKeySequence.StandardKey.Open,
                                        "Open an experiment (.json) or a saved run (.bpp)",
                                        self.open_dialog)
        self.save_action = self._action("&Save", "save", QKeySequence.StandardKey.Save,
                                        "Save the experiment (or the run, for a .bpp file)",
                                        self.save)
        self.save_as_action = self._action(
            "Save &As…", "save-as", QKeySequence.StandardKey.SaveAs,
            "Save as an experiment (.json) or as a run with weights and history (.bpp)",
            self.save_as)
        self.export_png_action = self._action("Export Plots as &PNG…", "export", None,
                                              "Save every plot as a PNG image into a folder",
                                              lambda: self.export_plots("png"))
        self.export_csv_action = self._action("Export Plot &Data as CSV…", None, None,
                                              "Save the numbers behind every plot as CSV files",
                                              lambda: self.export_plots("csv"))
        self.export_menu = QMenu("&Export", window)
        self.export_menu.setObjectName("exportNetworkMenu")
        self.export_network_actions = {}
        for to, (text, what) in NETWORK_EXPORTS.items():
            action = self._action(text, None, None, f"Export the network as a {what}",
                                  lambda to=to: self.export_network(to))
            action.setObjectName(f"export_{to}")
            self.export_menu.addAction(action)
            self.export_network_actions[to] = action
        self.quit_action = self._action("&Quit", None, QKeySequence.StandardKey.Quit,
                                        "Close the window", window.close)
        self.preset_menu = QMenu("&Examples", window)
        self.preset_menu.setObjectName("presetMenu")
        for name, spec in PRESETS.items():
            action = self.preset_menu.addAction(spec.get("name", name))
            action.setObjectName(f"preset_{name}")
            action.setStatusTip(spec.get("description", ""))
            action.setToolTip(spec.get("description", ""))
            action.triggered.connect(lambda _=False, n=name: self.new_from_preset(n))
        self.preset_menu.setToolTipsVisible(True)
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        #: a run being saved, in the status bar
        self.saving = StatusJob("saveJob", window)
        window.statusBar().addPermanentWidget(self.saving)
        #: a network being exported (PyTorch, ONNX)
        self.exporting = StatusJob("exportJob", window)
        window.statusBar().addPermanentWidget(self.exporting)
        #: a big file being read and built (see :meth:`open_path`)
        self.opening = StatusJob("openJob", window)
        window.statusBar().addPermanentWidget(self.opening)
        self._open_request = 0                # the latest open's number
        self._open_pending: tuple | None = None
        self._close_when_saved = False

    def _action(self, text, icon_name, shortcut, tip, slot) -> QAction:
        action = QAction(text, self.window)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _=False: slot())
        return action

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.new_action)
        menu.addMenu(self.preset_menu)
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        menu.addSeparator()
        menu.addAction(self.save_action)
        menu.addAction(self.save_as_action)
        menu.addSeparator()
        menu.addMenu(self.export_menu)
        menu.addAction(self.export_png_action)
        menu.addAction(self.export_csv_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def fill_toolbar(self, toolbar) -> None:
        """New, Open, Save and an Export button (PNG or CSV) as icons (the rest is in the
        menu: the transport toolbar beside it needs the room)."""
        for action in (self.new_action, self.open_action, self.save_action):
            toolbar.addAction(action)
        export = QToolButton(toolbar)
        export.setObjectName("exportToolButton")
        export.setIcon(icon("export"))
        export.setToolTip("Export every plot as PNG images or as CSV data")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction(self.export_png_action)
        menu.addAction(self.export_csv_action)
        export.setMenu(menu)
        toolbar.addWidget(export)

    # -- unsaved changes ---------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; True when it is fine to go on (saved or discarded)."""
        if not self.window.model.dirty:
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"“{self.window.document_name()}” has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save() and self.wait_for_save()
        return answer == QMessageBox.StandardButton.Discard

    # -- new / open --------------------------------------------------------------------------
    def new(self) -> bool:
        return self._start_new(default_experiment(), "New experiment")

    def new_from_preset(self, name: str) -> bool:
        return self._start_new(preset(name), f"New experiment from the preset "
                                             f"“{PRESETS[name].get('name', name)}”")

    def _start_new(self, experiment: Experiment, what: str) -> bool:
        if not self.maybe_save():
            return False
        self.cancel_open()
        try:
            trainer = Trainer(experiment)
        except PlaygroundError as exc:
            self._error("Cannot create the experiment", describe_error(exc))
            return False
        self.window.install_session(experiment, trainer, None)
        settings.forget_last_file()
        self.window.statusBar().showMessage(what, 5000)
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        start = str(self.window.model.file_path.parent) if self.window.model.file_path else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open experiment or run", start,
                                              OPEN_FILTER)
        return bool(path) and self.open_path(path, ask=False)

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open ``path``; on failure show why and keep the current session. A file over
        :data:`OPEN_IN_BACKGROUND_BYTES` is read and built in the background: True then
        means started, and :attr:`opened` tells how it ended (so it does for every open)."""
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        self.cancel_open()                  # a newer open: an older one is dropped
        if is_lesson_file(path):            # a teacher's lesson: the Lessons panel opens it
            return self.window.views["lessons"].open_lesson(path, ask=False)
        if file_size(path) > OPEN_IN_BACKGROUND_BYTES:
            self._open_pending = (self._open_request, path)
            if self.opening.running:
                self.opening.cancel()       # it ends (dropped); then this one starts
            else:
                self._start_open()
            return True
        try:
            runs = read_runs(path)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the session stays
            self._open_failed(path, describe_error(exc))
            return False
        self._install(path, runs)
        return True

    def cancel_open(self) -> None:
        """Drop an open that is still reading (New, another open): nothing is installed."""
        self._open_request += 1
        self._open_pending = None
        if self.opening.running:
            self.opening.cancel()

    def _start_open(self) -> None:
        if self._open_pending is None:
            return
        number, path = self._open_pending
        self._open_pending = None
        if number != self._open_request:
            return
        edit = self.window.model.undo_stack.index()   # edits made while it reads are asked about

        def job(progress, cancelled):       # background thread
            try:
                runs = read_runs(path)
            except Exception as exc:  # noqa: BLE001 - said to the user, the session stays
                raise PlaygroundError(describe_error(exc)) from None
            if cancelled():
                raise Cancelled("a newer open")
            return runs

        def done(runs: RunSet) -> None:
            if number == self._open_request:
                if self.window.model.undo_stack.index() != edit and not self.maybe_save():
                    self.window.statusBar().showMessage(
                        f"{path.name} was not opened: the window keeps your changes.", 8000)
                    self.opened.emit(path, False)
                else:
                    self._install(path, runs)
            self._start_open()

        def stopped(reason: str) -> None:
            if number == self._open_request:
                if reason != CANCELLED:
                    self._open_failed(path, reason)
                else:                       # the status bar's Cancel
                    self.window.statusBar().showMessage(
                        f"Opening {path.name} was cancelled; the window is unchanged.", 8000)
                    self.opened.emit(path, False)
            self._start_open()

        self.opening.start(f"Opening {path.name}…", job, done, stopped)

    def _install(self, path: Path, runs: RunSet) -> None:
        self.window.install_session(runs[runs.current].trainer.experiment,
                                    runs[runs.current].trainer, path,
                                    runs if len(runs) > 1 else None)
        settings.add_recent_file(path)
        kind = "experiment" if path.suffix.lower() != RUN_SUFFIX else \
            "run" if len(runs) == 1 else f"comparison of {len(runs)} runs"
        self.window.statusBar().showMessage(f"Opened the {kind} {path}", 5000)
        self.opened.emit(path, True)

    def _open_failed(self, path: Path, reason: str) -> None:
        self._error(f"Cannot open {path.name}", reason)
        if not path.exists():
            settings.remove_recent_file(path)
        self.opened.emit(path, False)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = settings.recent_files()
        for i, name in enumerate(files, 1):
            action = menu.addAction(f"&{i} {Path(name).name}")
            action.setToolTip(name)
            action.setStatusTip(name)
            action.triggered.connect(lambda _=False, p=name: self.open_path(p))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Recent Files")
        clear.setEnabled(bool(files))
        clear.triggered.connect(settings.clear_recent_files)

    # -- save --------------------------------------------------------------------------------
    def save(self) -> bool:
        path = self.window.model.file_path
        return self.save_to(path) if path is not None else self.save_as()

    def save_as(self) -> bool:
        current = self.window.model.file_path
        suggested = str(current) if current else f"{self.window.document_stem()}.json"
        path, chosen = QFileDialog.getSaveFileName(
            self.window, "Save as", suggested, f"{EXPERIMENT_FILTER};;{RUN_FILTER}",
            RUN_FILTER if current and current.suffix.lower() == RUN_SUFFIX
            else EXPERIMENT_FILTER)
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() not in (".json", RUN_SUFFIX):
            path = path.with_name(path.name + (RUN_SUFFIX if chosen == RUN_FILTER else ".json"))
        return self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """Write the experiment (.json, at once) or the whole run (.bpp: started in the
        background, see :meth:`save_run_to`) to ``path``. True when written or started."""
        path = Path(path)
        if path.suffix.lower() == RUN_SUFFIX:
            return self.save_run_to(path)
        try:
            self.window.model.experiment.save(path)
        except Exception as exc:  # noqa: BLE001 - reported to the user, nothing is lost
            self.saving.succeeded = False
            self._error(f"Cannot save {path.name}", describe_error(exc))
            return False
        self.saving.succeeded = True
        self._saved(path, 0, self.window.model.undo_stack.index())
        return True

    def save_run_to(self, path: Path) -> bool:
        """Save every run to ``path`` without the GUI thread waiting: the training thread
        serializes a copy between two batches (``worker.submit``), a background thread
        compresses and writes it atomically (the old file stays whole until the new one is
        complete), the status bar shows it meanwhile; the outcome is reported when it ends.
        False when a save is already running."""
        if self.saving.running:
            self.window.statusBar().showMessage(
                "A save is still being written; wait for it to finish.", 5000)
            return False
        submit = self.window.worker.submit
        edit = self.window.model.undo_stack.index()     # the edit the saved file has

        def copy(runs: RunSet):                          # training thread
            # a run being stepped through is saved as before its open iteration (the
            # engine's rule, Trainer.phases): say so when it is written
            stepping = any(run.trainer.stepping for run in runs)
            return len(runs), runset_members(runs, path), stepping

        def job(progress, cancelled):                    # background thread
            try:
                count, members, stepping = from_trainer(
                    lambda fn: submit(fn, runs=True), copy, cancelled,
                    timeout=SAVE_HANDOVER_TIMEOUT)
                write_archive(path, members, progress, cancelled)
            except (OSError, MemoryError, ValueError) as exc:
                raise PlaygroundError(describe_error(exc)) from None
            return count, stepping

        self.saving.start(f"Saving {path.name}…", job,
                          lambda done: self._saved(path, done[0], edit, done[1]),
                          lambda reason: self._save_failed(path, reason))
        return True

    def wait_for_save(self) -> bool:
        """Wait (the window alive) for a save that is being written; True when it worked."""
        return bool(self.saving.wait())

    def close_after_save(self) -> None:
        """The user closes the window while a save runs: close once it is written (a failed
        or cancelled save keeps the window open, with the reason)."""
        self._close_when_saved = True
        # the window is going: training pauses and the save no longer gives way to the GUI,
        # so the close waits for the write alone (it competed with both for the two cores)
        self.window.worker.pause()
        self.saving.hurry()
        self.saving.label.setText(self.saving.label.text().split(" — ")[0]
                                  + " — the window closes when it is written")
        self.window.statusBar().showMessage(
            "Training paused; closing as soon as the save is complete (Cancel keeps the "
            "window open).", 10000)

    def _saved(self, path: Path, count: int, edit: int, stepping: bool = False) -> None:
        model = self.window.model
        model.mark_saved(path, clean=model.undo_stack.index() == edit)
        settings.add_recent_file(path)
        what = "experiment" if not count else "run (experiment, weights, history)" \
            if count == 1 else f"comparison of {count} runs (each with weights and history)"
        note = (" — as it was before the iteration being stepped through (opened, it does "
                "that iteration anew)") if stepping else ""
        self.window.statusBar().showMessage(f"Saved the {what} to {path}{note}",
                                            10000 if stepping else 5000)
        if self._close_when_saved:
            self._close_when_saved = False
            QTimer.singleShot(0, self.window.close)

    def _save_failed(self, path: Path, reason: str) -> None:
        self._close_when_saved = False
        if reason == CANCELLED:
            self.window.statusBar().showMessage(
                f"Saving {path.name} was cancelled; the file on disk is unchanged.", 8000)
            return
        self._error(f"Cannot save {path.name}", reason or "unknown reason (nothing written)")

    # -- export ------------------------------------------------------------------------------
    def export_plots(self, kind: str) -> list[Path]:
        folder = QFileDialog.getExistingDirectory(
            self.window, f"Export every plot as {kind.upper()} into the folder")
        if not folder:
            return []
        return self.export_plots_to(folder, kind)

    def export_plots_to(self, folder: str | Path, kind: str) -> list[Path]:
        """Write every plot into ``folder``; timers and paints run between two plots (one
        plot takes up to ~0.3 s to build, draw and encode: ten in a row froze the window for
        a second), user input waits until the export is done."""
        written = []
        plots = list(self.window.plots)
        for k, plot in enumerate(plots):
            if k:
                self.window.statusBar().showMessage(
                    f"Exporting plot {k + 1} of {len(plots)}…")
                QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            path = Path(folder) / f"{plot.export_name}.{kind}"
            try:
                (plot.export_png if kind == "png" else plot.export_csv)(path)
            except (OSError, PlaygroundError) as exc:
                self._error("Export failed", f"Could not write {path}: {exc}")
                return written
            written.append(path)
        self.window.statusBar().showMessage(
            f"Exported {', '.join(p.name for p in written)} to {folder}", 8000)
        return written

    def export_network(self, to: str) -> bool:
        """Ask where, then export the network (``to``: ``pytorch`` or ``onnx``)."""
        suffix, what = FORMATS[to][0], NETWORK_EXPORTS[to][1]
        current = self.window.model.file_path
        suggested = (current.parent if current else Path.home()) \
            / f"{self.window.document_stem()}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self.window, f"Export a {what}", str(suggested),
                                              f"{what[0].upper()}{what[1:]} (*{suffix})")
        return self.export_network_to(path, to) if path else False

    def export_network_to(self, path: str | Path, to: str) -> bool:
        """Export what the window has (its trainer, as it is now) to ``path``, without the
        GUI thread waiting: the training thread writes it between two batches, a background
        thread waits for that; the status bar shows it meanwhile and then what was written,
        or a message box why not. False when an export is already running."""
        path = Path(path)
        suffix = FORMATS[to][0]
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        if self.exporting.running:
            self.window.statusBar().showMessage("An export is still running.", 5000)
            return False
        current = self.window.model.file_path
        source = str(current) if current else \
            f"the unsaved experiment {self.window.document_name()} in the window"
        submit = self.window.worker.submit

        def job(progress, cancelled):                    # background thread
            try:
                return from_trainer(submit, lambda trainer: export_trainer(trainer, to, path,
                                                                           source),
                                    cancelled, timeout=SAVE_TIMEOUT)
            except (OSError, MemoryError, ValueError) as exc:
                raise PlaygroundError(describe_error(exc)) from None

        def done(written: list[Path]) -> None:
            self.window.statusBar().showMessage(
                f"Exported {', '.join(p.name for p in written)} to {path.parent}", 8000)

        def stopped(reason: str) -> None:
            if reason != CANCELLED:
                self._error(f"Cannot export to {path.name}", reason)

        self.exporting.start(f"Exporting {path.name}…", job, done, stopped)
        return True

    def _error(self, title: str, text: str) -> None:
        self.window.statusBar().showMessage(f"{title}: {text}", 10000)
        QMessageBox.warning(self.window, title, text)
