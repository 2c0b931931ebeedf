"""Weight initializers: where gradient descent starts.

A layer's weights ``W`` have shape ``(fan_in, fan_out)``. The scaled schemes keep the variance
of activations (forward) and of error signals (backward) roughly constant from layer to layer,
which is what keeps gradients from vanishing or exploding at the start of training:

=================  ==========================================  ============================
name               distribution                                idea
=================  ==========================================  ============================
``zeros``          0                                           every unit identical: shows
                                                               why symmetry must be broken
``uniform``        U[0, 1)                                     the classic XOR example
``xavier_uniform`` U[−a, a], a = √(6 / (fan_in + fan_out))     Glorot & Bengio, for tanh
``xavier_normal``  N(0, 2 / (fan_in + fan_out))
``he_uniform``     U[−a, a], a = √(6 / fan_in)                 He et al., for ReLU
``he_normal``      N(0, 2 / fan_in)
``lecun_normal``   N(0, 1 / fan_in)                            for SELU-like units
=================  ==========================================  ============================

Normals are untruncated (as ``torch.nn.init``). Biases always start at 0. Every draw comes from
the generator passed in, so a seed reproduces the same network.
"""

from __future__ import annotations

import math

import numpy as np

INITIALIZERS = ("zeros", "uniform", "xavier_uniform", "xavier_normal", "he_uniform",
                "he_normal", "lecun_normal")


def initial_weights(name: str, fan_in: int, fan_out: int, rng: np.random.Generator,
                    dtype=np.float32) -> np.ndarray:
    """Return a ``(fan_in, fan_out)`` weight matrix drawn with scheme ``name``."""
    shape = (fan_in, fan_out)
    if name == "zeros":
        w = np.zeros(shape)
    elif name == "uniform":
        w = rng.random(shape)
    elif name == "xavier_uniform":
        a = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-a, a, shape)
    elif name == "xavier_normal":
        w = rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), shape)
    elif name == "he_uniform":
        a = math.sqrt(6.0 / fan_in)
        w = rng.uniform(-a, a, shape)
    elif name == "he_normal":
        w = rng.normal(0.0, math.sqrt(2.0 / fan_in), shape)
    elif name == "lecun_normal":
        w = rng.normal(0.0, math.sqrt(1.0 / fan_in), shape)
    else:
        raise KeyError(f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}")
    return w.astype(dtype)


#: the scheme each activation's variance argument calls for: He for the ReLU family (half the
#: units are off, so twice the variance), Xavier/Glorot for the symmetric and linear ones
RECOMMENDED = {"relu": "he_uniform", "leaky_relu": "he_uniform", "elu": "he_uniform",
               "gelu": "he_uniform", "tanh": "xavier_uniform", "sigmoid": "xavier_uniform",
               "linear": "xavier_uniform", "softmax": "xavier_uniform"}
#: the same scheme drawn from a normal instead of a uniform distribution
_NORMAL = {"he_uniform": "he_normal", "xavier_uniform": "xavier_normal"}


def recommended_init(activation: str, normal: bool = False) -> str:
    """The initializer that suits ``activation`` (uniform, or its normal twin)."""
    scheme = RECOMMENDED.get(activation, "xavier_uniform")
    return _NORMAL[scheme] if normal else scheme


def init_after_activation_change(old_activation: str, new_activation: str, init: str) -> str:
    """The initializer follows the activation while it is the one recommended for the old
    activation (uniform or normal); one the user chose otherwise is kept."""
    for normal in (False, True):
        if init == recommended_init(old_activation, normal):
            return recommended_init(new_activation, normal)
    return init


def with_activation(layer: dict, activation: str) -> dict:
    """A copy of the ``layer`` settings with ``activation``, its initializer following the
    change (:func:`init_after_activation_change`); hand-set weights keep their numbers."""
    new = dict(layer, activation=activation)
    old = layer.get("activation", activation)
    if "init" in layer:
        new["init"] = init_after_activation_change(old, activation, layer["init"])
    return new
