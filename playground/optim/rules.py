"""Optimizers: how a gradient becomes a change of the weights.

Backpropagation only computes ``g = ∂L/∂w`` for every parameter ``w``; the *optimizer*
decides what to do with it.  Plain gradient descent steps against the gradient,
``w ← w − η·g``; the others keep a little memory between steps:

* **SGD with momentum** keeps a running "velocity": steps in a consistent direction build up
  speed, zig-zags cancel out.
* **Adagrad** divides each parameter's step by the root of the *sum* of all its squared
  gradients, so parameters that have seen large gradients take smaller steps.
* **RMSprop** uses a *decaying average* of squared gradients instead, so the step size
  recovers when gradients shrink again.
* **Adam** combines momentum (running mean of the gradient) with RMSprop's running mean of
  its square, and corrects both for starting at zero.

Rules, defaults and parameter names follow ``torch.optim`` (``learning_rate`` is torch's
``lr``; ``weight_decay`` is torch's coupled L2 term ``g ← g + λ·w``), and the arithmetic runs
in the order of torch's single-tensor code, so results agree with PyTorch to the last bits.

Each class below only states its rule: ``_kernel`` applies it in place to the flat vector of
all the network's parameters.  Buffers, live changes and saving are shared, in
:mod:`playground.optim.base`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from playground import blas
from playground.errors import ExperimentError, PlaygroundError
from .base import FRACTION, REGISTRY, Optimizer, validate_hyper

__all__ = ["OPTIMIZER_DEFAULTS", "Optimizer", "SGD", "Adam", "RMSprop", "Adagrad",
           "OPTIMIZERS", "make_optimizer", "validate_hyper"]


def _lerp(start, end, weight: float, scratch) -> None:
    """Running average ``start ← (1−weight)·start + weight·end``, computed like torch's
    ``lerp_``: ``start + weight·(end − start)`` (or ``end − (1−weight)·(end − start)``)."""
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        np.multiply(scratch, weight, out=scratch)
        np.add(start, scratch, out=start)
    else:
        np.multiply(scratch, 1.0 - weight, out=scratch)
        np.subtract(end, scratch, out=start)


def _decayed(p, g, out, weight_decay: float):
    """The gradient to use: ``g + λ·w`` (written to ``out``) with weight decay λ, else ``g``."""
    if weight_decay == 0.0:
        return g
    np.multiply(p, weight_decay, out=out)
    np.add(g, out, out=out)
    return out


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum — ``torch.optim.SGD``.

    Plain:     ``w ← w − η·g``
    Momentum:  ``v ← μ·v + (1−τ)·g``, then ``w ← w − η·v``  (τ = dampening).  On the very
               first step the buffer is simply ``v ← g`` (torch's rule: no decay from zero,
               no dampening).
    Nesterov:  the same ``v``, but the step goes along ``g + μ·v`` — a look-ahead to where
               the momentum is about to carry the weights.
    """

    name, title = "sgd", "SGD"
    defaults = {"learning_rate": 0.001, "momentum": 0.0, "dampening": 0.0,
                "weight_decay": 0.0, "nesterov": False}
    limits = {"dampening": {"lo": 0.0, "hi": 1.0}}
    help = {"dampening": ("Dampening", "Damps how much of the new gradient enters the "
                                       "velocity."),
            "nesterov": ("Nesterov momentum", "Look ahead along the velocity (needs momentum "
                                              "> 0 and dampening 0).")}
    how = "Every weight takes a step against its gradient"

    @classmethod
    def _check(cls, hyper: dict, path: str) -> None:
        if hyper["nesterov"] and (hyper["momentum"] <= 0.0 or hyper["dampening"] != 0.0):
            raise ExperimentError(f"{path}.nesterov",
                                  "Nesterov momentum needs momentum > 0 and dampening = 0")

    @classmethod
    def variant_title(cls, hyper: dict) -> str:
        if not hyper.get("momentum"):
            return "SGD"
        return "SGD with Nesterov momentum" if hyper.get("nesterov") else "SGD with momentum"

    @classmethod
    def explain(cls, hyper: dict) -> str:
        if not hyper.get("momentum"):
            return cls.how
        if hyper.get("nesterov"):
            return ("The velocity v accumulates past gradients; every weight steps along the "
                    "gradient plus a look-ahead μ·v")
        return "The velocity v accumulates past gradients and every weight steps along it"

    def _buffer_names(self) -> list[str]:
        h = self.hyper
        return ["_scratch"] + ["_gwd"] * bool(h["weight_decay"]) \
            + ["momentum_buffer"] * bool(h["momentum"])

    def configure(self) -> None:
        fresh = "momentum_buffer" not in self._buffers
        super().configure()
        if fresh:  # a new buffer starts with torch's first-step rule
            self.momentum_initialized = False

    def reset(self) -> None:
        super().reset()
        self.momentum_initialized = False

    def _begin_step(self) -> tuple:
        self.step_count += 1
        first = not self.momentum_initialized
        self.momentum_initialized = self.hyper["momentum"] != 0.0
        return first, self._lr

    def _kernel(self, p, g, b, first, lr) -> None:
        h, s = self.hyper, b["_scratch"]
        mu = h["momentum"]
        if mu == 0.0 and h["weight_decay"] == 0.0 and p.size < blas.AXPY_MIN:
            # plain SGD on a small network: the two calls the general path below ends with
            # (no decay, no momentum, too short for axpy), without its per-step detours
            np.multiply(g, self._typed(lr), out=s)
            np.subtract(p, s, out=p)
            return
        g = _decayed(p, g, b.get("_gwd"), h["weight_decay"])
        if mu != 0.0:
            buf = b["momentum_buffer"]
            if first:
                np.copyto(buf, g)
            else:
                np.multiply(buf, mu, out=buf)
                if h["dampening"] == 0.0:
                    np.add(buf, g, out=buf)
                else:
                    np.multiply(g, 1.0 - h["dampening"], out=s)
                    np.add(buf, s, out=buf)
            if h["nesterov"]:
                np.multiply(buf, mu, out=s)
                np.add(g, s, out=s)
                g = s
            else:
                g = buf
        if not blas.axpy(-lr, g, p):          # one BLAS pass for large vectors
            np.multiply(g, self._typed(lr), out=s)
            np.subtract(p, s, out=p)

    def state_scalars(self) -> dict:
        return {**super().state_scalars(), "momentum_initialized": self.momentum_initialized}

    def _fresh_scalars(self, scalars: dict, fresh: set[str]) -> dict:
        if "momentum_buffer" in fresh:      # as configure(): torch's first-step rule
            scalars["momentum_initialized"] = False
        return scalars

    def _load_scalars(self, scalars: dict) -> None:
        flag = scalars.get("momentum_initialized", False)
        if not isinstance(flag, bool):
            raise PlaygroundError(f"optimizer state 'momentum_initialized' must be true or "
                                  f"false, got {flag!r}")
        self.momentum_initialized = flag

    def _rule(self) -> list[str]:
        h = self.hyper
        if h["momentum"] == 0.0:
            return ["w ← w − η·g"]
        return ["v ← μ·v + (1−τ)·g" if h["dampening"] else "v ← μ·v + g",
                "w ← w − η·(g + μ·v)" if h["nesterov"] else "w ← w − η·v"]


class Adam(Optimizer):
    """Adam (and AMSGrad) — ``torch.optim.Adam``, with torch's coupled weight decay.

    ``m ← β₁·m + (1−β₁)·g``   running mean of the gradient ("momentum");
    ``v ← β₂·v + (1−β₂)·g²``  running mean of its square (a per-parameter scale).
    Both start at zero, so early on they are too small by the factors ``1−β₁ᵗ`` and
    ``1−β₂ᵗ`` (t = step number from 1).  Dividing by them is the *bias correction*; as in
    torch it is folded into the step size and the denominator:
    ``w ← w − η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)``.
    AMSGrad uses the running maximum of ``v`` in the denominator, so steps never grow again.
    """

    name, title = "adam", "Adam"
    defaults = {"learning_rate": 0.001, "betas": [0.9, 0.999], "eps": 1e-8,
                "weight_decay": 0.0, "amsgrad": False}
    limits = {"betas": FRACTION}
    help = {"betas": ("β₁, β₂", "Decay rates of Adam's running mean of the gradient and of "
                                "its square.", (("beta1", "β₁"), ("beta2", "β₂"))),
            "amsgrad": ("AMSGrad", "Use the maximum of past squared-gradient averages.")}
    how = ("Adam keeps running means of each weight's gradient (m) and squared gradient (v) "
           "and steps by m̂/(√v̂ + ε): about η per weight, whatever the gradient's scale")

    @classmethod
    def variant_title(cls, hyper: dict) -> str:
        return "Adam (AMSGrad)" if hyper.get("amsgrad") else "Adam"

    def _buffer_names(self) -> list[str]:
        return super()._buffer_names() + ["exp_avg", "exp_avg_sq"] \
            + ["max_exp_avg_sq"] * self.hyper["amsgrad"]

    def _begin_step(self) -> tuple:
        self.step_count += 1
        beta1, beta2 = self.hyper["betas"]
        step_size = self._lr / (1.0 - beta1 ** self.step_count)
        return step_size, (1.0 - beta2 ** self.step_count) ** 0.5

    def _kernel(self, p, g, b, step_size, bias_correction2_sqrt) -> None:
        h, s, d = self.hyper, b["_scratch"], b["_denom"]
        beta1, beta2 = h["betas"]
        m, v = b["exp_avg"], b["exp_avg_sq"]
        g = _decayed(p, g, d, h["weight_decay"])  # d is free until the denominator
        _lerp(m, g, 1.0 - beta1, s)              # m ← β₁·m + (1−β₁)·g
        np.multiply(v, beta2, out=v)             # v ← β₂·v + (1−β₂)·g·g
        np.multiply(g, 1.0 - beta2, out=s)
        np.multiply(s, g, out=s)
        np.add(v, s, out=v)
        if h["amsgrad"]:
            np.maximum(b["max_exp_avg_sq"], v, out=b["max_exp_avg_sq"])
            v = b["max_exp_avg_sq"]
        np.sqrt(v, out=d)                        # denom = √v/√(1−β₂ᵗ) + ε
        np.divide(d, bias_correction2_sqrt, out=d)
        np.add(d, h["eps"], out=d)
        np.multiply(m, -step_size, out=s)        # w ← w − step_size·m/denom
        np.divide(s, d, out=s)
        np.add(p, s, out=p)

    def _rule(self) -> list[str]:
        return ["m ← β₁·m + (1−β₁)·g", "v ← β₂·v + (1−β₂)·g²", "m̂ = m/(1−β₁ᵗ)",
                "v̂ = max(v̂, v/(1−β₂ᵗ))" if self.hyper["amsgrad"] else "v̂ = v/(1−β₂ᵗ)",
                "w ← w − η·m̂/(√v̂ + ε)"]


class RMSprop(Optimizer):
    """RMSprop — ``torch.optim.RMSprop``.

    ``s ← α·s + (1−α)·g²`` is a running mean of squared gradients, so the step
    ``w ← w − η·g/(√s + ε)`` has about the same size for every parameter.
    *Centered*: also track the mean gradient ``ḡ ← α·ḡ + (1−α)·g`` and divide by
    ``√(s − ḡ²) + ε``, an estimate of the gradient's standard deviation.
    *Momentum*: ``b ← μ·b + g/(√s + ε)``, ``w ← w − η·b`` (the buffer starts at zero).
    """

    name, title = "rmsprop", "RMSprop"
    defaults = {"learning_rate": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0,
                "momentum": 0.0, "centered": False}
    limits = {"alpha": FRACTION}
    help = {"alpha": ("α (smoothing)", "Decay rate of the running average of squared "
                                       "gradients."),
            "centered": ("Centered", "Divide by the variance instead of the raw second "
                                     "moment.")}
    how = ("RMSprop divides each weight's gradient by the root of its running mean square s, "
           "so every weight takes a step of similar size")

    @classmethod
    def variant_title(cls, hyper: dict) -> str:
        extras = [w for w in ("centered", "momentum") if hyper.get(w)]
        return "RMSprop" + (f" ({', '.join(extras)})" if extras else "")

    def _buffer_names(self) -> list[str]:
        h = self.hyper
        return super()._buffer_names() + ["square_avg"] + ["_gwd"] * bool(h["weight_decay"]) \
            + ["momentum_buffer"] * bool(h["momentum"]) + ["grad_avg"] * h["centered"]

    def _kernel(self, p, g, b, lr) -> None:
        h, s, d = self.hyper, b["_scratch"], b["_denom"]
        alpha, sq = h["alpha"], b["square_avg"]
        g = _decayed(p, g, b.get("_gwd"), h["weight_decay"])
        np.multiply(sq, alpha, out=sq)           # s ← α·s + (1−α)·g·g
        np.multiply(g, 1.0 - alpha, out=s)
        np.multiply(s, g, out=s)
        np.add(sq, s, out=sq)
        if h["centered"]:
            ga = b["grad_avg"]
            _lerp(ga, g, 1.0 - alpha, s)         # ḡ ← α·ḡ + (1−α)·g
            np.multiply(ga, ga, out=d)           # denom = √(s − ḡ²) + ε
            np.subtract(sq, d, out=d)
            np.sqrt(d, out=d)
        else:
            np.sqrt(sq, out=d)                   # denom = √s + ε
        np.add(d, h["eps"], out=d)
        if h["momentum"] > 0.0:
            buf = b["momentum_buffer"]
            np.multiply(buf, h["momentum"], out=buf)  # b ← μ·b + g/denom
            np.divide(g, d, out=s)
            np.add(buf, s, out=buf)
            np.multiply(buf, lr, out=s)          # w ← w − η·b
            np.subtract(p, s, out=p)
        else:
            np.multiply(g, -lr, out=s)           # w ← w − η·g/denom
            np.divide(s, d, out=s)
            np.add(p, s, out=p)

    def _rule(self) -> list[str]:
        h = self.hyper
        parts = ["s ← α·s + (1−α)·g²"]
        parts += ["ḡ ← α·ḡ + (1−α)·g", "d = √(s − ḡ²) + ε"] if h["centered"] else ["d = √s + ε"]
        return parts + (["b ← μ·b + g/d", "w ← w − η·b"] if h["momentum"] else ["w ← w − η·g/d"])


class Adagrad(Optimizer):
    """Adagrad — ``torch.optim.Adagrad``.

    ``G ← G + g²`` sums every squared gradient a parameter has ever seen (starting from
    ``initial_accumulator_value``); the step ``w ← w − ηₜ·g/(√G + ε)`` shrinks for
    parameters that have had large gradients.  ``lr_decay`` also lowers the rate with the
    step number t (from 1): ``ηₜ = η/(1 + (t−1)·lr_decay)``.
    """

    name, title = "adagrad", "Adagrad"
    defaults = {"learning_rate": 0.01, "lr_decay": 0.0, "weight_decay": 0.0,
                "initial_accumulator_value": 0.0, "eps": 1e-10}
    limits = {"lr_decay": {"lo": 0.0}, "initial_accumulator_value": {"lo": 0.0}}
    help = {"lr_decay": ("LR decay", "Adagrad's learning-rate decay per step."),
            "initial_accumulator_value": ("Initial accumulator", "Starting value of the sum "
                                                                 "of squared gradients.")}
    how = ("Adagrad divides each weight's gradient by the root of all its squared gradients "
           "so far, so weights that moved a lot take smaller steps")

    def _buffer_names(self) -> list[str]:
        return super()._buffer_names() + ["_gwd"] * bool(self.hyper["weight_decay"]) + ["sum"]

    def reset(self) -> None:
        super().reset()
        self._state["sum"].fill(self.hyper["initial_accumulator_value"])

    def _begin_step(self) -> tuple:
        self.step_count += 1
        return (self._lr / (1.0 + (self.step_count - 1) * self.hyper["lr_decay"]),)

    def _kernel(self, p, g, b, clr) -> None:
        s, d, acc = b["_scratch"], b["_denom"], b["sum"]
        g = _decayed(p, g, b.get("_gwd"), self.hyper["weight_decay"])
        np.multiply(g, g, out=s)                 # G ← G + g·g
        np.add(acc, s, out=acc)
        np.sqrt(acc, out=d)                      # denom = √G + ε
        np.add(d, self.hyper["eps"], out=d)
        np.multiply(g, -clr, out=s)              # w ← w − ηₜ·g/denom
        np.divide(s, d, out=s)
        np.add(p, s, out=p)

    def _rule(self) -> list[str]:
        if not self.hyper["lr_decay"]:
            return ["G ← G + g²", "w ← w − η·g/(√G + ε)"]
        return ["G ← G + g²", "ηₜ = η/(1 + (t−1)·lr_decay)", "w ← w − ηₜ·g/(√G + ε)"]


#: every optimizer by name (each class registers itself when it is defined)
OPTIMIZERS: dict[str, type[Optimizer]] = REGISTRY


class _Defaults(Mapping):
    """Every optimizer's settings with their defaults, read from the classes when asked."""

    def __getitem__(self, name: str) -> dict:
        return REGISTRY[name].defaults

    def __iter__(self):
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)


OPTIMIZER_DEFAULTS: Mapping[str, dict] = _Defaults()


def make_optimizer(config: dict, n_params: int, dtype,
                   path: str = "training.optimizer") -> Optimizer:
    """Build the optimizer described by an experiment's ``training.optimizer`` object.

    ``config`` is e.g. ``{"name": "adam", "learning_rate": 0.01, "betas": [0.9, 0.999]}``;
    settings left out take torch's defaults.  Problems raise ``ExperimentError`` naming the
    key, e.g. ``training.optimizer.betas[1]``.
    """
    if not isinstance(config, dict):
        raise ExperimentError(path, 'must be an object like {"name": "sgd", ...}')
    if "name" not in config:
        raise ExperimentError(f"{path}.name", "missing; choose one of " + ", ".join(OPTIMIZERS))
    hyper = {k: val for k, val in config.items() if k != "name"}
    validate_hyper(config["name"], hyper, path)  # so that errors carry the caller's path
    return OPTIMIZERS[config["name"]](n_params, dtype, **hyper)
