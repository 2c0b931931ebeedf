"""The experiment file: everything needed to reproduce a training run, as JSON.

An :class:`Experiment` is a validated, normalised copy of such a file (every default filled in,
so a saved file says exactly what ran). It is immutable: :meth:`Experiment.replace` returns a
changed, re-validated copy. Format (``"format": "backprop-playground/1"``)::

    {"seed": 0,
     "data": {"source": "spiral", "samples": 500, "noise": 0.1, "validation_split": 0.2, …},
     "network": {"layers": [{"units": 8, "activation": "tanh", "init": "xavier_uniform",
                             "dropout": 0.0}, …], "loss": "cross_entropy"},
     "training": {"optimizer": {"name": "sgd", "learning_rate": 0.03, …}, "batch_size": 10,
                  "epochs": 300, …}}

Bad files are rejected with :class:`~playground.errors.ExperimentError`, whose message starts
with the key path (``network.layers[2].units: …``). Checks that need the data (does the output
layer have one unit per class?) happen when the :class:`~playground.training.trainer.Trainer` loads it.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from . import validation as v
from playground.nn.activations import ACTIVATIONS
from playground.files.atomic import atomic_write_text
from playground.files.limits import MAX_JSON_BYTES, loads_json, read_text_file
from .data import DATA_DEFAULTS, FILE_SOURCES, resolve_data_config
from playground.training.early_stopping import EARLY_STOPPING_DEFAULTS, MONITORS
from .errors import ExperimentError
from playground.nn.initializers import INITIALIZERS
from playground.nn.losses import LOSSES
from playground.optim.rules import OPTIMIZER_DEFAULTS, make_optimizer
from playground.optim.schedules import make_schedule


def _file_error(message: str) -> ExperimentError:
    return ExperimentError("", message)

FORMAT = "backprop-playground/1"
MAX_LAYERS = 64
MAX_UNITS = 16384

LAYER_DEFAULTS = {"activation": "tanh", "init": "xavier_uniform", "dropout": 0.0}
TRAINING_DEFAULTS = {"optimizer": {"name": "sgd", "learning_rate": 0.03}, "batch_size": 10,
                     "epochs": 300, "shuffle": True, "dtype": "float32", "l1": 0.0, "l2": 0.0,
                     "clip_norm": None, "early_stopping": EARLY_STOPPING_DEFAULTS,
                     "lr_schedule": None}
#: settings a running trainer takes live; the others need a new one (the rule that compares two
#: experiments is :mod:`playground.training.live`; of ``network.layers``, the LIVE_LAYER_KEYS)
LIVE_KEYS = ("training.optimizer", "training.l1", "training.l2", "training.clip_norm",
             "training.early_stopping", "training.epochs", "training.batch_size",
             "training.shuffle", "training.lr_schedule", "network.layers")
LIVE_LAYER_KEYS = ("dropout",)
TOP_KEYS = ("format", "name", "description", "seed", "data", "network", "training")


class Experiment:
    """A validated experiment. Use :meth:`from_dict` / :meth:`from_file`, not the constructor."""

    def __init__(self, normalized: dict, base_dir: str | os.PathLike | None = None):
        self._d = normalized
        self.base_dir = Path(base_dir) if base_dir is not None else None

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: dict, base_dir: str | os.PathLike | None = None) -> "Experiment":
        return cls(normalize(d), base_dir)

    @classmethod
    def from_json(cls, text: str, base_dir=None, source: str = "experiment") -> "Experiment":
        return cls.from_dict(loads_json(text, source, error=_file_error), base_dir)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Experiment":
        path = Path(path)
        text = read_text_file(path, max_bytes=MAX_JSON_BYTES, what="experiment file",
                              error=_file_error)
        try:
            return cls.from_json(text, base_dir=path.parent.resolve(), source=str(path))
        except ExperimentError as exc:
            if exc.path:
                raise ExperimentError(exc.path, f"{exc.reason} (in {path})") from None
            if not exc.reason.startswith(str(path)):
                raise ExperimentError("", f"{path}: {exc.reason}") from None
            raise

    # -- access --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return copy.deepcopy(self._d)

    def to_json(self) -> str:
        return json.dumps(self._d, indent=2) + "\n"

    def save(self, path: str | os.PathLike) -> None:
        """Write the file atomically; a relative data path is rewritten so that it still
        points at the same file from the new location."""
        atomic_write_text(path, self.rebased(Path(path).parent.resolve()).to_json())

    def data_path(self) -> Path | None:
        """The absolute path of a CSV/NPZ data file, or None for other sources."""
        path = self._d["data"].get("path")
        if self._d["data"]["source"] not in FILE_SOURCES or not path:
            return None
        p = Path(path).expanduser()
        if not p.is_absolute():
            p = (self.base_dir or Path.cwd()) / p
        return p.resolve()

    def rebased(self, base_dir: str | os.PathLike) -> "Experiment":
        """The same experiment for a file stored in ``base_dir``."""
        base_dir = Path(base_dir)
        target = self.data_path()
        d = self.to_dict()
        if target is not None and not Path(d["data"]["path"]).is_absolute():
            try:
                d["data"]["path"] = Path(os.path.relpath(target, base_dir)).as_posix()
            except ValueError:          # another drive on Windows
                d["data"]["path"] = str(target)
        return Experiment(d, base_dir)

    @property
    def seed(self) -> int:
        return self._d["seed"]

    @property
    def data(self) -> dict:
        return copy.deepcopy(self._d["data"])

    @property
    def network(self) -> dict:
        return copy.deepcopy(self._d["network"])

    @property
    def training(self) -> dict:
        return copy.deepcopy(self._d["training"])

    def get(self, dotted: str) -> Any:
        node: Any = self._d
        for part in _split_path(dotted):
            node = _child(node, part, dotted)
        return copy.deepcopy(node)

    def replace(self, dotted: str, value: Any) -> "Experiment":
        """A copy with the value at ``dotted`` (e.g. ``training.optimizer.learning_rate`` or
        ``network.layers[0].units``) changed, validated again. A key that the section does
        not have yet may be added (validation then says whether it is allowed)."""
        d = self.to_dict()
        parts = _split_path(dotted)
        node = d
        for part in parts[:-1]:
            node = _child(node, part, dotted)
        last = parts[-1]
        if not isinstance(node, list if isinstance(last, int) else dict) or (
                isinstance(last, int) and not 0 <= last < len(node)):
            raise ExperimentError(dotted, "no such setting in the experiment")
        node[last] = value
        return Experiment(normalize(d), self.base_dir)

    def with_section(self, section: str, value: dict) -> "Experiment":
        d = self.to_dict()
        d[section] = value
        return Experiment(normalize(d), self.base_dir)

    def __eq__(self, other) -> bool:
        return isinstance(other, Experiment) and self._d == other._d

    def __repr__(self) -> str:
        net = " → ".join(str(layer["units"]) for layer in self._d["network"]["layers"])
        return f"<Experiment {self._d['data']['source']} {net} seed={self.seed}>"


def _split_path(dotted: str) -> list:
    """``"network.layers[2].units"`` → ``["network", "layers", 2, "units"]``."""
    parts: list = []
    try:
        for token in str(dotted).split("."):
            while "[" in token:
                head, rest = token.split("[", 1)
                if head:
                    parts.append(head)
                index, token = rest.split("]", 1)
                parts.append(int(index))
            if token:
                parts.append(token)
    except ValueError:
        raise ExperimentError(str(dotted), "is not a key path like "
                                           "network.layers[0].units") from None
    if not parts:
        raise ExperimentError("", "an empty key path names no setting")
    return parts


def _child(node: Any, part: str | int, dotted: str) -> Any:
    """``node[part]``, or an ExperimentError naming ``dotted`` when there is no such entry."""
    try:
        if isinstance(part, int) != isinstance(node, list) or isinstance(node, str):
            raise TypeError
        return node[part]
    except (KeyError, IndexError, TypeError):
        raise ExperimentError(dotted, "no such setting in the experiment") from None


# -- validation and normalisation -----------------------------------------------------------
def normalize(d: Any) -> dict:
    """Validate ``d`` and return a new dict with every default filled in."""
    v.check_object(d, "", TOP_KEYS)
    fmt = d.get("format", FORMAT)
    if fmt != FORMAT:
        raise ExperimentError("format", f"must be {FORMAT!r}, got {v.describe(fmt)}")
    out: dict = {"format": FORMAT}
    for key in ("name", "description"):
        if key in d:
            if not isinstance(d[key], str):
                raise ExperimentError(key, f"must be a string, got {v.describe(d[key])}")
            out[key] = d[key]
    out["seed"] = v.integer(d.get("seed", 0), "seed", 0, 2**63 - 1)
    out["data"] = _normalize_data(d.get("data", {}))
    if "network" not in d:
        raise ExperimentError("network", "is required (the layers and the loss)")
    out["network"] = _normalize_network(d["network"])
    out["training"] = _normalize_training(d.get("training", {}))
    return out


def _normalize_data(d: Any) -> dict:
    """Checks are :func:`playground.data.resolve_data_config`'s; the normalised object keeps
    ``null`` for "decided per source" (so switching the source keeps its own defaults)."""
    v.check_object(d, "data", DATA_DEFAULTS)
    resolve_data_config(d)
    out = {**copy.deepcopy(DATA_DEFAULTS), **copy.deepcopy(d)}
    out["features"] = list(out["features"])
    return out


def _normalize_network(d: Any) -> dict:
    v.check_object(d, "network", ("layers", "loss"))
    layers = d.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ExperimentError("network.layers", "must be a non-empty list of layers")
    if len(layers) > MAX_LAYERS:
        raise ExperimentError("network.layers", f"at most {MAX_LAYERS} layers, got {len(layers)}")
    loss = v.choice(d.get("loss", "cross_entropy"), "network.loss", LOSSES)
    out_layers = []
    for i, layer in enumerate(layers):
        p = f"network.layers[{i}]"
        v.check_object(layer, p, ("units", "activation", "init", "dropout", "use_bias",
                                  "weights", "bias"))
        if "units" not in layer:
            raise ExperimentError(f"{p}.units", "is required")
        norm = {**LAYER_DEFAULTS, **layer}
        norm["units"] = v.integer(norm["units"], f"{p}.units", 1, MAX_UNITS)
        act = v.choice(norm["activation"], f"{p}.activation", ACTIVATIONS)
        v.choice(norm["init"], f"{p}.init", INITIALIZERS)
        norm["dropout"] = v.number(norm["dropout"], f"{p}.dropout", 0.0, 0.95)
        last = i == len(layers) - 1
        if act == "softmax" and not last:
            raise ExperimentError(f"{p}.activation", "softmax is only allowed on the last "
                                                     "(output) layer")
        if last and norm["dropout"] > 0:
            raise ExperimentError(f"{p}.dropout", "the output layer cannot have dropout")
        entry = {k: norm[k] for k in ("units", "activation", "init", "dropout")}
        fan_in = out_layers[-1]["units"] if out_layers else None
        entry.update(_hand_set(layer, p, norm["units"], fan_in))
        out_layers.append(entry)
    last_p = f"network.layers[{len(layers) - 1}].activation"
    last_act = out_layers[-1]["activation"]
    fused = LOSSES[loss].fused_activation
    if fused and last_act != fused:
        raise ExperimentError(last_p, f"{loss} needs a {fused} output layer, got {last_act}")
    if last_act == "softmax" and loss != "cross_entropy":
        raise ExperimentError(last_p, "a softmax output goes with the cross_entropy loss, "
                                      f"not {loss}")
    return {"layers": out_layers, "loss": loss}


def _hand_set(layer: dict, p: str, units: int, fan_in: int | None) -> dict:
    """The optional ``use_bias`` (kept only when false), ``weights`` and ``bias`` of a layer,
    checked against its shape. The first layer's ``fan_in`` (the number of inputs) is only
    known with the data: the Trainer checks its row count (:func:`check_weight_rows`)."""
    out: dict = {}
    if not v.boolean(layer.get("use_bias", True), f"{p}.use_bias"):
        out["use_bias"] = False
    if "weights" in layer:
        rows = layer["weights"]
        if not isinstance(rows, list) or not rows:
            raise ExperimentError(f"{p}.weights", "must be a list of rows (one per input of "
                                                  f"the layer) of {units} numbers each")
        if fan_in is not None:
            check_weight_rows(len(rows), fan_in, p)
        out["weights"] = [v.numbers(row, f"{p}.weights[{r}]", units)
                          for r, row in enumerate(rows)]
    if "bias" in layer:
        if "use_bias" in out:
            raise ExperimentError(f"{p}.bias", "a layer with use_bias false has no bias to set")
        out["bias"] = v.numbers(layer["bias"], f"{p}.bias", units)
    return out


def check_weight_rows(rows: int, fan_in: int, p: str) -> None:
    """A layer's hand-set ``weights`` need one row per input of the layer."""
    if rows != fan_in:
        raise ExperimentError(f"{p}.weights", f"expected {fan_in} rows (one per input of "
                                              f"the layer), got {rows}")


def _normalize_training(d: Any) -> dict:
    v.check_object(d, "training", TRAINING_DEFAULTS)
    out = {**copy.deepcopy(TRAINING_DEFAULTS), **copy.deepcopy(d)}
    opt = out["optimizer"]
    if not isinstance(opt, dict):
        raise ExperimentError("training.optimizer", f"must be an object, got {v.describe(opt)}")
    name = v.choice(opt.get("name", "sgd"), "training.optimizer.name", OPTIMIZER_DEFAULTS)
    for key in opt:
        if key != "name" and key not in OPTIMIZER_DEFAULTS[name]:
            owners = [o for o, keys in OPTIMIZER_DEFAULTS.items() if key in keys]
            if owners:
                raise ExperimentError(f"training.optimizer.{key}",
                                      f"is a setting of {' and '.join(owners)}, not of {name}; "
                                      f"{name} takes {', '.join(OPTIMIZER_DEFAULTS[name])}")
            v.check_object(opt, "training.optimizer", ["name", *OPTIMIZER_DEFAULTS[name]])
    opt = {"name": name, **copy.deepcopy(OPTIMIZER_DEFAULTS[name]), **opt}
    optimizer = make_optimizer(opt, 1, "float32")      # validates, names the bad key
    out["optimizer"] = {"name": name, "learning_rate": optimizer.learning_rate,
                        **optimizer.hyper}
    out["batch_size"] = v.integer(out["batch_size"], "training.batch_size", 1, 1_000_000)
    out["epochs"] = v.integer(out["epochs"], "training.epochs", 1, 10_000_000)
    v.boolean(out["shuffle"], "training.shuffle")
    v.choice(out["dtype"], "training.dtype", ("float32", "float64"))
    out["l1"] = v.number(out["l1"], "training.l1", 0.0, 10.0)
    out["l2"] = v.number(out["l2"], "training.l2", 0.0, 10.0)
    if out["clip_norm"] is not None:
        out["clip_norm"] = v.number(out["clip_norm"], "training.clip_norm", 0.0, lo_open=True)
    out["early_stopping"] = _normalize_early_stopping(out["early_stopping"])
    if out["lr_schedule"] is not None:
        schedule = make_schedule(out["lr_schedule"], optimizer.learning_rate)
        out["lr_schedule"] = {"name": out["lr_schedule"]["name"], **schedule.config}
    return out


def _normalize_early_stopping(d: Any) -> dict:
    p = "training.early_stopping"
    v.check_object(d, p, EARLY_STOPPING_DEFAULTS)
    out = {**EARLY_STOPPING_DEFAULTS, **d}
    v.boolean(out["enabled"], f"{p}.enabled")
    v.choice(out["monitor"], f"{p}.monitor", MONITORS)
    out["patience"] = v.integer(out["patience"], f"{p}.patience", 0, 1_000_000)
    out["min_delta"] = v.number(out["min_delta"], f"{p}.min_delta", 0.0)
    v.boolean(out["restore_best_weights"], f"{p}.restore_best_weights")
    out["start_from_epoch"] = v.integer(out["start_from_epoch"], f"{p}.start_from_epoch", 0)
    v.choice(out["mode"], f"{p}.mode", ("auto", "min", "max"))
    return out
