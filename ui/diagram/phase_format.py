"""Words and numbers for the backprop stepper: what the phase table and captions show.

The engine hands the window a :class:`~playground.nn.backprop.Phase` with copies of the arrays one
phase read and wrote. This module turns a phase into rows of ``(quantity, value)`` text for the
phase table and into one plain-language sentence, without Qt, so it is easy to test:

- numbers get 4 significant digits and a real minus sign (``−0.5488``, ``1.2e−5``);
- small arrays are written out, one matrix row per line (at most 4 numbers a line);
- larger ones are summarised: shape, mean, std, min, max and the norm ‖·‖;
- per-sample quantities (``z``, ``a``, ``δ`` …) show one sample of the batch (the one picked
  in the panel); batch quantities (``∂L/∂W``, ``∂L/∂b``) are sums over the whole batch.

No learning math happens here: every number shown was computed by the engine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from playground.nn.backprop import clip_formula, sub
from playground.optim.rules import OPTIMIZERS, Optimizer, make_optimizer

MINUS = "\u2212"
#: arrays with at most this many numbers (matrices: at most MAX_COLUMNS columns, so that a
#: matrix row stays one line) are written out
MAX_SHOWN = 32
MAX_COLUMNS = 4
PER_LINE = 4
#: the loss phase lists at most this many samples
MAX_SAMPLES_LISTED = 8


@dataclass(frozen=True)
class Row:
    quantity: str       # e.g. "z₁ = x W₁ + b₁"
    value: str          # formatted numbers (may span several lines)
    detail: str = ""    # tooltip: shape and full precision


def fmt(value: float, digits: int = 4) -> str:
    """``value`` with ``digits`` significant digits, a real minus sign and a short exponent."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


def fmt_vector(values, digits: int = 4, per_line: int = PER_LINE) -> str:
    """A 1-D array as right-aligned numbers, ``per_line`` a line."""
    texts = [fmt(v, digits) for v in np.ravel(values)]
    if not texts:
        return "(empty)"
    width = max(len(t) for t in texts)
    lines = ["  ".join(t.rjust(width) for t in texts[i:i + per_line])
             for i in range(0, len(texts), per_line)]
    return "\n".join(lines)


def summary(values) -> str:
    """Shape, mean, std, min, max and norm of an array (for large ones)."""
    a = np.asarray(values, dtype=np.float64)
    shape = "×".join(str(n) for n in a.shape) or "scalar"
    if a.size == 0:
        return f"{shape} (empty)"
    return (f"{shape}: mean {fmt(a.mean(), 3)}  std {fmt(a.std(), 3)}\n"
            f"min {fmt(a.min(), 3)}  max {fmt(a.max(), 3)}  ‖·‖ {fmt(np.linalg.norm(a), 3)}")


def fmt_array(values, digits: int = 4) -> str:
    """Small arrays written out (a matrix one row per line), large ones summarised."""
    a = np.asarray(values)
    if a.ndim == 0:
        return fmt(a.item(), digits)
    if a.size > MAX_SHOWN or (a.ndim == 2 and a.shape[1] > MAX_COLUMNS) or a.ndim > 2:
        return summary(a)
    if a.ndim == 1:
        return fmt_vector(a, digits)
    texts = [[fmt(v, digits) for v in row] for row in a]
    width = max((len(t) for row in texts for t in row), default=1)
    lines = []
    for row in texts:
        for i in range(0, len(row), PER_LINE):
            lines.append("  ".join(t.rjust(width) for t in row[i:i + PER_LINE]))
    return "\n".join(lines)


def _shape(values) -> str:
    return "×".join(str(n) for n in np.shape(values))


def _row(quantity: str, values, digits: int = 4) -> Row:
    detail = f"shape {_shape(values)}" if np.ndim(values) else ""
    return Row(quantity, fmt_array(values, digits), detail)


def activation_name(phase) -> str:
    """The activation named in a forward formula (``a₂ = tanh(z₂)`` → ``tanh``), else ``f``."""
    match = re.search(r"a\S* = ([a-z_]+)\(z", phase.formula)
    return match.group(1) if match else "f"


def phase_index(phase) -> int:
    """Position of a phase in its iteration, 1-based: forward 1…L, loss, backward L…1, update."""
    n = phase.n_layers
    if phase.kind == "forward":
        return phase.layer + 1
    if phase.kind == "loss":
        return n + 1
    if phase.kind == "backward":
        return n + 1 + (n - phase.layer)
    return 2 * n + 2


def phase_count(n_layers: int) -> int:
    return 2 * n_layers + 2


def batch_size(phase) -> int:
    """How many samples the phase's per-sample arrays hold (0 for the update phase)."""
    for key in ("z", "prediction", "delta"):
        if key in phase.values:
            return int(np.shape(phase.values[key])[0])
    return 0


# -- table rows per phase kind ---------------------------------------------------------------
def rows_for(phase, sample: int = 0) -> list[Row]:
    """The table rows for ``phase``; per-sample arrays show sample ``sample`` (0-based)."""
    maker = {"forward": _forward_rows, "loss": _loss_rows, "backward": _backward_rows,
             "update": _update_rows}.get(phase.kind)
    if maker is None:
        return []
    n = batch_size(phase)
    return maker(phase, min(max(sample, 0), max(n - 1, 0)))


def _forward_rows(phase, s: int) -> list[Row]:
    v, k = phase.values, phase.layer + 1
    prev = "x" if k == 1 else f"a{sub(k - 1)}"
    act = activation_name(phase)
    bias = f" + b{sub(k)}" if "b" in v else ""
    rows = [_row(f"{prev}  (input)" if k == 1 else f"{prev}  (from layer {k - 1})",
                 v["a_prev"][s]),
            _row(f"W{sub(k)}  ({_shape(v['W'])})", v["W"])]
    if "b" in v:
        rows.append(_row(f"b{sub(k)}", v["b"]))
    rows += [_row(f"z{sub(k)} = {prev} W{sub(k)}{bias}", v["z"][s]),
             _row(f"a{sub(k)} = {act}(z{sub(k)})", v["a"][s])]
    if "mask" in v:
        rows.append(_row(f"m{sub(k)}  (dropout mask)", v["mask"][s]))
        rows.append(_row(f"out{sub(k)} = a{sub(k)} ⊙ m{sub(k)}", v["out"][s]))
    return rows


def _target_text(target) -> str:
    t = np.ravel(target)
    return fmt_vector(t, per_line=8) if t.size > 1 else fmt(t[0])


def _loss_rows(phase, s: int) -> list[Row]:
    v = phase.values
    prediction, target = v["prediction"], v["target"]
    n = len(prediction)
    shown = min(n, MAX_SAMPLES_LISTED)
    predicted = [fmt_vector(prediction[i], per_line=8) for i in range(shown)]
    width = max((len(t) for t in predicted), default=1)
    lines = [f"{i + 1:>2} {'▸' if i == s else ' '} {predicted[i].ljust(width)}  │ "
             f"{_target_text(target[i])}" for i in range(shown)]
    if n > shown:
        lines.append(f"   … {n - shown} more samples")
    rows = [Row("ŷ │ y  for each sample  (▸ shown)", "\n".join(lines))]
    if v.get("penalty"):
        # the penalty terms in use, as the engine's loss formula names them
        terms = [t for t in ("l1·Σ|W|", "l2·ΣW²") if t in phase.formula] or ["penalty"]
        rows.append(Row("data loss (batch mean)", fmt(v["data_loss"])))
        rows.append(Row(f"penalty  ({' + '.join(terms)})", fmt(v["penalty"])))
        rows.append(Row("L = data loss + penalty", fmt(v["loss"])))
    else:
        rows.append(Row(f"{phase.formula}  (batch mean)", fmt(v["loss"])))
    return rows


def _backward_rows(phase, s: int) -> list[Row]:
    v, k, n = phase.values, phase.layer + 1, phase.n_layers
    prev = "x" if k == 1 else f"a{sub(k - 1)}"
    rows = []
    # ∂L/∂a reaches the layer through its dropout mask, if it has one: what comes back from
    # layer k+1 is ∂L/∂out_k, and ∂L/∂a_k = ∂L/∂out_k ⊙ m_k
    if "grad_out" in v and "mask" in v:
        rows.append(_row(f"∂L/∂out{sub(k)} = δ{sub(k + 1)} W{sub(k + 1)}ᵀ", v["grad_out"][s]))
        rows.append(_row(f"m{sub(k)}  (dropout mask)", v["mask"][s]))
    elif "grad_out" in v:
        rows.append(_row(f"∂L/∂a{sub(k)} = δ{sub(k + 1)} W{sub(k + 1)}ᵀ", v["grad_out"][s]))
    if k == n:
        rows.append(_row(f"ŷ = a{sub(k)}  (the output)", v["a"][s]))
    if "f_prime" in v:
        rows.append(_row(f"f′(z{sub(k)})", v["f_prime"][s]))
    if k == n:
        rows.append(_row(f"δ{sub(k)} = ∂L/∂z{sub(k)}  (output error)", v["delta"][s]))
    elif "mask" in v:
        rows.append(_row(f"δ{sub(k)} = (∂L/∂out{sub(k)} ⊙ m{sub(k)}) ⊙ f′(z{sub(k)})",
                         v["delta"][s]))
    else:
        rows.append(_row(f"δ{sub(k)} = ∂L/∂a{sub(k)} ⊙ f′(z{sub(k)})", v["delta"][s]))
    rows.append(_row(f"∂L/∂W{sub(k)} = {prev}ᵀ δ{sub(k)}  (Σ batch)", v["grad_W"]))
    if "grad_b" in v:
        rows.append(_row(f"∂L/∂b{sub(k)} = Σ δ{sub(k)}  (Σ batch)", v["grad_b"]))
    if "penalty_grad_W" in v:
        rows.append(_row(f"+ penalty gradient of W{sub(k)}", v["penalty_grad_W"]))
    return rows


def _update_rows(phase, s: int) -> list[Row]:
    v = phase.values
    rows = [Row("η  (learning rate)", fmt(v["learning_rate"])),
            Row("‖g‖  (gradient norm)", fmt(v["grad_norm"]))]
    if v.get("clip_scale", 1.0) != 1.0:
        rows.append(Row("clip scale", fmt(v["clip_scale"])))
    for i, layer in enumerate(phase.per_layer):
        k = sub(i + 1)
        rows += [_row(f"W{k} before  ({_shape(layer['W_before'])})", layer["W_before"]),
                 _row(f"∂L/∂W{k}", layer["grad_W"]),
                 _row(f"ΔW{k}  (the change)", layer["delta_W"]),
                 _row(f"W{k} after", layer["W_after"])]
        if "b_before" in layer:
            rows.append(_bias_row(k, layer))
    return rows


def _bias_row(k: str, layer: dict) -> Row:
    """Biases before, their change and after, one line each (small layers)."""
    b = np.stack([layer["b_before"], layer["delta_b"], layer["b_after"]])
    if b.shape[1] <= PER_LINE:
        return _row(f"b{k}: before / Δb{k} / after", b)
    return _row(f"Δb{k}  (the change of b{k})", layer["delta_b"])


# -- the update rule ----------------------------------------------------------------------------
@dataclass(frozen=True)
class UpdateRule:
    """How the update phase changes the weights, in the engine's own words.

    ``formula`` is what the engine's optimizer reports (``Optimizer.update_formula()``, the
    same text the update phase carries); ``notes`` name what else shapes the step: the L1/L2
    penalty inside ∂L/∂w, weight decay, gradient clipping, a learning-rate schedule."""

    name: str                     # "Adam", "SGD with momentum", …
    formula: str                  # "g = ∂L/∂w;  m ← β₁·m + (1−β₁)·g;  …"
    notes: tuple[str, ...] = ()
    how: str = ""                 # the optimizer's own sentence on what its update does

    @property
    def plain_sgd(self) -> bool:
        return self.formula == SGD_RULE.formula

    def lines(self) -> str:
        """The formula one step a line, then the notes."""
        return "\n".join([*self.formula.split(";  "), *self.notes])


#: plain SGD's rule, in the engine's own words
SGD_RULE = UpdateRule("SGD", make_optimizer({"name": "sgd"}, 1, np.float64).update_formula())


def optimizer_name(config: dict) -> str:
    """The optimizer's title for its settings ("SGD with momentum"), in its class's words."""
    optimizer = OPTIMIZERS.get(config.get("name", "sgd"))
    return optimizer.variant_title(config) if optimizer else config.get("name", "")


def update_rule(experiment) -> UpdateRule:
    """The update rule ``experiment`` trains with: the formula comes from the engine's
    optimizer built from the experiment's settings (no math here)."""
    config = dict(experiment.get("training.optimizer"))
    formula = make_optimizer(config, 1, np.float64).update_formula()
    training = experiment.get("training")
    notes = []
    if training.get("l1") or training.get("l2"):
        terms = [t for t, on in ((f"l1·sign(w) (l1 = {fmt(training.get('l1') or 0)})",
                                  training.get("l1")),
                                 (f"2·l2·w (l2 = {fmt(training.get('l2') or 0)})",
                                  training.get("l2"))) if on]
        notes.append("∂L/∂w includes the penalty gradient " + " + ".join(terms))
    if config.get("weight_decay"):
        notes.append(f"weight decay λ = {fmt(config['weight_decay'])} (added to g, as in "
                     f"torch.optim)")
    if training.get("clip_norm") is not None:
        notes.append(f"clipping first: {clip_formula(training['clip_norm'])} "
                     f"(‖∇L‖ over all parameters)")
    schedule = training.get("lr_schedule")
    if schedule:
        notes.append(f"η follows the {schedule.get('name', '')} schedule".replace("  ", " "))
    return UpdateRule(optimizer_name(config), formula, tuple(notes),
                      OPTIMIZERS[config["name"]].explain(config))


def roadmap_rows(n_layers: int, rule: UpdateRule | None = None) -> list[Row]:
    """Before the first step: the 2L+2 phases of one iteration and what each computes."""
    rule = rule or SGD_RULE
    n = n_layers
    def span(first, last):
        return f"phase {first}" if first == last else f"phases {first}–{last}"
    return [Row(f"{span(1, n)}: forward, layer 1 → {n}", "z = a W + b;  a = f(z)"),
            Row(f"{span(n + 1, n + 1)}: loss", "L = loss(ŷ, y)"),
            Row(f"{span(n + 2, 2 * n + 1)}: backward, layer {n} → 1",
                "δ = (δ⁺ W⁺ᵀ) ⊙ f′(z)\n   (δ⁺, W⁺: the layer above)\n"
                "∂L/∂W = a_prevᵀ δ;  ∂L/∂b = Σ δ"),
            Row(f"{span(2 * n + 2, 2 * n + 2)}: update · {rule.name}", rule.lines())]


# -- captions ----------------------------------------------------------------------------------
def explanation(phase, activation: str | None = None, rule: UpdateRule | None = None) -> str:
    """One plain-language sentence about what the phase does (``activation``: the name of
    the active layer's activation function, when known; ``rule``: the update rule training
    uses, for the update phase)."""
    k, n = (phase.layer + 1 if phase.layer is not None else None), phase.n_layers
    if phase.kind == "forward":
        source = "the inputs x" if k == 1 else f"the activations of layer {k - 1}"
        return (f"Each unit of layer {k} takes {source}, weights them with its column of "
                f"W{sub(k)}, adds its bias b{sub(k)} and passes the sum z{sub(k)} through "
                f"{activation_name(phase)}: that is its activation a{sub(k)}.")
    if phase.kind == "loss":
        return ("The network's output ŷ is compared with the target y; the loss L is one "
                "number saying how wrong the network is, averaged over the batch.")
    if phase.kind == "backward":
        if k == n:
            return (f"The error signal δ{sub(k)} = ∂L/∂z{sub(k)} says how much the loss "
                    f"changes when each output unit's sum z{sub(k)} changes; multiplied by the "
                    f"layer's inputs it gives the gradients of W{sub(k)} and b{sub(k)}.")
        slope = activation or "the activation"
        return (f"The error signal of layer {k} is the error of layer {k + 1} sent back "
                f"through the weights W{sub(k + 1)}, times the slope of {slope} at "
                f"z{sub(k)}; with the inputs of layer {k} it gives ∂L/∂W{sub(k)} and "
                f"∂L/∂b{sub(k)}.")
    if phase.kind == "update":
        return _update_explanation(phase, rule)
    return ""


def _update_explanation(phase, rule: UpdateRule | None) -> str:
    lr = fmt(phase.values.get("learning_rate", float("nan")))
    formula = phase.formula
    if rule is None or not formula.endswith(rule.formula):
        # the rule on record is stale (or unknown): describe only what the phase says
        if formula == SGD_RULE.formula:
            rule = SGD_RULE
        else:
            return (f"The optimizer moves every weight against its gradient (η = {lr}, "
                    f"see the formula above); the iteration is complete.")
    if rule.plain_sgd:
        text = (f"Every weight takes a step against its gradient, w ← w − η·∂L/∂w with "
                f"η = {lr}: the network is now a little less wrong on this batch.")
    else:
        how = rule.how or Optimizer.how
        text = f"{rule.name} update, η = {lr}. {how} (see the formula above)."
    if rule.notes:
        text += " Also: " + "; ".join(rule.notes) + "."
    return text


def nobreak(text: str) -> str:
    """``text`` with word joiners after its slashes: "∂L/∂W" never breaks at the slash."""
    return text.replace("/", "/\u2060")


def table_caption(phase, sample: int) -> str:
    """What the table shows, e.g. ``layer 2 · sample 1 of 10 · ∂L/∂W summed over the batch``."""
    n = batch_size(phase)
    s = min(sample, max(n - 1, 0)) + 1
    if phase.kind == "forward":
        return f"Layer {phase.layer + 1} forward · x, z, a of sample {s} of {n}"
    if phase.kind == "loss":
        return f"Loss on the batch of {n} sample{'s' if n != 1 else ''}"
    if phase.kind == "backward":
        return (f"Layer {phase.layer + 1} backward · δ of sample {s} of {n}; "
                f"{nobreak('∂L/∂W')}, {nobreak('∂L/∂b')} summed over the batch")
    return "Update of every layer: before, gradient, change, after"
