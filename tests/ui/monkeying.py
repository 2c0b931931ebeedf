"""A seeded GUI monkey: random user actions on a live MainWindow while training plays.

Every action is drawn from one ``numpy.random.Generator(seed)``: clicks on visible buttons,
typed field values (random, out of range, not numbers), combo and tab changes, layer editor
buttons (add / remove / reorder), window shortcuts, undo / redo, docks floated and re-docked,
menu actions. Dialogs are answered at random by stand-ins (nothing blocks). A QTimer probe
records the longest gap the GUI thread left it. Used by tests/ui/test_monkey.py (short, CI)
and tests/benchmarks/monkey.py (long, prints figures).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QCheckBox, QComboBox,
                               QDockWidget, QFileDialog, QInputDialog, QLineEdit, QMenu,
                               QMessageBox, QPushButton, QSpinBox, QTabBar, QToolButton)

ROOT = Path(__file__).resolve().parents[2]
KEYS = [("Space", Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
        ("Right", Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier),
        ("Shift+Right", Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier),
        ("Period", Qt.Key.Key_Period, Qt.KeyboardModifier.NoModifier),
        ("Ctrl+R", Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),
        ("Ctrl+Z", Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
        ("Ctrl+Shift+Z", Qt.Key.Key_Z,
         Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
        ("Tab", Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
        ("Escape", Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)]
TEXTS = ["", "abc", "-", "1e999", "nan", "-5", "0", "1" * 40, "0.5", "3", "½", "1,5", " 2 "]
SKIPPED_ACTIONS = ("quit", "exit", "close", "about")   # menu entries the monkey never takes
LARGEST_TYPED_INT = 40          # sizes stay trainable: a 10k-unit rebuild is item 3's stall


class StallProbe:
    """A 20 ms QTimer; ``longest_ms`` is the longest time between two of its ticks."""

    def __init__(self, context=None):
        self.longest_ms = 0.0
        #: ``context()`` at the longest stall (e.g. the monkey's last action), to find its cause
        self.context, self.longest_at = context, None
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)

    def start(self):
        self.clock.start()
        self.timer.start()

    def stop(self):
        self.timer.stop()

    def _tick(self):
        gap = self.clock.restart()
        if gap > self.longest_ms:
            self.longest_ms = gap
            if self.context is not None:
                self.longest_at = self.context()


class Answers:
    """Stand-ins for the static dialog functions: each answer drawn from ``rng``."""

    def __init__(self, monkeypatch, rng, folder: Path):
        self.rng, self.folder, self.asked = rng, folder, 0
        examples = sorted((ROOT / "examples").glob("*.json"))
        bad = folder / "bad.json"
        bad.write_text('{"seed": [[[[', encoding="utf-8")
        self.open_choices = ["", str(bad), str(folder / "missing.json")] + [
            str(p) for p in examples[:4]]
        for kind in ("warning", "critical", "information"):
            monkeypatch.setattr(QMessageBox, kind, staticmethod(self._ok))
        monkeypatch.setattr(QMessageBox, "about", staticmethod(self._ok))
        monkeypatch.setattr(QMessageBox, "question", staticmethod(self._question))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(self._open))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(self._save))
        monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                            staticmethod(lambda *a, **k: self._pick(["", str(folder)])))
        monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(self._double))
        self.discard_all = False
        self.popups = QTimer()                 # QMenu.exec cannot be patched: answer it live
        self.popups.setInterval(30)
        self.popups.timeout.connect(self._answer_popup)
        self.popups.start()

    def _answer_popup(self):
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            return
        actions = [a for a in menu.actions() if a.isEnabled() and not a.isSeparator()]
        self.asked += 1
        if actions and self.rng.random() < 0.7:
            actions[int(self.rng.integers(len(actions)))].trigger()
        menu.close()

    def _pick(self, choices):
        self.asked += 1
        return choices[int(self.rng.integers(len(choices)))]

    def _ok(self, *args, **kwargs):
        self.asked += 1
        return QMessageBox.StandardButton.Ok

    def _question(self, *args, **kwargs):
        if self.discard_all:
            return QMessageBox.StandardButton.Discard
        return self._pick([QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Cancel,
                           QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Yes,
                           QMessageBox.StandardButton.No])

    def _open(self, *args, **kwargs):
        return self._pick(self.open_choices), ""

    def _save(self, parent=None, caption="", start="", filters="", *args, **kwargs):
        name = self._pick(["", "run.bpp", "experiment.json", "plot.png", "table.csv",
                           "no-suffix"])
        return (str(self.folder / name) if name else ""), ""

    def _double(self, *args, **kwargs):
        return float(self.rng.normal(0, 3)), bool(self.rng.random() < 0.7)


class Monkey:
    """``Monkey(window, qtbot, rng).run(n)``: ``n`` random actions; ``log`` says what each was,
    so a failure at action k of seed s can be read back and replayed."""

    def __init__(self, window, qtbot, rng: np.random.Generator):
        self.window, self.qtbot, self.rng = window, qtbot, rng
        self.log: list[str] = []
        self.moves = [(self.click_button, 6), (self.type_in_field, 5), (self.change_combo, 3),
                      (self.toggle_check, 1), (self.change_tab, 3), (self.press_key, 4),
                      (self.move_dock, 2), (self.trigger_action, 2), (self.keep_playing, 2)]
        weights = np.array([w for _, w in self.moves], dtype=float)
        self.weights = weights / weights.sum()

    def run(self, actions: int) -> None:
        for index in range(actions):
            move = self.moves[int(self.rng.choice(len(self.moves), p=self.weights))][0]
            self.log.append(f"{index}: {move.__name__} {move() or ''}".rstrip())
            self.qtbot.wait(int(self.rng.integers(0, 25)))

    def widgets(self, kind):
        """Visible, enabled widgets of ``kind`` in the window and its floating docks."""
        found = [w for w in self.window.findChildren(kind)
                 if w.isVisible() and w.isEnabled() and w.window().isVisible()]
        return found                        # findChildren's order: the same for the same seed

    def pick(self, kind):
        found = self.widgets(kind)
        return found[int(self.rng.integers(len(found)))] if found else None

    def click_button(self):
        buttons = [b for b in self.widgets(QPushButton) + self.widgets(QToolButton)
                   if b.menu() is None and not _is_quit(b.text())]
        if not buttons:
            return None
        target = buttons[int(self.rng.integers(len(buttons)))]
        name = target.objectName() or target.text() or target.toolTip()
        self.qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
        return name

    def type_in_field(self):
        field = self.pick(QAbstractSpinBox) if self.rng.random() < 0.6 else self.pick(QLineEdit)
        if field is None:
            return None
        text = self._random_text(field)
        field.setFocus()
        self.qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.qtbot.keyClicks(field, text)
        self.qtbot.keyClick(field, Qt.Key.Key_Return)
        return f"{field.objectName() or type(field).__name__} <- {text!r}"

    def _random_text(self, field) -> str:
        if self.rng.random() < 0.3:
            return TEXTS[int(self.rng.integers(len(TEXTS)))]
        if getattr(field, "integer", False) or isinstance(field, QSpinBox):
            return str(int(self.rng.integers(0, LARGEST_TYPED_INT + 1)))
        if self.rng.random() < 0.5:
            return f"{10 ** self.rng.uniform(-5, 1):.4g}"
        return f"{self.rng.normal(0, 2):.3g}"

    def change_combo(self):
        combo = self.pick(QComboBox)
        if combo is None or combo.count() == 0:
            return None
        combo.setFocus()
        key = Qt.Key.Key_Down if self.rng.random() < 0.5 else Qt.Key.Key_Up
        self.qtbot.keyClick(combo, key)
        return f"{combo.objectName()} -> {combo.currentText()!r}"

    def toggle_check(self):
        box = self.pick(QCheckBox)
        if box is not None:
            self.qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
            return box.objectName() or box.text()
        return None

    def change_tab(self):
        bar = self.pick(QTabBar)
        if bar is None or bar.count() == 0:
            return None
        bar.setCurrentIndex(int(self.rng.integers(bar.count())))
        return bar.tabText(bar.currentIndex())

    def press_key(self):
        name, key, modifiers = KEYS[int(self.rng.integers(len(KEYS)))]
        target = QApplication.focusWidget() or self.window
        if not target.isVisible():
            target = self.window
        self.qtbot.keyClick(target, key, modifiers)
        return name

    def move_dock(self):
        docks = [d for d in self.window.findChildren(QDockWidget)]
        dock = docks[int(self.rng.integers(len(docks)))]
        choice = self.rng.random()
        if choice < 0.4:
            dock.setFloating(not dock.isFloating())
        elif choice < 0.7:
            dock.toggleViewAction().trigger()
        else:
            dock.setFloating(False)
            dock.show()
        return f"{dock.objectName()} floating={dock.isFloating()} visible={dock.isVisible()}"

    def trigger_action(self):
        actions = [a for menu in self.window.menuBar().findChildren(QMenu)
                   for a in menu.actions()
                   if a.isEnabled() and a.text() and not a.isSeparator() and a.menu() is None
                   and not _is_quit(a.text())]
        if not actions:
            return None
        action = actions[int(self.rng.integers(len(actions)))]
        action.trigger()
        return action.text().replace("&", "")

    def keep_playing(self):
        if not self.window.worker.playing:
            self.window.toggle_play()
            return "play"
        return None


def _is_quit(text: str) -> bool:
    return any(word in text.replace("&", "").lower() for word in SKIPPED_ACTIONS)


def close_and_time(window, answers: Answers, worker_timeout: float = 10.0,
                   slow: float | None = None, on_slow=None) -> tuple[float, float]:
    """Close ``window`` answering Discard to every question; ``(seconds until the window
    was gone, seconds until its worker had finished too)``. They differ when one batch
    outlasts the second close gives the worker: the window goes, the batch ends first.
    ``on_slow()`` is called once if either takes longer than ``slow`` seconds (to record what
    the threads are doing then)."""
    answers.discard_all = True
    answers.popups.stop()
    start = time.perf_counter()
    reported = [False]

    def look() -> None:
        if on_slow is not None and not reported[0] and time.perf_counter() - start > slow:
            reported[0] = True
            on_slow()
    window.close()
    # a save being written closes the window when it is done (events must run meanwhile)
    while window.isVisible() and time.perf_counter() - start < 10:
        QTest.qWait(10)
        look()
    gone = time.perf_counter() - start
    # events run meanwhile: a window still open (a save being written) closes when it is done
    deadline = time.perf_counter() + worker_timeout
    while not window.worker.wait(10) and time.perf_counter() < deadline:
        QTest.qWait(10)
        look()
    return gone, time.perf_counter() - start
