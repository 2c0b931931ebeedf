"""The data panel and the import dialog: clicks change the model's data (and keep the output
layer fitting it), bad files are explained in the dialog, and the scatter shows the data."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFileDialog, QToolButton, QWidget

from playground import Experiment, Trainer
from ui.panels.data_panel import DataPanel
from ui.widgets.theme import class_color
from ui.live.model import ExperimentModel


@pytest.fixture
def model(small_dict):
    model = ExperimentModel(Experiment.from_dict(small_dict))
    yield model
    model.undo_stack.clear()    # a non-clean stack emits while the model is being destroyed


@pytest.fixture
def panel(show_panel, model):
    return show_panel(DataPanel, model)


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _source_button(panel, name) -> QToolButton:
    button = panel.findChild(QToolButton, f"source_{name}Button")
    assert button is not None, name
    return button


def _write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------- sources
def test_every_pickable_source_has_a_button(panel):
    from playground.data import ALL_SOURCES, FILE_SOURCES, INLINE_SOURCES
    for name in ALL_SOURCES:
        if name not in FILE_SOURCES + INLINE_SOURCES:     # a table is typed in or drawn
            assert not _source_button(panel, name).icon().isNull()
    assert panel.findChild(QToolButton, "importButton") is not None
    assert _source_button(panel, "spiral").isChecked()


def test_source_change_fixes_output_units_in_one_undo_step(qtbot, panel, model):
    _click(qtbot, _source_button(panel, "blobs"))
    assert model.get("data.source") == "blobs"
    assert model.get("network.layers")[-1]["units"] == 3           # blobs: 3 classes
    assert model.get("network.loss") == "cross_entropy"
    assert _source_button(panel, "blobs").isChecked()
    assert not _source_button(panel, "spiral").isChecked()
    assert panel.classes_spin.isVisibleTo(panel) and panel.classes_spin.value() == 3
    model.undo_stack.undo()                                         # both come back at once
    assert model.get("data.source") == "spiral"
    assert model.get("network.layers")[-1]["units"] == 2
    Trainer(model.experiment)                                       # still a valid network


def test_regression_source_switches_to_mse_and_back(qtbot, panel, model):
    _click(qtbot, _source_button(panel, "sine"))
    net = model.experiment.network
    assert model.get("data.source") == "sine"
    assert net["loss"] == "mse"
    assert net["layers"][-1] == {"units": 1, "activation": "linear", "init": "xavier_uniform",
                                 "dropout": 0.0}
    Trainer(model.experiment)
    _click(qtbot, _source_button(panel, "moons"))
    net = model.experiment.network
    assert net["loss"] == "cross_entropy" and net["layers"][-1]["activation"] == "softmax"
    assert net["layers"][-1]["units"] == 2
    _click(qtbot, _source_button(panel, "digits"))
    assert model.get("network.layers")[-1]["units"] == 10
    assert not panel.features_box.isVisibleTo(panel)               # no 2-D features
    Trainer(model.experiment)


def test_clicking_the_current_source_keeps_it(qtbot, panel, model):
    before = model.experiment
    _click(qtbot, _source_button(panel, "spiral"))
    assert _source_button(panel, "spiral").isChecked()
    assert model.experiment == before


def test_classes_spin_updates_classes_and_output(panel, model):
    panel.classes_spin.setValue(4)
    assert model.get("data.classes") == 4
    assert model.get("network.layers")[-1]["units"] == 4


def test_numeric_settings_write_the_model(panel, model):
    panel.noise_spin.setValue(0.3)
    panel.samples_spin.setValue(200)
    panel.validation_spin.setValue(30.0)
    panel.seed_spin.setValue(7)
    panel.standardize_check.setChecked(True)
    data = model.experiment.data
    assert (data["noise"], data["samples"], data["validation_split"]) == (0.3, 200, 0.3)
    assert data["standardize"] is True and model.get("seed") == 7


def test_refused_value_is_shown_and_model_unchanged(panel, model):
    model.set("data.classes", 5)
    before = model.experiment
    panel.samples_spin.setValue(3)               # 3 samples cannot cover 5 spiral arms
    assert model.experiment == before
    assert panel.error_label.isVisibleTo(panel)
    assert "data.samples" in panel.error_text and "5 classes" in panel.error_text
    assert panel.samples_spin.property("invalid") is True
    tip = panel.samples_spin.toolTip()
    assert "5 classes" in tip and tip.endswith(panel.samples_spin.property("baseToolTip"))
    panel.samples_spin.setValue(300)             # accepted: the field's own tooltip is back
    assert not panel.samples_spin.property("invalid")
    assert panel.samples_spin.toolTip() == panel.samples_spin.property("baseToolTip") != ""
    assert "class" not in panel.samples_spin.toolTip()


# ------------------------------------------------------------------------------- features
def test_feature_checkbox_toggles_features(qtbot, panel, model):
    check = panel.findChild(QCheckBox, "feature_x1*x2Check")
    _click(qtbot, check)
    assert model.get("data.features") == ["x1", "x2", "x1*x2"]
    _click(qtbot, check)
    assert model.get("data.features") == ["x1", "x2"]


def test_last_feature_cannot_be_unchecked(qtbot, panel, model):
    _click(qtbot, panel.feature_checks["x1"])
    assert model.get("data.features") == ["x2"]
    before = model.experiment
    last = panel.feature_checks["x2"]
    _click(qtbot, last)
    assert last.isChecked()
    assert model.experiment == before
    assert "at least one input feature" in panel.error_text
    assert panel.error_label.isVisibleTo(panel)


# --------------------------------------------------------------------------------- import
def read(qtbot, dialog) -> None:
    """Wait for the dialog's background read of the file."""
    qtbot.waitUntil(lambda: not dialog.reading, timeout=5000)


def test_good_csv_import_through_the_dialog(qtbot, panel, model, tmp_path, monkeypatch):
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 4},{'abc'[i % 3]}" for i in range(30))
    path = _write_csv(tmp_path / "points.csv", "a,b,c,label\n" + rows + "\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (str(path), "")))
    _click(qtbot, panel.findChild(QToolButton, "importButton"))
    dialog = panel.import_dialog
    assert dialog is not None and dialog.objectName() == "importDialog"
    qtbot.waitExposed(dialog)
    read(qtbot, dialog)
    assert dialog.table.rowCount() == 8 and dialog.table.columnCount() == 4
    assert dialog.target_combo.currentText() == "label"             # default: last column
    assert "30 rows" in dialog.summary_label.text() and "3 classes" in dialog.summary_label.text()
    dialog.target_combo.setCurrentText("c")          # then the text column is an input: refused
    read(qtbot, dialog)
    assert "points.csv" in dialog.error_text and "'label'" in dialog.error_text
    assert "not a number" in dialog.error_text
    assert not dialog.ok_button.isEnabled()
    dialog.target_combo.setCurrentText("label")
    read(qtbot, dialog)
    assert not dialog.error_label.isVisibleTo(dialog) and dialog.ok_button.isEnabled()
    dialog.task_combo.setCurrentIndex(1)                             # classification
    read(qtbot, dialog)
    dialog.standardize_check.setChecked(False)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    _click(qtbot, ok)
    data = model.experiment.data
    assert data["source"] == "csv" and data["path"] == str(path)
    assert data["target"] == "label" and data["task"] == "classification"
    assert data["standardize"] is False
    assert model.get("network.layers")[-1]["units"] == 3
    assert panel.findChild(QToolButton, "importButton").isChecked()
    assert "points.csv" in panel.file_label.text()
    Trainer(model.experiment)
    model.undo_stack.undo()                                          # one step back
    assert model.get("data.source") == "spiral"


def test_the_preview_is_read_off_the_gui_thread_and_the_last_choice_wins(
        qtbot, panel, model, tmp_path, monkeypatch):
    """The read is held until released: meanwhile the dialog is alive (a GUI timer ticks),
    shows it reads, OK waits; a target chosen during the read replaces it; the result shown
    is the last choice's. The old dialog read the whole file inside its constructor."""
    import threading

    from PySide6.QtCore import QTimer

    from ui.panels import import_dialog

    rows = "\n".join(f"{i % 7},{i % 3},{i % 2}" for i in range(20))
    path = _write_csv(tmp_path / "p.csv", "a,b,label\n" + rows + "\n")
    gate, reads, real = threading.Event(), [], import_dialog.preview_file

    def held(*args, **kwargs):
        reads.append(kwargs["target"])
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(import_dialog, "preview_file", held)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(len(reads)))
    timer.start(5)
    dialog = panel.open_import_dialog(str(path))        # returns while the file is read
    try:
        qtbot.waitUntil(lambda: reads == [None], timeout=5000)
        assert dialog.reading and dialog.reading_bar.isVisibleTo(dialog)
        assert not dialog.ok_button.isEnabled() and "Reading" in dialog.summary_label.text()
        qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=5000)   # the GUI thread goes on
        dialog._on_target("a")                          # a newer choice while it reads
    finally:
        gate.set()
    read(qtbot, dialog)
    timer.stop()
    assert reads == [None, "a"] and 1 in ticks
    assert dialog.preview.target_column == "a" and dialog.ok_button.isEnabled()
    assert not dialog.reading_bar.isVisibleTo(dialog)


def test_closing_the_dialog_while_it_reads_does_not_wait(qtbot, panel, model, tmp_path,
                                                        monkeypatch):
    import threading

    from ui.live import lingering
    from ui.panels import import_dialog

    path = _write_csv(tmp_path / "p.csv", "a,b,label\n1,2,x\n3,4,y\n")
    gate, started = threading.Event(), threading.Event()

    shown = []
    real = import_dialog.ImportDialog._show_preview

    def held(*args, **kwargs):
        started.set()
        gate.wait(10)
        return None

    monkeypatch.setattr(import_dialog.ImportDialog, "_show_preview",
                        lambda self, preview: shown.append(preview) or real(self, preview))

    monkeypatch.setattr(import_dialog, "preview_file", held)
    before = model.experiment
    dialog = panel.open_import_dialog(str(path))
    qtbot.waitUntil(started.is_set, timeout=5000)
    try:
        dialog.reject()                                 # Cancel / Esc while it reads
        assert not dialog.isVisible() and panel.import_dialog is None
    finally:
        gate.set()
    lingering.wait_for_all()
    qtbot.wait(20)
    assert model.experiment == before and shown == []


def test_bad_csv_shows_engine_message_and_keeps_the_data(qtbot, panel, model, tmp_path,
                                                         monkeypatch):
    path = _write_csv(tmp_path / "ragged.csv", "a,b,label\n1,2,x\n3,4,y\n5,6\n7,8,x\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (str(path), "")))
    before = model.experiment
    _click(qtbot, panel.findChild(QToolButton, "importButton"))
    dialog = panel.import_dialog
    qtbot.waitExposed(dialog)
    read(qtbot, dialog)
    error = dialog.findChild(type(dialog.error_label), "importErrorLabel")
    assert error.isVisibleTo(dialog)
    assert "ragged.csv" in error.text() and "line 4" in error.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    _click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert model.experiment == before
    assert _source_button(panel, "spiral").isChecked()


def test_cancelled_file_dialog_changes_nothing(qtbot, panel, model, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: ("", "")))
    before = model.experiment
    _click(qtbot, panel.findChild(QToolButton, "importButton"))
    assert panel.import_dialog is None and model.experiment == before
    assert not panel.findChild(QToolButton, "importButton").isChecked()


def test_npz_import_regression(qtbot, panel, model, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "table.npz"
    np.savez(path, X=rng.normal(size=(40, 3)), y=rng.normal(size=(40, 2)))
    dialog = panel.open_import_dialog(str(path))
    read(qtbot, dialog)
    assert not dialog.target_combo.isEnabled()
    _click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    net = model.experiment.network
    assert model.get("data.source") == "npz"
    assert net["loss"] == "mse" and net["layers"][-1]["units"] == 2
    Trainer(model.experiment)


# -------------------------------------------------------------------------------- scatter
def test_scatter_holds_train_and_validation_points(panel, model):
    view = Trainer(model.experiment).data_view
    panel.set_data_view(view)
    assert panel.findChild(QWidget, "dataScatterPlot") is panel.scatter.plot
    assert panel.scatter.point_counts() == (90, 30)                  # 120 samples, 25 % val
    train_x, _ = panel.scatter.train_item.getData()
    np.testing.assert_allclose(train_x, view.raw_train[:, 0])
    assert "train" in panel.scatter.legend.text()
    assert "spiral" in panel.description_label.text()


def test_regression_points_share_a_few_shaded_brushes(panel, model):
    """One brush per point made pyqtgraph spend seconds on a big regression set (GUI stall
    of 4.9 s at 100,000 points); the points now share 64 shades, darkest to lightest in the
    order of their targets."""
    from ui.panels.data_scatter import VALUE_SHADES

    d = model.experiment.to_dict()
    d["data"] = {"source": "plane", "samples": 200, "noise": 0.1}
    d["network"] = {"layers": [{"units": 4, "activation": "tanh"},
                               {"units": 1, "activation": "linear"}], "loss": "mse"}
    model.replace_experiment(Experiment.from_dict(d))
    view = Trainer(model.experiment).data_view
    panel.set_data_view(view)
    brushes = panel.scatter.train_item.data["brush"]
    assert len(brushes) == len(view.y_train)
    assert 2 < len({id(b) for b in brushes}) <= VALUE_SHADES
    y = np.asarray(view.y_train)[:, 0]
    lo = min(y.min(), np.asarray(view.y_val).min())
    hi = max(y.max(), np.asarray(view.y_val).max())
    # each point: the colour of its target rounded to the nearest of 64 even steps
    steps = np.rint((y - lo) / (hi - lo) * (VALUE_SHADES - 1))
    expected = ["#%02x%02x%02x" % _rgb(lo + k / (VALUE_SHADES - 1) * (hi - lo), lo, hi)
                for k in steps]
    assert [b.color().name() for b in brushes] == expected


def _rgb(value, lo, hi):
    from ui.panels.data_pictures import value_rgb
    return tuple(int(c) for c in value_rgb(np.array([value]), lo, hi)[0])


def test_scatter_note_for_data_without_2d_view(panel, model):
    model.set("data.source", "digits")
    model.set("network.layers[2].units", 10)
    panel.set_data_view(Trainer(model.experiment).data_view)
    assert panel.scatter.point_counts() == (0, 0)
    assert "64 features" in panel.scatter.note.textItem.toPlainText()


def big_view(view, n_train=80_000, n_val=20_000):
    """``view`` with 100,000 points (two classes), as a data set at the sample limit gives."""
    import dataclasses
    rng = np.random.default_rng(3)
    return dataclasses.replace(view, raw_train=rng.normal(size=(n_train, 2)),
                               raw_val=rng.normal(size=(n_val, 2)),
                               y_train=rng.integers(0, 2, n_train), y_val=rng.integers(0, 2, n_val))


def test_a_scatter_of_100000_points_draws_every_5th_and_says_so(panel, model):
    """Drawing 100,000 points cost pyqtgraph over a second of the GUI thread (a stall the monkey
    found); at most 20,000 are drawn — every 5th here, the same ones each time — and the
    legend says so. A small set is drawn whole (the test above)."""
    view = big_view(Trainer(model.experiment).data_view)
    panel.set_data_view(view)
    assert panel.scatter.point_counts() == (16_000, 4_000)
    train_x, _ = panel.scatter.train_item.getData()
    np.testing.assert_array_equal(train_x, view.raw_train[::5, 0])
    brushes = panel.scatter.train_item.data["brush"]
    assert [b.color().name() for b in brushes[:50]] == \
        [class_color(int(c)) for c in view.y_train[:250:5]]
    assert "every 5th of 100,000 points shown" in panel.scatter.legend.text()
