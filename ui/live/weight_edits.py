"""Setting one weight by hand, undoably: the diagram asks, the trainer does it, Undo reverts.

A click on a link (or "Set bias b…" on a neuron card) while training is paused ends in a
:class:`SetParameterCommand` on the window's undo stack. Doing and undoing it hand
:meth:`playground.training.trainer.Trainer.set_parameter` to the training worker's thread (the
only thread that touches the trainer), which records each change in the run's history; a new
snapshot then shows the edited network, and training continues from it.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QInputDialog

from playground.nn.backprop import sub


class SetParameterCommand(QUndoCommand):
    def __init__(self, worker, layer: int, kind: str, row: int, column: int, old: float,
                 new: float):
        name = f"W{layer + 1}[{row + 1}, {column + 1}]" if kind == "W" \
            else f"b{layer + 1}[{column + 1}]"
        super().__init__(f"set {name} to {new:g}")
        self.worker = worker
        self.where = (layer, kind, None if kind == "b" else row, column)
        self.old, self.new = old, new       # ``old``: the value the diagram showed
        #: the value the trainer had when the edit was made, filled in on the training
        #: thread: the diagram may still show an earlier snapshot (just after a step, before
        #: its redraw), and Undo put that stale value back into the run
        self._replaced = [old]

    def _apply(self, change) -> None:
        self.worker.submit(change)          # the training thread runs these in order
        self.worker.request_snapshot()

    def redo(self) -> None:
        (layer, kind, row, column), new, replaced = self.where, self.new, self._replaced

        def change(trainer):
            replaced[0] = trainer.set_parameter(layer, kind, row, column, new)
        self._apply(change)

    def undo(self) -> None:
        (layer, kind, row, column), replaced = self.where, self._replaced
        self._apply(lambda trainer: trainer.set_parameter(layer, kind, row, column,
                                                          replaced[0]))


def ask_parameter(phase_panel, worker, undo_stack, layer: int, kind: str, row: int,
                  unit: int) -> None:
    """Ask for a new value of W[row, unit] or b[unit] of Dense layer ``layer`` (1…L) of the
    panel's diagram, and push the change; nothing while training plays or an iteration is
    being stepped through (it would be half old, half new)."""
    diagram = phase_panel.diagram
    old = diagram.parameter(layer, kind, row, unit)
    if old is None or not diagram.editable:
        return
    if phase_panel.active:
        phase_panel.explanationLabel.setText("Finish the iteration being stepped through "
                                             "before setting a weight.")
        return
    name = (f"W{sub(layer)}[{row + 1}, {unit + 1}]" if kind == "W"
            else f"b{sub(layer)}[{unit + 1}]")
    value, ok = QInputDialog.getDouble(phase_panel, "Set a weight", f"New value of {name}:",
                                       old, -1e6, 1e6, 6)
    if ok and value != old:
        undo_stack.push(SetParameterCommand(worker, layer - 1, kind, row, unit, old, value))


def connect_parameter_edits(phase_panel, worker, undo_stack) -> None:
    """Wire clicks in the stepper panel's diagram to the worker through ``undo_stack``;
    edits are offered only while training is paused."""
    diagram = phase_panel.diagram

    def set_editable(playing: bool) -> None:
        diagram.editable = not playing

    worker.playingChanged.connect(set_editable)
    set_editable(worker.playing)
    diagram.editRequested.connect(
        lambda layer, kind, row, unit: ask_parameter(phase_panel, worker, undo_stack, layer,
                                                     kind, row, unit))
