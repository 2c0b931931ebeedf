"""Step through backprop: one training iteration, phase by phase, with the actual numbers.

The :class:`PhasePanel` is the window's "Step through backprop" mode. Each press of
**Step phase ▸** (or the ``.`` key) asks the training worker to perform the next phase of the
current iteration — the same code path as normal training (``Trainer.phases()``) — and shows
what that phase did:

- ``phaseLabel``: where we are and the formula applied, e.g.
  ``backward · layer 2 of 3: δ₂ = (δ₃ W₃ᵀ) ⊙ f′(z₂); …`` and, under it, one plain sentence;
- the :class:`~ui.diagram.network_diagram.NetworkDiagram` with the active layer highlighted:
  activations on the forward pass, the error signal δ on the backward pass, ΔW on the update;
- ``phaseTable``: the numbers of the active layer (one sample of the batch, picked with the
  sample box; large arrays summarised), see :mod:`ui.diagram.phase_format`;
- ``phaseProgressLabel``: "phase 5 of 8".

**Finish iteration** leaves the mode: the worker runs the rest of the iteration, so normal
training continues from a consistent state. The panel never touches the trainer; it only
emits ``stepRequested`` / ``leaveRequested``. Wiring (done by the main window)::

    panel.stepRequested  → worker.step_phase        worker.phaseReady    → panel.show_phase
    panel.leaveRequested → worker.finish_iteration  worker.snapshotReady → panel.show_snapshot

Keyboard: ``step_action`` (a QAction with the shortcut ``.``) is added to the panel with the
``WidgetWithChildrenShortcut`` context. To make ``.`` work window-wide, add this *same* action
to the window and set its context to ``WindowShortcut``; a second ``.`` shortcut would be
ambiguous.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSizePolicy, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ui.diagram.network_diagram import NetworkDiagram
from ui.plots.base import on_screen
from ui.widgets.theme import shade
from ui.widgets.view_errors import guarded
from ui.diagram.phase_format import (UpdateRule, batch_size, explanation, phase_count, phase_index,
                             roadmap_rows, rows_for, table_caption)

INTRO_TITLE = "Step through one backpropagation iteration"
INTRO_TEXT = ("Press Step phase ▸ (or the . key) to perform the next phase of one training "
              "iteration: the forward pass layer by layer, the loss, the error signal δ "
              "travelling back layer by layer through the chain rule, and the weight update "
              "by {optimizer}. Finish iteration returns to normal training.")


def intro_text(rule: UpdateRule | None) -> str:
    if rule is None:
        return INTRO_TEXT.format(optimizer="the optimizer")
    if rule.plain_sgd:
        return INTRO_TEXT.format(optimizer="SGD, w ← w − η·∂L/∂w")
    return INTRO_TEXT.format(optimizer=rule.name)


class PhasePanel(QWidget):
    stepRequested = Signal()
    leaveRequested = Signal()

    view_name, dock_title, dock_name = "backprop", "Step through backprop", "backpropDock"
    tab_group, dock_size, redraw = "bottom", (None, 390), "secondary"
    dock_scrolls = True          # a short screen scrolls the stepper instead of squeezing it

    @classmethod
    def for_window(cls, model, parent, behind_tab: bool) -> "PhasePanel":
        return cls(parent)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("phasePanel")
        self._active = False
        self._phase = None
        self._n_layers: int | None = None
        self._snapshot_iteration: int | None = None
        self._iteration_base: int | None = None
        self._activations: tuple[str, ...] = ()
        self._rule: UpdateRule | None = None
        self._table_key = None          # what the table shows (the roadmap is kept)
        self._latest = None             # the newest snapshot (add_snapshot) ...
        self._drawn = None              # ... and the one the diagram shows (refresh)
        self._build()
        self.set_active(False)

    # -- widgets -------------------------------------------------------------------------
    def _build(self) -> None:
        self.phaseLabel = QLabel(objectName="phaseLabel", wordWrap=True)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.phaseLabel.setFont(font)
        self.phaseLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.phaseLabel.setStyleSheet(f"color: {shade('#3d2a73', '#c9b8ff')};")
        self.progressLabel = QLabel(objectName="phaseProgressLabel")
        self.progressLabel.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.progressLabel.setStyleSheet(
            "QLabel { color: #5e35b1; background: #efe9f9; border-radius: 9px; "
            "padding: 2px 10px; font-weight: bold; }")
        self.explanationLabel = QLabel(objectName="phaseExplanationLabel", wordWrap=True)
        self.explanationLabel.setStyleSheet(f"color: {shade('#3c4043', '#d0d4d8')};")

        self.diagram = NetworkDiagram(self)

        self.tableCaption = QLabel(objectName="phaseTableCaption", wordWrap=True)
        self.tableCaption.setStyleSheet(f"color: {shade('#5f6368', '#a8adb3')};")
        # one column: each quantity is a name row (with its formula) over its value row(s)
        self.phaseTable = QTableWidget(0, 1, self, objectName="phaseTable")
        self.phaseTable.horizontalHeader().setVisible(False)
        self.phaseTable.verticalHeader().setVisible(False)
        # the column is as wide as the table, or as its widest line (then the table
        # scrolls sideways): numbers are never cut off (see _fit_column)
        self.phaseTable.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Fixed)
        self.phaseTable.horizontalHeader().setStretchLastSection(False)
        self.phaseTable.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.phaseTable.viewport().installEventFilter(self)
        self.phaseTable.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.phaseTable.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.phaseTable.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.phaseTable.setWordWrap(False)
        self.phaseTable.setShowGrid(False)
        self.phaseTable.setStyleSheet(
            f"QTableWidget {{ background: {shade('white', '#1f2226')}; color: "
            f"{shade('#202124', '#e3e6e8')}; border: 1px solid {shade('#d5d8dc', '#4b525b')}; "
            "border-radius: 6px; } QTableWidget::item { padding: 2px 6px; }")
        # the name row of each quantity: violet text on a pale violet strip (dark: inverted)
        self._name_colors = (QColor(shade("#3d2a73", "#d9ccff")),
                             QColor(shade("#f3effa", "#322a45")))
        self._mono = QFont("DejaVu Sans Mono")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)
        self._mono.setPointSizeF(self.font().pointSizeF() * 0.9)

        self.sampleSpin = QSpinBox(objectName="phaseSampleSpin")
        self.sampleSpin.setPrefix("sample ")
        self.sampleSpin.setRange(1, 1)
        self.sampleSpin.setToolTip("Which sample of the batch the diagram and the table show")
        self.sampleSpin.valueChanged.connect(self._sample_changed)
        self.stepPhaseButton = QPushButton("Step phase ▸", objectName="stepPhaseButton")
        self.stepPhaseButton.setToolTip("Perform the next phase of this backprop iteration "
                                        "(key: .)")
        self.stepPhaseButton.setDefault(True)
        self.stepPhaseButton.setStyleSheet(
            "QPushButton { background: #7e57c2; color: white; font-weight: bold; "
            "padding: 5px 16px; border-radius: 5px; }"
            "QPushButton:hover { background: #6a45b0; }"
            "QPushButton:disabled { background: #c5b8e0; }")
        self.stepPhaseButton.clicked.connect(self.request_step)
        self.leavePhaseButton = QPushButton("Finish iteration", objectName="leavePhaseButton")
        self.leavePhaseButton.setToolTip("Run the rest of this iteration and go back to normal "
                                         "training")
        self.leavePhaseButton.clicked.connect(self.request_leave)

        self.step_action = QAction("Step phase", self)
        self.step_action.setShortcut(QKeySequence("."))
        self.step_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.step_action.triggered.connect(self.request_step)
        self.addAction(self.step_action)

        top = QHBoxLayout()
        top.addWidget(self.phaseLabel, 1)
        top.addWidget(self.progressLabel, 0, Qt.AlignmentFlag.AlignTop)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.tableCaption)
        side_layout.addWidget(self.phaseTable, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.diagram)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        # room for a line of four of the widest numbers, such as "−0.0001234"; at least
        # two of them on a small screen (the table scrolls sideways)
        numbers = QFontMetrics(self._mono).horizontalAdvance("−0.0001234  " * 4)
        side.setMinimumWidth(int(numbers / 2) + 40)
        splitter.setSizes([600, int(numbers) + 40])
        buttons = QHBoxLayout()
        buttons.addWidget(self.sampleSpin)
        buttons.addStretch(1)
        buttons.addWidget(self.leavePhaseButton)
        buttons.addWidget(self.stepPhaseButton)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.explanationLabel)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.explanationLabel.setSizePolicy(QSizePolicy.Policy.Preferred,
                                            QSizePolicy.Policy.Minimum)

    # -- requests (the window connects these to the worker) ------------------------------
    def request_step(self) -> None:
        """Ask for the next phase; the panel becomes active when the phase arrives."""
        if self.stepPhaseButton.isEnabled():
            self.stepRequested.emit()

    def request_leave(self) -> None:
        if self._active:
            self.leaveRequested.emit()
            self.set_active(False)

    # -- state ---------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._active

    @property
    def phase(self):
        """The phase on show (None when none)."""
        return self._phase

    @property
    def phase_index(self) -> int:
        """1-based position of the phase on show in its iteration; 0 when none."""
        return 0 if self._phase is None else phase_index(self._phase)

    @property
    def phase_count(self) -> int | None:
        return None if self._n_layers is None else phase_count(self._n_layers)

    def set_active(self, active: bool) -> None:
        """Enter (True) or leave (False) the stepping mode. Leaving clears the phase display;
        it does not talk to the worker (``request_leave`` emits ``leaveRequested`` first)."""
        self._active = bool(active)
        self.leavePhaseButton.setEnabled(self._active)
        if not self._active:
            self._phase = None
            self._iteration_base = None
            self.diagram.clear_phase()
            self.phaseLabel.setText(INTRO_TITLE)
            self.explanationLabel.setText(intro_text(self._rule))
            self._show_roadmap()
            self.sampleSpin.setEnabled(False)
            self.sampleSpin.setSuffix("")
        self._show_progress()

    @property
    def update_rule(self) -> UpdateRule | None:
        return self._rule

    def set_update_rule(self, rule: UpdateRule | None) -> None:
        """The optimizer's update rule (:func:`ui.diagram.phase_format.update_rule`) for the
        roadmap and the update phase's explanation; the window sets it for every new
        trainer and every live change of the training settings."""
        if rule == self._rule:
            return
        self._rule = rule
        if self._phase is None:
            self.explanationLabel.setText(intro_text(rule))
            self._show_roadmap()
        elif self._phase.kind == "update":
            self.explanationLabel.setText(explanation(self._phase, None, rule))

    # -- a live view of the window (see ui.window.views) --------------------------------
    def add_snapshot(self, snapshot) -> None:
        """Keep ``snapshot`` for the next :meth:`refresh` (cheap)."""
        self._latest = snapshot

    @property
    def pending(self) -> bool:
        """A snapshot not shown yet, and the panel on screen (or its window not shown)."""
        return (self._latest is not self._drawn
                and (on_screen(self) or not self.window().isVisible()))

    def refresh(self) -> bool:
        """Show the newest snapshot if it is new and can be seen; True when it did."""
        if not self.pending:
            return False
        self._drawn = self._latest
        self.show_snapshot(self._latest)
        return True

    # -- input from the worker -----------------------------------------------------------
    @guarded("backprop stepper")
    def show_snapshot(self, snapshot) -> None:
        """Architecture and weights for the diagram. If the iteration being stepped through
        was finished elsewhere (play, step batch), leave the stepping mode."""
        self._snapshot_iteration = snapshot.iteration
        self._activations = tuple(snapshot.activations)
        self._n_layers = max(len(snapshot.sizes) - 1, 0) or self._n_layers
        self.diagram.show_snapshot(snapshot)
        p = self._phase
        if (self._active and p is not None and p.kind != "update"
                and self._iteration_base is not None
                and snapshot.iteration != self._iteration_base):
            self.set_active(False)
        elif p is None:
            self._show_roadmap()
            self._show_progress()
        else:
            self._show_progress()

    @guarded("backprop stepper")
    def show_phase(self, phase) -> None:
        """Show one phase (from ``worker.phaseReady``)."""
        if not self._active:
            self._active = True
            self.leavePhaseButton.setEnabled(True)
        if phase.kind == "forward" and phase.layer == 0:
            self._iteration_base = self._snapshot_iteration
        self._phase = phase
        self._n_layers = phase.n_layers
        self.diagram.show_phase(phase)
        self.phaseLabel.setText(phase.label)
        activation = None
        if phase.layer is not None and phase.layer < len(self._activations):
            activation = self._activations[phase.layer]
        self.explanationLabel.setText(explanation(phase, activation, self._rule))
        n = batch_size(phase)
        if n > 0:
            with_blocked = self.sampleSpin.blockSignals(True)
            self.sampleSpin.setRange(1, n)
            self.sampleSpin.setSuffix(f" of {n}")
            self.sampleSpin.blockSignals(with_blocked)
            self.sampleSpin.setEnabled(n > 1)
        self._fill_table()
        self._show_progress()

    # -- display -------------------------------------------------------------------------
    def _sample_changed(self, value: int) -> None:
        self.diagram.set_sample(value - 1)
        self._fill_table()

    def _show_roadmap(self) -> None:
        """Idle: the plan of one iteration (the numbers of the active layer come later).
        Rebuilt only when it changes: snapshots arrive many times a second while training."""
        key = ("roadmap", self._n_layers, self._rule)
        if key == self._table_key:
            return
        self._table_key = key
        if self._n_layers:
            self.tableCaption.setText(f"One iteration = {phase_count(self._n_layers)} phases; "
                                      f"the numbers of the active layer appear here.")
            self._set_rows(roadmap_rows(self._n_layers, self._rule))
        else:
            self.tableCaption.setText("The numbers of the active layer appear here.")
            self.phaseTable.setRowCount(0)

    def _fill_table(self) -> None:
        p = self._phase
        if p is None:
            return
        self._table_key = None
        sample = self.sampleSpin.value() - 1
        self.tableCaption.setText(table_caption(p, sample))
        self._set_rows(rows_for(p, sample))

    def _set_rows(self, rows) -> None:
        table = self.phaseTable
        table.setRowCount(2 * len(rows))
        name_font = QFont(self.font())
        name_font.setBold(True)
        for r, row in enumerate(rows):
            name = QTableWidgetItem(row.quantity)
            name.setFont(name_font)
            name.setForeground(self._name_colors[0])
            name.setBackground(self._name_colors[1])
            value = QTableWidgetItem(row.value)
            value.setFont(self._mono)
            value.setToolTip(f"{row.quantity}\n{row.detail}".strip())
            table.setItem(2 * r, 0, name)
            table.setItem(2 * r + 1, 0, value)
        table.resizeRowsToContents()
        self._fit_column()

    def _fit_column(self) -> None:
        table = self.phaseTable
        needed = table.sizeHintForColumn(0) if table.rowCount() else 0
        table.setColumnWidth(0, max(needed, table.viewport().width()))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.phaseTable.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_column()
        return super().eventFilter(watched, event)

    def _show_progress(self) -> None:
        count = self.phase_count
        if self._phase is not None and count:
            self.progressLabel.setText(f"phase {self.phase_index} of {count}")
        elif count:
            self.progressLabel.setText(f"{count} phases")
        else:
            self.progressLabel.setText("")

    def table_text(self) -> str:
        """Everything in the table as text (a quantity's name, then its value), for tests and
        copying."""
        table = self.phaseTable
        return "\n".join(table.item(r, 0).text() for r in range(table.rowCount()))
