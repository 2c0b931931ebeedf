"""A feed-forward network: a stack of Dense layers over one flat parameter buffer.

All weights and biases live in one contiguous vector ``params`` (and their gradients in
``grads``); each layer's ``W`` and ``b`` are reshaped *views* into it, in the order
``W0, b0, W1, b1, …``. The optimizer therefore updates the whole network with a handful of
vectorised operations, gradient clipping is one norm, and saving is a copy.

Per-batch arrays are grouped in a :class:`Workspace` per batch size, created on first use and
reused, so that training allocates nothing per step. Training and evaluation use separate
workspaces, so evaluating (for a plot) never disturbs a half-finished training step.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .activations import get_activation
from .initializers import initial_weights
from .layers import Dense, LayerBuffers


class Workspace:
    """The per-layer buffers for one batch size."""

    def __init__(self, network: "Network", batch: int, training: bool):
        self.batch = batch
        self.layers: list[LayerBuffers] = [
            layer.make_buffers(batch, network.dtype, with_dropout=training and layer.dropout > 0)
            for layer in network.layers
        ]


class Network:
    """Layers, parameters and the forward pass. Backward lives in :mod:`playground.nn.backprop`.

    ``layer_specs``: list of dicts with ``units``, ``activation``, ``init``, ``dropout``
    (the experiment file's ``network.layers``).
    """

    def __init__(self, n_inputs: int, layer_specs: list[dict], dtype=np.float32,
                 rng: np.random.Generator | None = None):
        self.n_inputs = int(n_inputs)
        self.dtype = np.dtype(dtype)
        self.specs = [dict(spec) for spec in layer_specs]
        sizes = [self.n_inputs] + [int(spec["units"]) for spec in self.specs]
        self.sizes = sizes
        n_params = sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(self.specs)))
        self.params = np.zeros(n_params, self.dtype)
        self.grads = np.zeros(n_params, self.dtype)
        self.layers: list[Dense] = []
        self.slices: list[tuple[slice, slice]] = []
        offset = 0
        for i, spec in enumerate(self.specs):
            fan_in, fan_out = sizes[i], sizes[i + 1]
            w_slice = slice(offset, offset + fan_in * fan_out)
            offset = w_slice.stop
            b_slice = slice(offset, offset + fan_out)
            offset = b_slice.stop
            self.slices.append((w_slice, b_slice))
            layer = Dense(
                fan_in, fan_out, get_activation(spec.get("activation", "linear")),
                spec.get("init", "xavier_uniform"), float(spec.get("dropout", 0.0) or 0.0),
                W=self.params[w_slice].reshape(fan_in, fan_out), b=self.params[b_slice],
                grad_W=self.grads[w_slice].reshape(fan_in, fan_out), grad_b=self.grads[b_slice],
            )
            self.layers.append(layer)
        self._workspaces: dict[tuple[int, bool], Workspace] = OrderedDict()
        if rng is not None:
            self.initialize(rng)

    # -- parameters ----------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return self.params.size

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    def initialize(self, rng: np.random.Generator) -> None:
        """Draw every layer's weights with its initializer (in layer order); biases to 0."""
        for layer in self.layers:
            layer.W[...] = initial_weights(layer.init, layer.fan_in, layer.units, rng,
                                           self.dtype)
            layer.b[...] = 0

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of the weights, keyed ``W0, b0, W1, b1, …`` (the saved-run layout)."""
        out = {}
        for i, layer in enumerate(self.layers):
            out[f"W{i}"] = layer.W.copy()
            out[f"b{i}"] = layer.b.copy()
        return out

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy weights in (shapes must match; values are cast to the network's dtype)."""
        for i, layer in enumerate(self.layers):
            for name, target in ((f"W{i}", layer.W), (f"b{i}", layer.b)):
                value = np.asarray(weights[name])
                if value.shape != target.shape:
                    raise ValueError(f"{name} has shape {value.shape}, expected {target.shape}")
                target[...] = value

    def copy(self, dtype=None) -> "Network":
        """A separate network with the same layers and a copy of the weights (in ``dtype``,
        the network's own by default): tools that probe the weights work on it, so the
        original's parameters, gradients and workspaces are never touched."""
        twin = Network(self.n_inputs, self.specs, self.dtype if dtype is None else dtype)
        twin.params[...] = self.params
        return twin

    def set_dropout(self, layer_index: int, rate: float) -> None:
        """Change one layer's dropout rate; buffers are re-made when the mask appears."""
        layer = self.layers[layer_index]
        had = layer.dropout > 0
        layer.dropout = float(rate)
        self.specs[layer_index]["dropout"] = float(rate)
        if had != (rate > 0):
            self._workspaces.clear()

    # -- forward -------------------------------------------------------------------------
    def workspace(self, batch: int, training: bool) -> Workspace:
        key = (batch, training)
        ws = self._workspaces.get(key)
        if ws is None:
            ws = Workspace(self, batch, training)
            self._workspaces[key] = ws
            while len(self._workspaces) > 6:
                self._workspaces.popitem(last=False)
        return ws

    def forward(self, x: np.ndarray, ws: Workspace, training: bool = False,
                rng: np.random.Generator | None = None) -> np.ndarray:
        a = x
        for layer, buf in zip(self.layers, ws.layers):
            a = layer.forward(a, buf, training, rng)
        return a

    def predict(self, x: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """Outputs for ``x`` in evaluation mode (no dropout), in chunks; returns a new array."""
        x = np.asarray(x, dtype=self.dtype)
        out = np.empty((x.shape[0], self.n_outputs), self.dtype)
        for start in range(0, x.shape[0], chunk):
            part = x[start:start + chunk]
            ws = self.workspace(part.shape[0], training=False)
            out[start:start + part.shape[0]] = self.forward(part, ws)
        return out

    def penalty(self, l1: float, l2: float) -> float:
        if not (l1 or l2):
            return 0.0
        return sum(layer.penalty(l1, l2) for layer in self.layers)

    def describe(self) -> str:
        parts = [str(self.n_inputs)] + [layer.describe() for layer in self.layers]
        return " → ".join(parts)
