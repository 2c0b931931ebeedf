"""Export to ONNX: the network as it is now, for inference in any ONNX runtime.

The graph is what :meth:`Network.predict` computes, one node per step: per layer
``MatMul(x, W)``, ``Add(b)`` and the activation (GELU spelled with ``Erf``, as opset 17 has no
GELU node), ending in the app's output (the softmax probabilities, the sigmoid, …). Input
``input`` is ``(batch, n_inputs)``, output ``output`` is ``(batch, n_outputs)``. The model is
float32, the type every runtime runs everywhere (onnxruntime has no float64 ``Elu`` or
``Erf``); a float64 network's weights are rounded to float32 on the way. Dropout is not part
of it: prediction never drops. The ``onnx`` package is an optional extra.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from playground import __version__
from playground.errors import PlaygroundError

OPSET = 17
IR_VERSION = 8          # what opset 17 came with: readable by onnxruntime >= 1.13
INSTALL_HINT = ("exporting to ONNX needs the onnx package: pip install onnx "
                "(or pip install \"backprop-playground[onnx]\")")
SIMPLE_NODES = {"relu": ("Relu", {}), "leaky_relu": ("LeakyRelu", {"alpha": 0.01}),
                "tanh": ("Tanh", {}), "sigmoid": ("Sigmoid", {}), "elu": ("Elu", {"alpha": 1.0}),
                "softmax": ("Softmax", {"axis": 1}), "linear": ("Identity", {})}


def require_onnx():
    """The ``onnx`` module, or a PlaygroundError that says how to install it."""
    try:
        import onnx
    except ImportError:
        raise PlaygroundError(INSTALL_HINT) from None
    return onnx


def activation_nodes(helper, name: str, z: str, a: str, constants: dict) -> list:
    """The nodes that compute ``a = f(z)``; GELU's constants go into ``constants``."""
    if name != "gelu":
        op, attrs = SIMPLE_NODES[name]
        return [helper.make_node(op, [z], [a], **attrs)]
    constants.update({"gelu_sqrt_half": math.sqrt(0.5), "gelu_one": 1.0, "gelu_half": 0.5})
    return [helper.make_node("Mul", [z, "gelu_sqrt_half"], [f"{z}_scaled"]),   # z/√2
            helper.make_node("Erf", [f"{z}_scaled"], [f"{z}_erf"]),
            helper.make_node("Add", [f"{z}_erf", "gelu_one"], [f"{z}_1_plus_erf"]),
            helper.make_node("Mul", [f"{z}_1_plus_erf", "gelu_half"], [f"{z}_cdf"]),  # Φ(z)
            helper.make_node("Mul", [z, f"{z}_cdf"], [a])]                         # z·Φ(z)


def onnx_model_bytes(trainer, source: str) -> bytes:
    """The serialized ONNX model of ``trainer``'s network (checked by ``onnx.checker``)."""
    onnx = require_onnx()
    from onnx import TensorProto, helper, numpy_helper

    net = trainer.network
    nodes, initializers, constants = [], [], {}
    x, last = "input", len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        initializers.append(numpy_helper.from_array(layer.W.astype(np.float32), f"W{i}"))
        nodes.append(helper.make_node("MatMul", [x, f"W{i}"], [f"xW{i}"]))
        if layer.use_bias:
            initializers.append(numpy_helper.from_array(layer.b.astype(np.float32), f"b{i}"))
            nodes.append(helper.make_node("Add", [f"xW{i}", f"b{i}"], [f"z{i}"]))
        else:
            nodes.append(helper.make_node("Identity", [f"xW{i}"], [f"z{i}"]))
        x = "output" if i == last else f"a{i}"
        nodes += activation_nodes(helper, layer.activation.name, f"z{i}", x, constants)
    initializers += [numpy_helper.from_array(np.array(value, np.float32), name)
                     for name, value in constants.items()]
    graph = helper.make_graph(
        nodes, "backprop_playground_network",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", net.n_inputs])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", net.n_outputs])],
        initializer=initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="Backprop Playground", producer_version=__version__,
        doc_string=f"{net.n_inputs} inputs → {' → '.join(l.describe() for l in net.layers)}; "
                   f"exported from {source} after epoch {trainer.epoch}")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model.SerializeToString()


def onnx_files(trainer, out: str | Path, source: str) -> dict[Path, bytes]:
    return {Path(out): onnx_model_bytes(trainer, source)}
