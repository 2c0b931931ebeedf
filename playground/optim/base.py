"""The machinery every optimizer shares: settings, buffers, live changes, saving.

An optimizer sees the network's parameters as **one flat vector** ``w`` and its gradient as
another, ``g``, of the same length (the network lays all weights and biases out in a single
buffer).  That makes every update rule a handful of element-wise array operations, done
once for the whole network instead of once per layer.

* **No allocation per step.**  State (momentum, running averages) and scratch space are
  allocated when the optimizer is built; ``step`` writes into them with ``out=``.
  The gradient is only read, never written — the window still shows it afterwards.
  Scalars stay Python floats, which NumPy treats as "weak": float32 arrays stay float32
  (a ``np.float64`` scalar would quietly turn the arithmetic into float64).
* **One pass per operation, one thread.**  Each NumPy call sweeps the whole vector once, so
  the cost is (number of operations) × (vector length).  Splitting the vector into chunks
  for cache locality or for threads was measured and did not pay off inside a training loop:
  right after the matrix products the BLAS threads still occupy the other cores.
* **Live changes.**  ``learning_rate`` may be set at any moment; other settings are edited
  in ``hyper`` and applied with ``configure()``, which keeps the state that still fits.
* **Saving.**  ``state_arrays``/``state_scalars`` give the whole state (arrays for an
  ``.npz``, scalars for JSON); ``load_state`` puts it back bit for bit, so a resumed run
  continues exactly as if it had never stopped.

The update rules themselves live in :mod:`playground.optim.rules`.
"""

from __future__ import annotations

import math

import numpy as np

from playground import validation as v
from playground.errors import ExperimentError, PlaygroundError

_POSITIVE, _NON_NEGATIVE = {"lo": 0.0, "lo_open": True}, {"lo": 0.0}
FRACTION = {"lo": 0.0, "hi": 1.0, "hi_open": True}                 # [0, 1)
#: value limits of settings several optimizers share (a class adds its own in ``limits``)
SHARED_LIMITS = {"learning_rate": _POSITIVE, "eps": _POSITIVE, "momentum": FRACTION,
                 "weight_decay": _NON_NEGATIVE}
#: label and tooltip of settings several optimizers share (a class adds its own in ``help``)
SHARED_HELP = {
    "momentum": ("Momentum", "Keeps a running velocity of past updates (0 = plain SGD)."),
    "weight_decay": ("Weight decay", "torch-style decay: adds weight_decay·w to the gradient "
                                     "(biases included)."),
    "eps": ("ε", "Added to the denominator so it is never zero."),
}
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

#: every optimizer class by its experiment name, filled as the classes are defined
REGISTRY: dict[str, type["Optimizer"]] = {}


def validate_hyper(name: str, hyper: dict, path: str = "training.optimizer") -> dict:
    """Check ``hyper`` for optimizer ``name``; return all hyper-parameters, defaults filled in.

    Numbers come back as Python floats and ``betas`` as a list, so the result is JSON-ready.
    """
    v.choice(name, f"{path}.name", REGISTRY)
    return REGISTRY[name].validate(hyper, path)


class Optimizer:
    """Base class: buffers, learning rate, live changes, saving and restoring.

    A subclass describes itself — ``name`` (in the experiment), ``title`` (on screen),
    ``defaults`` (every setting, torch's values), ``limits`` and ``help`` for settings of its
    own, ``how`` (one sentence on what its update does) and ``_rule`` (the formula) — lists
    its buffers in ``_buffer_names`` (state buffers carry torch's names; scratch buffers start
    with ``_``), computes the per-step scalars in ``_begin_step`` and applies its element-wise
    rule in place in ``_kernel``. Defining the class registers it: nothing else lists
    optimizers.
    """

    name = ""
    title = ""
    defaults: dict = {}
    limits: dict = {}
    help: dict = {}
    how = "The optimizer moves every weight against its gradient"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            REGISTRY[cls.name] = cls

    @classmethod
    def validate(cls, hyper: dict, path: str = "training.optimizer") -> dict:
        """``hyper`` checked against this optimizer's settings, defaults filled in."""
        defaults = cls.defaults
        v.check_object(hyper, path, defaults)
        out = {**defaults, **hyper}
        for key, value in out.items():
            where = f"{path}.{key}"
            limit = cls.limits.get(key, SHARED_LIMITS.get(key))
            if isinstance(defaults[key], bool):
                v.boolean(value, where)
            elif isinstance(defaults[key], list):
                names = [name for name, _ in cls.elements(key)]
                if not isinstance(value, (list, tuple)) or len(value) != len(names):
                    count = "two" if len(names) == 2 else len(names)
                    raise ExperimentError(where, f"must be a list of {count} numbers "
                                                 f"[{', '.join(names)}]")
                out[key] = [v.number(b, f"{where}[{i}]", **limit) for i, b in enumerate(value)]
            else:
                out[key] = v.number(value, where, **limit)
        cls._check(out, path)
        return out

    @classmethod
    def _check(cls, hyper: dict, path: str) -> None:
        """Rules that tie settings together (checked after each one alone)."""

    @classmethod
    def setting_help(cls, key: str) -> tuple[str, str]:
        """(label, tooltip) of setting ``key``."""
        label, tip, *_ = cls.help.get(key) or SHARED_HELP.get(key) or (
            key.replace("_", " ").capitalize(), "")
        return label, tip

    @classmethod
    def elements(cls, key: str) -> tuple[tuple[str, str], ...]:
        """(name, label) of each number of a list-valued setting (Adam's betas)."""
        return cls.help[key][2]

    @classmethod
    def variant_title(cls, hyper: dict) -> str:
        """The title naming the variant the settings choose ("SGD with momentum")."""
        return cls.title

    @classmethod
    def explain(cls, hyper: dict) -> str:
        """One sentence: what the update with these settings does."""
        return cls.how

    def __init__(self, n_params: int, dtype=np.float32, **hyper):
        if isinstance(n_params, bool) or not isinstance(n_params, (int, np.integer)) \
                or n_params < 0:
            raise PlaygroundError(f"n_params must be a whole number >= 0, got {n_params!r}")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype not in _DTYPES:
            raise ExperimentError("training.dtype", f"must be float32 or float64, got {dtype!r}")
        self.n_params = int(n_params)
        self.hyper: dict = dict(hyper)
        self._buffers: dict[str, np.ndarray] = {}
        self.configure()
        self.reset()

    def configure(self) -> None:
        """Apply edits made to ``hyper`` (live changes from the window): validate them, keep
        the state buffers still in use, add fresh ones (zeros), drop the rest."""
        self.hyper.update(self.validate(self.hyper))
        self._lr = self.hyper["learning_rate"]
        old, n = self._buffers, self.n_params
        self._buffers = {k: old[k] if k in old else np.zeros(n, self.dtype)
                         for k in self._buffer_names()}
        self._state = {k: b for k, b in self._buffers.items() if not k.startswith("_")}

    @property
    def learning_rate(self) -> float:
        """η; may be changed at any moment (from the window or by a schedule)."""
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not math.isfinite(value) or value < 0:
            raise PlaygroundError(f"learning rate must be a finite number >= 0, got {value!r}")
        self._lr = self.hyper["learning_rate"] = float(value)

    def _buffer_names(self) -> list[str]:
        return ["_scratch", "_denom"]

    def reset(self) -> None:
        """Forget everything learned so far (a new training run starts from scratch)."""
        for buf in self._state.values():
            buf.fill(0)
        self.step_count = 0

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Update ``params`` in place from ``grads`` (both flat, length ``n_params``)."""
        checked = self._checked        # the arrays last checked (the network's, every step)
        if checked is None or checked[0] is not params or checked[1] is not grads:
            self._check_arrays(params, grads)
            self._checked = (params, grads)
        self._kernel(params, grads, self._buffers, *self._begin_step())

    _checked = None
    _typed_last = (None, None)

    def _typed(self, value: float) -> np.ndarray:
        """``value`` as a 0-d array of the optimizer's dtype (the last one is kept): what a
        Python float becomes in arithmetic with the parameters, without converting it on
        every call (~0.2 µs a call, which shows on tiny networks)."""
        last = self._typed_last
        if last[0] != value or last[1] is None:
            last = self._typed_last = (value, np.array(value, self.dtype))
        return last[1]

    def _check_arrays(self, params: np.ndarray, grads: np.ndarray) -> None:
        n, dt = self.n_params, self.dtype
        if params.shape != (n,) or grads.shape != (n,) or params.dtype != dt \
                or grads.dtype != dt:
            raise PlaygroundError(
                f"{self.name}: expected params and grads of shape ({n},) and dtype {dt}, got "
                f"{params.shape} {params.dtype} and {grads.shape} {grads.dtype}")

    def _begin_step(self) -> tuple:
        """Advance the step counter; return the scalars ``_kernel`` needs for this step."""
        self.step_count += 1
        return (self._lr,)

    def _kernel(self, p, g, b: dict, *scalars) -> None:
        raise NotImplementedError

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Copies of the state buffers, named as in torch's optimizer state."""
        return {key: buf.copy() for key, buf in self._state.items()}

    def state_scalars(self) -> dict:
        """The non-array state (JSON-ready): optimizer name and number of steps taken."""
        return {"name": self.name, "step": self.step_count}

    def conformed_state(self, arrays: dict, scalars: dict) -> tuple[dict, dict]:
        """State saved by this optimizer under earlier settings (``state_arrays`` and
        ``state_scalars`` before a live change) as :meth:`configure` would have left it under
        the current ones: buffers still in use kept, new ones zeros (fresh), the rest dropped.
        The trainer's start-of-epoch checkpoint goes through this when a setting changes
        mid-epoch (momentum turned on: the checkpoint had no velocity to restore)."""
        fresh = {k for k in self._state if k not in arrays}
        out = {k: arrays[k] if k in arrays else np.zeros(self.n_params, self.dtype)
               for k in self._state}
        return out, self._fresh_scalars(dict(scalars), fresh)

    def _fresh_scalars(self, scalars: dict, fresh: set[str]) -> dict:
        """``scalars`` for state whose buffers ``fresh`` have just been added (zeros)."""
        return scalars

    def load_state(self, arrays: dict, scalars: dict) -> None:
        """Restore state saved by ``state_arrays``/``state_scalars``, bit for bit."""
        saved = scalars.get("name", self.name)
        if saved != self.name:
            raise PlaygroundError(f"optimizer state was saved by {saved!r}, "
                                  f"cannot load it into {self.name!r}")
        if set(arrays) != set(self._state):
            raise PlaygroundError(
                f"{self.name} optimizer state needs arrays {sorted(self._state)}, got "
                f"{sorted(arrays)} (were the optimizer settings changed?)")
        for key, buf in self._state.items():
            arr = np.asarray(arrays[key])
            if arr.shape != buf.shape or arr.dtype != buf.dtype:
                raise PlaygroundError(
                    f"{self.name} optimizer state {key!r} has shape {arr.shape} and dtype "
                    f"{arr.dtype}; this network needs shape {buf.shape} and dtype {buf.dtype}")
        step = scalars.get("step")
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise PlaygroundError(f"optimizer state 'step' must be a whole number >= 0, "
                                  f"got {step!r}")
        self._load_scalars(scalars)
        for key, buf in self._state.items():
            np.copyto(buf, arrays[key])
        self.step_count = int(step)

    def _load_scalars(self, scalars: dict) -> None:
        """Check and restore subclass-specific scalars (before anything is changed)."""

    def update_formula(self) -> str:
        """The update rule as a short formula for the teaching view."""
        grad = "g = ∂L/∂w + λ·w" if self.hyper["weight_decay"] else "g = ∂L/∂w"
        return ";  ".join([grad, *self._rule()])

    def _rule(self) -> list[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.hyper} n_params={self.n_params}>"
