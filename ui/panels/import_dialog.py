"""The import dialog: look at a CSV or NPZ file before using it as the data set.

It shows the first rows (as :func:`playground.data.preview_file` reads them — the same reader
training uses), lets the user pick the target column and the task (auto / classification /
regression) and whether to standardize the inputs, and sums up what the network will see
("150 rows, 4 features, 3 classes"). A file the engine cannot read gets the engine's message —
file, line, column — in a red label, and OK stays disabled; nothing is written until OK.
:meth:`ImportDialog.data_config` then gives the ``data`` keys to write.

The preview reads only the first lines of a text file (:data:`playground.data.PREVIEW_BYTES`),
and it reads them off the GUI thread (a slow disk or network share must not freeze the
window): a busy bar says so meanwhile, OK waits for the result, Cancel (or closing the dialog)
drops it, and a newer choice (another target column) replaces a read still running.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog,
                               QDialogButtonBox, QFormLayout, QHeaderView, QLabel, QLayout,
                               QProgressBar, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from playground import PlaygroundError
from playground.data import FILE_FORMATS, file_kind, preview_file
from playground.data.config import resolve_path

from ui.live.background import CANCELLED, JobRunner
from ui.widgets.theme import error_text

_TASKS = (("auto (infer from the target)", None), ("classification", "classification"),
          ("regression", "regression"))
_TARGET_BACKGROUND = QColor("#fff3e0")


class ImportDialog(QDialog):
    """Preview ``path`` and choose how to read it. ``target`` / ``task`` / ``standardize``
    preselect the choices (e.g. when re-opening the current file)."""

    def __init__(self, path: str | Path, parent: QWidget | None = None, *, base_dir=None,
                 target: str | int | None = None, task: str | None = None,
                 standardize: bool = True):
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import data")
        self.path = str(path)
        self.base_dir = base_dir
        self.kind = file_kind(resolve_path(path, base_dir))
        self.preview = None
        self._target = target

        self.path_label = QLabel(objectName="importPathLabel")
        self.path_label.setText(f"<b>{Path(self.path).name}</b> "
                                f"<small>({FILE_FORMATS[self.kind].title}, {self.path})</small>")
        self.path_label.setWordWrap(True)
        self.table = QTableWidget(objectName="importPreviewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(180)
        self.target_combo = QComboBox(objectName="importTargetCombo")
        self.target_combo.setToolTip("The column the network learns to predict; all others "
                                     "are inputs")
        self.task_combo = QComboBox(objectName="importTaskCombo")
        for text, value in _TASKS:
            self.task_combo.addItem(text, value)
        self.task_combo.setCurrentIndex(next(i for i, (_, v) in enumerate(_TASKS) if v == task))
        self.standardize_check = QCheckBox("z-score the inputs (statistics of the training "
                                           "split)", objectName="importStandardizeCheck")
        self.standardize_check.setChecked(bool(standardize))
        self.summary_label = QLabel(objectName="importSummaryLabel")
        self.summary_label.setWordWrap(True)
        self.error_label = QLabel(objectName="importErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {error_text()};")
        self.error_label.hide()
        self.reading_bar = QProgressBar(self, objectName="importReadingBar")
        self.reading_bar.setRange(0, 0)               # busy: the read has no total
        self.reading_bar.setMaximumHeight(12)
        self.reading_bar.setTextVisible(False)
        self._jobs = JobRunner(self.reading_bar, self)
        self._reload_pending = False
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("importOkButton")
        self.ok_button.setText("Use this data")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Target column", self.target_combo)
        form.addRow("Task", self.task_combo)
        form.addRow("Standardize", self.standardize_check)
        layout = QVBoxLayout(self)
        layout.addWidget(self.path_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.reading_bar)
        layout.addWidget(self.buttons)
        # a fixed minimum instead of the layout's (which changes with every preview): the
        # window does not jump while the user tries targets, and the offscreen test platform
        # does not warn about size hints changing
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setMinimumSize(440, 360)
        self.resize(560, 440)

        self.target_combo.currentTextChanged.connect(self._on_target)
        self.task_combo.currentIndexChanged.connect(lambda _: self.reload())
        self.reload()

    # -- reading ---------------------------------------------------------------------------
    @property
    def task(self) -> str | None:
        return self.task_combo.currentData()

    @property
    def reading(self) -> bool:
        """True while the file is being read (off the GUI thread)."""
        return self._jobs.running or self._reload_pending

    def reload(self) -> None:
        """Read the file again with the current choices (in the background) and show the
        result or the error."""
        self.ok_button.setEnabled(False)
        if self._jobs.running:                        # the newest choices win
            self._reload_pending = True
            self._jobs.cancel()
            return
        self._reload_pending = False
        target = self._target if FILE_FORMATS[self.kind].chooses_target else None
        path, task, base_dir = self.path, self.task, self.base_dir

        def job(progress, cancelled):
            try:
                return preview_file(path, target=target, task=task, max_rows=8,
                                    base_dir=base_dir)
            except (OSError, ValueError) as exc:     # defensive: never a traceback
                raise PlaygroundError(f"{path}: cannot be read ({exc})") from None

        self.summary_label.setText(f"Reading the first rows of {Path(path).name}…")
        self._jobs.start(job, self._show_preview, self._read_stopped)

    def _read_stopped(self, reason: str) -> None:
        if self._reload_pending:
            self.reload()
        elif reason != CANCELLED:
            self._show_error(reason)

    def _show_preview(self, preview) -> None:
        if self._reload_pending:                     # choices changed while it read
            self.reload()
            return
        self.preview = preview
        self.error_label.hide()
        self.error_label.clear()
        self._fill_table(preview)
        self._fill_targets(preview)
        self.summary_label.setText(f"✓ {preview.message}")
        self.ok_button.setEnabled(True)

    def done(self, result: int) -> None:
        """Closing (OK, Cancel, Esc) drops a read still running."""
        self._reload_pending = False
        self._jobs.shutdown()
        super().done(result)

    def data_config(self) -> dict:
        """The ``data`` keys for the chosen file (only meaningful after a good preview)."""
        target = None
        if FILE_FORMATS[self.kind].chooses_target and self.preview is not None:
            target = self.preview.target_column
        return {"source": self.kind, "path": self.path, "target": target, "task": self.task,
                "standardize": self.standardize_check.isChecked()}

    @property
    def error_text(self) -> str:
        return self.error_label.text()

    # -- display ---------------------------------------------------------------------------
    def _show_error(self, message: str) -> None:
        self.preview = None
        self.error_label.setText(f"⚠ {message}")
        self.error_label.show()
        self.summary_label.setText("This file cannot be used as it is; fix it or choose "
                                   "other settings. The current data stays.")
        self.ok_button.setEnabled(False)

    def _fill_table(self, preview) -> None:
        columns = list(preview.columns)
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels(columns)
        targets = {name.strip() for name in preview.target_column.split(",")}
        for r, row in enumerate(preview.rows):
            for c, cell in enumerate(row):
                item = QTableWidgetItem(cell)
                if columns[c] in targets:
                    item.setBackground(QBrush(_TARGET_BACKGROUND))
                self.table.setItem(r, c, item)
        for c, name in enumerate(columns):
            header = self.table.horizontalHeaderItem(c)
            if header is not None and name in targets:
                header.setText(f"{name} (target)")

    def _fill_targets(self, preview) -> None:
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        if FILE_FORMATS[self.kind].chooses_target:
            self.target_combo.addItems(list(preview.columns))
            self.target_combo.setEnabled(True)
        else:                                        # npz: the target is the array y
            self.target_combo.addItem(preview.target_column)
            self.target_combo.setEnabled(False)
            self.target_combo.setToolTip("An .npz file's target is its array y")
        self.target_combo.setCurrentText(preview.target_column)
        self.target_combo.blockSignals(False)

    def _on_target(self, name: str) -> None:
        if name and FILE_FORMATS[self.kind].chooses_target:
            self._target = name
            self.reload()
