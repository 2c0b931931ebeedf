"""What the data asks of the output layer and the loss: the engine's check and its hint.

:func:`check_compatibility` refuses a network whose output layer or loss does not fit the data
(the Trainer runs it; the editors ask it early); :func:`output_need` says in a few words what
would fit ("3 classes → 3 softmax units"). Both take anything with ``task``, ``n_classes``
and ``n_targets`` (a Dataset, a DataView, the editors' description of a data config), so the
rule and its wording have one owner.
"""

from __future__ import annotations

from playground.errors import ExperimentError


def check_compatibility(ds, network: dict) -> None:
    """Raise ExperimentError (naming the key) if the output layer or loss does not fit."""
    layers, loss = network["layers"], network["loss"]
    last = len(layers) - 1
    units = layers[last]["units"]
    path = f"network.layers[{last}].units"
    name = ds.source
    if ds.task == "regression":
        if loss != "mse":
            raise ExperimentError("network.loss", f"the {name} data is a regression task; use "
                                                  f"the mse loss, not {loss}")
        if units != ds.n_targets:
            raise ExperimentError(path, f"the {name} data has {ds.n_targets} target(s); the "
                                        f"output layer needs {ds.n_targets} unit(s), not {units}")
        return
    k = ds.n_classes
    if loss == "cross_entropy" and units != k:
        raise ExperimentError(path, f"the {name} data has {k} classes; the output layer needs "
                                    f"{k} units for cross_entropy, not {units}")
    if loss == "binary_cross_entropy":
        if k != 2:
            raise ExperimentError("network.loss", f"binary_cross_entropy needs 2 classes; the "
                                                  f"{name} data has {k} (use cross_entropy)")
        if units != 1:
            raise ExperimentError(path, f"binary_cross_entropy needs 1 output unit, not {units}")
    if loss == "mse" and not (units == k or (units == 1 and k == 2)):
        need = "1 unit (0/1 target) or 2 units (one-hot)" if k == 2 else f"{k} units (one-hot)"
        raise ExperimentError(path, f"the {name} data has {k} classes; with mse the output "
                                    f"layer needs {need}, not {units}")


def _units(n: int, activation: str) -> str:
    return f"{n} {activation} unit{'s' if n != 1 else ''}"


def _regression_need(n: int, loss: str | None) -> str:
    if loss is None:
        return f"regression → {n} linear {'unit' if n == 1 else 'units'} (loss mse)"
    return f"regression, {n} target{'s' if n > 1 else ''} → {_units(n, 'linear')} (mse)"


def output_need(data, loss: str | None = None) -> str:
    """A short hint: what ``data`` (and ``loss``; None: whichever fits best) needs from the
    output layer, e.g. "2 classes → 1 sigmoid unit"."""
    if data.task == "regression":
        return _regression_need(data.n_targets, loss)
    k = data.n_classes
    if loss is None:
        either = " or 1 sigmoid unit" if k == 2 else ""
        return f"{k} classes → {k} softmax units (cross_entropy){either}"
    if loss == "cross_entropy":
        return f"{k} classes → {_units(k, 'softmax')}"
    if loss == "binary_cross_entropy":
        if k == 2:
            return f"2 classes → {_units(1, 'sigmoid')}"
        return f"binary_cross_entropy needs 2 classes, the data has {k}"
    if k == 2:
        return "2 classes → 1 unit (0/1) or 2 units (one-hot) with mse"
    return f"{k} classes → {k} units (one-hot) with mse"
