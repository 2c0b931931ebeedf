"""The transport toolbar: play/pause, step, reset, and the numbers that matter right now.

Left to right: Reset, a big Play/Pause, Step batch, Step epoch, Step phase, the speed to play
at (``speedCombo``: full speed, 100 down to 1 epochs a second, or a slow motion that shows
each batch — pacing changes when steps happen, never their numbers); the epoch counter
(``epochLabel`` reads exactly "Epoch N"; the budget and the position inside the epoch sit
beneath it); the training speed (``speedLabel``, epochs per second while playing); the latest
training / validation loss and accuracy (R² for regression) — after early stopping restored
the best weights, that epoch's, and the captions say which. Why training stopped is the
notice bar's, in one place.

The bar only displays. Its buttons emit ``clicked``; the window connects them to the worker
and mirrors them as window-wide shortcuts (Space, →, Shift+→, ., Ctrl+R).

The numbers change many times a second while training plays. A label whose size may change
asks its parent to lay out again on every ``setText``, which here means the whole main window;
the readouts are therefore of fixed size (:class:`ReadoutLabel`): they grow (once) only when
a text no longer fits.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QToolBar, QVBoxLayout, QWidget)

from ui.widgets.icons import icon
from ui.widgets.view_errors import guarded


def _fmt_loss(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}" if value < 100 else f"{value:.4g}"


def _fmt_metric(value: float | None, regression: bool) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if regression else f"{100 * value:.1f}%"


class ReadoutLabel(QLabel):
    """A label of fixed size for a number that changes often: setting its text never lays
    the window out again, unless the text is wider than ever before (then it grows once,
    with room to spare)."""

    def __init__(self, text: str = "", sample: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self._sample = sample or text

    def polish_size(self) -> None:
        """Fix the size for the sample text in the current font (call once it is styled)."""
        self.setFixedHeight(self.sizeHint().height())
        self._fit(max(self._sample, self.text(), key=len), force=True)

    def _fit(self, text: str, force: bool = False) -> None:
        margins = self.contentsMargins()
        needed = (self.fontMetrics().horizontalAdvance(text) + margins.left()
                  + margins.right() + 2 * self.margin() + 2)
        if force or needed > self.maximumWidth():
            self.setFixedWidth(max(needed, self.minimumWidth() if not force else 0))

    def setText(self, text: str) -> None:
        if text == self.text():
            return
        if self.maximumWidth() < 16777215:      # sized: grow when needed
            self._fit(text + "00")
        super().setText(text)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "caption")
    return label


#: the speeds offered: (shown text, (unit, per second) or None for full speed)
PACES = (("full speed", None), ("100 epochs/s", ("epochs", 100.0)),
         ("30 epochs/s", ("epochs", 30.0)), ("10 epochs/s", ("epochs", 10.0)),
         ("3 epochs/s", ("epochs", 3.0)), ("1 epoch/s", ("epochs", 1.0)),
         ("slow motion: 10 batches/s", ("batches", 10.0)),
         ("slow motion: 2 batches/s", ("batches", 2.0)))


class TransportBar(QToolBar):
    """Toolbar with the transport buttons and the live readouts."""

    #: the user picked a speed: (unit, per second), or None for full speed
    paceChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training", parent)
        self.setObjectName("transportToolBar")
        self.setMovable(True)
        self.setIconSize(QSize(22, 22))
        self.reset_button = self._button("resetButton", "Reset", "reset",
                                         "Start over: new initial weights from the same seed, "
                                         "epoch 0 (Ctrl+R)")
        self.play_button = QPushButton()
        self.play_button.setObjectName("playPauseButton")
        self.play_button.setIcon(icon("play"))
        self.play_button.setIconSize(QSize(40, 40))
        self.play_button.setFixedSize(QSize(46, 46))
        self.play_button.setCheckable(False)
        self.play_button.setToolTip("Play: train continuously (Space)")
        self.play_button.setAccessibleName("Play")
        self.step_batch_button = self._button("stepBatchButton", "Batch", "step-batch",
                                              "Train on one batch, then stop (Shift+→)")
        self.step_epoch_button = self._button("stepEpochButton", "Epoch", "step-epoch",
                                              "Train one epoch, then stop (→)")
        self.step_phase_button = self._button(
            "stepPhaseToolButton", "Phase", "step-phase",
            "Step through one backprop iteration phase by phase: forward, loss, backward, "
            "update (.)")
        self.addWidget(self.reset_button)
        self.addWidget(self.play_button)
        self.addWidget(self.step_batch_button)
        self.addWidget(self.step_epoch_button)
        self.addWidget(self.step_phase_button)
        self.pace_combo = QComboBox(objectName="speedCombo")
        for text, pace in PACES:
            self.pace_combo.addItem(text, pace)
        self.pace_combo.setToolTip(
            "How fast Play trains: full speed, a number of epochs a second you can follow, or "
            "a slow motion that shows every batch. Only the timing changes: the weights are "
            "those of full speed.")
        self.pace_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # as wide as "100 epochs/s": the list shows the long slow-motion entries whole
        self.pace_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pace_combo.setMinimumContentsLength(len("full spe"))
        self.pace_combo.currentIndexChanged.connect(
            lambda index: self.paceChanged.emit(self.pace_combo.itemData(index)))
        self.addWidget(self.pace_combo)
        self.addSeparator()
        self.addWidget(self._epoch_box())
        self.addSeparator()
        self.addWidget(self._metrics_box())
        self._regression = False
        self._metrics_epoch: int | None = None
        self.compact = False

    def set_compact(self, compact: bool) -> None:
        """Icons without their words (the tooltips keep them): for a narrow screen."""
        self.compact = compact
        for button, text in ((self.reset_button, "Reset"), (self.step_batch_button, "Batch"),
                             (self.step_epoch_button, "Epoch"),
                             (self.step_phase_button, "Phase")):
            button.setText("" if compact else text)
            button.setAccessibleName(text)

    def _button(self, name: str, text: str, icon_name: str, tip: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.setObjectName(name)
        button.setProperty("role", "transport")
        button.setToolTip(tip)
        button.setIconSize(QSize(20, 20))
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def _epoch_box(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(0)
        self.epoch_label = ReadoutLabel("Epoch 0", "Epoch 00000")
        self.epoch_label.setObjectName("epochLabel")
        self.progress_label = ReadoutLabel("of — · batch —", "of 10000 · batch 000/000")
        self.progress_label.setProperty("role", "caption")
        self.progress_label.setObjectName("epochProgressLabel")
        row = QHBoxLayout()                 # "Epoch 12   35 epochs/s" over "of 300 · batch …"
        row.setSpacing(10)
        self.speed_label = ReadoutLabel("paused", "0000 epochs/s")
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setToolTip("Training speed while playing (epochs per second)")
        row.addWidget(self.epoch_label)
        row.addWidget(self.speed_label, 0, Qt.AlignmentFlag.AlignBottom)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.progress_label)
        return box

    def _metrics_box(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(8, 0, 8, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(0)
        self.metric_labels: dict[str, QLabel] = {}
        self.metric_captions: dict[str, QLabel] = {}
        for column, (key, caption) in enumerate((
                ("train_loss", "training loss"), ("val_loss", "validation loss"),
                ("train_metric", "training accuracy"), ("val_metric", "validation accuracy"))):
            value = ReadoutLabel("—", "−0.00000")
            value.setObjectName({"train_loss": "trainLossLabel", "val_loss": "valLossLabel",
                                 "train_metric": "trainMetricLabel",
                                 "val_metric": "valMetricLabel"}[key])
            value.setProperty("role", "metric")
            self.metric_labels[key] = value
            self.metric_captions[key] = _caption(caption)
            grid.addWidget(value, 0, column)
            grid.addWidget(self.metric_captions[key], 1, column)
        return box

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_sized", False):   # fonts come from the style sheet: now
            self._sized = True
            self.refit_readouts()

    def refit_readouts(self) -> None:
        """Size the fixed readouts for the current font (once shown, and after a font
        change such as presentation mode)."""
        for label in (self.epoch_label, self.progress_label, self.speed_label,
                      *self.metric_labels.values()):
            label.ensurePolished()
            label.polish_size()

    # -- updates ---------------------------------------------------------------------------
    def set_playing(self, playing: bool) -> None:
        self.play_button.setIcon(icon("pause" if playing else "play"))
        self.play_button.setAccessibleName("Pause" if playing else "Play")
        self.play_button.setToolTip("Pause (Space)" if playing else
                                    "Play: train continuously (Space)")
        if not playing:
            self.speed_label.setText("paused")

    def set_speed(self, epochs_per_second: float) -> None:
        if epochs_per_second <= 0:
            return
        rate = epochs_per_second
        self.speed_label.setText(f"{rate:.0f} epochs/s" if rate >= 10 else
                                 f"{rate:.2g} epochs/s")

    @guarded("toolbar's readout")
    def show_snapshot(self, snapshot) -> None:
        self.epoch_label.setText(f"Epoch {snapshot.epoch}")
        self.progress_label.setText(
            f"of {snapshot.max_epochs} · batch {snapshot.batch_in_epoch}/"
            f"{snapshot.batches_per_epoch}")
        regression = snapshot.task == "regression"
        if regression != self._regression or snapshot.metrics_epoch != self._metrics_epoch:
            self._regression = regression
            self._metrics_epoch = snapshot.metrics_epoch
            word = "R²" if regression else "accuracy"
            # after early stopping restored the best weights, their epoch's numbers
            at = (f" · epoch {snapshot.metrics_epoch}" if snapshot.metrics_epoch else "")
            self.metric_captions["train_loss"].setText(f"training loss{at}")
            self.metric_captions["val_loss"].setText(f"validation loss{at}")
            self.metric_captions["train_metric"].setText(f"training {word}{at}")
            self.metric_captions["val_metric"].setText(f"validation {word}{at}")
            for caption in self.metric_captions.values():
                caption.setToolTip(f"The weights of epoch {snapshot.metrics_epoch}, which "
                                   "early stopping restored" if at else "")
        labels = self.metric_labels
        labels["train_loss"].setText(_fmt_loss(snapshot.train_loss))
        labels["val_loss"].setText(_fmt_loss(snapshot.val_loss))
        train = snapshot.train_r2 if regression else snapshot.train_accuracy
        val = snapshot.val_r2 if regression else snapshot.val_accuracy
        labels["train_metric"].setText(_fmt_metric(train, regression))
        labels["val_metric"].setText(_fmt_metric(val, regression))
