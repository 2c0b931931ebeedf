"""The training controls: optimizer and learning rate, batches, regularization, early stopping.

Every field edits one key of the experiment through the :class:`~ui.live.model.ExperimentModel`
(``model.set("training.optimizer.learning_rate", 0.01)``); the window decides what that means
for the running trainer. Most of these settings apply *live* — the learning rate, dropout,
L1/L2, early stopping, the epoch budget — and training simply continues with the new value.
A few need a new network (the optimizer's kind, the seed, the number precision); they are
marked ⟳ and restart training from epoch 0. (The seed lives with the data, in the data panel.)

A refused value stays in its field with a red border and the engine's reason underneath
(see :mod:`ui.widgets.fields`); nothing is changed until the value is valid.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox,
                               QLabel, QScrollArea, QVBoxLayout, QWidget)

from playground import ExperimentError
from playground.training.early_stopping import MONITORS
from playground.optim.rules import OPTIMIZERS

from ui.widgets.fields import (BATCH_LADDER, LOG_LADDER, FieldError, ModelBinding, NumberInput,
                     set_invalid, with_error)
from .optimizer_form import OptimizerForm

RESTARTS = " ⟳"
LR_PATH = "training.optimizer.learning_rate"
ES = "training.early_stopping"
MONITOR_NAMES = {"val_loss": "validation loss", "train_loss": "training loss",
                 "val_accuracy": "validation accuracy", "train_accuracy": "training accuracy"}


def form_group(title: str, object_name: str) -> tuple[QGroupBox, QFormLayout]:
    group = QGroupBox(title)
    group.setObjectName(object_name)
    form = QFormLayout(group)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setContentsMargins(8, 6, 8, 8)
    form.setVerticalSpacing(5)
    return group, form


class ControlsPanel(QScrollArea):
    """The "Training" dock: everything about *how* the network learns."""

    view_name, dock_title, dock_name = "training", "Training", "trainingDock"
    dock_area, dock_below, dock_size = "left", "network", (None, 350)

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("controlsPanel")
        self.model = model
        self.binding = ModelBinding(model)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.setWidget(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(8)
        hint = QLabel("Changes apply immediately, also while training runs. Settings marked "
                      f"{RESTARTS.strip()} build a new network and restart training.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        column.addWidget(hint)
        column.addWidget(self._optimizer_group())
        column.addWidget(self._batches_group())
        column.addWidget(self._regularization_group())
        column.addWidget(self._early_stopping_group())
        column.addStretch(1)
        self.binding.refresh()

    # -- optimizer ---------------------------------------------------------------------------
    def _optimizer_group(self) -> QGroupBox:
        group, form = form_group("Optimizer", "optimizerGroup")
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        for name, optimizer in OPTIMIZERS.items():
            self.optimizer_combo.addItem(optimizer.title, name)
        self.optimizer_combo.setToolTip(
            "How the gradient turns into a weight update (as in torch.optim). Changing it "
            "builds a new optimizer and restarts training; the learning rate is kept.")
        self.optimizer_error = FieldError(group)
        self.optimizer_combo.activated.connect(self._set_optimizer)
        form.addRow("Algorithm" + RESTARTS, with_error(self.optimizer_combo,
                                                       self.optimizer_error))
        self.learning_rate_input = NumberInput(
            "learningRateInput", ladder=LOG_LADDER, minimum=1e-7, maximum=100.0,
            tooltip="Step size of each update: w ← w − learning rate · ∂L/∂w. Too small: slow; "
                    "too large: the loss jumps or diverges. ↑/↓ step ×3 / ÷3; any value can "
                    "be typed. Applies live.")
        self.binding.bind_number(self.learning_rate_input, LR_PATH)
        form.addRow("Learning rate", with_error(self.learning_rate_input))
        self.optimizer_form = OptimizerForm(self.model, group)
        form.addRow(self.optimizer_form)
        self.binding.add_refresher(self._refresh_optimizer)
        return group

    def _set_optimizer(self, index: int) -> None:
        name = self.optimizer_combo.itemData(index)
        if name == self.model.get("training.optimizer.name"):
            return
        lr = self.model.get(LR_PATH)
        try:
            self.model.set("training.optimizer", {"name": name, "learning_rate": lr},
                           text=f"optimizer {OPTIMIZERS[name].title}")
        except ExperimentError as exc:
            set_invalid(self.optimizer_combo, self.optimizer_error, exc.reason)
            self._refresh_optimizer()

    def _refresh_optimizer(self) -> None:
        name = self.model.get("training.optimizer.name")
        with QSignalBlocker(self.optimizer_combo):
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(name))
        set_invalid(self.optimizer_combo, self.optimizer_error, None,
                    self.optimizer_combo.toolTip().split("<br>")[-1])
        self.optimizer_form.refresh()

    # -- the training loop ------------------------------------------------------------------
    def _batches_group(self) -> QGroupBox:
        group, form = form_group("Training loop", "trainingLoopGroup")
        self.batch_size_input = NumberInput(
            "batchSizeInput", integer=True, ladder=BATCH_LADDER, minimum=1,
            tooltip="Samples per update. Small batches: noisy, many updates per epoch; "
                    "large: smooth, few updates. Applies from the next batch.")
        self.binding.bind_number(self.batch_size_input, "training.batch_size")
        form.addRow("Batch size", with_error(self.batch_size_input))
        self.epochs_input = NumberInput(
            "epochsInput", integer=True, step=50, minimum=1,
            tooltip="Epoch budget: training stops after this many passes over the training "
                    "data. Raise it to continue a finished run.")
        self.binding.bind_number(self.epochs_input, "training.epochs")
        form.addRow("Epochs", with_error(self.epochs_input))
        self.shuffle_check = self._bind_check(
            "shuffleCheck", "Shuffle every epoch", "training.shuffle",
            "Visit the training samples in a new random order each epoch.")
        form.addRow("", with_error(self.shuffle_check, self.shuffle_check.error))
        self.dtype_combo = QComboBox()
        self.dtype_combo.setObjectName("dtypeCombo")
        self.dtype_combo.addItem("float32 (fast)", "float32")
        self.dtype_combo.addItem("float64 (exact)", "float64")
        self.dtype_combo.setToolTip("Number precision of the weights and the arithmetic. "
                                    "Changing it restarts training.")
        self.dtype_combo.activated.connect(
            lambda i: self.model.set("training.dtype", self.dtype_combo.itemData(i)))
        self.binding.add_refresher(self._refresh_dtype)
        form.addRow("Precision" + RESTARTS, self.dtype_combo)
        return group

    # -- regularization ----------------------------------------------------------------------
    def _regularization_group(self) -> QGroupBox:
        group, form = form_group("Regularization", "regularizationGroup")
        self.l1_input = NumberInput(
            "l1Input", ladder=(0.0,) + LOG_LADDER[:10], minimum=0.0,
            tooltip="Adds l1·Σ|W| to the loss (weights only, not biases): pushes weights to "
                    "exactly zero. Applies live.")
        self.binding.bind_number(self.l1_input, "training.l1")
        form.addRow("L1", with_error(self.l1_input))
        self.l2_input = NumberInput(
            "l2Input", ladder=(0.0,) + LOG_LADDER[:10], minimum=0.0,
            tooltip="Adds l2·ΣW² to the loss (weights only): keeps weights small. Applies "
                    "live.")
        self.binding.bind_number(self.l2_input, "training.l2")
        form.addRow("L2", with_error(self.l2_input))
        self.dropout_input = NumberInput(
            "dropoutInput", step=0.05, minimum=0.0, maximum=0.95,
            tooltip="Share of each hidden layer's outputs dropped at random while training "
                    "(inverted dropout; sets every hidden layer). Applies live.")
        self.dropout_input.committed.connect(self._set_dropout)
        self.binding.add_refresher(self._refresh_dropout)
        form.addRow("Dropout", with_error(self.dropout_input))
        self.clip_input = NumberInput(
            "clipNormInput", ladder=(0.1, 0.5, 1.0, 5.0, 10.0), minimum=0.0,
            allow_empty=True,
            tooltip="Gradient clipping: scale the whole gradient down when its norm exceeds "
                    "this (empty = off). Applies live.")
        self.clip_input.setPlaceholderText("off")
        self.binding.bind_number(self.clip_input, "training.clip_norm")
        form.addRow("Clip gradient norm", with_error(self.clip_input))
        return group

    def _hidden_dropouts(self) -> list[float]:
        return [layer["dropout"] for layer in self.model.get("network.layers")[:-1]]

    def _refresh_dropout(self) -> None:
        rates = self._hidden_dropouts()
        self.dropout_input.setEnabled(bool(rates))
        if not rates:
            self.dropout_input.setPlaceholderText("no hidden layer")
            self.dropout_input.show_value(None)
        elif len(set(rates)) > 1:
            self.dropout_input.setPlaceholderText("differs per layer")
            self.dropout_input.show_value(None)
        else:
            self.dropout_input.show_value(rates[0])

    def _set_dropout(self, rate) -> None:
        layers = self.model.get("network.layers")
        for layer in layers[:-1]:
            layer["dropout"] = rate
        try:
            self.model.set("network.layers", layers, text=f"dropout {rate:g}")
        except ExperimentError as exc:
            self.dropout_input.show_error(exc.reason)
            return
        self._refresh_dropout()

    # -- early stopping ----------------------------------------------------------------------
    def _early_stopping_group(self) -> QGroupBox:
        group, form = form_group("Early stopping", "earlyStoppingGroup")
        self.early_stopping_check = self._bind_check(
            "earlyStoppingCheck", "Stop when it stops improving", f"{ES}.enabled",
            "Keras EarlyStopping: end training when the monitored number has not improved "
            "for 'patience' epochs. Applies live.")
        form.addRow(with_error(self.early_stopping_check, self.early_stopping_check.error))
        self.monitor_combo = QComboBox()
        self.monitor_combo.setObjectName("monitorCombo")
        for name in MONITORS:
            self.monitor_combo.addItem(MONITOR_NAMES.get(name, name), name)
        self.monitor_combo.setToolTip("The number early stopping watches.")
        self.monitor_error = FieldError(group)
        self.monitor_combo.activated.connect(self._set_monitor)
        form.addRow("Watch", with_error(self.monitor_combo, self.monitor_error))
        self.patience_input = NumberInput(
            "patienceInput", integer=True, step=5, minimum=0,
            tooltip="Epochs without improvement before training stops.")
        self.binding.bind_number(self.patience_input, f"{ES}.patience")
        form.addRow("Patience", with_error(self.patience_input))
        self.min_delta_input = NumberInput(
            "minDeltaInput", ladder=(0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1), minimum=0.0,
            tooltip="The smallest change that counts as an improvement.")
        self.binding.bind_number(self.min_delta_input, f"{ES}.min_delta")
        form.addRow("Min. change", with_error(self.min_delta_input))
        self.restore_best_check = self._bind_check(
            "restoreBestCheck", "Restore the best weights", f"{ES}.restore_best_weights",
            "When training stops early, go back to the weights of the best epoch.")
        form.addRow(with_error(self.restore_best_check, self.restore_best_check.error))
        self.binding.add_refresher(self._refresh_early_stopping)
        return group

    def _set_monitor(self, index: int) -> None:
        try:
            self.model.set(f"{ES}.monitor", self.monitor_combo.itemData(index))
        except ExperimentError as exc:
            set_invalid(self.monitor_combo, self.monitor_error, exc.reason)

    def _refresh_early_stopping(self) -> None:
        enabled = bool(self.model.get(f"{ES}.enabled"))
        with QSignalBlocker(self.monitor_combo):
            self.monitor_combo.setCurrentIndex(
                self.monitor_combo.findData(self.model.get(f"{ES}.monitor")))
        set_invalid(self.monitor_combo, self.monitor_error, None,
                    "The number early stopping watches.")
        for widget in (self.monitor_combo, self.patience_input, self.min_delta_input,
                       self.restore_best_check):
            widget.setEnabled(enabled)

    def _refresh_dtype(self) -> None:
        with QSignalBlocker(self.dtype_combo):
            self.dtype_combo.setCurrentIndex(
                self.dtype_combo.findData(self.model.get("training.dtype")))

    # -- helpers -----------------------------------------------------------------------------
    def _bind_check(self, object_name: str, text: str, path: str, tooltip: str) -> QCheckBox:
        check = QCheckBox(text)
        check.setObjectName(object_name)
        check.setToolTip(tooltip)
        check.error = FieldError(self)
        self.binding.bind_check(check, path, check.error, tooltip)
        return check
