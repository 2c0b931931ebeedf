"""The data panel: choose what the network learns from, and look at it.

* **Source** — a picture per generated set (``xor circle gaussian spiral moons blobs``,
  regression ``plane sine``), the shipped ``digits``, and "file…" to import a CSV or NPZ file
  through :class:`~ui.panels.import_dialog.ImportDialog`.
* **Settings** of that source: noise, samples, classes (spiral / blobs), validation share,
  seed, standardize, and for 2-D sets the input features (x1, x2, x1², …; one must stay on).
* **Scatter** of the current trainer's data (:class:`~ui.panels.data_scatter.DataScatter`).

Every change goes through :class:`~ui.live.model.ExperimentModel`. A change that alters the task or
the number of classes also fixes the output layer and loss (e.g. spiral → blobs with
cross_entropy: 3 softmax units; a regression set: mse with 1 linear unit) in the *same*
undoable step (:func:`ui.panels.output_fit.commit`). Refused values and unreadable files are shown in
the red ``dataErrorLabel``; the previous data stays.
"""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from playground import ExperimentError, PlaygroundError
from playground.data import (ALL_SOURCES, FEATURES, FILE_SOURCES, INLINE_SOURCES, file_filter,
                             resolve_data_config)
from playground.data.config import CLASSES_DEFAULTS, GENERATED, MAX_CLASSES, MAX_SAMPLES
from ui.panels.data_pictures import source_icon
from ui.panels.data_scatter import DataScatter
from ui.panels.import_dialog import ImportDialog
from ui.widgets.fields import set_invalid
from ui.live.model import ExperimentModel
from ui.panels.output_fit import commit, data_target, fitted_network, target_from_preview
from ui.widgets.theme import error_text, shade

PICKABLE = tuple(s for s in ALL_SOURCES if s not in FILE_SOURCES + INLINE_SOURCES)
FILE_FILTER = file_filter()
#: (colours for the palette are filled in when the panel is built)
_STYLE = """
QAbstractSpinBox[invalid="true"], QCheckBox[invalid="true"] {{
    background-color: #ffe4e4; color: #b71c1c; }}
QLabel#dataErrorLabel {{ color: {error}; }}
"""
_THUMB_STYLE = """
QToolButton {{ border: 1px solid transparent; border-radius: 5px; padding: 1px;
              font-size: 8pt; }}
QToolButton:hover {{ border: 1px solid #a9b4c4; }}
QToolButton:checked {{ border: 2px solid #3b82f6; background: {checked}; }}
"""


class DataPanel(QWidget):
    """Edits the ``data`` section (and ``seed``) of the model's experiment."""

    view_name, dock_title, dock_name = "data", "Data", "dataDock"
    dock_area, dock_size, dock_scrolls = "left", (285, None), True

    #: an error was shown in the panel (the message)
    error = Signal(str)

    @classmethod
    def for_window(cls, model, parent, behind_tab: bool) -> "DataPanel":
        """In the window the scatter's canvas is built when first on screen: the Data tab
        starts behind the Lessons one (install_lessons), and the window draws what a
        background tab missed when it comes to the front (``redraw_pending``)."""
        return cls(model, parent, deferred=True)

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None,
                 deferred: bool = False):
        super().__init__(parent)
        self._deferred = deferred
        self.setObjectName("dataPanel")
        self.setStyleSheet(_STYLE.format(error=error_text()))
        self.model = model
        self.import_dialog: ImportDialog | None = None
        self._build()
        model.watch(("data", "seed"), self._on_data_changed, owner=self)
        self.refresh()

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.setSpacing(5)
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Data</b>"))
        self.description_label = QLabel(objectName="dataDescriptionLabel")
        self.description_label.setStyleSheet("color: #4b5563;")
        self.description_label.setWordWrap(True)
        head.addWidget(self.description_label, 1)
        root.addLayout(head)

        thumbs = QWidget(objectName="sourceThumbnails")
        thumbs.setStyleSheet(_THUMB_STYLE.format(checked=shade("#eef4ff", "#233247")))
        grid = QGridLayout(thumbs)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        self.source_buttons: dict[str, QToolButton] = {}
        for i, name in enumerate(PICKABLE + ("file",)):
            button = QToolButton(objectName=f"source_{name}Button")
            button.setIcon(source_icon(name if name != "file" else "csv", 40))
            button.setIconSize(QSize(40, 40))
            button.setText(name if name != "file" else "file…")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            grid.addWidget(button, i // 5, i % 5)
            if name == "file":
                button.setObjectName("importButton")
                button.setToolTip("Import your own data: a CSV table or an NPZ archive")
                button.clicked.connect(self.import_file)
                self.import_button = button
            else:
                button.setToolTip(f"Use the {name} data set")
                button.clicked.connect(lambda _=False, n=name: self.set_source(n))
            self.source_buttons[name] = button
        root.addWidget(thumbs)

        self.form = QFormLayout()
        self.form.setVerticalSpacing(4)
        self.noise_spin = self._double("noiseSpin", 0.0, 100.0, 0.05, 2,
                                       "Standard deviation of the noise added to the points "
                                       "(classification) or to the target (regression)")
        self.samples_spin = self._int("samplesSpin", 2, MAX_SAMPLES, 50,
                                      "Number of points drawn, before the split")
        self.classes_spin = self._int("classesSpin", 2, MAX_CLASSES, 1,
                                      "Number of classes (spiral arms / blobs)")
        self.validation_spin = self._double("validationSpin", 0.0, 95.0, 5.0, 1,
                                            "Share of the samples held back to measure how "
                                            "well the network generalizes (0 = none)")
        self.validation_spin.setSuffix(" %")
        self.seed_spin = self._int("seedSpin", 0, 2**31 - 1, 1,
                                   "Seed of the random numbers (data, split, weights)")
        self.new_seed_button = QPushButton("New", objectName="newSeedButton")
        self.new_seed_button.setToolTip("Draw a new random seed")
        self.new_seed_button.clicked.connect(
            lambda: self._set("seed", random.randrange(2**31), self.seed_spin))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.new_seed_button)
        self.standardize_check = QCheckBox("z-score the inputs", objectName="standardizeCheck")
        self.standardize_check.setToolTip("Subtract the mean and divide by the standard "
                                          "deviation of each input (training split only)")
        self.file_label = QLabel(objectName="fileLabel")
        self.file_settings_button = QPushButton("Settings…", objectName="reimportButton")
        self.file_settings_button.setToolTip("Target column, task and standardization of "
                                             "the current file")
        self.file_settings_button.clicked.connect(self.edit_file_settings)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.file_settings_button)
        self.form.addRow("Noise", self.noise_spin)
        self.form.addRow("Samples", self.samples_spin)
        self.form.addRow("Classes", self.classes_spin)
        self.form.addRow("Validation", self.validation_spin)
        self.form.addRow("Seed", seed_row)
        self.form.addRow("Standardize", self.standardize_check)
        self.form.addRow("File", file_row)
        root.addLayout(self.form)

        self.noise_spin.valueChanged.connect(
            lambda v: self._set("data.noise", round(v, 6), self.noise_spin))
        self.samples_spin.valueChanged.connect(
            lambda v: self._set("data.samples", int(v), self.samples_spin))
        self.classes_spin.valueChanged.connect(self.set_classes)
        self.validation_spin.valueChanged.connect(
            lambda v: self._set("data.validation_split", round(v / 100.0, 6),
                                self.validation_spin))
        self.seed_spin.valueChanged.connect(lambda v: self._set("seed", int(v), self.seed_spin))
        self.standardize_check.toggled.connect(
            lambda on: self._set("data.standardize", bool(on), self.standardize_check))

        self.features_box = QGroupBox("Input features", objectName="featuresBox")
        fgrid = QGridLayout(self.features_box)
        fgrid.setContentsMargins(6, 4, 6, 4)
        fgrid.setSpacing(2)
        self.feature_checks: dict[str, QCheckBox] = {}
        for i, name in enumerate(FEATURES):
            check = QCheckBox(name, objectName=f"feature_{name}Check")
            check.setToolTip(f"Feed {name} of the point (x1, x2) to the network")
            check.toggled.connect(lambda on, n=name: self.toggle_feature(n, on))
            fgrid.addWidget(check, i // 4, i % 4)
            self.feature_checks[name] = check
        root.addWidget(self.features_box)

        self.scatter = DataScatter(deferred=self._deferred)
        root.addWidget(self.scatter, 1)
        self.error_label = QLabel(objectName="dataErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        root.addWidget(self.error_label)

    def _int(self, name, low, high, step, tip) -> QSpinBox:
        spin = QSpinBox(objectName=name)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        return spin

    def _double(self, name, low, high, step, decimals, tip) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(objectName=name)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(decimals)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        return spin

    # -- public API ------------------------------------------------------------------------
    def set_data_view(self, view) -> None:
        """Draw the current trainer's data (a DataView from a Snapshot)."""
        self.scatter.set_data_view(view)
        self.description_label.setText(f"<small>{view.description}</small>" if view else "")

    def show_error(self, message: str) -> None:
        """Show a problem with the data in the panel (e.g. the trainer could not load it)."""
        self.error_label.setText(f"⚠ {message}")
        self.error_label.show()
        self.error.emit(message)

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    @property
    def error_text(self) -> str:
        return self.error_label.text()

    def refresh(self) -> None:
        """Show the model's data settings (never writes the model)."""
        exp = self.model.experiment
        data = exp.data
        try:
            cfg = resolve_data_config(data)
        except PlaygroundError:
            cfg = data
        source = cfg["source"]
        for name, button in self.source_buttons.items():
            button.setChecked(name == source or (name == "file" and source in FILE_SOURCES))
        generated = source in GENERATED
        self.form.setRowVisible(self.noise_spin, generated)
        self.form.setRowVisible(self.samples_spin, generated)
        self.form.setRowVisible(self.classes_spin, source in CLASSES_DEFAULTS)
        self.form.setRowVisible(self.form.rowCount() - 1, source in FILE_SOURCES)
        self.features_box.setVisible(generated)
        widgets = [self.noise_spin, self.samples_spin, self.classes_spin, self.validation_spin,
                   self.seed_spin, self.standardize_check, *self.feature_checks.values()]
        for w in widgets:
            w.blockSignals(True)
            set_invalid(w)
        try:
            self.noise_spin.setValue(float(cfg["noise"]))
            self.samples_spin.setValue(int(cfg["samples"]))
            if cfg.get("classes"):
                self.classes_spin.setValue(int(cfg["classes"]))
            self.validation_spin.setValue(100.0 * float(cfg["validation_split"]))
            self.seed_spin.setValue(min(int(exp.seed), 2**31 - 1))
            self.standardize_check.setChecked(bool(cfg["standardize"]))
            for name, check in self.feature_checks.items():
                check.setChecked(name in cfg["features"])
        finally:
            for w in widgets:
                w.blockSignals(False)
        if source in FILE_SOURCES:
            target = cfg.get("target")
            task = cfg.get("task") or "inferred"
            self.file_label.setText(f"<b>{Path(str(cfg['path'])).name}</b><br><small>target: "
                                    f"{target if target is not None else 'last column'}<br>"
                                    f"task: {task}</small>")
            self.file_label.setToolTip(str(cfg["path"]))

    # -- edits -----------------------------------------------------------------------------
    def set_source(self, source: str) -> None:
        """Switch to a generated or shipped set (fixing the output layer if needed)."""
        exp = self.model.experiment
        if source != exp.get("data.source"):
            data = exp.data
            data["source"] = source
            self._write_data(data, ["data.source"], f"data source → {source}")
        self.refresh()                       # a click on the current source keeps it checked

    def set_classes(self, classes: int) -> None:
        data = self.model.experiment.data
        data["classes"] = int(classes)
        self._write_data(data, ["data.classes"], f"{classes} classes", field=self.classes_spin)

    def toggle_feature(self, name: str, on: bool) -> None:
        features = [f for f in FEATURES if self.feature_checks[f].isChecked()]
        if not features:                     # the network needs at least one input
            check = self.feature_checks[name]
            check.blockSignals(True)
            check.setChecked(True)
            check.blockSignals(False)
            self.show_error(f"{name}: at least one input feature must stay checked")
            return
        self._set("data.features", features, self.feature_checks[name],
                  text=f"feature {name} {'on' if on else 'off'}")

    def import_file(self) -> None:
        """Choose a CSV / NPZ file, then preview it in the import dialog."""
        self.refresh()                       # the file button is not a source toggle
        exp = self.model.experiment
        current = exp.data_path()
        start = str(current.parent if current else (exp.base_dir or Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Import a data file", start, FILE_FILTER)
        if path:
            self.open_import_dialog(path)

    def edit_file_settings(self) -> None:
        """Re-open the import dialog on the current file with its current settings."""
        exp = self.model.experiment
        data = exp.data
        if data["source"] in FILE_SOURCES and data["path"]:
            standardize = True if data["standardize"] is None else data["standardize"]
            self.open_import_dialog(data["path"], target=data["target"], task=data["task"],
                                    standardize=standardize, base_dir=exp.base_dir)

    def open_import_dialog(self, path: str, *, target=None, task=None, standardize=True,
                           base_dir=None) -> ImportDialog:
        """Show the (window-modal) import dialog; OK writes the data settings."""
        dialog = ImportDialog(path, self, base_dir=base_dir, target=target, task=task,
                              standardize=standardize)
        dialog.accepted.connect(lambda d=dialog: self._apply_import(d))
        dialog.finished.connect(lambda _=0, d=dialog: self._dialog_closed(d))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _apply_import(self, dialog: ImportDialog) -> None:
        if dialog.preview is None:
            return
        config = dialog.data_config()
        data = self.model.experiment.data
        data.update(config)
        paths = [f"data.{key}" for key in config]
        self._write_data(data, paths, f"import {Path(dialog.path).name}",
                         target=target_from_preview(dialog.preview))

    def _dialog_closed(self, dialog: ImportDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None
        dialog.deleteLater()

    def _set(self, dotted: str, value, field: QWidget | None = None, text: str | None = None
             ) -> bool:
        try:
            self.model.set(dotted, value, text=text)
        except ExperimentError as exc:
            if field is not None:
                set_invalid(field, None, exc.reason)
            self.show_error(str(exc))
            return False
        return True

    def _write_data(self, data: dict, paths: list[str], text: str, *, field=None,
                    target=None) -> bool:
        """Write ``data`` and, if the task or classes changed, the fitted output layer."""
        exp = self.model.experiment
        network = exp.network
        try:
            new_target = target or data_target(data, exp.base_dir)
        except PlaygroundError as exc:
            self.show_error(str(exc))
            self.refresh()
            return False
        try:
            old_task = data_target(exp.data, exp.base_dir).task
        except PlaygroundError:
            old_task = None
        fitted = fitted_network(network, new_target, old_task)
        net_paths = ["network.layers", "network.loss"] if fitted != network else []
        try:
            commit(self.model, text, paths + net_paths, data=data,
                   network=fitted if net_paths else None)
        except ExperimentError as exc:
            self.refresh()
            if field is not None:
                set_invalid(field, None, exc.reason)
            self.show_error(str(exc))
            return False
        return True

    def _on_data_changed(self) -> None:
        self.clear_error()
        self.refresh()
