"""A feed-forward network: a stack of Dense layers over one flat parameter buffer.

All weights and biases live in one contiguous vector ``params`` (and their gradients in
``grads``); each layer's ``W`` and ``b`` are reshaped *views* into it, in the order
``W0, b0, W1, b1, …`` (a bias-free layer has no ``b``, not even zeros). The optimizer
therefore updates the whole network with a handful of vectorised operations, gradient
clipping is one norm, and saving is a copy.

Per-batch arrays are grouped in a :class:`Workspace` per batch size, created on first use and
reused, so that training allocates nothing per step. Training and evaluation use separate
workspaces, so evaluating (for a plot) never disturbs a half-finished training step.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from playground.errors import Cancelled

from .activations import get_activation
from .initializers import initial_weights
from .layers import Dense, LayerBuffers


#: the most one :meth:`Network.predict` chunk's workspace may take (bytes)
PREDICT_BYTES = 32 << 20


class Workspace:
    """The per-layer buffers for one batch size."""

    def __init__(self, network: "Network", batch: int, training: bool):
        self.batch = batch
        last = len(network.layers) - 1
        self.layers: list[LayerBuffers] = [
            layer.make_buffers(batch, network.dtype, with_dropout=training and layer.dropout > 0,
                               extended=i < last)
            for i, layer in enumerate(network.layers)
        ]
        #: what :func:`~playground.nn.backprop.step` prepared for this workspace (or None)
        self.plan = None
        #: ``[x, 1]`` for inputs that come without the column of ones (see :meth:`extend`)
        self.x_ext = np.ones((batch, network.n_inputs + 1), network.dtype)

    def extend(self, x: np.ndarray) -> np.ndarray:
        """``[x, 1]``: ``x`` copied beside this workspace's column of ones."""
        np.copyto(self.x_ext[:, :-1], x)
        return self.x_ext


class Network:
    """Layers, parameters and the forward pass. Backward lives in :mod:`playground.nn.backprop`.

    ``layer_specs``: list of dicts with ``units``, ``activation``, ``init``, ``dropout``
    (the experiment file's ``network.layers``).
    """

    #: ``None``, or a function a training step asks before each layer and before the update;
    #: when it returns True the step raises :class:`~playground.errors.Cancelled` with
    #: nothing updated (set by :meth:`~playground.training.trainer.Trainer.interrupt_with`)
    interrupt = None

    def __init__(self, n_inputs: int, layer_specs: list[dict], dtype=np.float32,
                 rng: np.random.Generator | None = None):
        self.n_inputs = int(n_inputs)
        self.dtype = np.dtype(dtype)
        self.specs = [dict(spec) for spec in layer_specs]
        sizes = [self.n_inputs] + [int(spec["units"]) for spec in self.specs]
        self.sizes = sizes
        with_bias = [bool(spec.get("use_bias", True)) for spec in self.specs]
        n_params = sum(sizes[i] * sizes[i + 1] + (sizes[i + 1] if with_bias[i] else 0)
                       for i in range(len(self.specs)))
        self.params = np.zeros(n_params, self.dtype)
        self.grads = np.zeros(n_params, self.dtype)
        self.layers: list[Dense] = []
        #: per layer, where its W and b sit in ``params`` (b's slice is None without a bias)
        self.slices: list[tuple[slice, slice | None]] = []
        offset = 0
        for i, spec in enumerate(self.specs):
            fan_in, fan_out = sizes[i], sizes[i + 1]
            w_slice = slice(offset, offset + fan_in * fan_out)
            offset = w_slice.stop
            b_slice = slice(offset, offset + fan_out) if with_bias[i] else None
            offset = b_slice.stop if b_slice else offset
            self.slices.append((w_slice, b_slice))
            # [W; b] as one matrix: b sits right after W, so the two are one view
            wb = slice(w_slice.start, b_slice.stop) if b_slice else None
            layer = Dense(
                fan_in, fan_out, get_activation(spec.get("activation", "linear")),
                spec.get("init", "xavier_uniform"), float(spec.get("dropout", 0.0) or 0.0),
                W=self.params[w_slice].reshape(fan_in, fan_out),
                b=self.params[b_slice] if b_slice else None,
                grad_W=self.grads[w_slice].reshape(fan_in, fan_out),
                grad_b=self.grads[b_slice] if b_slice else None,
                Wb=self.params[wb].reshape(fan_in + 1, fan_out) if wb else None,
                grad_Wb=self.grads[wb].reshape(fan_in + 1, fan_out) if wb else None,
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
        """Draw every layer's weights with its initializer (in layer order); biases to 0.
        A layer whose spec gives ``weights`` / ``bias`` takes those instead; its draw is still
        made, so hand-setting one layer leaves the random weights of the others unchanged."""
        for layer, spec in zip(self.layers, self.specs):
            layer.W[...] = initial_weights(layer.init, layer.fan_in, layer.units, rng,
                                           self.dtype)
            if spec.get("weights") is not None:
                layer.W[...] = self._given(spec["weights"], layer.W.shape, "weights")
            if layer.b is not None:
                given = spec.get("bias")
                layer.b[...] = 0 if given is None else self._given(given, layer.b.shape, "bias")

    @staticmethod
    def _given(values, shape: tuple[int, ...], what: str) -> np.ndarray:
        array = np.asarray(values, dtype=np.float64)
        if array.shape != shape:
            raise ValueError(f"{what} has shape {array.shape}, expected {shape}")
        return array

    def parameter_names(self) -> list[str]:
        """The saved-run keys, in buffer order: ``W0, b0, W1, …`` (no ``bK`` without a bias)."""
        names = []
        for i, layer in enumerate(self.layers):
            names.append(f"W{i}")
            if layer.b is not None:
                names.append(f"b{i}")
        return names

    def _named_arrays(self) -> list[tuple[str, np.ndarray]]:
        arrays = []
        for i, layer in enumerate(self.layers):
            arrays.append((f"W{i}", layer.W))
            if layer.b is not None:
                arrays.append((f"b{i}", layer.b))
        return arrays

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of the weights, keyed ``W0, b0, W1, b1, …`` (the saved-run layout; a layer
        without a bias has no ``b`` key)."""
        return {name: array.copy() for name, array in self._named_arrays()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy weights in (shapes must match; values are cast to the network's dtype)."""
        for name, target in self._named_arrays():
            value = np.asarray(weights[name])
            if value.shape != target.shape:
                raise ValueError(f"{name} has shape {value.shape}, expected {target.shape}")
            target[...] = value

    def set_parameter(self, layer_index: int, kind: str, row: int | None, column: int,
                      value: float) -> float:
        """Set one weight ``W[row, column]`` (``kind`` "W") or bias ``b[column]`` ("b") of
        layer ``layer_index``; returns the value it had. Raises ValueError for a parameter the
        network does not have or a value that is not a finite number."""
        if not 0 <= layer_index < len(self.layers):
            raise ValueError(f"there is no layer {layer_index + 1}")
        layer = self.layers[layer_index]
        if kind == "W":
            if row is None or not (0 <= row < layer.fan_in and 0 <= column < layer.units):
                raise ValueError(f"W{layer_index} has no entry [{row}, {column}]")
            target, index = layer.W, (row, column)
        elif kind == "b":
            if layer.b is None:
                raise ValueError(f"layer {layer_index + 1} has no bias")
            if not 0 <= column < layer.units:
                raise ValueError(f"b{layer_index} has no entry [{column}]")
            target, index = layer.b, (column,)
        else:
            raise ValueError(f"kind must be 'W' or 'b', not {kind!r}")
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"a weight must be a finite number, not {value}")
        old = float(target[index])
        target[index] = value
        return old

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
                rng: np.random.Generator | None = None,
                x_ext: np.ndarray | None = None) -> np.ndarray:
        """The outputs for ``x`` (in ``ws``); ``x_ext`` is ``[x, 1]`` when the caller has it
        (else ``x`` is copied into the workspace's): every layer then adds its bias inside
        the matrix product, the same arithmetic as training."""
        a, a_ext = x, ws.extend(x) if x_ext is None else x_ext
        for layer, buf in zip(self.layers, ws.layers):
            a = layer.forward(a, buf, training, rng, a_ext)
            a_ext = buf.ext
        return a

    def predict_rows(self) -> int:
        """Rows :meth:`predict` takes at a time: up to 4,096, fewer for a wide network, so the
        chunk's workspace (four arrays a layer) stays within :data:`PREDICT_BYTES`. A fixed
        4,096 rows gave 64 layers of 16,384 units a 10 GB workspace for one decision surface
        (the monkey test, minutes in which close waited)."""
        per_row = self.dtype.itemsize * (self.n_inputs + 1 + sum(
            4 * (layer.units + 1) for layer in self.layers))
        return max(1, min(4096, PREDICT_BYTES // per_row))

    def predict(self, x: np.ndarray, chunk: int | None = None) -> np.ndarray:
        """Outputs for ``x`` in evaluation mode (no dropout), in chunks (:meth:`predict_rows`
        by default); returns a new array. Between chunks it asks :attr:`interrupt` (a big
        network's stop check): True raises :class:`~playground.errors.Cancelled`, nothing
        changed."""
        x = np.asarray(x, dtype=self.dtype)
        chunk = self.predict_rows() if chunk is None else chunk
        out = np.empty((x.shape[0], self.n_outputs), self.dtype)
        for start in range(0, x.shape[0], chunk):
            interrupt = self.interrupt
            if start and interrupt is not None and interrupt():
                raise Cancelled("the prediction was interrupted")
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
