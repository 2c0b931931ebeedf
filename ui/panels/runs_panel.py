"""The Runs panel: every run being compared, and the buttons that make more of them.

One row per run: its colour (the same on the loss plot), what differs from the current run,
its epoch, and a check box that shows or hides its curves. *Pin* keeps the current run as a
dimmed reference; *Fork* duplicates the current run at its epoch with the chosen setting set
to the first value typed; *Sweep* starts one run per value from the current settings (the
pinned runs stay). *Make current* hands the other panels to the selected run; *Remove* drops
it. The timeline slider drags the current run back through its kept epochs (every view
shows it as it was); *Continue from here* forks a new current run from there. The panel only
asks: the window's training worker owns the runs and answers with a new
list (:meth:`set_runs`). A value the engine refuses is named under the fields.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QSlider, QTableWidget,
                               QTableWidgetItem,
                               QVBoxLayout, QWidget)

from playground import ExperimentError
from playground.training.live import is_live_key
from playground.training.runset import apply_settings, parse_value

from ui.widgets.run_colors import run_color
from ui.widgets.theme import error_text

#: settings a sweep can vary: (label, key path, example values)
SETTINGS = (
    ("learning rate", "training.optimizer.learning_rate", "0.003, 0.01, 0.03, 0.1"),
    ("batch size", "training.batch_size", "1, 10, 50"),
    ("optimizer", "training.optimizer.name", "sgd, adam, rmsprop"),
    ("dropout (layer 1)", "network.layers[0].dropout", "0, 0.2, 0.5"),
    ("L1", "training.l1", "0, 0.0001, 0.001"),
    ("L2", "training.l2", "0, 0.001, 0.01"),
    ("activation (layer 1)", "network.layers[0].activation", "tanh, relu, sigmoid"),
    ("initializer (layer 1)", "network.layers[0].init", "xavier_uniform, he_normal"),
    ("width of layer 1", "network.layers[0].units", "2, 4, 8, 16"),
    ("seed", "seed", "0, 1, 2, 3"),
)


class RunsPanel(QWidget):
    view_name, dock_title, dock_name = "runs", "Runs", "runsDock"
    tab_group, dock_scrolls = "bottom", True      # a short screen scrolls the table

    pinRequested = Signal()
    forkRequested = Signal(str, object)           # key path, value
    sweepRequested = Signal(str, object)          # key path, values (a list: "object", so
    #                                               Python ints of any size pass unconverted)
    currentRequested = Signal(int)                # run number
    removeRequested = Signal(int)                 # run number
    visibilityRequested = Signal(int, bool)       # run number, shown
    epochRequested = Signal(int)                  # show the current run at this epoch
    continueRequested = Signal(int)               # fork the current run from this epoch

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.model = model
        self.runs: list = []
        self._timeline_epoch = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("runsTable")
        self.table.setHorizontalHeaderLabels(["run", "differs from the current run", "epoch"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_run_buttons())
        layout.addLayout(self._build_sweep_row())
        layout.addLayout(self._build_timeline_row())
        self.message = QLabel("", self)
        self.message.setObjectName("runsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self._update_buttons()

    def _button(self, text: str, name: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build_run_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.pin_button = self._button("Pin", "pinButton", "Keep the current run on the plots "
                                       "as a dimmed reference", self.pinRequested.emit)
        self.current_button = self._button("Make current", "makeCurrentButton",
                                           "Show the selected run in every panel",
                                           lambda: self._selected(self.currentRequested))
        self.remove_button = self._button("Remove", "removeRunButton", "Drop the selected run",
                                          lambda: self._selected(self.removeRequested))
        for button in (self.pin_button, self.current_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _build_sweep_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.setting_combo = QComboBox(self)
        self.setting_combo.setObjectName("sweepSettingCombo")
        for label, key, example in SETTINGS:
            self.setting_combo.addItem(label, (key, example))
        self.values_edit = QLineEdit(self)
        self.values_edit.setObjectName("sweepValuesEdit")
        self.values_edit.setToolTip("Values separated by commas; Fork uses the first")
        self.setting_combo.currentIndexChanged.connect(self._show_example)
        self._show_example()
        self.sweep_button = self._button("Sweep", "sweepButton", "One run per value, from "
                                         "epoch 0, trained together", self._sweep)
        self.fork_button = self._button("Fork", "forkButton", "Copy the current run at its "
                                        "epoch with this setting changed; both go on",
                                        self._fork)
        row.addWidget(self.setting_combo)
        row.addWidget(self.values_edit, 1)
        row.addWidget(self.sweep_button)
        row.addWidget(self.fork_button)
        return row

    def _build_timeline_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.timeline_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.timeline_slider.setObjectName("timelineSlider")
        self.timeline_slider.setToolTip("Drag back through the current run's epochs: every "
                                        "view shows the run as it was then")
        self.timeline_slider.setRange(0, 0)
        self.timeline_slider.valueChanged.connect(self._on_scrub)
        self.timeline_label = QLabel("epoch —", self)
        self.timeline_label.setObjectName("timelineLabel")
        self.continue_button = self._button("Continue from here", "continueHereButton",
                                            "A new run from this epoch (a fork); the current "
                                            "run is kept", self._continue)
        row.addWidget(QLabel("Timeline", self))
        row.addWidget(self.timeline_slider, 1)
        row.addWidget(self.timeline_label)
        row.addWidget(self.continue_button)
        return row

    @property
    def checkpoints(self) -> tuple:
        return next((v.checkpoints for v in self.runs if v.current), ())

    def scrubbed_epoch(self) -> int | None:
        """The epoch the timeline shows, or None when it is at the present."""
        epochs = self.checkpoints
        i = self.timeline_slider.value()
        return epochs[i] if epochs and i < len(epochs) - 1 else None

    def _update_timeline(self) -> None:
        epochs = self.checkpoints
        slider = self.timeline_slider
        current = next((v.epoch for v in self.runs if v.current), None)
        at_end = slider.value() >= slider.maximum() or current != self._timeline_epoch
        self._timeline_epoch = current          # training went on: back to the present
        slider.blockSignals(True)
        slider.setRange(0, max(len(epochs) - 1, 0))
        if at_end:
            slider.setValue(slider.maximum())
        slider.blockSignals(False)
        self._label_timeline()

    def _label_timeline(self) -> None:
        epochs, epoch = self.checkpoints, self.scrubbed_epoch()
        current = next((v.epoch for v in self.runs if v.current), None)
        self.timeline_label.setText(f"epoch {epoch} (looking back)" if epoch is not None
                                    else f"epoch {current}" if current is not None
                                    else "epoch —")
        self.continue_button.setEnabled(epoch is not None and bool(epochs))

    def _on_scrub(self, _value: int) -> None:
        epoch = self.scrubbed_epoch()
        self._label_timeline()
        if epoch is not None:
            self.epochRequested.emit(epoch)

    def _continue(self) -> None:
        epoch = self.scrubbed_epoch()
        if epoch is not None:
            self.continueRequested.emit(epoch)

    # -- from the worker -------------------------------------------------------------------
    def set_runs(self, views: list) -> None:
        """Show ``views`` (the worker's RunView list)."""
        selected = self.selected_number()
        self.runs = list(views)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.runs))
        for row, view in enumerate(self.runs):
            name = QTableWidgetItem(f"● {view.number}" + (" ★" if view.current else ""))
            name.setForeground(QColor(run_color(view.number)))
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked if view.visible
                               else Qt.CheckState.Unchecked)
            name.setData(Qt.ItemDataRole.UserRole, view.number)
            name.setToolTip("shown on the plots" if view.visible else "hidden")
            label = QTableWidgetItem(view.label + (" — pinned" if view.pinned and
                                                   "pinned" not in view.label else ""))
            label.setToolTip(view.label)
            epoch = QTableWidgetItem(f"{view.epoch}" + (" ■" if view.finished else ""))
            for column, item in enumerate((name, label, epoch)):
                self.table.setItem(row, column, item)
            if view.number == selected:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self.table.resizeColumnToContents(0)
        self._update_buttons()
        self._update_timeline()

    # -- user actions ----------------------------------------------------------------------
    def selected_number(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.runs):
            return None
        return self.runs[rows[0].row()].number

    def _selected(self, signal) -> None:
        number = self.selected_number()
        if number is not None:
            signal.emit(number)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        if item.column() == 0 and number is not None:
            self.visibilityRequested.emit(number, item.checkState() == Qt.CheckState.Checked)

    def _update_buttons(self) -> None:
        number = self.selected_number()
        current = next((v.number for v in self.runs if v.current), None)
        self.current_button.setEnabled(number is not None and number != current)
        self.remove_button.setEnabled(number is not None and len(self.runs) > 1)

    def _show_example(self) -> None:
        key, example = self.setting_combo.currentData()
        self.values_edit.setPlaceholderText(example)

    def _values(self) -> tuple[str, list] | None:
        """The chosen key and the typed values, each checked on the current settings."""
        key, _ = self.setting_combo.currentData()
        texts = [t for t in self.values_edit.text().split(",") if t.strip()]
        if not texts:
            self._say("Type the values to try, separated by commas.", error=True)
            return None
        try:
            values = [parse_value(t) for t in texts]    # '1e999': refused, said here
            for value in values:
                apply_settings(self.model.experiment, {key: value})
        except ExperimentError as exc:
            self._say(str(exc), error=True)
            return None
        return key, values

    def _sweep(self) -> None:
        chosen = self._values()
        if chosen is not None:
            self._say(f"Sweep: {len(chosen[1])} runs of {chosen[0]} from epoch 0.")
            self.sweepRequested.emit(*chosen)

    def _fork(self) -> None:
        chosen = self._values()
        if chosen is None:
            return
        key, values = chosen
        if not is_live_key(key):
            self._say(f"{key} needs new weights, so a fork cannot change it; use Sweep.",
                      error=True)
            return
        self._say(f"Fork: the current run goes on, and a copy with {key} = {values[0]}.")
        self.forkRequested.emit(key, values[0])

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {error_text()};" if error else "")
