"""Input fields that refuse bad values *at the field*, with the reason in plain sight.

:class:`NumberInput` is a line edit for one number. Any text can be typed; it is read when the
user presses Enter or leaves the field. Text that is not a number, or a number the engine
rejects (``ExperimentError.reason``, e.g. "must be > 0"), turns the border red and shows the
reason in the :class:`FieldError` label under the field and in the tooltip — the experiment
stays unchanged. ↑/↓ (or the mouse wheel over a focused field) step the value: along a ladder
such as 0.0001, 0.0003, 0.001, 0.003 … for a learning rate (one step = ×3 or ÷3), or by a
fixed amount. Fields with a ladder also offer its values in a small drop-down menu.

:class:`ModelBinding` ties widgets to key paths of the :class:`~ui.live.model.ExperimentModel`: a
commit calls ``model.set(path, value)``; every ``model.changed`` refreshes the widgets from the
model, with signals blocked so the refresh does not echo back as an edit.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QMenu, QVBoxLayout, QWidget

from playground import ExperimentError

from .icons import icon

#: learning-rate style ladder (TensorFlow Playground's steps, one decade = 1, 3)
LOG_LADDER = (0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0,
              10.0)
BATCH_LADDER = (1, 2, 4, 8, 10, 16, 25, 32, 50, 64, 100, 128, 256, 512, 1024)


def format_number(value: float | int | None, integer: bool = False) -> str:
    """Short, exact-looking text: 0.03, 1e-08, 300 (no float noise such as 0.30000000000000004)."""
    if value is None:
        return ""
    if integer:
        return str(int(value))
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    if 1e-5 <= abs(value) < 1e7:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        # keep at most 6 significant digits
        short = f"{value:.6g}"
        return short if "e" not in short and len(short) < len(text) else text
    return f"{value:.4g}"


def parse_number(text: str, integer: bool = False) -> float | int:
    """The number in ``text``; raises ValueError with a message for the user."""
    cleaned = text.strip().replace("\u2212", "-").replace("_", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")          # a decimal comma
    if not cleaned:
        raise ValueError("enter a number")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"“{text.strip()}” is not a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if integer:
        if value != int(value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


class FieldError(QLabel):
    """The red line of text under a field that says why its value was refused."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "fieldError")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_reason(self, reason: str) -> None:
        self.setText(reason)
        self.setVisible(bool(reason))


def set_invalid(widget: QWidget, error: FieldError | None = None, reason: str | None = None,
                tooltip: str | None = None) -> None:
    """Mark ``widget`` invalid with ``reason`` (red border, the reason above its tooltip, the
    error label if given), or clear it (``reason`` None). ``tooltip`` is the field's own
    tooltip; without it, the one the widget had when first marked is kept and restored."""
    invalid = bool(reason)
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
    if tooltip is None:
        tooltip = widget.property("baseToolTip")
        if tooltip is None:
            tooltip = widget.toolTip()
            widget.setProperty("baseToolTip", tooltip)
    widget.setToolTip(f"<b>Refused:</b> {reason}<br>{tooltip}" if invalid else tooltip)
    if error is not None:
        error.show_reason(reason or "")


def with_error(field: QWidget, error: FieldError | None = None) -> QWidget:
    """``field`` with its error line beneath (the line takes no room while empty)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    error = error or getattr(field, "error", None)
    if error is not None:
        layout.addWidget(error)
    return box



class NumberInput(QLineEdit):
    """A line edit for one number; emits :attr:`committed` with the parsed value."""

    committed = Signal(object)      # int | float
    rejected = Signal(str)          # the text could not be read as a number

    def __init__(self, object_name: str, *, integer: bool = False,
                 ladder: Sequence[float] | None = None, step: float | None = None,
                 minimum: float | None = None, maximum: float | None = None,
                 allow_empty: bool = False, tooltip: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.integer, self.ladder, self.step = integer, tuple(ladder or ()), step
        self.allow_empty = allow_empty
        self.minimum, self.maximum = minimum, maximum
        self.base_tooltip = tooltip
        self.error = FieldError(parent)
        self.error.setObjectName(object_name.removesuffix("Input") + "Error")
        self._shown_text = ""
        self.setToolTip(tooltip)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMinimumWidth(64)
        self.editingFinished.connect(self._commit_text)
        if self.ladder:
            arrow = QAction(icon("chevron-down"), "Common values", self)
            arrow.setToolTip("Common values")
            arrow.triggered.connect(self._show_ladder_menu)
            self.addAction(arrow, QLineEdit.ActionPosition.TrailingPosition)

    # -- value -----------------------------------------------------------------------------
    def value(self) -> float | int | None:
        try:
            return self._parse()
        except ValueError:
            return None

    def setValue(self, value: float | int) -> None:
        """Set and commit ``value``, as if the user had typed it and pressed Enter."""
        self.setText(format_number(value, self.integer))
        self._commit_text()

    def show_value(self, value: float | int | None) -> None:
        """Display ``value`` from the model (no commit) and clear any error."""
        text = format_number(value, self.integer)
        if self.is_invalid and text == self._shown_text:
            return      # an edit elsewhere: keep the refused text and its reason in view
        self._shown_text = text
        if self.text() != text:
            with QSignalBlocker(self):
                self.setText(text)
                self.setCursorPosition(0)
        self.show_error(None)

    def show_error(self, reason: str | None) -> None:
        set_invalid(self, self.error, reason, self.base_tooltip)

    @property
    def is_invalid(self) -> bool:
        return bool(self.property("invalid"))

    def _parse(self) -> float | int | None:
        if self.allow_empty and not self.text().strip():
            return None
        return parse_number(self.text(), self.integer)

    def _commit_text(self) -> None:
        text = self.text()
        if text == self._shown_text and not self.is_invalid:
            return                          # nothing new (focus left an unchanged field)
        try:
            value = self._parse()
        except ValueError as exc:
            self.show_error(str(exc))
            self.rejected.emit(str(exc))
            return
        self.committed.emit(value)

    # -- stepping --------------------------------------------------------------------------
    def stepped(self, steps: int) -> float | int | None:
        """The value ``steps`` steps up (negative: down) from the current one."""
        current = self.value()
        if current is None:
            return None
        if self.ladder:
            ladder = self.ladder
            if steps > 0:
                above = [v for v in ladder if v > current * (1 + 1e-9)]
                target = above[min(steps, len(above)) - 1] if above else current
            else:
                below = [v for v in ladder if v < current * (1 - 1e-9)]
                target = below[-min(-steps, len(below))] if below else current
        else:
            target = current + steps * (self.step or 1)
        if self.minimum is not None:
            target = max(self.minimum, target)
        if self.maximum is not None:
            target = min(self.maximum, target)
        if not self.integer:
            target = float(f"{target:.12g}")      # no 0.30000000000000004
        return int(round(target)) if self.integer else target

    def step_by(self, steps: int) -> None:
        target = self.stepped(steps)
        if target is not None and target != self.value():
            self.setValue(target)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1, Qt.Key.Key_PageUp: 3,
                 Qt.Key.Key_PageDown: -3}.get(Qt.Key(event.key()))
        if steps is not None:
            self.step_by(steps)
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.hasFocus():             # scrolling the panel must not change values
            event.ignore()
            return
        delta = event.angleDelta().y()
        if delta:
            self.step_by(1 if delta > 0 else -1)
        event.accept()

    def _show_ladder_menu(self) -> QMenu:
        """The common values, as a popup: shown without a nested event loop (``exec``), so
        nothing waits on it; it deletes itself once closed."""
        menu = QMenu(self)
        menu.setObjectName("commonValuesMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for value in self.ladder:
            action = menu.addAction(format_number(value, self.integer))
            action.triggered.connect(lambda _=False, v=value: self.setValue(v))
        menu.popup(self.mapToGlobal(self.rect().bottomRight()))
        return menu


class ModelBinding:
    """Connects fields to model key paths; refreshes them when the model changes.

    ``bind_number(input, path)`` — a NumberInput; ``bind(widget, read, write)`` — anything else:
    ``read(experiment)`` gives what to show, ``write(value)`` applies an edit (may raise
    ExperimentError, which is shown at the widget via ``error`` and reverted)."""

    def __init__(self, model, follow: bool = True):
        """``follow``: refresh on every ``model.changed`` (else the owner calls refresh)."""
        self.model = model
        self._refreshers: list[Callable[[], None]] = []
        if follow:
            model.changed.connect(lambda _paths: self.refresh())

    def refresh(self) -> None:
        for refresh in self._refreshers:
            refresh()

    def bind_number(self, field: NumberInput, path: str,
                    to_model: Callable[[Any], Any] | None = None,
                    from_model: Callable[[Any], Any] | None = None) -> None:
        to_model = to_model or (lambda v: v)
        from_model = from_model or (lambda v: v)

        def commit(value) -> None:
            try:
                self.model.set(path, to_model(value))
            except ExperimentError as exc:
                field.show_error(exc.reason)
                return
            field.show_value(from_model(self.model.get(path)))

        field.committed.connect(commit)
        self._refreshers.append(lambda: field.show_value(from_model(self.model.get(path))))

    def bind_check(self, check: QCheckBox, path: str, error: FieldError | None,
                   tooltip: str) -> None:
        """A check box for a true/false key; a refused change is shown and undone."""

        def write(on: bool) -> None:
            try:
                self.model.set(path, bool(on))
            except ExperimentError as exc:
                set_invalid(check, error, exc.reason, tooltip)
                with QSignalBlocker(check):
                    check.setChecked(bool(self.model.get(path)))

        def refresh() -> None:
            with QSignalBlocker(check):
                check.setChecked(bool(self.model.get(path)))
            set_invalid(check, error, None, tooltip)

        check.toggled.connect(write)
        self._refreshers.append(refresh)

    def add_refresher(self, refresh: Callable[[], None]) -> None:
        self._refreshers.append(refresh)
