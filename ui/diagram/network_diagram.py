"""The network diagram: neurons as nodes, weights as links, one backprop phase highlighted.

:class:`NetworkDiagram` draws the network of the latest Snapshot as TensorFlow Playground
does — a column of nodes per layer (the input layer first), links coloured by the sign of the
weight (blue +, orange −) and as wide as its magnitude — and, while a learner steps through
one iteration, what the current phase computed:

=========== ============================== ==================================================
phase       nodes                          links
=========== ============================== ==================================================
(idle)      bias b                         weights W
forward k   activations a of layers ≤ k    W; those of layer k strong
loss        activations; loss box lit      W (dimmed)
backward k  error signal δ of layers ≥ k   W; W_{k+1}, which carried δ back, strong
update      change of the biases Δb        change of the weights ΔW
=========== ============================== ==================================================

Values not computed yet in this iteration are hollow dashed nodes. For a batch the nodes show
one sample (``set_sample``; sample 1 by default) and the legend says which. Big networks (no
weights in the snapshot, or a layer wider than ``FULL_LIMIT`` units) are *summarised*: at most
``SUMMARY_NODES`` nodes a column with a ``⋮ +N`` marker and links drawn as one bundle per layer.

For tests and for the phase panel, the state is readable: ``highlighted_layer`` (0 = input,
1…L; the output layer in the loss phase; None in the update phase and when idle),
``highlight_kind`` (``"forward" | "loss" | "backward" | "update" | None``), ``summarised``,
``node_values(column)``, ``node_quantity(column)``, ``link_values(layer)`` and
``link_quantity``. The diagram only draws numbers it is given; it never computes learning math.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from playground.nn.backprop import sub
from ui.diagram.inspection import Inspection
from ui.diagram.layout import DiagramView
from ui.diagram.neuron_maps import NeuronCard, map_images, weight_image
from ui.diagram.paint import paint
from ui.diagram.phase_format import fmt
from ui.widgets.view_errors import guarded

#: layers up to this many units are drawn in full; wider ones make the diagram summarised
FULL_LIMIT = 32
#: … and networks with at most this many connections in all: each is a curve painted on the
#: GUI thread (~0.1 ms), and 60 layers of 32 units made one paint take 9.5 s (monkey, seed 3)
FULL_LINKS = 2500
#: nodes drawn per column in a summarised diagram
SUMMARY_NODES = 12
BOUNDED = ("sigmoid", "tanh", "softmax")


class NetworkDiagram(Inspection, QWidget):
    #: the user asks to set one parameter: (layer 1…L, "W" or "b", row i (−1 for b), unit j)
    editRequested = Signal(int, str, int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._neurons = None                 # the snapshot's NeuronViews (what units compute)
        self._images: list[list | None] = []    # ... as pictures, per Dense layer
        self._images_for = None              # ... made for (these NeuronViews, activations)
        self._inputs: tuple[str, ...] = ()
        self._card: NeuronCard | None = None
        #: whether a click may set a weight (the window says so while training is paused)
        self.editable = False
        self.setMouseTracking(True)
        self.setObjectName("networkDiagram")
        self.setMinimumSize(240, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._sizes: tuple[int, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._weights: list[tuple[np.ndarray, np.ndarray | None]] | None = None
        self._weight_rms: list[float | None] = []
        self._sample = 0
        self._view: DiagramView | None = None       # built on the first paint after a change
        self._reset_iteration()

    def _changed(self) -> None:
        self._view = None
        self.update()

    def _reset_iteration(self) -> None:
        self._phase = None
        self._x: np.ndarray | None = None
        self._a: dict[int, np.ndarray] = {}          # layer 1..L -> activations (batch, units)
        self._delta: dict[int, np.ndarray] = {}      # layer 1..L -> δ (batch, units)
        self._loss: dict | None = None
        self._update: tuple[dict, ...] = ()

    # -- input ---------------------------------------------------------------------------
    def show_snapshot(self, snapshot) -> None:
        """Take the architecture and the weights of a Snapshot."""
        sizes = tuple(int(n) for n in snapshot.sizes)
        if sizes != self._sizes:
            # another network: its iteration is gone. But widths learnt from a phase that
            # came first (a paused snapshot is drawn a turn after it arrived) are the same
            # network's: the phase on show stays
            self._sizes = sizes
            phase = self._phase
            if phase is None or len(sizes) != phase.n_layers + 1 or not self._fits(phase):
                self._reset_iteration()
        self._activations = tuple(snapshot.activations)
        self._neurons = getattr(snapshot, "neurons", None)
        data = getattr(snapshot, "data", None)
        self._inputs = tuple(data.feature_names) if data is not None else ()
        if snapshot.weights is not None:
            self._weights = [(np.asarray(W), None if b is None else np.asarray(b))
                             for W, b in snapshot.weights]
            with np.errstate(over="ignore", invalid="ignore"):   # diverged: inf, drawn so
                self._weight_rms = [float(np.sqrt(np.mean(np.square(W)))) if W.size else None
                                    for W, _ in self._weights]
        else:
            self._weights = None
            self._weight_rms = [s.weight_norm / np.sqrt(max(s.units * s.fan_in, 1))
                                for s in snapshot.layers]
        self._changed()

    def show_phase(self, phase) -> None:
        """Show what one phase of the current iteration computed (it accumulates: the forward
        activations stay visible while δ travels back)."""
        if phase.kind == "forward" and phase.layer == 0:
            self._reset_iteration()
        self._ensure_sizes(phase)
        v, k = phase.values, (phase.layer + 1 if phase.layer is not None else None)
        if phase.kind == "forward":
            if phase.layer == 0:
                self._x = v["a_prev"]
            self._a[k] = v["a"]
            if self._weights is not None and k - 1 < len(self._weights):
                self._weights[k - 1] = (v["W"], v.get("b"))
        elif phase.kind == "loss":
            self._loss = v
        elif phase.kind == "backward":
            self._delta[k] = v["delta"]
            if self._x is None and phase.layer == 0:
                self._x = v["a_prev"]
        elif phase.kind == "update":
            self._update = phase.per_layer
        self._phase = phase
        self._changed()

    def clear_phase(self) -> None:
        """Back to the idle picture (weights and biases, nothing highlighted)."""
        self._reset_iteration()
        self._changed()

    def set_sample(self, index: int) -> None:
        """Which sample of the batch the nodes show (0-based)."""
        self._sample = max(int(index), 0)
        self._changed()

    def _ensure_sizes(self, phase) -> None:
        """Without a snapshot yet — or when the phase's arrays do not fit the widths shown
        (a phase of the previous network, arriving around a rebuild) — learn the layer
        widths from the phase's arrays."""
        n = phase.n_layers
        if len(self._sizes) == n + 1 and self._fits(phase):
            return
        sizes = list(self._sizes) if len(self._sizes) == n + 1 else [1] * (n + 1)
        if phase.kind in ("forward", "backward"):
            key = "W" if phase.kind == "forward" else "grad_W"
            sizes[phase.layer], sizes[phase.layer + 1] = np.shape(phase.values[key])
        for i, layer in enumerate(phase.per_layer):
            sizes[i], sizes[i + 1] = np.shape(layer["W_after"])
        self._sizes = tuple(int(s) for s in sizes)
        self._weights = None
        self._weight_rms = [None] * n

    def _fits(self, phase) -> bool:
        shapes = [np.shape(layer["W_after"]) for layer in phase.per_layer]
        if phase.kind in ("forward", "backward"):
            key = "W" if phase.kind == "forward" else "grad_W"
            shapes.append(np.shape(phase.values[key]))
            layers = [*range(len(phase.per_layer)), phase.layer]
        else:
            layers = list(range(len(phase.per_layer)))
        return all(shape == (self._sizes[i], self._sizes[i + 1])
                   for i, shape in zip(layers, shapes))

    # -- state for tests and the panel ---------------------------------------------------
    @property
    def phase(self):
        return self._phase

    @property
    def highlight_kind(self) -> str | None:
        return None if self._phase is None else self._phase.kind

    @property
    def highlighted_layer(self) -> int | None:
        """0 = input, 1…L = Dense layers; the output layer in the loss phase; else None."""
        p = self._phase
        if p is None or p.kind == "update":
            return None
        if p.kind == "loss":
            return p.n_layers
        return p.layer + 1

    @property
    def summarised(self) -> bool:
        sizes = self._sizes
        return (self._weights is None or any(n > FULL_LIMIT for n in sizes)
                or sum(a * b for a, b in zip(sizes, sizes[1:])) > FULL_LINKS)

    @property
    def n_samples(self) -> int:
        return 0 if self._x is None else int(self._x.shape[0])

    @property
    def sample(self) -> int:
        """The sample shown, clamped to the batch (0-based)."""
        return min(self._sample, max(self.n_samples - 1, 0))

    def node_values(self, column: int) -> np.ndarray | None:
        """The values the nodes of ``column`` show (None: neutral or not computed yet)."""
        view = self.current_view()
        return None if view.pending[column] else view.node_values[column]

    def node_quantity(self, column: int) -> str | None:
        view = self.current_view()
        return None if view.pending[column] else view.node_quantity[column]

    def link_values(self, layer: int) -> np.ndarray | None:
        """The matrix the links into Dense layer ``layer`` (1…L) show: W, or ΔW on update."""
        return self.current_view().link_values[layer - 1]

    @property
    def link_quantity(self) -> str:
        return self.current_view().link_quantity

    # -- what to draw --------------------------------------------------------------------
    def current_view(self) -> DiagramView:
        """What the diagram shows; built once per change, not on every paint (a resize or
        an expose repaints the same view)."""
        if self._view is None:
            self._view = self._build_view()
        return self._view

    def _build_view(self) -> DiagramView:
        sizes, p = self._sizes, self._phase
        n = len(sizes) - 1
        kind = None if p is None else p.kind
        k = self.highlighted_layer
        view = DiagramView(sizes=sizes, summarised=self.summarised,
                           max_nodes=SUMMARY_NODES if self.summarised else FULL_LIMIT,
                           highlighted_layer=k, highlight_kind=kind, numbers=p is not None)
        view.titles = [self._title(c) for c in range(n + 1)]
        view.node_values, view.node_scales = [None] * (n + 1), [1.0] * (n + 1)
        view.node_quantity, view.pending = [None] * (n + 1), [False] * (n + 1)
        view.node_images = [None] * (n + 1)
        s = self.sample
        if self._x is not None:
            self._set_nodes(view, 0, self._x, "x", bounded=False)
        if kind is None:
            self._idle_nodes(view)
            self._neuron_images(view)
        elif kind in ("forward", "loss"):
            for c in range(1, n + 1):
                if c in self._a and (kind == "loss" or c <= k):
                    act = self._activations[c - 1] if c - 1 < len(self._activations) else ""
                    self._set_nodes(view, c, self._a[c], "a", bounded=act in BOUNDED)
                else:
                    view.pending[c] = True
        elif kind == "backward":
            for c in range(1, n + 1):
                if c in self._delta and c >= k:
                    self._set_nodes(view, c, self._delta[c], "δ", bounded=False)
                else:
                    view.pending[c] = True
        elif kind == "update" and self._update:
            self._bias_nodes(view, [u.get("delta_b") for u in self._update], "Δb")
        self._links(view, kind, k, n)
        self._captions(view, kind, k, n, s)
        return view

    def _set_nodes(self, view, c, batch, quantity, bounded) -> None:
        s = min(self.sample, len(batch) - 1)
        view.node_values[c] = np.asarray(batch[s])
        top = float(np.max(np.abs(batch))) if np.size(batch) else 0.0
        view.node_scales[c] = 1.0 if bounded else (top if top > 0 and np.isfinite(top) else 1.0)
        view.node_quantity[c] = quantity

    def _idle_nodes(self, view) -> None:
        if self._weights is None:
            return
        self._bias_nodes(view, [b for _, b in self._weights], "b")

    def _neuron_images(self, view) -> None:
        """Idle: every neuron shows what it computes (its map of the plane, or for digits
        its incoming weights), when the snapshot measured it. The pictures are made once
        per snapshot: choosing a sample or leaving the stepper rebuilds the view, not them."""
        if self._neurons is None or self.summarised or len(self._neurons) != len(view.sizes) - 1:
            return
        made_for = (self._neurons, self._activations)
        if (self._images_for is None or self._images_for[0] is not made_for[0]
                or self._images_for[1] != made_for[1]):
            self._images = [self._layer_images(c, neurons)
                            for c, neurons in enumerate(self._neurons, start=1)]
            self._images_for = made_for
        view.node_images[1:] = self._images

    def _layer_images(self, c: int, neurons) -> list | None:
        act = self._activations[c - 1] if c - 1 < len(self._activations) else ""
        if neurons.maps is not None:
            top = float(np.max(np.abs(neurons.maps))) if neurons.maps.size else 1.0
            return map_images(neurons.maps, act, top)
        if neurons.images is not None:
            return [weight_image(m) for m in neurons.images]
        return None

    @staticmethod
    def _bias_nodes(view, biases, quantity: str) -> None:
        """Nodes show one bias number each, on a common scale; a layer without a bias
        (None) leaves its nodes blank."""
        top = max((float(np.max(np.abs(b))) for b in biases if b is not None and b.size),
                  default=0.0)
        for c, b in enumerate(biases, start=1):
            if b is None:
                continue
            view.node_values[c], view.node_quantity[c] = b, quantity
            view.node_scales[c] = top or 1.0

    def _links(self, view, kind, k, n) -> None:
        if kind == "update" and self._update:
            matrices = [u["delta_W"] for u in self._update]
            view.link_quantity = "ΔW"
            view.link_rms = [float(np.sqrt(np.mean(np.square(m)))) if m.size else None
                             for m in matrices]
        else:
            matrices = [W for W, _ in self._weights] if self._weights is not None else [None] * n
            view.link_rms = list(self._weight_rms) + [None] * (n - len(self._weight_rms))
        view.link_values = list(matrices)
        view.link_scale = max((float(np.max(np.abs(m))) for m in matrices
                               if m is not None and m.size), default=1.0) or 1.0
        if kind == "forward":
            view.link_emphasis = {k}
        elif kind == "loss":
            view.link_emphasis = set()
        elif kind == "backward":
            view.link_emphasis = {k + 1} if k < n else set()

    def _title(self, c: int) -> tuple[str, str]:
        units = self._sizes[c]
        if c == 0:
            return "input x", f"{units} feature{'s' if units != 1 else ''}"
        act = self._activations[c - 1] if c - 1 < len(self._activations) else ""
        name = f"layer {c} · output" if c == len(self._sizes) - 1 else f"layer {c}"
        return name, f"{units} {act}".strip()

    def _captions(self, view, kind, k, n, s) -> None:
        batch = f" of sample {s + 1} of {self.n_samples}" if self.n_samples > 1 else ""
        links = "links: weights W (blue +, orange −, width ∝ |w|)"
        dashed = " · dashed nodes: not computed yet"
        if kind is None:
            view.legend_nodes = ("nodes: each neuron's activation over the input plane"
                                 if any(images is not None for images in view.node_images)
                                 else "nodes: bias b")
            view.legend_links = links + " · hover for a value, click to open or set it"
            links = view.legend_links
        elif kind == "forward":
            view.legend_nodes = f"nodes: activations a = f(z){batch}"
            links += dashed
            view.pill, view.flow = f"a{sub(k)}", (k - 1, k, f"W{sub(k)}")
        elif kind == "loss":
            view.legend_nodes = f"nodes: activations a{batch}"
            view.pill, view.flow, view.loss_active = "ŷ", (n, n + 1, "ŷ vs y"), True
        elif kind == "backward":
            view.legend_nodes = f"nodes: δ = ∂L/∂z{batch}, colour scaled per layer"
            links += dashed
            caption = "∂L/∂z" if k == n else f"δ{sub(k + 1)} W{sub(k + 1)}ᵀ"
            view.pill, view.flow = f"δ{sub(k)}", (k + 1, k, caption)
        elif kind == "update":
            view.legend_nodes = "nodes: change of the bias Δb in this step"
            links = "links: change of the weight ΔW (blue up, orange down, width ∝ |ΔW|)"
            view.banner = "update: every weight and bias moves"
        view.legend_links = links
        if self.summarised:
            view.note = (f"summarised network ({' → '.join(str(m) for m in self._sizes)}): at "
                         f"most {SUMMARY_NODES} nodes a layer, links drawn as bundles "
                         f"(opacity ∝ RMS)")
        if self._loss is not None and kind in ("loss", "backward", "update"):
            view.loss_text = fmt(self._loss["loss"])
            if kind != "update":
                view.target_text = self._target_text(s)

    def _target_text(self, s: int) -> str:
        prediction = np.ravel(self._loss["prediction"][min(s, len(self._loss["prediction"]) - 1)])
        target = np.ravel(self._loss["target"][min(s, len(self._loss["target"]) - 1)])

        def short(values):
            if values.size > 3:
                return f"class {int(np.argmax(values))}"
            return ", ".join(fmt(v, 2) for v in values)
        truth = short(target) if target.size > 1 else fmt(target[0], 3)
        label = f"sample {s + 1}\n" if self.n_samples > 1 else ""
        return f"{label}ŷ {short(prediction)}\ny {truth}"

    # -- Qt ------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(560, 400)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 160)

    @guarded("network diagram")
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            paint(painter, QRectF(self.rect()), self.current_view(), self.font())
        finally:
            painter.end()
