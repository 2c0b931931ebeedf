"""What the data asks of the network's ends, and how to make the output layer fit it.

The input layer's size comes from the data (one unit per input feature). The output layer has
to match the data *and* the loss: ``cross_entropy`` wants one softmax unit per class,
``binary_cross_entropy`` one sigmoid unit for two classes, ``mse`` one unit per regression
target (or one-hot / 0-1 outputs for classes). The engine decides whether they fit
(:func:`playground.training.output_layer.check_compatibility`, which the Trainer runs, and
:func:`~playground.training.output_layer.output_need` words the hint); this module only asks
it early, with a description of the data, so the editors can show a hint and offer a one-click
fix *before* training fails. Nothing here learns or computes gradients.

Used by :mod:`ui.panels.layer_editor` and :mod:`ui.panels.data_panel`. No widgets here; :func:`commit`
writes several coupled sections of the experiment as one undoable step.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

from playground import ExperimentError
from playground.data import (DIGIT_PIXELS, FILE_SOURCES, GENERATED_SETS, INLINE_SOURCES,
                             preview_file, resolve_data_config)
from playground.data.config import resolve_path
from playground.data.inline import read_inline
from playground.training.output_layer import check_compatibility

@dataclass(frozen=True)
class DataTarget:
    """What a data configuration means for the network's first and last layer."""

    name: str                       # "spiral", "iris.csv"
    task: str                       # "classification" | "regression"
    n_classes: int                  # 0 for regression
    n_targets: int                  # 1 for classification
    input_names: tuple[str, ...]    # the model inputs (features / columns)

    @property
    def n_inputs(self) -> int:
        return len(self.input_names)

    def describe(self) -> str:
        if self.task == "regression":
            return f"regression, {self.n_targets} target{'s' if self.n_targets > 1 else ''}"
        return f"{self.n_classes} classes"


@lru_cache(maxsize=16)
def _file_target(path: str, stamp: tuple, target, task) -> DataTarget:
    return target_from_preview(preview_file(path, target=target, task=task, max_rows=0))


def data_target(data: dict, base_dir=None) -> DataTarget:
    """Describe the data of an experiment's ``data`` object (files are read, then cached by
    path, modification time and size). Raises the engine's DataError / ExperimentError."""
    cfg = resolve_data_config(data)
    source = cfg["source"]
    if source in GENERATED_SETS:
        task = GENERATED_SETS[source].task
        classes = cfg["classes"] if task == "classification" else 0
        return DataTarget(source, task, classes, 1, cfg["features"])
    if source in INLINE_SOURCES:
        table = read_inline(cfg["inputs"], cfg["targets"], cfg["task"])
        features = cfg["features"] if len(table.feature_names) == 2 else table.feature_names
        return DataTarget("table", table.task, len(table.class_names),
                          1 if table.task == "classification" else table.y.shape[1],
                          tuple(features))
    if source not in FILE_SOURCES:               # shipped: digits
        return DataTarget(source, "classification", 10, 1, DIGIT_PIXELS)
    path = resolve_path(cfg["path"], base_dir)
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, 0)                           # preview_file names the problem
    return _file_target(str(path), stamp, cfg["target"], cfg["task"])


def target_from_preview(preview) -> DataTarget:
    """A :class:`DataTarget` from a :class:`playground.data.FilePreview` (import dialog)."""
    n_targets = 1
    if preview.task == "regression":
        n_targets = max(1, len(preview.columns) - preview.n_features)
    return DataTarget(os.path.basename(preview.path), preview.task, len(preview.class_names),
                      n_targets, tuple(preview.feature_names))


def target_from_view(view) -> DataTarget:
    """A :class:`DataTarget` from a trainer's DataView (when the config cannot be read)."""
    return DataTarget("data", view.task, view.n_classes, view.n_targets,
                      tuple(view.feature_names))


#: longer lists of input names are shortened to the first and the last (full list: tooltip)
MAX_NAMES_CHARS = 26


def input_text(target: DataTarget | None, n_inputs: int | None) -> str:
    """The input row: "Input: 2 features (x1, x2)" (long name lists are shortened)."""
    if n_inputs is None:
        return "Input: unknown (the data cannot be read)"
    text = f"Input: {n_inputs} feature{'s' if n_inputs != 1 else ''}"
    if target is None:
        return text
    names = list(target.input_names)
    shown = ", ".join(names)
    if len(names) > 2 and len(shown) > MAX_NAMES_CHARS:      # the card stays two lines high
        shown = f"{names[0]}, …, {names[-1]}"
    return f"{text} ({shown})"


def parameter_count(n_inputs: int | None, layers: list[dict]) -> tuple[int, list[int]]:
    """(Σ fan_in·units + units, the layer sizes) — display only; ``(0, [])`` if unknown."""
    if n_inputs is None:
        return 0, []
    sizes = [int(n_inputs)] + [int(layer["units"]) for layer in layers]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])), sizes


def fit_problem(network: dict, target: DataTarget) -> ExperimentError | None:
    """The engine's reason why the output layer / loss does not fit the data, or None."""
    ds = SimpleNamespace(task=target.task, n_classes=target.n_classes,
                         n_targets=target.n_targets, source=target.name)
    try:
        check_compatibility(ds, network)
    except ExperimentError as exc:
        return exc
    return None


def _classification_units_ok(units: int, k: int) -> bool:
    return units == k or (units == 1 and k == 2)


def fitted_network(network: dict, target: DataTarget, previous_task: str | None = None
                   ) -> dict:
    """``network`` with the smallest change to its output layer and loss that fits ``target``.

    Regression → ``mse`` with one linear unit per target. Classification keeps the loss where
    it can (``cross_entropy`` → one softmax unit per class; ``binary_cross_entropy`` → one
    sigmoid unit, or ``cross_entropy`` when there are not 2 classes; ``mse`` → one unit per
    class); coming from a regression task it switches to ``cross_entropy`` + softmax.
    """
    net = copy.deepcopy(network)
    out = net["layers"][-1]
    coming_from_regression = previous_task == "regression" and target.task == "classification"
    if fit_problem(net, target) is None and not coming_from_regression:
        return net
    if target.task == "regression":
        net["loss"] = "mse"
        out.update(units=target.n_targets, activation="linear")
        return net
    k = target.n_classes
    loss = net["loss"]
    if coming_from_regression or loss == "cross_entropy" or (
            loss == "binary_cross_entropy" and k != 2):
        net["loss"] = "cross_entropy"
        out.update(units=k, activation="softmax")
    elif loss == "binary_cross_entropy":
        out.update(units=1, activation="sigmoid")
    else:                                                   # mse on classes
        out["units"] = k
        if out["activation"] == "softmax":
            out["activation"] = "sigmoid"
    return net


def network_for_loss(network: dict, loss: str, target: DataTarget | None) -> dict:
    """``network`` with ``loss`` and the output activation (and units) that go with it:
    cross_entropy ↔ softmax, binary_cross_entropy ↔ 1 sigmoid unit, mse ↔ linear (regression)
    or sigmoid (classes)."""
    net = copy.deepcopy(network)
    out = net["layers"][-1]
    net["loss"] = loss
    classes = target is not None and target.task == "classification"
    if loss == "cross_entropy":
        out["activation"] = "softmax"
        if classes:
            out["units"] = target.n_classes
        elif out["units"] < 2:
            out["units"] = 2
    elif loss == "binary_cross_entropy":
        out.update(units=1, activation="sigmoid")
    else:
        if out["activation"] == "softmax":
            out["activation"] = "sigmoid" if classes else "linear"
        if target is not None and target.task == "regression":
            out["units"] = target.n_targets
        elif classes and not _classification_units_ok(out["units"], target.n_classes):
            out["units"] = target.n_classes
    return net


def commit(model, text: str, paths: list[str], *, data: dict | None = None,
           network: dict | None = None, seed: int | None = None) -> None:
    """Write new ``data`` / ``network`` sections (and ``seed``) as ONE undoable step.

    ``model.set_many`` validates after each single change, which refuses coupled edits such
    as "loss cross_entropy → binary_cross_entropy *and* output softmax → sigmoid"; here each
    section is validated whole (the engine checks data and network independently), then
    pushed with the precise key ``paths`` so listeners know what changed. Raises
    ExperimentError (model unchanged) when invalid.
    """
    exp = model.experiment
    if data is not None:
        exp = exp.with_section("data", data)
    if network is not None:
        exp = exp.with_section("network", network)
    if seed is not None:
        exp = exp.replace("seed", seed)
    model.replace_experiment(exp, text, paths=list(paths))
