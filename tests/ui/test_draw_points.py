"""Drawing your own data in the decision view: a click adds a point of the picked class (or
target value), a right click removes the nearest, the data becomes a table source that is
saved with the experiment, and each change is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from playground import Experiment

pytestmark = pytest.mark.qt_log_ignore("does not support", "propagateSizeHints")


def two_points(**data) -> dict:
    return {"seed": 0,
            "data": {"source": "table", "validation_split": 0.0, "inputs": [[-1, -1], [1, 1]],
                     "targets": ["cat", "dog"], **data},
            "network": {"layers": [{"units": 4, "activation": "tanh"},
                                   {"units": 2, "activation": "softmax"}],
                        "loss": "cross_entropy"},
            "training": {"optimizer": {"name": "adam", "learning_rate": 0.03}, "epochs": 5}}


@pytest.fixture
def window(qtbot, open_window):
    def make(d):
        w = open_window(Experiment.from_dict(d))
        w.step_epoch()
        qtbot.waitUntil(lambda: w.latest_snapshot is not None and w.latest_snapshot.epoch >= 1)
        return w
    return make


def drawer_of(qtbot, w):
    plot = w.views["decision"]
    qtbot.waitUntil(lambda: plot.data_view is not None)
    return plot.drawer


def test_a_click_adds_a_point_of_the_picked_class_and_undo_takes_it_back(qtbot, window):
    w = window(two_points())
    drawer = drawer_of(qtbot, w)
    assert not drawer.click(0.5, 0.2, Qt.MouseButton.LeftButton)     # draw mode is off
    qtbot.mouseClick(drawer.button, Qt.MouseButton.LeftButton)
    assert drawer.class_box.isVisible()
    assert [drawer.class_box.itemText(i) for i in range(2)] == ["cat", "dog"]
    drawer.class_box.setCurrentIndex(1)
    assert drawer.click(0.5, 0.25, Qt.MouseButton.LeftButton)
    data = w.model.get("data")
    assert data["source"] == "table"
    assert data["inputs"] == [[-1, -1], [1, 1], [0.5, 0.25]]
    assert data["targets"] == ["cat", "dog", "dog"]
    qtbot.waitUntil(lambda: w.latest_snapshot is not None
                    and w.latest_snapshot.data.raw_train.shape == (3, 2))
    w.model.undo_stack.undo()
    assert w.model.get("data.inputs") == [[-1, -1], [1, 1]]


def test_a_right_click_removes_the_nearest_point_only_when_close(qtbot, window):
    w = window(two_points(inputs=[[-1, -1], [1, 1], [0, 0.5]], targets=["cat", "dog", "cat"]))
    drawer = drawer_of(qtbot, w)
    drawer.button.setChecked(True)
    assert not drawer.click(-0.3, -0.3, Qt.MouseButton.RightButton)   # nothing near
    assert drawer.click(0.02, 0.48, Qt.MouseButton.RightButton)
    assert w.model.get("data.inputs") == [[-1, -1], [1, 1]]
    assert w.model.get("data.targets") == ["cat", "dog"]


def test_drawing_on_a_generated_set_starts_from_its_points_and_is_saved(qtbot, window,
                                                                       tmp_path):
    d = two_points()
    d["data"] = {"source": "xor", "samples": 8, "noise": 0.0, "validation_split": 0.25}
    w = window(d)
    drawer = drawer_of(qtbot, w)
    drawer.button.setChecked(True)
    drawer.class_box.setCurrentIndex(0)
    assert drawer.click(0.3, 0.7, Qt.MouseButton.LeftButton)
    data = w.model.get("data")
    assert len(data["inputs"]) == 9 and data["targets"][-1] == 0
    assert data["validation_split"] == 0.0 and data["features"] == ["x1", "x2"]
    w.model.experiment.save(tmp_path / "drawn.json")
    again = Experiment.from_file(tmp_path / "drawn.json")
    assert again.data["inputs"][-1] == [0.3, 0.7] and again.data["source"] == "table"


def test_regression_points_take_the_typed_target_value(qtbot, window):
    d = two_points(targets=[0.5, 1.5])
    d["network"] = {"layers": [{"units": 4, "activation": "tanh"},
                               {"units": 1, "activation": "linear"}], "loss": "mse"}
    w = window(d)
    drawer = drawer_of(qtbot, w)
    drawer.button.setChecked(True)
    assert drawer.value_spin.isVisible() and not drawer.class_box.isVisible()
    drawer.value_spin.setValue(-2.25)
    assert drawer.click(0.0, 0.0, Qt.MouseButton.LeftButton)
    assert w.model.get("data.targets") == [0.5, 1.5, -2.25]


def test_a_real_mouse_click_on_the_plane_adds_the_point_under_it(qtbot, window):
    from PySide6.QtCore import QPointF
    w = window(two_points())
    drawer = drawer_of(qtbot, w)
    drawer.button.setChecked(True)
    plot = w.views["decision"]
    import pyqtgraph as pg
    canvas = plot.findChild(pg.PlotWidget, "decisionBoundaryPlot")
    vb = canvas.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: vb.viewRect().width() > 0)
    scene_point = vb.mapViewToScene(QPointF(0.25, -0.5))
    widget_point = canvas.mapFromScene(scene_point)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=widget_point)
    qtbot.waitUntil(lambda: len(w.model.get("data.inputs")) == 3)
    x, y = w.model.get("data.inputs")[-1]
    assert abs(x - 0.25) < 0.05 and abs(y + 0.5) < 0.05
