"""The Lessons panel: a guided lesson's current step beside the live app, with Back and Next.

The panel loads a step's experiment or applies its changes through the window (as File ▸ Open
and the editors do), shows what to do and the question to answer first, frames the panel to
look at, and hands every snapshot and stepped phase to the engine's
:class:`~playground.lessons.progress.StepProgress`, which says when the step is done and
whether its checkpoint passes. Next is enabled only then. The rest of the window stays usable;
progress per lesson is remembered in the settings.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFrame, QHBoxLayout, QLabel,
                               QPushButton, QRadioButton, QScrollArea, QVBoxLayout, QWidget)

from playground.errors import PlaygroundError
from playground.lessons import Lesson, lesson_outline, load_lesson, shipped_lessons
from playground.lessons.progress import StepProgress, budget_for
from playground.presets import PRESETS
from playground.training.live import live_changes
from playground.training.trainer import Trainer
from ui.widgets.highlight import HighlightFrame
from ui.widgets.view_errors import guarded
from ui.window import settings

#: lesson panel name → the window's view it frames
VIEW_OF_PANEL = {"data": "data", "network": "network", "training": "training",
                 "boundary": "decision", "loss": "loss", "stepper": "backprop",
                 "error_signal": "error", "weights": "weights", "landscape": "landscape"}


class LessonPanel(QWidget):
    view_name, dock_title, dock_name = "lessons", "Lessons", "lessonsDock"
    dock_area, redraw = "left", "primary"      # tabbed in front of Data (install_lessons)

    @classmethod
    def for_window(cls, model, parent, behind_tab: bool) -> "LessonPanel":
        return cls(parent)

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("lessonPanel")
        self.window = window
        self.lesson: Lesson | None = None
        self.index = 0
        self.progress: StepProgress | None = None
        self.observations: dict = {}
        self._previous = None            # the experiment before the last model change
        self._fresh = False
        self._answer: int | None = None
        self.highlight = HighlightFrame()
        self._build()
        self._files = shipped_lessons()
        self._fill_choices()
        window.worker.phaseReady.connect(guarded("Lessons panel")(self._on_phase))
        window.model.changed.connect(guarded("Lessons panel")(self._on_model_changed))
        self._show()

    # -- widgets -----------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.choice = QComboBox(objectName="lessonChoice")
        self.choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(12)
        self.choice.activated.connect(lambda i: self.open_lesson(self.choice.itemData(i)))
        outer.addWidget(self.choice)
        self.examples = QComboBox(objectName="exampleChoice")
        self.examples.setSizeAdjustPolicy(self.choice.sizeAdjustPolicy())
        self.examples.setMinimumContentsLength(12)
        self.examples.addItem("Open an example…")
        for name, spec in PRESETS.items():
            self.examples.addItem(spec.get("name", name), name)
            self.examples.setItemData(self.examples.count() - 1, spec.get("description", ""),
                                      Qt.ItemDataRole.ToolTipRole)
        self.examples.activated.connect(self._open_example)
        outer.addWidget(self.examples)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        self.title = self._label("lessonTitle", bold=True)
        self.goal = self._label("lessonGoal")
        self.position = self._label("lessonPosition")
        self.text = self._label("lessonText")
        self.task = self._label("lessonTask")
        self.question = QFrame(objectName="lessonQuestion")
        self.question.setFrameShape(QFrame.Shape.StyledPanel)
        qcol = QVBoxLayout(self.question)
        self.question_text = self._label("lessonQuestionText", bold=True)
        qcol.addWidget(self.question_text)
        self.choices = QButtonGroup(self)
        self.choices.idClicked.connect(self._answered)
        self.choices_box = QVBoxLayout()
        qcol.addLayout(self.choices_box)
        self.answer_label = self._label("lessonAnswer")
        qcol.addWidget(self.answer_label)
        self.checks = self._label("lessonChecks")
        self.checks.setTextFormat(Qt.TextFormat.RichText)
        for widget in (self.title, self.goal, self.position, self.text, self.task,
                       self.question, self.checks):
            column.addWidget(widget)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumHeight(40)
        outer.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("◀ Back", objectName="lessonBack")
        self.next_button = QPushButton("Next ▶", objectName="lessonNext")
        self.back_button.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next_button.clicked.connect(self._next)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        outer.addLayout(buttons)

    def _label(self, name: str, bold: bool = False) -> QLabel:
        label = QLabel(objectName=name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if bold:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        return label

    def _fill_choices(self) -> None:
        self.choice.clear()
        for path in self._files:
            listed = _listing(path)
            if listed is None:
                continue
            title, steps = listed
            done = settings.lesson_progress(path.name)
            self.choice.addItem(f"{title}  ({min(done, steps)}/{steps})", str(path))

    # -- opening and moving --------------------------------------------------------------------
    def _open_example(self, index: int) -> None:
        name = self.examples.itemData(index)
        self.examples.setCurrentIndex(0)
        if name and self.window.files.new_from_preset(name):
            self.lesson, self.progress = None, None
            self._show()
            spec = PRESETS[name]
            self.title.setText(f"Example: {spec.get('name', name)}")
            self.goal.setText(spec.get("description", ""))

    def open_lesson(self, path: str | Path, ask: bool = True) -> bool:
        """Start the lesson at ``path`` from its first step (a shipped one or a teacher's).
        Unsaved work of the learner's own is offered for saving first (``ask``)."""
        path = Path(path)
        if ask and self.lesson is None and not self.window.files.maybe_save():
            return False
        try:
            lesson = load_lesson(path)
        except PlaygroundError as exc:
            self.window.notice.show_message(f"Cannot open the lesson: {exc}", "error")
            return False
        if path.resolve() not in [p.resolve() for p in self._files]:
            self._files.append(path)
            self._fill_choices()
        self.choice.setCurrentIndex([p.resolve() for p in self._files].index(path.resolve()))
        self.lesson, self.observations, self.progress = lesson, {}, None
        dock = self.window.docks.get(self.view_name)
        if dock is not None:
            dock.show()
            dock.raise_()
        self.go_to(0)
        return True

    def go_to(self, index: int) -> None:
        if self.lesson is None or not 0 <= index < len(self.lesson.steps):
            return
        self.index = index
        self._enter(self.lesson.steps[index], first=self.progress is None)
        self._show()

    def _next(self) -> None:
        if self.progress is None or not self.progress.passed():
            return
        self.observations[self.index + 1] = self.progress.observation()
        name = Path(self.lesson.path).name if self.lesson.path else self.lesson.title
        passed = self.index + 1
        if passed > settings.lesson_progress(name):
            settings.set_lesson_progress(name, passed)
            current = self.choice.currentIndex()
            self._fill_choices()
            self.choice.setCurrentIndex(current)
        if self.index + 1 < len(self.lesson.steps):
            self.go_to(self.index + 1)
        else:
            self.task.setText("Lesson complete. Pick another one above.")
            self.next_button.setEnabled(False)

    def _enter(self, step, first: bool) -> None:
        """Set the window up for ``step``: its experiment (a new run) or its changes."""
        window = self.window
        window.worker.pause()
        self._answer = None
        latest = window.latest_snapshot
        if first or step.new_run:
            experiment = step.experiment
            budget = budget_for(step, 0)
            if budget is not None:
                experiment = experiment.replace("training.epochs", budget)
            self._previous = experiment
            window.install_session(experiment, Trainer(experiment), None)
            self.progress = StepProgress(step, earlier=self.observations)
        else:
            self.progress = StepProgress(step, latest, self.progress.history, self.observations)
            changes = list(step.changes.items())
            budget = budget_for(step, self.progress.start_epoch)
            if budget is not None and step.action.change is None:
                changes.append(("training.epochs", budget))
            if changes:
                window.model.set_many(changes, f"lesson step {step.index + 1}")

    # -- what the window reports -------------------------------------------------------------
    def add_snapshot(self, snapshot) -> None:
        if self.progress is not None:
            self.progress.add_snapshot(snapshot)
            self._fresh = True

    @property
    def pending(self) -> bool:
        return self._fresh and self.isVisible()

    def refresh(self) -> bool:
        if not self._fresh:
            return False
        self._fresh = False
        self._show_checks()
        return True

    def _on_phase(self, phase) -> None:
        if self.progress is not None:
            self.progress.add_phase(phase)
            self._fresh = True

    def _on_model_changed(self, _paths) -> None:
        new, old = self.window.model.experiment, self._previous
        self._previous = new
        progress = self.progress
        if progress is None or progress.changed:
            return
        if old is not None and live_changes(old, new) is None:
            progress.new_run()
        progress.experiment_changed(new)
        budget = budget_for(progress.step, progress.start_epoch)
        if progress.changed and budget is not None:
            self.window.model.set("training.epochs", budget, "lesson: epochs of this step")
        self._show_checks()

    # -- drawing ------------------------------------------------------------------------------
    def _show(self) -> None:
        lesson = self.lesson
        self.back_button.setEnabled(lesson is not None and self.index > 0)
        if lesson is None:
            self.title.setText("Lessons")
            self.goal.setText("Each lesson makes one idea of backpropagation happen on "
                              "screen: pick one above. The rest of the window stays yours.")
            for widget in (self.position, self.text, self.task, self.checks):
                widget.setText("")
            self.question.hide()
            self.next_button.setEnabled(False)
            self.highlight.frame(None)
            return
        step = lesson.steps[self.index]
        self.title.setText(lesson.title)
        self.goal.setText(lesson.goal)
        self.position.setText(f"Step {self.index + 1} of {len(lesson.steps)}")
        self.text.setText(step.text)
        what = step.action.describe()
        self.task.setText(f"Your turn: {what}." if what else "Read, then press Next.")
        self._show_question(step.question)
        self._frame(step.panel)
        self._show_checks()

    def _show_question(self, question) -> None:
        for button in self.choices.buttons():
            self.choices.removeButton(button)
        while self.choices_box.count():       # the rows: gone now, not at the next turn
            row = self.choices_box.takeAt(0).widget()
            if row is not None:
                row.setParent(None)
        self.answer_label.setText("")
        if question is None:
            self.question.hide()
            return
        self.question.show()
        self.question_text.setText(f"Predict first: {question.text}")
        for i, text in enumerate(question.choices):
            # the answer wraps in a label beside its button: a long one is never cut
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            button = QRadioButton(objectName=f"lessonChoice{i}")
            button.setAccessibleName(text)
            label = QLabel(text, wordWrap=True)
            label.setBuddy(button)
            label.mousePressEvent = lambda _event, b=button: b.click()
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(label, 1)
            self.choices.addButton(button, i)
            self.choices_box.addWidget(row)

    def _answered(self, index: int) -> None:
        self._answer = index
        self._show_checks()

    def _frame(self, panel: str | None) -> None:
        view = VIEW_OF_PANEL.get(panel) if panel else None
        if view is None:
            self.highlight.frame(None)
            return
        dock = self.window.docks.get(view)
        if dock is not None:
            dock.show()
            dock.raise_()
            self.highlight.frame(dock)
        else:
            self.highlight.frame(self.window.views[view])

    def _show_checks(self) -> None:
        progress = self.progress
        if progress is None or self.lesson is None:
            return
        step = progress.step
        passed = progress.passed()
        self.next_button.setEnabled(passed)
        if not progress.done():
            lines = ["<i>Waiting for you to " + html.escape(step.action.describe() or
                                                            "read") + ".</i>"]
        else:
            lines = [("✔ " if c.passed else "✘ ") + html.escape(c.seen)
                     for c in progress.checks()]
            lines.append("<b>Checkpoint passed — press Next.</b>" if passed else
                         "<b>Not yet: the numbers above say why.</b> Try again (Reset, or "
                         "Back and Next to restart the step).")
        self.checks.setText("<br>".join(lines))
        question = step.question
        if question is not None and self._answer is not None and question.choices:
            said = question.choices[self._answer]
            text = f"You predicted: {said}."
            if passed and question.answer is not None:
                right = question.choices[question.answer]
                text += f" Answer: {right}. {question.explanation}"
            self.answer_label.setText(text)


#: (path, mtime) → (title, number of steps), or None for a file that does not load
_LISTED: dict[tuple[str, int], tuple[str, int] | None] = {}


def _listing(path: Path) -> tuple[str, int] | None:
    """A lesson's title and step count (:func:`~playground.lessons.lesson_outline`: the file
    read, its steps not built), once per file version — the panel's list and the Lessons menu
    both show them. Opening a lesson reads and checks its whole file afresh."""
    try:
        key = (str(path), Path(path).stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _LISTED:
        try:
            _LISTED[key] = lesson_outline(path)
        except PlaygroundError:
            _LISTED[key] = None
    return _LISTED[key]


def fill_lessons_menu(menu, panel: LessonPanel, open_file) -> None:
    """The Lessons menu: every shipped lesson, then Open Lesson File…"""
    menu.addAction(panel.window.docks[panel.view_name].toggleViewAction())
    menu.addSeparator()
    for path in shipped_lessons():
        listed = _listing(path)
        if listed is not None:
            menu.addAction(listed[0], lambda p=path: panel.open_lesson(p))
    menu.addSeparator()
    menu.addAction("&Open Lesson File…", open_file)


def install_lessons(window) -> None:
    """The Lessons dock as a tab in front of Data (the tallest column: the step reads beside
    the live app), the Lessons menu (before Help), a toolbar button, and, on the very first
    launch, the panel offered with a word in the notice bar."""
    panel = window.views[LessonPanel.view_name]
    dock = window.docks[LessonPanel.view_name]
    bar = window.menuBar()
    menu = bar.addMenu("&Lessons")
    help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    menu.setObjectName("lessonsMenu")
    fill_lessons_menu(menu, panel, window.files.open_dialog)
    window.tabifyDockWidget(window.docks["data"], dock)     # the left column's full height
    dock.raise_()
    action = dock.toggleViewAction()
    action.setToolTip("Guided lessons: every idea of backpropagation, step by step")
    window.file_toolbar.addSeparator()
    window.file_toolbar.addAction(action)
    if window.remember and not settings.lessons_offered():
        settings.mark_lessons_offered()
        dock.show()
        dock.raise_()
        QTimer.singleShot(0, lambda: window.notice.show_message(    # after the first run's
            "New here? The Lessons panel walks you through backpropagation one idea at a "
            "time, with this live network: pick a lesson there.", "info"))   # reset of it
