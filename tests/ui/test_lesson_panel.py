"""The Lessons panel walks a lesson through the live window: the step's panel framed, Next
enabled only when the engine's checkpoint passes on the worker's snapshots, progress kept."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton

from conftest import ROOT
from ui.window import settings
from ui.window.main_window import MainWindow

LESSON = ROOT / "assets" / "lessons" / "06_epochs_batches.json"
TIMEOUT = 20000
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    win = MainWindow(remember=False)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert win.worker.wait(5000)


def next_button(window) -> QPushButton:
    return window.findChild(QPushButton, "lessonNext")


def passes(qtbot, window) -> None:
    qtbot.waitUntil(lambda: next_button(window).isEnabled(), timeout=TIMEOUT)


def checks_text(window) -> str:
    return window.views["lessons"].checks.text()


def test_walking_the_epochs_lesson_end_to_end_through_the_window(qtbot, window):
    menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Lessons")
    next(a for a in menu.actions() if a.text() == "Epochs, batches and iterations").trigger()
    panel = window.views["lessons"]
    assert panel.position.text() == "Step 1 of 4"
    assert panel.highlight.target is window.docks["training"]
    assert not next_button(window).isEnabled()
    window.transport.step_batch_button.click()
    passes(qtbot, window)
    assert "1 iterations in this step" in checks_text(window)
    next_button(window).click()
    assert panel.position.text() == "Step 2 of 4" and not next_button(window).isEnabled()
    assert panel.question.isVisible() and "How many iterations" in panel.question_text.text()
    panel.choices.button(1).click()                      # predict 39 before running
    window.transport.step_epoch_button.click()
    passes(qtbot, window)
    assert "39 iterations in this step" in checks_text(window)
    assert "Answer: 39" in panel.answer_label.text()
    next_button(window).click()
    assert not next_button(window).isEnabled() and "Waiting" in checks_text(window)
    window.model.set("training.batch_size", 400)         # the learner's change, then a step
    window.transport.step_epoch_button.click()
    passes(qtbot, window)
    next_button(window).click()
    window.model.set("training.batch_size", 1)
    window.transport.step_epoch_button.click()
    passes(qtbot, window)
    assert "400 iterations in this step" in checks_text(window)
    next_button(window).click()
    assert "Lesson complete" in panel.task.text()
    assert settings.lesson_progress(LESSON.name) == 4
    assert "(4/4)" in panel.choice.currentText()


def test_a_step_done_wrong_keeps_next_disabled_and_says_the_number(qtbot, window):
    panel = window.views["lessons"]
    assert panel.open_lesson(LESSON)
    window.transport.step_batch_button.click()
    passes(qtbot, window)
    window.transport.step_batch_button.click()
    qtbot.waitUntil(lambda: "2 iterations" in checks_text(window), timeout=TIMEOUT)
    assert not next_button(window).isEnabled() and "✘" in checks_text(window)


def test_file_open_of_a_lesson_file_opens_it_in_the_lessons_panel(qtbot, window):
    assert window.files.open_path(ROOT / "assets" / "lessons" / "07_xor.json", ask=False)
    panel = window.views["lessons"]
    assert panel.title.text() == "XOR, and a local minimum"
    assert window.model.experiment.get("data.source") == "xor"
    assert panel.highlight.target is window.views["decision"]


def test_the_panel_lists_the_examples_with_their_descriptions_and_opens_one(qtbot, window):
    from PySide6.QtCore import Qt
    from playground.presets import PRESETS
    combo = window.views["lessons"].examples
    names = [combo.itemData(i) for i in range(1, combo.count())]
    assert names == list(PRESETS)
    index = names.index("xor_local_minimum") + 1
    assert "seed 14" in combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    combo.activated.emit(index)
    assert window.model.experiment.seed == 14
    assert "local minimum" in window.views["lessons"].title.text()


def test_opening_a_lesson_offers_to_save_the_learners_own_unsaved_work(qtbot, window,
                                                                       monkeypatch):
    window.model.set("seed", 5)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or
                        QMessageBox.StandardButton.Cancel)
    assert not window.views["lessons"].open_lesson(LESSON)
    assert asked and window.model.experiment.seed == 5
    assert window.views["lessons"].lesson is None
    monkeypatch.setattr(QMessageBox, "question",       # let the window close at teardown
                        lambda *a, **k: QMessageBox.StandardButton.Discard)


def test_the_first_launch_offers_the_lessons_once(qtbot, monkeypatch):
    shown = []
    for _ in range(2):
        win = MainWindow(remember=True)
        win.show()
        qtbot.waitExposed(win)
        qtbot.wait(50)                                   # the offer comes after the first run
        shown.append(("Lessons panel" in win.notice.text(),
                      win.docks["lessons"].isVisible()))
        win.shutdown()
        win.deleteLater()
    assert shown[0] == (True, True) and shown[1][0] is False


def test_each_shipped_lesson_is_outlined_once_for_the_list_and_the_menu(monkeypatch):
    """Start-up (issue #15 item 5): the panel's list and the Lessons menu share one outline
    of each lesson file (title and step count; no lesson is fully parsed to list it); the
    titles and counts are those the full parse gives."""
    import ui.panels.lesson_panel as lesson_panel
    from playground.lessons import lesson_outline, load_lesson as real_load, shipped_lessons
    calls = []
    monkeypatch.setattr(lesson_panel, "_LISTED", {})
    monkeypatch.setattr(lesson_panel, "lesson_outline",
                        lambda path: calls.append(path) or lesson_outline(path))
    monkeypatch.setattr(lesson_panel, "load_lesson",
                        lambda path: pytest.fail(f"{path} parsed whole to be listed"))
    for _ in range(2):
        listed = [lesson_panel._listing(path) for path in shipped_lessons()]
    assert len(calls) == len(shipped_lessons())
    full = [real_load(p) for p in shipped_lessons()]
    assert listed == [(lesson.title, len(lesson.steps)) for lesson in full]
