"""The network diagram: what it highlights and which numbers its nodes and links show.

No worker here: each test owns its Trainer on the GUI thread and feeds the diagram the
Snapshot and the Phases of ``trainer.phases()`` directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from playground import Experiment, Trainer
from playground.presets import preset
from ui.diagram.layout import HIGHLIGHT, NEGATIVE, POSITIVE
from ui.diagram.network_diagram import NetworkDiagram


@pytest.fixture
def diagram(qtbot):
    widget = NetworkDiagram()
    qtbot.addWidget(widget)
    widget.resize(600, 420)
    return widget


def _count_near(image, colour: QColor, tolerance: int = 12) -> int:
    """Pixels of ``image`` within ``tolerance`` of ``colour`` (every channel)."""
    ptr = image.constBits()
    array = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = array[:, :image.width() * 4].reshape(image.height(), image.width(), 4)
    bgr = np.array([colour.blue(), colour.green(), colour.red()])
    return int(np.all(np.abs(pixels[..., :3].astype(int) - bgr) <= tolerance, axis=-1).sum())


def _image(widget):
    from PySide6.QtGui import QImage
    return widget.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)


def test_idle_diagram_shows_weights_and_biases(diagram, small_dict):
    trainer = Trainer(Experiment.from_dict(small_dict))
    snapshot = trainer.snapshot()
    diagram.show_snapshot(snapshot)
    assert diagram.highlighted_layer is None and diagram.highlight_kind is None
    assert not diagram.summarised
    assert diagram.link_quantity == "W"
    for k, (W, b) in enumerate(snapshot.weights, start=1):
        np.testing.assert_array_equal(diagram.link_values(k), W)
        assert diagram.node_quantity(k) == "b"
    image = _image(diagram)
    assert _count_near(image, POSITIVE, 40) > 20 and _count_near(image, NEGATIVE, 40) > 20
    assert _count_near(image, HIGHLIGHT) == 0          # nothing highlighted


def test_highlight_follows_every_phase_of_a_three_layer_network(diagram, small_dict):
    trainer = Trainer(Experiment.from_dict(small_dict))
    diagram.show_snapshot(trainer.snapshot())
    seen, x0 = [], None
    for phase in trainer.phases():
        diagram.show_phase(phase)
        seen.append((diagram.highlighted_layer, diagram.highlight_kind))
        v = phase.values
        if phase.kind == "forward":
            k = phase.layer + 1
            if k == 1:
                x0 = v["a_prev"][0]
            np.testing.assert_array_equal(diagram.node_values(0), x0)   # input stays shown
            np.testing.assert_array_equal(diagram.node_values(k), v["a"][0])
            assert diagram.node_quantity(k) == "a"
            if k < 3:
                assert diagram.node_values(k + 1) is None    # not computed yet
        elif phase.kind == "backward":
            k = phase.layer + 1
            np.testing.assert_array_equal(diagram.node_values(k), v["delta"][0])
            assert diagram.node_quantity(k) == "δ"
            if k > 1:
                assert diagram.node_values(k - 1) is None    # δ has not got there yet
            assert diagram.link_quantity == "W"
        elif phase.kind == "update":
            assert diagram.link_quantity == "ΔW"
            for k, layer in enumerate(phase.per_layer, start=1):
                np.testing.assert_array_equal(diagram.link_values(k), layer["delta_W"])
                np.testing.assert_array_equal(diagram.node_values(k), layer["delta_b"])
                assert diagram.node_quantity(k) == "Δb"
        image = _image(diagram)
        assert _count_near(image, HIGHLIGHT, 8) > 30, f"no violet highlight in {phase.title}"
    assert seen == [(1, "forward"), (2, "forward"), (3, "forward"), (3, "loss"),
                    (3, "backward"), (2, "backward"), (1, "backward"), (None, "update")]
    diagram.clear_phase()
    assert diagram.highlight_kind is None and diagram.highlighted_layer is None
    assert diagram.node_quantity(1) == "b"


def test_nodes_show_the_chosen_sample(diagram):
    trainer = Trainer(preset("xor_classic"))
    diagram.show_snapshot(trainer.snapshot())
    phases = trainer.phases()
    first = next(phases)
    diagram.show_phase(first)
    assert diagram.n_samples == 4 and diagram.sample == 0
    diagram.set_sample(3)
    np.testing.assert_array_equal(diagram.node_values(0), first.values["a_prev"][3])
    np.testing.assert_array_equal(diagram.node_values(1), first.values["a"][3])
    diagram.set_sample(99)                                  # clamped to the batch
    assert diagram.sample == 3
    for phase in phases:
        pass


def test_the_view_is_built_once_per_change_not_per_paint(diagram):
    trainer = Trainer(preset("xor_classic"))
    diagram.show_snapshot(trainer.snapshot())
    phases = trainer.phases()
    diagram.show_phase(next(phases))
    view = diagram.current_view()
    diagram.grab()
    diagram.resize(diagram.width() + 50, diagram.height())
    diagram.grab()
    assert diagram.current_view() is view                   # repaints reuse it
    for change in (lambda: diagram.set_sample(2), lambda: diagram.show_phase(next(phases)),
                   lambda: diagram.show_snapshot(trainer.snapshot()), diagram.clear_phase):
        change()
        assert diagram.current_view() is not view
        view = diagram.current_view()
    for phase in phases:
        pass


def test_without_a_snapshot_the_phase_alone_is_enough(diagram):
    trainer = Trainer(preset("xor_classic"))
    for phase in trainer.phases():
        diagram.show_phase(phase)
        diagram.grab()
    assert diagram.highlight_kind == "update"
    assert diagram.current_view().sizes == (2, 2, 1)


def test_a_phase_of_the_previous_network_is_drawn_with_its_own_widths(diagram, small_dict):
    """Around a rebuild a phase of the old network (first layer 5 wide) can arrive after a
    snapshot of the new one (6 wide): the diagram takes the phase's widths instead of
    indexing 5 columns with 6 slots (IndexError in paint, seen by the monkey)."""
    new = Trainer(Experiment.from_dict(small_dict))               # 6, 6, 2
    small_dict["network"]["layers"][0]["units"] = 5
    old = Trainer(Experiment.from_dict(small_dict))
    diagram.show_snapshot(new.snapshot())
    for phase in old.phases():
        diagram.show_phase(phase)
        diagram.grab()                                             # paints without error
        assert diagram.current_view().sizes[1] == 5
    diagram.show_snapshot(new.snapshot())                          # then the new one again
    diagram.grab()
    assert diagram.current_view().sizes[1] == 6


def test_big_networks_are_summarised(diagram, small_dict):
    small_dict["network"]["layers"] = [{"units": 150, "activation": "relu"},
                                       {"units": 150, "activation": "relu"},
                                       {"units": 2, "activation": "softmax"}]
    trainer = Trainer(Experiment.from_dict(small_dict))
    snapshot = trainer.snapshot()
    assert snapshot.weights is None                      # too many parameters to ship
    diagram.show_snapshot(snapshot)
    assert diagram.summarised
    view = diagram.current_view()
    assert view.max_nodes <= 12 and "summarised" in view.note
    assert all(r is not None and r > 0 for r in view.link_rms)
    phases = trainer.phases()
    diagram.show_phase(next(phases))
    assert diagram.highlighted_layer == 1
    assert diagram.node_values(1).shape == (150,)
    diagram.grab()
    for phase in phases:
        diagram.show_phase(phase)
    assert diagram.link_quantity == "ΔW"
    diagram.grab()


def test_a_diverged_summarised_network_paints_without_nan_colours(diagram, small_dict):
    """Layers whose weights overflowed (RMS inf) made the band's opacity inf/inf = NaN:
    Qt warned "QColor::setAlphaF: invalid value nan" (monkey seed 4); pytest-qt fails a test
    on that warning."""
    import dataclasses
    import warnings

    small_dict["network"]["layers"] = [{"units": 150, "activation": "relu"},
                                       {"units": 150, "activation": "relu"},
                                       {"units": 2, "activation": "softmax"}]
    snapshot = Trainer(Experiment.from_dict(small_dict)).snapshot()
    layers = [dataclasses.replace(layer, weight_norm=np.inf) if i == 0 else layer
              for i, layer in enumerate(snapshot.layers)]
    snapshot = dataclasses.replace(snapshot, layers=tuple(layers))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diagram.show_snapshot(snapshot)
        diagram.grab()
    assert diagram.summarised and [str(w.message) for w in caught] == []


def test_a_wide_layer_with_weights_is_summarised_too(diagram, small_dict):
    small_dict["network"]["layers"] = [{"units": 40, "activation": "tanh"},
                                       {"units": 2, "activation": "softmax"}]
    trainer = Trainer(Experiment.from_dict(small_dict))
    snapshot = trainer.snapshot()
    assert snapshot.weights is not None
    diagram.show_snapshot(snapshot)
    assert diagram.summarised
    small = Trainer(preset("xor_classic"))
    diagram.show_snapshot(small.snapshot())
    assert not diagram.summarised


def test_narrow_column_titles_abbreviate_instead_of_eliding():
    from ui.diagram.paint import abbreviated
    assert abbreviated("layer 3") == "L3"
    assert abbreviated("input x") == "x"
    assert abbreviated("output") == "out"


def test_a_deep_network_of_narrow_layers_is_summarised(diagram, small_dict):
    """Each connection of a full diagram is a curve painted on the GUI thread: 60 layers of
    32 units (60,000 curves) made one paint take 9.5 s (monkey, seed 3). Past 2,500
    connections the diagram is summarised; 2 → 32 → 32 → 2 (1,152) is still drawn in full."""
    small_dict["network"]["layers"] = [{"units": 32, "activation": "tanh"}] * 4 + [
        {"units": 2, "activation": "softmax"}]                    # over 3,000 links
    trainer = Trainer(Experiment.from_dict(small_dict))
    snapshot = trainer.snapshot()
    assert snapshot.weights is not None
    diagram.show_snapshot(snapshot)
    assert diagram.summarised
    diagram.grab()
    small_dict["network"]["layers"] = small_dict["network"]["layers"][2:]
    diagram.show_snapshot(Trainer(Experiment.from_dict(small_dict)).snapshot())
    assert not diagram.summarised


def test_a_snapshot_drawn_after_the_first_phase_keeps_the_phase_on_show(diagram, small_dict):
    """The window draws a paused snapshot on the event-loop turn after it arrived, so a phase
    stepped at once can reach the diagram first: the diagram learns the widths from the phase,
    and the snapshot of the same network must not wipe the phase (the highlight vanished,
    test_main_window under load). A snapshot of another network still does."""
    trainer = Trainer(Experiment.from_dict(small_dict))
    snapshot = trainer.snapshot()
    phases = trainer.phases()
    first = next(phases)
    diagram.show_phase(first)
    diagram.show_snapshot(snapshot)
    assert (diagram.highlighted_layer, diagram.highlight_kind) == (1, "forward")
    np.testing.assert_array_equal(diagram.node_values(1), first.values["a"][0])
    wider = dict(small_dict, network={**small_dict["network"], "layers": [
        {"units": 5, "activation": "tanh"}, *small_dict["network"]["layers"][1:]]})
    diagram.show_snapshot(Trainer(Experiment.from_dict(wider)).snapshot())
    assert diagram.highlight_kind is None
    for _ in phases:
        pass
