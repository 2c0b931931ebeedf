"""One backpropagation iteration, written once, as a sequence of phases.

:func:`iteration` is a generator that performs one training step on a batch::

    forward  layer 1 … L     z = a_prev W + b,  a = f(z)  (dropout mask in training)
    loss                     L = loss(ŷ, y) + penalty
    backward layer L … 1     δ = ∂L/∂z;  ∂L/∂W = a_prevᵀ δ;  ∂L/∂b = Σ δ
    update                   clip, then the optimizer:  w ← w − η·∂L/∂w  (or Adam, …)

Normal training calls :func:`train_step`, the same iteration as one plain function (no
generator per batch: on a tiny network its overhead showed). The phase-by-phase stepper runs
the generator with ``observe=True``: after each phase it pauses and yields a :class:`Phase`
with copies of that phase's inputs and outputs and the formula it applied. Both make the same
layer calls in the same order, so what a learner steps through is exactly what training does,
bit for bit (``tests/engine/test_phases.py`` checks it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from playground.errors import Cancelled

from .activations import _ONE, Tanh
from .losses import Loss, _inverse as _inverse_n
from .network import Network, Workspace

_min_reduce = np.minimum.reduce
_matmul, _subtract, _multiply = np.matmul, np.subtract, np.multiply
_NAN = float("nan")
INTERRUPTED = "the batch was interrupted (nothing updated)"

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    """Subscript digits: ``sub(12) == '₁₂'``."""
    return str(n).translate(_SUB)


@dataclass(frozen=True)
class Phase:
    """What one phase of an iteration did. Arrays are copies, safe to keep."""

    kind: str                 # "forward" | "loss" | "backward" | "update"
    layer: int | None         # 0-based layer index for forward/backward, else None
    n_layers: int
    title: str                # e.g. "backward · layer 2 of 3"
    formula: str              # e.g. "δ₂ = (δ₃ W₃ᵀ) ⊙ f′(z₂)"
    values: dict[str, Any] = field(default_factory=dict)
    per_layer: tuple[dict[str, np.ndarray], ...] = ()   # update phase: W/b before and after

    @property
    def label(self) -> str:
        return f"{self.title}: {self.formula}"


@dataclass
class IterationResult:
    """Filled in by :func:`iteration` as it goes."""

    loss: float = float("nan")        # data loss + penalty
    data_loss: float = float("nan")
    penalty: float = 0.0
    grad_norm: float = float("nan")   # global gradient norm before clipping (when computed)
    clip_scale: float = 1.0
    updated: bool = False
    #: the data loss was not computed: the batch's right-class probabilities were written to
    #: the caller's buffer (``stage``, see :func:`step`) and checked (loss and data_loss NaN)
    staged: bool = False


def _forward_formula(network: Network, i: int, training: bool) -> str:
    layer, k = network.layers[i], i + 1
    prev = "x" if i == 0 else f"a{sub(i)}"
    act = layer.activation.name
    bias = f" + b{sub(k)}" if layer.use_bias else ""
    text = f"z{sub(k)} = {prev} W{sub(k)}{bias};  a{sub(k)} = {act}(z{sub(k)})"
    if training and layer.dropout > 0:
        text += f";  out{sub(k)} = a{sub(k)} ⊙ m{sub(k)}  (dropout {layer.dropout:g})"
    return text


def _backward_formula(network: Network, loss: Loss, i: int, dropout: bool) -> str:
    k, last = i + 1, len(network.layers)
    prev = "x" if i == 0 else f"a{sub(i)}"
    if i == last - 1:
        if loss.fused_activation:
            delta = loss.error_formula.replace("δ_L", f"δ{sub(k)}")
        else:
            delta = f"δ{sub(k)} = 2(ŷ − y)/(N·K) ⊙ f′(z{sub(k)})"
    else:
        mask = f" ⊙ m{sub(k)}" if dropout else ""
        delta = f"δ{sub(k)} = (δ{sub(k + 1)} W{sub(k + 1)}ᵀ){mask} ⊙ f′(z{sub(k)})"
    text = f"{delta};  ∂L/∂W{sub(k)} = {prev}ᵀ δ{sub(k)}"
    if network.layers[i].use_bias:
        text += f";  ∂L/∂b{sub(k)} = Σ δ{sub(k)}"
    return text


def _copy_values(**arrays) -> dict[str, Any]:
    return {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v)
            for k, v in arrays.items() if v is not None}


def iteration(network: Network, loss: Loss, x: np.ndarray, y: np.ndarray, ws: Workspace, *,
              rng: np.random.Generator | None, training: bool = True, l1: float = 0.0,
              l2: float = 0.0, clip_norm: float | None = None, optimizer=None,
              result: IterationResult | None = None, observe: bool = False,
              x_ext: np.ndarray | None = None, onehot: np.ndarray | None = None
              ) -> Iterator[Phase]:
    """Perform one iteration on batch ``(x, y)``; yield a :class:`Phase` after each phase
    when ``observe`` is true. Without an ``optimizer`` it stops after the gradients.

    ``x_ext`` (``[x, 1]``) and ``onehot`` (cross-entropy's labels as one-hot rows) are what a
    caller that has them passes to save work; the numbers are the same without them. Without
    ``observe`` this is :func:`train_step`, the plain function training calls directly."""
    if not observe:
        train_step(network, loss, x, y, ws, rng=rng, training=training, l1=l1, l2=l2,
                   clip_norm=clip_norm, optimizer=optimizer, result=result, x_ext=x_ext,
                   onehot=onehot)
        return
    if result is None:
        result = IterationResult()
    layers = network.layers
    n = len(layers)
    bufs = ws.layers
    if x_ext is None:
        x_ext = ws.extend(x)

    # forward, layer by layer
    a, a_ext = x, x_ext
    for i, layer in enumerate(layers):
        a_prev = a
        a = layer.forward(a_prev, bufs[i], training, rng, a_ext)
        a_ext = bufs[i].ext
        buf = bufs[i]
        yield Phase("forward", i, n, f"forward · layer {i + 1} of {n}",
                    _forward_formula(network, i, training),
                    _copy_values(a_prev=a_prev, W=layer.W, b=layer.b, z=buf.z, a=buf.a,
                                 mask=buf.mask if buf.dropout_active else None,
                                 out=buf.out if buf.dropout_active else None))

    # loss
    last = bufs[-1]
    result.data_loss = loss.value(last.z, last.a, y)
    result.penalty = network.penalty(l1, l2)
    result.loss = result.data_loss + result.penalty
    formula = loss.formula
    if l1:
        formula += " + l1·Σ|W|"
    if l2:
        formula += " + l2·ΣW²"
    yield Phase("loss", None, n, "loss", formula,
                _copy_values(prediction=last.a, target=y, data_loss=result.data_loss,
                             penalty=result.penalty, loss=result.loss))
    if not math.isfinite(result.loss):
        return      # diverged: no backward pass, no update; the caller reports it

    # backward, layer by layer from the top
    for i in range(n - 1, -1, -1):
        layer, buf = layers[i], bufs[i]
        if i == n - 1:
            loss.error_signal(buf.z, buf.a, y, layer.activation, buf.delta, buf.scratch,
                              onehot)
            grad_out = None
        else:
            # ∂L/∂out_i = δ_{i+1} W_{i+1}ᵀ, then through the mask and f′(z_i), in place.
            layers[i + 1].propagate(bufs[i + 1].delta, buf.delta)
            grad_out = buf.delta.copy()
            layer.error_signal(buf.delta, buf)
        a_prev, a_prev_ext = (x, x_ext) if i == 0 else (bufs[i - 1].out, bufs[i - 1].ext)
        layer.parameter_gradients(a_prev, buf.delta, l1, l2, a_prev_ext)
        values = _copy_values(a_prev=a_prev, z=buf.z, a=buf.a, grad_out=grad_out,
                              f_prime=_derivative(layer, buf), delta=buf.delta,
                              grad_W=layer.grad_W, grad_b=layer.grad_b,
                              mask=buf.mask if buf.dropout_active else None)
        if l1 or l2:
            values["penalty_grad_W"] = (2.0 * l2) * layer.W + l1 * np.sign(layer.W)
        yield Phase("backward", i, n, f"backward · layer {i + 1} of {n}",
                    _backward_formula(network, loss, i, buf.dropout_active), values)

    if optimizer is None:
        return

    # update: global-norm clipping (as torch.nn.utils.clip_grad_norm_), then the optimizer
    grads = network.grads
    result.grad_norm = float(np.sqrt(np.dot(grads, grads, out=None)))
    if clip_norm is not None:
        scale = min(1.0, clip_norm / (result.grad_norm + 1e-6))
        result.clip_scale = scale
        grads *= scale
    before = [_parameters(layer) for layer in layers]
    optimizer.step(network.params, grads)
    result.updated = True
    per_layer = tuple(_changes(layer, old) for layer, old in zip(layers, before))
    formula = optimizer.update_formula()
    if clip_norm is not None:
        formula = clip_formula(clip_norm) + ";  " + formula
    yield Phase("update", None, n, "update", formula,
                _copy_values(learning_rate=optimizer.learning_rate,
                             grad_norm=result.grad_norm, clip_scale=result.clip_scale),
                per_layer)


def train_step(network: Network, loss: Loss, x: np.ndarray, y: np.ndarray, ws: Workspace, *,
               rng: np.random.Generator | None, training: bool = True, l1: float = 0.0,
               l2: float = 0.0, clip_norm: float | None = None, optimizer=None,
               result: IterationResult | None = None, x_ext: np.ndarray | None = None,
               onehot: np.ndarray | None = None) -> IterationResult:
    """:func:`iteration` without looking: the same calls in the same order (so the same
    numbers, bit for bit), as one plain function — no generator per batch."""
    return step(network, loss, x, y, ws, rng, training, l1, l2, clip_norm, optimizer,
                IterationResult() if result is None else result, x_ext, onehot)


def step(network, loss, x, y, ws, rng, training, l1, l2, clip_norm, optimizer, result,
         x_ext, onehot, stage=None) -> IterationResult:
    """:func:`train_step` with positional arguments (keywords cost a little per batch).

    ``stage`` (cross-entropy without a penalty only): ``(flat index, buffer)``, where the
    index picks each sample's right-class probability out of the output layer's C-ordered
    (classes × batch) array. The probabilities are then taken into the buffer and checked
    (all above 1e-30, so the loss is finite) instead of computing the loss: the caller takes
    the logarithm and the sum later (for a whole epoch at once), the same numbers
    :meth:`CrossEntropy.value` gives. If the check fails the loss is computed as usual."""
    interrupt = network.interrupt       # a big network's batch can be stopped inside
    if stage is not None and clip_norm is None and not (l1 or l2) and onehot is not None \
            and optimizer is not None and x_ext is not None and interrupt is None:
        plan = ws.plan
        if plan is None:
            plan = plan_for(network, loss, ws)
        if plan and planned_step(plan, x_ext, onehot, stage, network, optimizer, result):
            return result
    layers = network.layers
    bufs = ws.layers
    if x_ext is None:
        x_ext = ws.extend(x)
    a, a_ext = x, x_ext
    for layer, buf in zip(layers, bufs):
        if interrupt is not None and interrupt():
            raise Cancelled(INTERRUPTED)
        a = layer.forward(a, buf, training, rng, a_ext)
        a_ext = buf.ext
    last = bufs[-1]
    if stage is not None:
        p = last.aT.take(stage[0], None, stage[1], "clip")
        if _min_reduce(p) > 1e-30:     # finite: −log p of the right classes, summed later
            result.staged = True
            result.data_loss = result.loss = _NAN
            result.penalty = 0.0
            return _backward(network, layers, bufs, loss, x, y, ws, x_ext, onehot, l1, l2,
                             clip_norm, optimizer, result)
    result.staged = False
    data_loss = result.data_loss = loss.value(last.z, last.a, y)
    if l1 or l2:
        result.penalty = network.penalty(l1, l2)
        result.loss = data_loss + result.penalty
    else:
        result.penalty, result.loss = 0.0, data_loss + 0.0
    if not math.isfinite(result.loss):
        return result     # diverged: no backward pass, no update; the caller reports it
    return _backward(network, layers, bufs, loss, x, y, ws, x_ext, onehot, l1, l2, clip_norm,
                     optimizer, result)


def plan_for(network, loss, ws) -> tuple:
    """The workspace's plan for :func:`planned_step` (made once per workspace; ``()``: the
    workspace's layers cannot take the planned step)."""
    plan = ws.plan
    if plan is None:
        plan = ws.plan = _plan(network, loss, ws)
    return plan


def _plan(network, loss, ws) -> tuple:
    """What :func:`planned_step` works on, for a workspace whose layers all take the plain
    path (a bias, no dropout buffers, element-wise hidden activations, softmax with
    cross-entropy on top), else ``()``: per layer the arrays the layer methods would use and
    its activation's calls (tanh's written out: ``np.tanh``, and ``a·a``, ``1 − ·``, ``δ·``
    exactly as :meth:`Tanh.backward` makes them)."""
    layers, bufs = network.layers, ws.layers
    if loss.fused_activation != "softmax" or layers[-1].activation.name != "softmax" \
            or any(layer.Wb is None for layer in layers) \
            or any(buf.mask is not None for buf in bufs) \
            or not all(layer.activation.elementwise for layer in layers[:-1]):
        return ()
    last = len(layers) - 1
    forward, backward = [], []
    for i, (layer, buf) in enumerate(zip(layers, bufs)):
        act = layer.activation
        tanh = type(act) is Tanh
        if i < last:
            forward.append((layer.Wb_T, None if i == 0 else bufs[i - 1].ext.T, buf.zT,
                            buf.aT, np.tanh if tanh else act.forward))
        if i:
            below, act_below = bufs[i - 1], layers[i - 1].activation
            backward.append((bufs[i - 1].ext.T, buf.delta, buf.deltaT, layer.grad_Wb, layer.W,
                             below.zT, below.aT, below.deltaT, below.scratchT,
                             None if type(act_below) is Tanh else act_below.backward,
                             _ONE.get(below.scratchT.dtype, 1)))
    top_layer, top = layers[-1], bufs[-1]
    head = (top_layer.Wb_T, None if last == 0 else bufs[-2].ext.T, top.zT, top.aT,
            top_layer.activation.forward, top.a, top.delta,
            _inverse_n(top.z.shape[0], top.z.dtype))
    return tuple(forward), head, tuple(backward[::-1]), (bufs[0].delta, layers[0].grad_Wb)


def planned_step(plan, x_ext, onehot, stage, network, optimizer, result) -> bool:
    """:func:`step` with a ``stage``, no penalty, no clipping, on a planned workspace: the
    same NumPy calls on the same arrays in the same order as the layer methods make (so the
    same numbers), without their per-call Python. False (nothing updated: the caller runs
    the general step, whose forward pass gives the same values) when a right-class
    probability is not above 1e-30."""
    forward, head, backward, (delta0, grad_Wb0) = plan
    x_t = x_ext.T
    # hidden layers write a into the rows above their ones: the next input is [a, 1]ᵀ
    for Wb_T, in_t, z_t, a_t, f in forward:
        _matmul(Wb_T, x_t if in_t is None else in_t, out=z_t)
        f(z_t, a_t)
    Wb_T, in_t, z_t, a_t, softmax, a, delta, inverse = head
    _matmul(Wb_T, x_t if in_t is None else in_t, out=z_t)
    softmax(z_t, a_t, 0)
    p = a_t.take(stage[0], None, stage[1], "clip")
    if not _min_reduce(p) > 1e-30:
        return False
    _subtract(a, onehot, out=delta)
    _multiply(delta, inverse, out=delta)
    for in_t, delta, delta_t, grad_Wb, W, z_b, a_b, d_b, s_b, f_prime, one in backward:
        _matmul(in_t, delta, out=grad_Wb)
        _matmul(W, delta_t, out=d_b)
        if f_prime is None:                 # tanh′, as Tanh.backward computes it
            _multiply(a_b, a_b, out=s_b)
            _subtract(one, s_b, out=s_b)
            _multiply(d_b, s_b, out=d_b)
        else:
            f_prime(z_b, a_b, d_b, d_b, s_b)
    _matmul(x_t, delta0, out=grad_Wb0)
    optimizer.step(network.params, network.grads)
    result.staged = result.updated = True
    result.data_loss = result.loss = _NAN
    result.penalty = 0.0
    return True


def _backward(network, layers, bufs, loss, x, y, ws, x_ext, onehot, l1, l2, clip_norm,
              optimizer, result) -> IterationResult:
    """The rest of :func:`step` once the loss is known to be finite: backward and update."""
    last = bufs[-1]
    top = layers[-1]
    loss.error_signal(last.z, last.a, y, top.activation, last.delta, last.scratch, onehot)
    interrupt = network.interrupt
    i = len(layers) - 1
    while True:
        if interrupt is not None and interrupt():
            raise Cancelled(INTERRUPTED)
        layer, buf = layers[i], bufs[i]
        if i == 0:
            layer.parameter_gradients(x, buf.delta, l1, l2, x_ext)
            break
        below = bufs[i - 1]
        layer.parameter_gradients(below.out, buf.delta, l1, l2, below.ext)
        layer.propagate(buf.delta, below.delta)
        layers[i - 1].error_signal(below.delta, below)
        i -= 1
    if optimizer is None:
        return result
    if interrupt is not None and interrupt():
        raise Cancelled(INTERRUPTED)
    grads = network.grads
    if clip_norm is not None:
        result.grad_norm = float(np.sqrt(np.dot(grads, grads, out=None)))
        scale = min(1.0, clip_norm / (result.grad_norm + 1e-6))
        result.clip_scale = scale
        grads *= scale
    optimizer.step(network.params, grads)
    result.updated = True
    return result


def _parameters(layer) -> dict[str, np.ndarray]:
    """Copies of a layer's parameters and gradients (no ``b`` entries without a bias)."""
    out = {"W": layer.W.copy(), "grad_W": layer.grad_W.copy()}
    if layer.use_bias:
        out.update(b=layer.b.copy(), grad_b=layer.grad_b.copy())
    return out


def _changes(layer, before: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The update phase's record of one layer: each parameter before, after and its change."""
    out = {"grad_W": before["grad_W"]}
    for name in ("W", "b") if layer.use_bias else ("W",):
        now = getattr(layer, name)
        out.update({f"{name}_before": before[name], f"{name}_after": now.copy(),
                    f"delta_{name}": now - before[name]})
    if layer.use_bias:
        out["grad_b"] = before["grad_b"]
    return out


def clip_formula(clip_norm: float) -> str:
    """Global-norm clipping as applied: to the loss gradient (penalties included), before the
    optimizer adds weight decay; ‖∇L‖ is the norm over every parameter of the network."""
    return f"∂L/∂w ← ∂L/∂w·min(1, {clip_norm:g}/‖∇L‖)"


def _derivative(layer, buf) -> np.ndarray | None:
    """f′(z) of a layer as an array, for display (None for softmax, whose Jacobian is full)."""
    if not layer.activation.elementwise:
        return None
    ones = np.ones_like(buf.z)
    out = np.empty_like(buf.z)
    return layer.activation.backward(buf.z, buf.a, ones, out, np.empty_like(buf.z))


def gradients(network: Network, loss: Loss, x: np.ndarray, y: np.ndarray, *, l1: float = 0.0,
              l2: float = 0.0) -> tuple[float, np.ndarray]:
    """Loss and a copy of the flat gradient for ``(x, y)`` in evaluation mode (no dropout),
    through the same :func:`iteration` code path that training uses."""
    ws = network.workspace(x.shape[0], training=False)
    result = IterationResult()
    for _ in iteration(network, loss, x, y, ws, rng=None, training=False, l1=l1, l2=l2,
                       result=result):
        pass
    return result.loss, network.grads.copy()
