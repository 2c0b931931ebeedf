"""The live plots (ui/plots), fed with snapshots from real Trainers.

``Feeder`` mimics the training worker: each snapshot carries only the history rows that were
not sent before (``trainer.snapshot(history_from=k)``).
"""

from __future__ import annotations

import csv
import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QTabWidget, QWidget

from playground import Trainer
from playground.presets import preset
from ui.plots import DecisionBoundaryPlot, ErrorSignalPlot, LossPlot, WeightHistogramPlot
from ui.widgets.theme import class_color
from ui.plots.error_signal import gradient_warning

# the offscreen platform warns on every top-level show(); not our concern here
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


class Feeder:
    def __init__(self, trainer, *plots):
        self.trainer, self.plots, self.sent = trainer, plots, 0

    def send(self):
        snap = self.trainer.snapshot(history_from=self.sent)
        self.sent = snap.history_start + len(snap.history["epoch"])
        for plot in self.plots:
            plot.add_snapshot(snap)
        return snap

    def epochs(self, n):
        for _ in range(n):
            if self.trainer.finished:
                break
            self.trainer.train_epoch()
            self.send()
        for plot in self.plots:
            plot.refresh()


def make(qtbot, cls, **kwargs):
    plot = cls(**kwargs)
    qtbot.addWidget(plot)
    plot.resize(600, 400)
    return plot


def canvas(plot, name):
    widget = plot.findChild(pg.PlotWidget, name)
    assert widget is not None, name
    return widget


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


# -- loss plot ------------------------------------------------------------------------------
def test_loss_plot_has_one_point_per_epoch(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    feeder = Feeder(Trainer(small_dict), plot)
    feeder.epochs(3)
    assert canvas(plot, "lossPlot") is plot.plot_widget
    x, y = plot.train_curve.getData()
    assert list(x) == [1, 2, 3]
    assert np.all(np.isfinite(y))
    vx, vy = plot.val_curve.getData()
    assert list(vx) == [1, 2, 3] and np.all(np.isfinite(vy))
    assert plot.val_curve.isVisible()
    ax, ay = plot.train_metric_curve.getData()
    assert len(ax) == 3 and np.all((ay >= 0) & (ay <= 1))
    feeder.epochs(2)
    assert list(plot.train_curve.getData()[0]) == [1, 2, 3, 4, 5]


def legend_names(plot) -> list[str]:
    return [label.text for _, label in plot._legend.items]


def _run_view(number, label, epochs=5):
    from types import SimpleNamespace
    history = {"epoch": np.arange(1, epochs + 1, dtype=float),
               **{key: np.linspace(1.0, 0.5, epochs) for key in
                  ("val_loss", "train_loss", "val_metric", "train_metric")}}
    return SimpleNamespace(number=number, label=label, visible=True, current=False,
                           pinned=False, history=history)


def test_other_runs_legend_entries_are_renamed_in_place_with_one_relayout(qtbot, small_dict):
    """A new current run renames every other run's entry (named by what differs from it):
    each was removed and added again, and pyqtgraph measures all entries after each add or
    remove — 20 runs held the GUI thread for seconds in the monkey."""
    plot = make(qtbot, LossPlot)
    plot.show()
    legend = plot._legend
    plot.overlay.set_runs([_run_view(n, f"lr={n}") for n in range(2, 22)])
    plot.overlay.draw()
    labels = [label for _, label in legend.items]
    assert [label.text for label in labels] == [f"{n}: lr={n}" for n in range(2, 22)]
    relayouts = []                    # updateSize calls that measure every entry
    original = legend.updateSize
    legend.updateSize = lambda: (legend.size is None and relayouts.append(1), original())
    plot.overlay.set_runs([_run_view(n, f"batch={n}, lr={n}") for n in range(2, 22)])
    plot.overlay.draw()
    assert [label for _, label in legend.items] == labels             # the same entries …
    assert [label.text for label in labels] == [f"{n}: batch={n}, lr={n}" for n in range(2, 22)]
    assert len(relayouts) == 1                                        # … measured once
    assert legend.size is None and legend.width() >= max(label.width() for label in labels)
    plot.overlay.set_runs([_run_view(2, "lr=2")])                     # 19 runs hidden
    plot.overlay.draw()
    assert legend_names(plot) == ["2: lr=2"] and len(relayouts) == 2


def test_the_legend_names_only_series_that_hold_data(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    plot.show()
    trainer = Trainer(small_dict)
    feeder = Feeder(trainer, plot)
    feeder.send()                                        # before the first epoch: nothing
    plot.refresh()
    assert legend_names(plot) == []
    feeder.epochs(1)
    assert legend_names(plot) == ["training", "validation"]
    no_val = dict(small_dict, data=dict(small_dict["data"], validation_split=0.0))
    other = make(qtbot, LossPlot)
    other.show()
    Feeder(Trainer(no_val), other).epochs(2)
    assert legend_names(other) == ["training"]          # no validation set: no entry


def test_a_linear_loss_axis_starts_at_zero_and_a_log_one_does_not(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).epochs(3)
    low, high = plot.plot_widget.getPlotItem().getViewBox().viewRange()[1]
    assert low == 0.0 and high > max(plot.train_curve.getData()[1])
    plot.log_check.setChecked(True)
    plot.mark_dirty()
    plot.refresh()
    low, _ = plot.plot_widget.getPlotItem().getViewBox().viewRange()[1]
    assert low != 0.0


def test_loss_plot_takes_only_new_rows_and_ignores_repeats(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    trainer = Trainer(small_dict)
    for _ in range(3):
        trainer.train_epoch()
    plot.add_snapshot(trainer.snapshot(history_from=0))      # rows 1-3
    plot.add_snapshot(trainer.snapshot(history_from=1))      # overlaps: rows 2-3 again
    trainer.train_epoch()
    plot.add_snapshot(trainer.snapshot(history_from=3))      # row 4
    plot.add_snapshot(trainer.snapshot(history_from=4))      # nothing new
    plot.refresh()
    assert list(plot.train_curve.getData()[0]) == [1, 2, 3, 4]


def test_loss_plot_starts_over_for_a_new_trainer(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    Feeder(Trainer(small_dict), plot).epochs(4)
    assert len(plot.train_curve.getData()[0]) == 4
    fresh = Feeder(Trainer(small_dict), plot)
    fresh.send()                        # epoch 0, history_start 0: a new run
    plot.refresh()
    assert plot.train_curve.getData()[0] is None or len(plot.train_curve.getData()[0]) == 0
    fresh.epochs(2)
    assert list(plot.train_curve.getData()[0]) == [1, 2]


def test_log_y_toggle_changes_the_log_mode(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).epochs(3)
    check = plot.findChild(QWidget, "logYCheck")
    item = plot.plot_widget.getPlotItem()
    assert not item.ctrl.logYCheck.isChecked()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert check.isChecked()
    assert item.ctrl.logYCheck.isChecked()
    assert plot.train_curve.opts["logMode"][1]
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert not plot.train_curve.opts["logMode"][1]


def test_smoothing_is_display_only(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    Feeder(Trainer(small_dict), plot).epochs(6)
    raw = plot.train_curve.getData()[1].copy()
    plot.findChild(QWidget, "smoothingSpin").setValue(0.9)
    smoothed = plot.train_curve.getData()[1]
    assert len(smoothed) == len(raw) and not np.allclose(smoothed, raw)
    assert smoothed[0] == pytest.approx(raw[0])          # bias-corrected start
    assert plot.train_raw_curve.isVisible()
    np.testing.assert_allclose(plot.train_raw_curve.getData()[1], raw)
    plot.findChild(QWidget, "smoothingSpin").setValue(0.0)
    np.testing.assert_allclose(plot.train_curve.getData()[1], raw)
    assert not plot.train_raw_curve.isVisible()


def test_clear_empties_every_plot(qtbot, small_dict):
    plots = [make(qtbot, cls) for cls in (LossPlot, WeightHistogramPlot, ErrorSignalPlot,
                                          DecisionBoundaryPlot)]
    Feeder(Trainer(small_dict), *plots).epochs(2)
    loss, hist, err, dec = plots
    assert len(loss.train_curve.getData()[0]) == 2
    for plot in plots:
        plot.clear()
    x = loss.train_curve.getData()[0]
    assert x is None or len(x) == 0
    assert not any(c.isVisible() for c in hist.curves)
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0 for c in err.delta_curves)
    assert dec.mode == "empty"
    assert not [i for i in dec.plot_widget.getPlotItem().items if isinstance(i, pg.ImageItem)]


def early_stopping_experiment(small_dict):
    small_dict["training"]["early_stopping"] = {
        "enabled": True, "monitor": "val_loss", "patience": 2, "min_delta": 10.0,
        "restore_best_weights": True}
    return small_dict


def test_best_epoch_and_early_stop_are_marked(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    trainer = Trainer(early_stopping_experiment(small_dict))
    feeder = Feeder(trainer, plot)
    feeder.epochs(20)
    assert trainer.stopped_early and trainer.best_epoch > 0
    assert plot.best_line.isVisible()
    assert plot.best_line.value() == trainer.best_epoch
    assert plot.stop_line.isVisible()
    assert plot.stop_line.value() == trainer.epoch
    assert plot.stop_line.label.toPlainText() == "early stop"
    texts = [item for item in plot.plot_widget.getPlotItem().getViewBox().allChildren()
             if type(item) is pg.TextItem]     # (the lines' own labels are InfLineLabels)
    assert texts == []                  # the reason is the notice bar's, never over the curves


def test_no_markers_without_early_stopping(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    Feeder(Trainer(small_dict), plot).epochs(3)
    assert not plot.stop_line.isVisible()


def test_loss_export_csv_and_png(qtbot, small_dict, tmp_path):
    plot = make(qtbot, LossPlot)
    Feeder(Trainer(small_dict), plot).epochs(4)
    plot.export_csv(tmp_path / "loss.csv")
    rows = read_csv(tmp_path / "loss.csv")
    assert rows[0] == ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
                       "learning_rate"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    assert float(rows[1][1]) == pytest.approx(plot.train_curve.getData()[1][0])
    plot.export_png(tmp_path / "loss.png")
    data = (tmp_path / "loss.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []


def test_history_stays_bounded(qtbot, small_dict):
    """100 000 epochs of history keep at most `cap` points; the curve still spans them all."""
    plot = make(qtbot, LossPlot)
    trainer = Trainer(small_dict)
    trainer.train_epoch()
    base = trainer.snapshot()
    total, chunk = 100_000, 1000
    for start in range(0, total, chunk):
        epochs = np.arange(start + 1, start + chunk + 1, dtype=float)
        history = {name: np.full(chunk, np.nan) for name in base.history}
        history.update(epoch=epochs, train_loss=1.0 / epochs, val_loss=1.2 / epochs)
        plot.add_snapshot(dataclasses.replace(base, epoch=start + chunk, history_start=start,
                                              history=history))
    plot.refresh()
    cap = plot.store.cap
    assert plot.store.total == total
    assert len(plot.store) <= cap
    x = plot.train_curve.xData
    assert len(x) <= cap
    assert x[0] == 1 and x[-1] == total
    steps = np.diff(x[:-1])
    assert np.all(steps == steps[0])                     # evenly thinned
    assert plot.store._data.shape[1] == cap              # the buffer never grew


# -- weight histogram -----------------------------------------------------------------------
def test_histogram_shows_the_selected_layer_and_follows_the_selector(qtbot, small_dict):
    plot = make(qtbot, WeightHistogramPlot)
    trainer = Trainer(small_dict)
    Feeder(trainer, plot).epochs(3)
    selector = plot.findChild(QWidget, "layerSelector")
    assert selector.count() == 3 + 1                    # three layers + "all layers"
    visible = [c for c in plot.curves if c.isVisible()]
    assert len(visible) == 3                            # current + two earlier epochs
    x0 = plot.curves[0].xData.copy()
    edges = trainer.snapshot().layers[0].weight_edges
    np.testing.assert_allclose(x0, edges)
    selector.setCurrentIndex(2)
    x2 = plot.curves[0].xData
    assert not np.allclose(x2, x0)
    np.testing.assert_allclose(x2, trainer.snapshot().layers[2].weight_edges)
    y = plot.curves[0].yData
    assert y.sum() == pytest.approx(100.0)               # share of the layer's weights in %
    plot.findChild(QWidget, "histogramKind").setCurrentIndex(1)
    np.testing.assert_allclose(plot.curves[0].xData, trainer.snapshot().layers[2].grad_edges)
    selector.setCurrentIndex(3)                         # all layers
    assert len([c for c in plot.curves if c.isVisible()]) == 3


def test_all_layers_legend_is_measured_once_not_once_per_layer(qtbot, small_dict):
    """64 layers' entries added one by one made pyqtgraph measure the legend 64 times over."""
    small_dict["network"]["layers"] = [{"units": 3, "activation": "tanh"}] * 30 + [
        {"units": 2, "activation": "softmax"}]
    plot = make(qtbot, WeightHistogramPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).epochs(1)
    legend = plot._legend
    relayouts = []                    # updateSize calls that measure every entry
    original = legend.updateSize
    legend.updateSize = lambda: (legend.size is None and relayouts.append(1), original())
    plot.findChild(QWidget, "layerSelector").setCurrentIndex(31)        # all layers
    assert [label.text for _, label in legend.items] == [f"layer {i}" for i in range(1, 32)]
    assert len(relayouts) == 1
    assert legend.height() >= sum(label.height() for _, label in legend.items) * 0.5


def test_histogram_keeps_at_most_eight_epochs(qtbot, small_dict, tmp_path):
    plot = make(qtbot, WeightHistogramPlot)
    Feeder(Trainer(small_dict), plot).epochs(12)
    assert len([c for c in plot.curves if c.isVisible()]) == 8
    plot.export_csv(tmp_path / "h.csv")
    rows = read_csv(tmp_path / "h.csv")
    assert rows[0] == ["epoch", "layer", "kind", "bin_left", "bin_right", "count"]
    assert len(rows) - 1 == 8 * 3 * 2 * 41
    assert {r[0] for r in rows[1:]} == {str(e) for e in range(5, 13)}


# -- error signal ---------------------------------------------------------------------------
def test_error_signal_has_one_curve_per_layer_and_no_warning_when_healthy(qtbot, small_dict):
    plot = make(qtbot, ErrorSignalPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).epochs(3)
    assert canvas(plot, "errorSignalPlot") is plot.plot_widget
    assert len(plot.delta_curves) == 3
    for curve in plot.delta_curves:
        x, _ = curve.getData()
        assert list(x) == [1.0, 2.0, 3.0]
    assert plot.plot_widget.getPlotItem().ctrl.logYCheck.isChecked()
    assert not plot.findChild(QWidget, "gradientWarning").isVisible()


def test_error_signal_keeps_the_items_of_layers_that_stay_when_layers_change(qtbot,
                                                                            small_dict):
    """One layer more or less: the kept layers' curves and labels are the same objects,
    restyled (making all again stalled the window), the new layer gets its own, a removed
    one leaves the plot; each curve then shows its new run's points only."""
    import copy
    plot = make(qtbot, ErrorSignalPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).epochs(2)
    before = list(plot.delta_curves), list(plot.grad_curves), list(plot.end_labels)
    wider = copy.deepcopy(small_dict)
    layers = wider["network"]["layers"]
    layers.insert(1, dict(layers[0]))
    Feeder(Trainer(wider), plot).epochs(1)
    assert len(plot.delta_curves) == len(plot.grad_curves) == len(plot.end_labels) == 4
    for kept, now in zip(before, (plot.delta_curves, plot.grad_curves, plot.end_labels)):
        assert now[:3] == kept and now[3] not in kept
    items = plot.plot_widget.getPlotItem().items
    assert all(c in items for c in plot.delta_curves + plot.grad_curves + plot.end_labels)
    assert [list(c.getData()[0]) for c in plot.delta_curves] == [[1.0]] * 4
    tips = [label.toolTip() for label in plot.end_labels]
    assert tips == ["layer 1 (tanh)", "layer 2 (tanh)", "layer 3 (tanh)", "layer 4 (softmax)"]
    pens = [c.opts["pen"].color().name() for c in plot.delta_curves]
    assert len(set(pens)) == 4                          # each layer its own colour
    added = plot.delta_curves[3], plot.grad_curves[3], plot.end_labels[3]
    Feeder(Trainer(small_dict), plot).epochs(1)         # back to three layers
    assert (plot.delta_curves, plot.grad_curves, plot.end_labels) == before
    items = plot.plot_widget.getPlotItem().items
    assert all(obj not in items for obj in added)
    assert plot.end_labels[2].toolTip() == "layer 3 (softmax)"


def test_error_signal_adds_batch_steps(qtbot, small_dict):
    plot = make(qtbot, ErrorSignalPlot)
    trainer = Trainer(small_dict)
    feeder = Feeder(trainer, plot)
    for _ in range(3):
        trainer.train_batch()
        feeder.send()
    feeder.send()                                       # same iteration again: no new point
    plot.refresh()
    x = plot.delta_curves[0].xData
    bpe = trainer.batches_per_epoch
    np.testing.assert_allclose(x, [1 / bpe, 2 / bpe, 3 / bpe])


@pytest.mark.parametrize("cls", [ErrorSignalPlot, WeightHistogramPlot])
def test_a_deferred_plot_stores_until_shown_then_draws_everything(qtbot, small_dict, tmp_path,
                                                                 cls):
    host = QWidget()                     # a visible window the panel is not shown in yet
    qtbot.addWidget(host)
    host.show()
    plot = cls(host, deferred=True)
    plot.hide()                          # in the window, but not shown: not drawn
    plot.resize(600, 400)
    Feeder(Trainer(small_dict), plot).epochs(3)        # (refreshes too)
    assert plot.findChild(pg.PlotWidget) is None and not plot.canvas_built
    plot.export_csv(tmp_path / "early.csv")              # the data is there without a canvas
    assert len(read_csv(tmp_path / "early.csv")) > 1
    plot.show()
    qtbot.waitUntil(lambda: plot.canvas_built and not plot._dirty, timeout=5000)
    if cls is ErrorSignalPlot:
        assert [list(c.getData()[0]) for c in plot.delta_curves] == [[1.0, 2.0, 3.0]] * 3
    else:
        x, y = plot.curves[0].getData()
        assert len(x) == len(y) + 1 and y.sum() == pytest.approx(100.0)
        assert "epoch 3" in plot.plot_widget.getPlotItem().titleLabel.text


def test_vanishing_gradients_raise_the_warning(qtbot):
    plot = make(qtbot, ErrorSignalPlot)
    plot.show()
    trainer = Trainer(preset("vanishing_gradients"))
    Feeder(trainer, plot).epochs(1)
    layers = trainer.snapshot().layers
    assert layers[0].error_signal_norm / layers[-1].error_signal_norm < 1e-3
    badge = plot.findChild(QWidget, "gradientWarning")
    assert badge.isVisible()
    assert "vanishing gradients" in badge.text() and "layer 9" in badge.text()
    assert len(plot.delta_curves) == 9
    plot.clear()
    assert not badge.isVisible()


def test_gradient_warning_thresholds():
    assert gradient_warning([1.0, 0.5, 1.0]) == ""
    assert gradient_warning([1e-4, 1e-2, 1.0]).startswith("⚠ vanishing gradients: ‖δ‖ in "
                                                          "layer 1 is 1e-4 × ‖δ‖ in layer 3")
    assert "exploding gradients" in gradient_warning([5e3, 1.0])
    assert gradient_warning([float("nan"), 1.0]) == ""
    assert gradient_warning([1.0]) == ""


def test_error_signal_modes_and_csv(qtbot, small_dict, tmp_path):
    plot = make(qtbot, ErrorSignalPlot)
    Feeder(Trainer(small_dict), plot).epochs(2)
    assert not any(c.isVisible() for c in plot.grad_curves)
    plot.findChild(QWidget, "errorSignalMode").setCurrentIndex(2)       # both
    assert all(c.isVisible() for c in plot.grad_curves)
    assert len(plot.grad_curves[0].getData()[0]) == 2
    plot.export_csv(tmp_path / "e.csv")
    rows = read_csv(tmp_path / "e.csv")
    assert rows[0][:2] == ["epoch", "error_signal_norm_layer1"] and len(rows[0]) == 7
    assert [r[0] for r in rows[1:]] == ["1.0", "2.0"]


# -- decision plot --------------------------------------------------------------------------
def test_decision_surface_and_points(qtbot, small_dict, tmp_path):
    plot = make(qtbot, DecisionBoundaryPlot)
    trainer = Trainer(small_dict)
    Feeder(trainer, plot).epochs(2)
    assert canvas(plot, "decisionBoundaryPlot") is plot.plot_widget
    assert plot.mode == "surface"
    items = plot.plot_widget.getPlotItem().items
    images = [i for i in items if isinstance(i, pg.ImageItem)]
    assert len(images) == 1
    surface = trainer.snapshot().surface
    assert images[0].image.shape == surface.values.shape == (64, 64)
    scatters = [i for i in items if isinstance(i, pg.ScatterPlotItem)]
    ds = trainer.dataset
    assert sum(len(s.data) for s in scatters) == len(ds.y_train) + len(ds.y_val) == 120
    rect = images[0].mapRectToParent(images[0].boundingRect())
    x0, x1, y0, y1 = surface.extent
    assert rect.left() == pytest.approx(x0) and rect.right() == pytest.approx(x1)
    assert rect.top() == pytest.approx(y0) and rect.bottom() == pytest.approx(y1)
    plot.export_csv(tmp_path / "s.csv")
    rows = read_csv(tmp_path / "s.csv")
    assert rows[0] == ["x", "y", "p_class1"] and len(rows) == 1 + 64 * 64
    plot.export_png(tmp_path / "s.png")
    assert (tmp_path / "s.png").stat().st_size > 2000


def test_decision_points_are_drawn_once_per_data(qtbot, small_dict):
    plot = make(qtbot, DecisionBoundaryPlot)
    feeder = Feeder(Trainer(small_dict), plot)
    feeder.epochs(1)
    scatter = plot.surface_view.train_scatter
    calls = []
    scatter.sigPlotChanged.connect(lambda *_: calls.append(1))
    feeder.epochs(2)
    assert calls == []
    plot.findChild(QWidget, "showDataCheck").setChecked(False)
    assert not scatter.isVisible()


def blobs_surface(qtbot, d: dict, classes: int, samples: int):
    """A decision plot after one epoch on ``classes`` blobs, and its trainer."""
    d["data"] = {"source": "blobs", "samples": samples, "classes": classes,
                 "validation_split": 0.2}
    d["network"]["layers"][-1]["units"] = classes
    plot = make(qtbot, DecisionBoundaryPlot)
    trainer = Trainer(d)
    Feeder(trainer, plot).epochs(1)
    return plot, trainer


def test_multiclass_surface_is_coloured_by_class(qtbot, small_dict):
    plot, _ = blobs_surface(qtbot, small_dict, classes=3, samples=90)
    image = plot.surface_view.image.image
    assert image.shape == (64, 64, 4) and image.dtype == np.uint8
    assert not plot.surface_view.color_bar.isVisible()
    # every point in its class colour: filled training points by their brush, hollow
    # validation points by their ring; one brush (pen) object per class, shared
    view = Trainer(small_dict).dataset
    for scatter, y, style in ((plot.surface_view.train_scatter, view.y_train, "brush"),
                              (plot.surface_view.val_scatter, view.y_val, "pen")):
        styles = scatter.data[style]
        shown = [s.color().name() for s in styles]
        assert shown == [pg.mkColor(class_color(int(k))).name() for k in np.ravel(y)]
        assert len({id(s) for s in styles}) == len(set(np.ravel(y).tolist())) == 3


def test_class_surface_fades_towards_chance_of_all_the_data_classes(qtbot, small_dict):
    from ui.plots.decision_boundary import SURFACE_STRENGTH
    plot, _ = blobs_surface(qtbot, small_dict, classes=4, samples=120)
    view = plot.surface_view
    # a surface where class 0 is predicted everywhere with confidence 0.5: for 4 classes
    # that is a third of the way from chance (1/4) to certain, whatever was predicted
    rgba = view._class_image(np.zeros((2, 2)), np.full((2, 2), 0.5))
    strength = (0.25 + 0.75 * (0.5 - 0.25) / 0.75) * SURFACE_STRENGTH
    expected = 255.0 - strength * (255.0 - view._class_rgb[0])
    assert np.allclose(rgba[0, 0, :3], expected, atol=1)


def test_regression_points_are_shaded_by_their_target(qtbot, small_dict):
    from ui.plots.decision_boundary import VALUE_MAP, VALUE_SHADES
    small_dict["data"] = {"source": "plane", "samples": 100, "noise": 0.1,
                          "validation_split": 0.2}
    small_dict["network"] = {"layers": [{"units": 4, "activation": "tanh"},
                                        {"units": 1, "activation": "linear"}], "loss": "mse"}
    plot = make(qtbot, DecisionBoundaryPlot)
    trainer = Trainer(small_dict)
    Feeder(trainer, plot).epochs(1)
    assert plot.mode == "surface"
    ds = trainer.dataset
    y = np.ravel(ds.y_train)
    lo, hi = min(y.min(), ds.y_val.min()), max(y.max(), ds.y_val.max())
    brushes = plot.surface_view.train_scatter.data["brush"]
    shades = [VALUE_MAP.map(np.rint((v - lo) / (hi - lo) * (VALUE_SHADES - 1))
                            / (VALUE_SHADES - 1), mode="qcolor").name() for v in y]
    assert [b.color().name() for b in brushes] == shades
    assert 2 < len({id(b) for b in brushes}) <= VALUE_SHADES


def test_confusion_matrix_for_digits(qtbot, tmp_path):
    plot = make(qtbot, DecisionBoundaryPlot)
    trainer = Trainer(preset("digits"))
    Feeder(trainer, plot).epochs(1)
    assert plot.mode == "confusion"
    images = [i for i in plot.plot_widget.getPlotItem().items if isinstance(i, pg.ImageItem)]
    assert len(images) == 1 and images[0].image.shape == (10, 10)
    confusion = trainer.snapshot().confusion
    texts = plot.confusion_view.texts
    assert len(texts) == 100
    assert [t.toPlainText() for t in texts[:10]] == [str(v) for v in confusion[0]]
    assert not plot.findChild(QWidget, "showDataCheck").isVisibleTo(plot)
    plot.export_csv(tmp_path / "c.csv")
    rows = read_csv(tmp_path / "c.csv")
    assert rows[0] == ["true \\ predicted"] + [str(k) for k in range(10)]
    assert sum(int(v) for r in rows[1:] for v in r[1:]) == confusion.sum()


def test_prediction_view_for_regression_csv(qtbot, tmp_path, small_dict):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=80)
    path = tmp_path / "reg.csv"
    path.write_text("a,b,c,y\n" + "\n".join(
        f"{a},{b},{c},{t}" for (a, b, c), t in zip(X, y)))
    small_dict["data"] = {"source": "csv", "path": str(path), "target": "y",
                          "task": "regression", "validation_split": 0.25}
    small_dict["network"] = {"layers": [{"units": 8, "activation": "tanh"},
                                        {"units": 1, "activation": "linear"}], "loss": "mse"}
    trainer = Trainer(small_dict)
    plot = make(qtbot, DecisionBoundaryPlot)
    loss = make(qtbot, LossPlot)
    Feeder(trainer, plot, loss).epochs(3)
    assert plot.mode == "prediction"
    target, predicted = trainer.snapshot().predictions
    scatter = plot.prediction_view.scatter
    assert len(scatter.data) == len(target) == 20
    assert plot.prediction_view.identity.isVisible()
    assert "R²" in plot.findChild(QWidget, "decisionSummary").text()
    axis = loss.accuracy_widget.getPlotItem().getAxis("left")
    assert axis.labelText == "R²"
    plot.export_csv(tmp_path / "p.csv")
    rows = read_csv(tmp_path / "p.csv")
    assert rows[0] == ["target", "predicted"] and len(rows) == 21


# -- refresh discipline ---------------------------------------------------------------------
def test_refresh_redraws_only_after_new_snapshots(qtbot, small_dict):
    plots = [make(qtbot, cls) for cls in (LossPlot, WeightHistogramPlot, ErrorSignalPlot,
                                          DecisionBoundaryPlot)]
    feeder = Feeder(Trainer(small_dict), *plots)
    feeder.epochs(1)
    assert [p.refresh() for p in plots] == [False] * 4
    feeder.send()
    assert [p.refresh() for p in plots] == [True] * 4


def test_hidden_tab_waits_until_shown(qtbot, small_dict):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    first, loss = QWidget(), LossPlot()
    tabs.addTab(first, "other")
    tabs.addTab(loss, "loss")
    tabs.show()
    qtbot.waitExposed(tabs)
    feeder = Feeder(Trainer(small_dict), loss)
    feeder.trainer.train_epoch()
    feeder.send()
    assert loss.refresh() is False                      # hidden tab: skipped, still pending
    tabs.setCurrentIndex(1)                             # showing it draws
    assert list(loss.train_curve.getData()[0]) == [1]


def test_loss_plot_with_the_training_worker(qtbot, small_dict, worker_factory):
    """The real worker sends incremental history; the curve misses no epoch."""
    plot = make(qtbot, LossPlot)
    small_dict["training"]["epochs"] = 40
    worker = worker_factory(Trainer(small_dict))
    worker.snapshotReady.connect(plot.add_snapshot)
    worker.play()                                    # plays the 40 epochs, then stops
    qtbot.waitUntil(lambda: plot.store.total >= 40, timeout=20_000)
    plot.refresh()
    assert list(plot.train_curve.getData()[0]) == list(range(1, 41))


# -- log axis ---------------------------------------------------------------------------------
def test_a_narrow_log_range_gets_round_ticks_with_enough_digits():
    from ui.plots.axes import LogAxis, distinct_labels, round_ticks
    np.testing.assert_allclose(round_ticks(0.64, 0.72, 6), [0.64, 0.66, 0.68, 0.70, 0.72])
    np.testing.assert_allclose(round_ticks(0.64, 0.72, 2), [0.65, 0.70])
    np.testing.assert_allclose(round_ticks(0.0123, 0.0131, 5), [0.0124, 0.0126, 0.0128, 0.013])
    assert distinct_labels([0.64, 0.66, 0.7]) == ["0.64", "0.66", "0.7"]
    assert distinct_labels([0.0124, 0.0126]) == ["0.0124", "0.0126"]
    axis = LogAxis("left")
    axis.setLogMode(False, True)
    lo, hi = np.log10(0.64), np.log10(0.72)
    (level,) = axis.tickValues(lo, hi, 200)              # 200 px: room for 5 labels
    shown = axis.tickStrings(level[1], 1.0, level[0])
    assert shown == ["0.64", "0.66", "0.68", "0.7", "0.72"]
    # a range of decades keeps pyqtgraph's ticks: the powers of ten are among them
    levels = axis.tickValues(-4.0, 0.0, 200)
    assert {-3.0, -2.0, -1.0} <= {round(v, 9) for _, values in levels for v in values}


def test_the_loss_plot_labels_a_narrow_log_range(qtbot, small_dict):
    plot = make(qtbot, LossPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).epochs(3)
    plot.findChild(QCheckBox, "logYCheck").setChecked(True)
    axis = plot.plot_widget.getPlotItem().getAxis("left")
    lo, hi = axis.range
    assert hi - lo < 1.0                                  # 3 epochs: within a decade
    levels = axis.tickValues(lo, hi, axis.height())
    labels = [text for spacing, values in levels for text in axis.tickStrings(values, 1.0,
                                                                               spacing)]
    assert len(labels) >= 2 and len(set(labels)) == len(labels)


def test_the_epoch_axis_ticks_whole_epochs_only():
    from ui.plots.axes import EpochAxis
    axis = EpochAxis("bottom")
    ticks = [v for _, values in axis.tickValues(0.0, 4.0, 300) for v in values]
    assert ticks == [0.0, 1.0, 2.0, 3.0, 4.0]                 # not 0.5, 1.5, …
    ticks = [v for _, values in axis.tickValues(0.0, 400.0, 300) for v in values]
    assert 100.0 in ticks and all(v == int(v) for v in ticks)
    assert axis.tickValues(2.2, 2.8, 300) == []               # no whole epoch in view


def test_layer_labels_are_spread_so_none_overlap():
    from ui.plots.error_signal import spread_apart
    ends = [0.0, 0.01, 0.02, 5.0, float("nan"), 0.015]
    placed = spread_apart(ends, 0.5)
    finite = sorted(p for p in placed if p == p)
    assert all(b - a >= 0.5 - 1e-12 for a, b in zip(finite, finite[1:]))
    assert placed[3] == 5.0 and placed[4] != placed[4]          # far one stays, NaN stays
    crowd = [placed[i] for i in (0, 1, 2, 5)]
    assert abs(sum(crowd) / 4 - sum(ends[i] for i in (0, 1, 2, 5)) / 4) < 1e-12
    assert [placed[i] for i in (0, 1, 5, 2)] == sorted(crowd)  # order kept


def test_the_histograms_layer_picker_follows_an_activation_edit(qtbot, small_dict):
    plot = make(qtbot, WeightHistogramPlot)
    plot.show()
    Feeder(Trainer(small_dict), plot).send()
    plot.layer_selector.setCurrentIndex(1)
    assert "tanh" in plot.layer_selector.itemText(0)
    edited = dict(small_dict, network=dict(small_dict["network"]))
    edited["network"]["layers"] = [dict(layer) for layer in small_dict["network"]["layers"]]
    edited["network"]["layers"][0]["activation"] = "relu"
    Feeder(Trainer(edited), plot).send()         # same shape, before any epoch was drawn
    assert "relu" in plot.layer_selector.itemText(0)
    assert plot.layer_selector.currentIndex() == 1     # the user's pick stays


def test_dead_units_show_as_a_bar_per_layer(qtbot, small_dict):
    d = dict(small_dict)
    d["network"] = {"layers": [{"units": 6, "activation": "relu"},
                               {"units": 6, "activation": "tanh"},
                               {"units": 2, "activation": "softmax"}], "loss": "cross_entropy"}
    trainer = Trainer(d)
    weights = trainer.network.weights()
    weights["b0"][:3] = -100.0                         # half of layer 1 never fires
    trainer.network.set_weights(weights)
    plot = make(qtbot, ErrorSignalPlot)
    plot.show()
    Feeder(trainer, plot).send()
    plot.refresh()
    xs = list(plot.units_bars.opts["x"])
    heights = list(plot.units_bars.opts["height"])
    assert xs == [1, 2]                                 # the softmax layer has no bar
    assert heights[0] >= 50.0                           # the three dead units, at least
    assert 0.0 <= heights[1] <= 100.0


def test_a_log_axis_over_decades_labels_in_one_notation():
    from ui.plots.axes import decade_labels
    assert decade_labels([0.01, 0.1, 1.0, 10.0, 1000.0]) == ["0.01", "0.1", "1", "10", "1000"]
    assert decade_labels([1e-6, 1e-5, 1e-4, 1e-3, 1e-2]) == ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³",
                                                              "10⁻²"]
    assert decade_labels([2e-5, 1.0]) == ["2·10⁻⁵", "10⁰"]


def test_a_log_axis_past_1e308_labels_infinity_instead_of_raising(qtbot):
    """A diverged run's log axis asked for 10**400: '{inf:.0e}' has no 'e' to split, and the
    ValueError went up through paint into Qt (monkey seed 5)."""
    import warnings

    from ui.plots.axes import LogAxis, decade_labels
    assert decade_labels([1e-5, 1e100, np.inf]) == ["10⁻⁵", "10¹⁰⁰", "∞"]
    axis = LogAxis("left")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert axis.logTickStrings([-5.0, 100.0, 400.0], 1.0, 1.0) == ["10⁻⁵", "10¹⁰⁰", "∞"]


def test_the_data_panel_and_the_decision_plot_colour_every_class_alike(qtbot, small_dict):
    from ui.panels.data_scatter import DataScatter
    plot, trainer = blobs_surface(qtbot, small_dict, classes=10, samples=400)
    scatter = DataScatter()
    qtbot.addWidget(scatter)
    scatter.set_data_view(trainer.dataset)
    in_plot = [b.color().name() for b in plot.surface_view.train_scatter.data["brush"]]
    in_panel = [b.color().name() for b in scatter.train_item.data["brush"]]
    y = np.ravel(trainer.dataset.y_train).astype(int)
    assert {7, 9} <= set(y.tolist())               # where the two palettes used to differ
    assert in_plot == in_panel
    assert len(set(in_panel)) == 10


def test_a_diverged_regression_surface_draws_without_an_all_nan_warning(qtbot):
    """A diverged regression run's surface is all NaN: pyqtgraph's auto levels warned
    "All-NaN slice encountered"; the gallery now picks levels from the finite values."""
    import warnings
    from types import SimpleNamespace

    from ui.plots.run_gallery import RunGallery, value_levels

    gallery = RunGallery()
    qtbot.addWidget(gallery)
    surface = SimpleNamespace(kind="value", values=np.full((6, 6), np.nan),
                              extent=(-1.0, 1.0, -1.0, 1.0))
    view = SimpleNamespace(surface=surface, current=True, label="run", number=1, epoch=3)
    item, image = gallery.cells[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gallery._draw(view, item, image)
    assert value_levels(surface.values) == (0.0, 1.0)
    assert value_levels(np.array([[2.0, np.nan], [5.0, np.inf]])) == (2.0, 5.0)


def test_a_diverged_regression_surface_paints_without_an_overflow_warning(qtbot, small_dict):
    """Predictions of ±1e308 (inf after nan_to_num) overflowed in pyqtgraph's rescale to the
    colour levels ("overflow encountered in multiply", seen in the monkey's runs); the values
    are clipped to the levels first, which draws the same pixels."""
    import dataclasses
    import warnings

    small_dict["data"] = {"source": "plane", "samples": 100, "noise": 0.1,
                          "validation_split": 0.2}
    small_dict["network"] = {"layers": [{"units": 4, "activation": "tanh"},
                                        {"units": 1, "activation": "linear"}], "loss": "mse"}
    plot = make(qtbot, DecisionBoundaryPlot)
    plot.show()
    trainer = Trainer(small_dict)
    snap = trainer.snapshot()
    values = np.array(snap.surface.values, dtype=float)
    values.flat[::2] = np.inf
    values.flat[1::3] = -1e308
    snap = dataclasses.replace(snap, surface=dataclasses.replace(snap.surface, values=values))
    with warnings.catch_warnings(record=True) as caught:   # (raising inside paint would
        warnings.simplefilter("always")                      # abort, not fail)
        plot.add_snapshot(snap)
        plot.refresh()
        plot.grab()
    assert plot.mode == "surface"
    assert [str(w.message) for w in caught] == []


def test_the_decision_view_draws_at_most_20000_points_and_says_so(qtbot, small_dict):
    """The decision view thins a 100,000-point set like the data panel: every 5th point (the
    same ones), its "data points" check box saying so (the caption has no room at 1366 px)."""
    plot = make(qtbot, DecisionBoundaryPlot)
    check = plot.findChild(QWidget, "showDataCheck")
    assert check.text() == "data points"
    small_dict["data"]["samples"] = 100_000
    trainer = Trainer(small_dict)
    Feeder(trainer, plot).epochs(1)
    view = trainer.data_view
    x, _ = plot.surface_view.train_scatter.getData()
    np.testing.assert_array_equal(x, view.raw_train[::5, 0])
    assert len(plot.surface_view.val_scatter.getData()[0]) == len(view.raw_val[::5])
    assert len(x) + len(view.raw_val[::5]) <= 20_000
    assert check.text() == "data points (1 in 5)"
    assert "every 5th of 100,000 points shown" in check.toolTip()


def test_a_log_axis_over_a_decade_labels_only_what_has_room():
    """The error-signal plot's axis (0.025 to 0.35 on ~110 px) printed 0.06 0.07 0.08 0.09 over
    one another: every tick stays, but the labels are thinned to mantissas that fit."""
    from ui.plots.axes import LINE_ROOM, LogAxis
    axis = LogAxis("left")
    axis.setLogMode(False, True)
    lo, hi = np.log10(0.025), np.log10(0.35)

    def labels(size):
        shown = {}
        for spacing, values in axis.tickValues(lo, hi, size):
            for v, text in zip(values, axis.tickStrings(values, 1.0, spacing)):
                if text:
                    shown[round(float(v), 9)] = text
        ticks = sorted(round(float(v), 9) for _, values in axis.tickValues(lo, hi, size)
                       for v in values)
        return shown, ticks

    shown, ticks = labels(110)
    pixels = np.diff(sorted(shown)) / (hi - lo) * 110
    assert pixels.min() >= LINE_ROOM                     # no two labels overlap
    assert set(shown.values()) == {"0.05", "0.1", "0.2"}  # 1 2 5 × 10ᵏ
    assert round(np.log10(0.07), 9) in ticks             # … and the ticks stay
    shown, _ = labels(800)                               # a tall axis labels them all
    assert {"0.03", "0.06", "0.07", "0.3"} <= set(shown.values())
