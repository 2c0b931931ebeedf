"""``export --to onnx``: onnxruntime, an independent implementation, computes the app's
predictions from the exported model (to 1e-5), for every activation and output layer, for a
trained run and for a float64 network. Skipped without onnx and onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, small_experiment
from playground import Trainer
from playground.cli import main
from playground.files.export import export_trainer

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

EXAMPLES = ROOT / "assets" / "examples"


def runtime_predictions(model_path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    (output,) = session.run(["output"], {"input": X.astype(np.float32)})
    return output


def trained(d: dict, epochs: int = 3) -> Trainer:
    trainer = Trainer(d)
    for _ in trainer.run(epochs):
        pass
    return trainer


def experiment(layers, loss="cross_entropy", data=None, dtype="float32") -> dict:
    d = small_experiment()
    d["network"] = {"layers": layers, "loss": loss}
    d["training"]["dtype"] = dtype
    if data is not None:
        d["data"] = data
    return d


HIDDEN = [{"units": 7, "activation": a} for a in
          ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "gelu")]
NETWORKS = {
    "every hidden activation, softmax output": experiment(
        HIDDEN + [{"units": 2, "activation": "softmax"}]),
    "sigmoid output": experiment([{"units": 5, "activation": "relu"},
                                  {"units": 1, "activation": "sigmoid"}],
                                 "binary_cross_entropy"),
    "linear output (regression)": experiment([{"units": 8, "activation": "gelu"},
                                              {"units": 1, "activation": "linear"}], "mse",
                                             {"source": "sine", "samples": 80}),
    "layers without a bias": experiment([{"units": 5, "activation": "tanh", "use_bias": False},
                                         {"units": 2, "activation": "softmax",
                                          "use_bias": False}]),
    "float64 network": experiment(HIDDEN + [{"units": 2, "activation": "softmax"}],
                                  dtype="float64"),
}


@pytest.mark.parametrize("d", NETWORKS.values(), ids=NETWORKS.keys())
def test_onnxruntime_predicts_what_the_app_predicts(d, tmp_path):
    trainer = trained(d)
    export_trainer(trainer, "onnx", tmp_path / "net.onnx", "a test")
    X = np.concatenate([trainer.X_train, trainer.X_val])
    expected = trainer.predict(X)
    got = runtime_predictions(tmp_path / "net.onnx", X)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    assert np.ptp(expected) > 0.01             # a network that says something, not a constant


def test_a_saved_run_exports_its_trained_network(tmp_path, capsys):
    trainer = trained(small_experiment(), epochs=4)
    trainer.save(tmp_path / "run.bpp")
    assert main(["export", str(tmp_path / "run.bpp"), "--to", "onnx",
                 str(tmp_path / "net.onnx")]) == 0
    X = trainer.X_val
    np.testing.assert_allclose(runtime_predictions(tmp_path / "net.onnx", X),
                               trainer.predict(X), atol=1e-5, rtol=0)
    untrained = Trainer(small_experiment())
    assert np.abs(untrained.predict(X) - trainer.predict(X)).max() > 1e-3


def test_the_model_says_what_it_is(tmp_path, capsys):
    import onnx

    assert main(["export", str(EXAMPLES / "digits.json"), "--to", "onnx",
                 str(tmp_path / "digits.onnx")]) == 0
    model = onnx.load(str(tmp_path / "digits.onnx"))
    assert [i.name for i in model.graph.input] == ["input"]
    assert "digits.json" in model.doc_string and "64 inputs" in model.doc_string
    assert model.producer_name == "Backprop Playground"
