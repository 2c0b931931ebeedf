"""Ready-made experiments, each showing one idea. ``DEFAULT`` is what the app opens first.

Every preset is a plain experiment dict (validated when used); the same files ship in
``assets/examples/`` for the command line.
"""

from __future__ import annotations

import copy

from .experiment import Experiment


def _layers(hidden: list[int], activation: str, out_units: int, out_activation: str,
            init: str = "xavier_uniform", dropout: float = 0.0) -> list[dict]:
    layers = [{"units": u, "activation": activation, "init": init, "dropout": dropout}
              for u in hidden]
    layers.append({"units": out_units, "activation": out_activation, "init": init,
                   "dropout": 0.0})
    return layers


PRESETS: dict[str, dict] = {
    "spiral": {
        "name": "Spiral",
        "description": "Two interleaved spiral arms: a classic that needs hidden layers. "
                       "The sin features make it learnable by a small network.",
        "seed": 0,
        "data": {"source": "spiral", "samples": 500, "noise": 0.1, "validation_split": 0.2,
                 "features": ["x1", "x2", "sin(x1)", "sin(x2)"]},
        "network": {"layers": _layers([8, 8], "tanh", 2, "softmax"), "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 10,
                     "epochs": 300},
    },
    "xor_classic": {
        "name": "Classic XOR",
        "description": "The four XOR points, 2 → 2 sigmoid → 1 sigmoid, MSE, full batch, "
                       "plain gradient descent: the textbook backpropagation example.",
        "seed": 1,
        "data": {"source": "xor", "samples": 4, "noise": 0.0, "validation_split": 0.0},
        "network": {"layers": _layers([2], "sigmoid", 1, "sigmoid", init="uniform"),
                    "loss": "mse"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 1.0}, "batch_size": 4,
                     "epochs": 5000, "shuffle": False},
    },
    "circle": {
        "name": "Circle",
        "description": "A disc inside a ring: one hidden layer of ReLUs draws the boundary.",
        "seed": 0,
        "data": {"source": "circle", "samples": 400, "noise": 0.05, "validation_split": 0.2},
        "network": {"layers": _layers([6], "relu", 2, "softmax", init="he_uniform"),
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
                     "batch_size": 10, "epochs": 200},
    },
    "digits": {
        "name": "Handwritten digits",
        "description": "1797 real 8×8 images of digits 0–9; 64 inputs, 10 classes.",
        "seed": 0,
        "data": {"source": "digits", "validation_split": 0.2},
        "network": {"layers": _layers([64, 32], "relu", 10, "softmax", init="he_uniform"),
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.001}, "batch_size": 32,
                     "epochs": 60,
                     "early_stopping": {"enabled": True, "monitor": "val_loss",
                                        "patience": 10, "restore_best_weights": True}},
    },
    "vanishing_gradients": {
        "name": "Vanishing gradients",
        "description": "Eight sigmoid layers: watch the error signal shrink layer by layer "
                       "in the error-signal plot, and the first layers barely learn.",
        "seed": 0,
        "data": {"source": "moons", "samples": 400, "noise": 0.1, "validation_split": 0.2},
        "network": {"layers": _layers([8] * 8, "sigmoid", 2, "softmax", init="xavier_normal"),
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": 10,
                     "epochs": 200},
    },
    "overfitting": {
        "name": "Overfitting",
        "description": "Few noisy samples and a big network: training loss falls while "
                       "validation loss rises. Try dropout, L2 or early stopping.",
        "seed": 0,
        "data": {"source": "moons", "samples": 60, "noise": 0.3, "validation_split": 0.5},
        "network": {"layers": _layers([64, 64], "relu", 2, "softmax", init="he_uniform"),
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 10,
                     "epochs": 500},
    },
    "learning_rate_too_high": {
        "name": "Learning rate too high",
        "description": "The same spiral with a learning rate of 3: the loss jumps around or "
                       "diverges. Lower it while training and watch it settle.",
        "seed": 0,
        "data": {"source": "gaussian", "samples": 300, "noise": 0.2, "validation_split": 0.2},
        "network": {"layers": _layers([8], "tanh", 2, "softmax"), "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 3.0}, "batch_size": 10,
                     "epochs": 200},
    },
    "sine_regression": {
        "name": "Sine regression",
        "description": "Fit a smooth surface y = sin(πx1)·cos(πx2/3): regression with MSE.",
        "seed": 0,
        "data": {"source": "sine", "samples": 500, "noise": 0.05, "validation_split": 0.2},
        "network": {"layers": _layers([16, 16], "tanh", 1, "linear"), "loss": "mse"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 16,
                     "epochs": 300},
    },
}

DEFAULT = "spiral"


def preset(name: str) -> Experiment:
    """The named preset as a validated :class:`Experiment`."""
    try:
        return Experiment.from_dict(copy.deepcopy(PRESETS[name]))
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None


def default_experiment() -> Experiment:
    return preset(DEFAULT)
