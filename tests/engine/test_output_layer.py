"""What the data asks of the output layer: the hint the editors show, worded by the engine."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from playground.training.output_layer import check_compatibility, output_need


def classes(k):
    return SimpleNamespace(task="classification", n_classes=k, n_targets=1, source="spiral")


REGRESSION = SimpleNamespace(task="regression", n_classes=0, n_targets=2, source="table.csv")


@pytest.mark.parametrize("data, loss, text", [
    (classes(3), "cross_entropy", "3 classes → 3 softmax units"),
    (classes(2), "binary_cross_entropy", "2 classes → 1 sigmoid unit"),
    (classes(3), "binary_cross_entropy", "binary_cross_entropy needs 2 classes, the data has 3"),
    (classes(2), "mse", "2 classes → 1 unit (0/1) or 2 units (one-hot) with mse"),
    (classes(4), "mse", "4 classes → 4 units (one-hot) with mse"),
    (REGRESSION, "mse", "regression, 2 targets → 2 linear units (mse)"),
    (classes(2), None, "2 classes → 2 softmax units (cross_entropy) or 1 sigmoid unit"),
    (classes(5), None, "5 classes → 5 softmax units (cross_entropy)"),
    (REGRESSION, None, "regression → 2 linear units (loss mse)"),
])
def test_the_hint_names_the_units_the_data_and_loss_need(data, loss, text):
    assert output_need(data, loss) == text


@pytest.mark.parametrize("data, loss", [(classes(3), "cross_entropy"), (classes(2), "mse"),
                                        (classes(2), "binary_cross_entropy"),
                                        (REGRESSION, "mse")])
def test_a_network_built_as_the_hint_says_passes_the_check(data, loss):
    units = {"cross_entropy": data.n_classes, "binary_cross_entropy": 1}.get(
        loss, data.n_targets if data.task == "regression" else 1)
    check_compatibility(data, {"layers": [{"units": units}], "loss": loss})
