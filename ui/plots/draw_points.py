"""Drawing your own data in the decision view: click to add a point, right-click to remove one.

With "draw" on, a left click on the plane adds a point of the class picked beside the button
(for regression: with the target value typed there), a right click removes the point nearest
to the click. The first change turns the data into a ``table`` source holding the points
already shown (training and validation ones alike) plus the new one; every change is one
undoable edit of the experiment's ``data``, saved with it, and training starts over on the
new data (as a new data set always does).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QToolButton

#: a right click removes the nearest point when it is this close (share of the plot's width)
REMOVE_RADIUS = 0.05


def _label(name: str):
    """Class names that are whole numbers are written as numbers (so they sort as numbers)."""
    try:
        return int(name)
    except ValueError:
        return name


def table_from_view(view) -> dict:
    """The points a DataView shows as the ``inputs``/``targets`` of a table source."""
    raws = [r for r in (view.raw_train, view.raw_val) if r is not None and len(r)]
    ys = [np.asarray(y) for y, r in ((view.y_train, view.raw_train), (view.y_val, view.raw_val))
          if r is not None and len(r)]
    inputs = np.concatenate(raws).tolist() if raws else []
    if view.task == "classification":
        labels = np.concatenate(ys).astype(int).tolist() if ys else []
        targets = [_label(view.class_names[k]) for k in labels]
    else:
        values = np.concatenate([y.reshape(len(y), -1) for y in ys]) if ys else np.zeros((0, 1))
        targets = values[:, 0].tolist() if values.shape[1] == 1 else values.tolist()
    return {"inputs": [[float(a), float(b)] for a, b in inputs], "targets": targets}


class PointDrawer:
    """The draw controls of a DecisionBoundaryPlot and what its clicks do to the model."""

    def __init__(self, plot, model):
        self.plot, self.model = plot, model
        self.button = QToolButton(plot, objectName="drawPointsButton", text="✎ draw")
        self.button.setCheckable(True)
        self.button.setToolTip("Draw your own data: click adds a point, right-click removes "
                               "the nearest one; the data becomes a table saved with the "
                               "experiment")
        self.class_box = QComboBox(plot, objectName="drawClassBox")
        self.class_box.setToolTip("The class of the points you add")
        self.value_spin = QDoubleSpinBox(plot, objectName="drawValueSpin", decimals=3)
        self.value_spin.setRange(-1e6, 1e6)
        self.value_spin.setToolTip("The target value of the points you add")
        for widget in (self.value_spin, self.class_box, self.button):   # after the check
            plot.controls.insertWidget(1, widget)
        self.button.toggled.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        view = self.plot.data_view
        drawing = self.button.isChecked()
        regression = view is not None and view.task == "regression"
        self.class_box.setVisible(drawing and not regression)
        self.value_spin.setVisible(drawing and regression)
        if view is not None and not regression:
            names = list(view.class_names)
            if [self.class_box.itemText(i) for i in range(self.class_box.count())] != names:
                current = self.class_box.currentIndex()
                self.class_box.clear()
                self.class_box.addItems(names)
                self.class_box.setCurrentIndex(max(0, min(current, len(names) - 1)))

    def data_changed(self) -> None:
        """A new data view arrived: offer its classes, and drawing only on the plane."""
        view = self.plot.data_view
        self.button.setVisible(view is not None and view.raw_train is not None)
        self._sync()

    @property
    def drawing(self) -> bool:
        return self.button.isChecked() and self.button.isVisible()

    def click(self, x: float, y: float, button) -> bool:
        """Add (left) or remove (right) a point at data coordinates ``(x, y)``; True when
        the experiment's data changed."""
        view = self.plot.data_view
        if not self.drawing or view is None:
            return False
        table = table_from_view(view)
        if button == Qt.MouseButton.RightButton:
            if not table["inputs"]:
                return False
            points = np.array(table["inputs"])
            x0, x1, _, _ = view.bounds
            d = np.hypot(points[:, 0] - x, points[:, 1] - y)
            k = int(np.argmin(d))
            if d[k] > REMOVE_RADIUS * (x1 - x0) or len(points) <= 1:
                return False
            del table["inputs"][k], table["targets"][k]
            text = "remove a drawn point"
        else:
            table["inputs"].append([float(x), float(y)])
            if view.task == "regression":
                value = float(self.value_spin.value())
                first = table["targets"][0] if table["targets"] else value
                table["targets"].append([value] * len(first) if isinstance(first, list)
                                        else value)
            else:
                table["targets"].append(_label(self.class_box.currentText()))
            text = "draw a point"
        data = self.model.get("data")
        data.update(source="table", validation_split=0.0, task=view.task, **table)
        self.model.set("data", data, text)
        return True
