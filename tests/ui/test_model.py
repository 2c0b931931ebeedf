"""A panel subscribes to the key paths it draws: it hears every change at, under or above
them, and New/Open ("everything"), and nothing else."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject

from playground import Experiment
from ui.live.model import ExperimentModel, affects


def test_a_change_affects_its_path_the_paths_under_and_above_it_and_nothing_else():
    assert affects("data", "data") and affects("data.noise", "data")
    assert affects("network", "network.layers")          # the parent changed
    assert affects("", "training.l2")                      # everything changed
    assert not affects("training.l2", "data")
    assert not affects("dataset_notes", "data")            # a prefix of a name is no parent
    assert not affects("network.layers", "network.loss")


def test_a_watch_calls_its_slot_once_per_change_of_what_it_draws(small_dict):
    model = ExperimentModel(Experiment.from_dict(small_dict))
    owner = QObject()
    calls = []
    model.watch(("data", "seed"), lambda: calls.append(model.get("data.noise")), owner)
    model.set("training.l2", 0.001)
    assert calls == []
    model.set("data.noise", 0.25)
    model.set("seed", 7)
    assert calls == [0.25, 0.25]
    model.set_many([("data.noise", 0.3), ("data.samples", 300)])
    assert calls == [0.25, 0.25, 0.3]                     # one call for one change
    model.undo_stack.undo()
    assert calls[-1] == 0.25
    model.reset(Experiment.from_dict(small_dict))          # New / Open: everything
    assert len(calls) == 5


def test_a_watch_ends_with_its_owner(small_dict):
    model = ExperimentModel(Experiment.from_dict(small_dict))
    owner = QObject()
    calls = []
    model.watch(("data",), lambda: calls.append(1), owner)
    model.set("data.noise", 0.25)
    shiboken6.delete(owner)                               # the panel is gone
    model.set("data.noise", 0.3)
    assert calls == [1]
