"""The window's single source of truth: the current experiment, with undo/redo.

Panels never keep their own copy of a setting. They call :meth:`ExperimentModel.set` with a key
path of the experiment file (``training.optimizer.learning_rate``, ``network.layers``) and
listen to :attr:`ExperimentModel.changed` to show the new value. Every change is validated by
the engine (:meth:`playground.Experiment.replace`) *before* it is accepted — an invalid value
raises :class:`~playground.errors.ExperimentError`, which the panel shows at the field — and
is pushed on a ``QUndoStack``, so Edit ▸ Undo works for every panel alike. The stack's clean
state is the "saved" state: the window title shows ``*`` when they differ. A panel that shows
only part of the experiment subscribes to the key paths it draws (:meth:`ExperimentModel.watch`)
instead of sifting every change itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from playground import Experiment


def affects(changed: str, watched: str) -> bool:
    """True when a change at key path ``changed`` can change the value at ``watched``: the same
    path, one under it, one above it, or ``""`` (everything)."""
    return (changed == "" or changed == watched or changed.startswith(watched + ".")
            or watched.startswith(changed + "."))


class KeyPathWatch(QObject):
    """Calls ``slot()`` once per model change that affects one of ``paths``. A child of
    ``owner``: it is disconnected when the owner goes."""

    def __init__(self, model: "ExperimentModel", paths: Iterable[str], slot: Callable[[], Any],
                 owner: QObject):
        super().__init__(owner)
        self.paths = tuple(paths)
        self.slot = slot
        model.changed.connect(self._on_changed)

    def _on_changed(self, changed: list) -> None:
        if any(affects(path, watched) for path in changed for watched in self.paths):
            self.slot()


class _SetCommand(QUndoCommand):
    def __init__(self, model: "ExperimentModel", before: Experiment, after: Experiment,
                 paths: list[str], text: str, merge_id: int = -1):
        super().__init__(text)
        self.model, self.before, self.after, self.paths = model, before, after, paths
        self._merge_id = merge_id

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        # consecutive edits of the same field (typing, dragging a slider) undo as one step
        if not isinstance(other, _SetCommand) or other.paths != self.paths:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.model._apply(self.after, self.paths)

    def undo(self) -> None:
        self.model._apply(self.before, self.paths)


class ExperimentModel(QObject):
    """Holds the :class:`~playground.Experiment` being edited."""

    #: emitted with the changed key paths; ``[""]`` means "everything" (new / open)
    changed = Signal(list)
    #: True when there are unsaved changes
    dirtyChanged = Signal(bool)
    #: the file the experiment belongs to changed (None for a new, unsaved one)
    fileChanged = Signal(object)

    #: numeric fields whose consecutive edits (typing, dragging) merge into one undo step
    _MERGEABLE = {"training.optimizer.learning_rate": 1, "training.l1": 2, "training.l2": 3,
                  "data.noise": 5, "data.samples": 6, "data.validation_split": 7,
                  "training.batch_size": 9, "training.epochs": 10, "seed": 11,
                  "training.early_stopping.patience": 12,
                  "training.early_stopping.min_delta": 13}

    def __init__(self, experiment: Experiment, parent: QObject | None = None):
        super().__init__(parent)
        self._experiment = experiment
        self.file_path: Path | None = None
        self.undo_stack = QUndoStack(self)
        # a bound slot (not a lambda): Qt disconnects it when this object is destroyed, so
        # the stack's last cleanChanged during teardown does not reach a deleted signal source
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(not clean)

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def watch(self, paths: Iterable[str], slot: Callable[[], Any],
              owner: QObject) -> KeyPathWatch:
        """Call ``slot()`` after every change that affects a value at or under one of the key
        ``paths`` (``"network"``, ``"data.source"``), for as long as ``owner`` lives."""
        return KeyPathWatch(self, paths, slot, owner)

    def get(self, dotted: str) -> Any:
        return self._experiment.get(dotted)

    def set(self, dotted: str, value: Any, text: str | None = None) -> None:
        """Validate and apply one change (raises ExperimentError when invalid)."""
        self.set_many([(dotted, value)], text)

    def set_many(self, changes: list[tuple[str, Any]], text: str | None = None) -> None:
        before = self._experiment
        after = before
        for dotted, value in changes:
            after = after.replace(dotted, value)
        if after == before:
            return
        paths = [dotted for dotted, _ in changes]
        label = text or f"change {', '.join(paths)}"
        merge = self._MERGEABLE.get(paths[0], -1) if len(paths) == 1 else -1
        self.undo_stack.push(_SetCommand(self, before, after, paths, label, merge))

    def replace_experiment(self, experiment: Experiment, text: str = "change experiment",
                           paths: list[str] | None = None) -> None:
        """Replace the whole experiment as one undoable step (e.g. a preset)."""
        if experiment == self._experiment:
            return
        self.undo_stack.push(_SetCommand(self, self._experiment, experiment, paths or [""],
                                         text))

    def reset(self, experiment: Experiment, file_path: Path | None = None) -> None:
        """Start over with ``experiment`` (New, Open): clears undo history, marks clean."""
        self._experiment = experiment
        self.file_path = Path(file_path) if file_path is not None else None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.fileChanged.emit(self.file_path)
        self.dirtyChanged.emit(False)
        self.changed.emit([""])

    def mark_saved(self, file_path: Path, clean: bool = True) -> None:
        """The document was saved to ``file_path``; ``clean`` False when it was edited while
        the file was written (the edits since are not in it: the document stays dirty)."""
        self.file_path = Path(file_path)
        if clean:
            self.undo_stack.setClean()
        self.fileChanged.emit(self.file_path)

    def _apply(self, experiment: Experiment, paths: list[str]) -> None:
        self._experiment = experiment
        self.changed.emit(list(paths))
