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
        "description": "60 noisy moons, half of them kept for validation, and a 64×64 "
                       "network: by epoch 500 the training loss is near 0 while the "
                       "validation loss has risen from 0.31 (epoch 3) to 2.2. L2 0.01 brings "
                       "it to about 0.48, dropout 0.5 to about 1.5, early stopping keeps the "
                       "epoch-3 weights (0.31).",
        "seed": 0,
        "data": {"source": "moons", "samples": 60, "noise": 0.3, "validation_split": 0.5},
        "network": {"layers": _layers([64, 64], "relu", 2, "softmax", init="he_uniform"),
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 10,
                     "epochs": 500},
    },
    "learning_rate_too_high": {
        "name": "Learning rate too high",
        "description": "The spiral with plain SGD at a learning rate of 3: each step "
                       "overshoots, the loss jumps between about 2.5 and 5.4 — far above "
                       "the 0.69 of a 50/50 guess — and accuracy stays near chance. Lower "
                       "the rate to 0.01 while it trains: the loss falls back under 0.7 "
                       "and stops jumping.",
        "seed": 0,
        "data": {"source": "spiral", "samples": 500, "noise": 0.1, "validation_split": 0.2,
                 "features": ["x1", "x2", "sin(x1)", "sin(x2)"]},
        "network": {"layers": _layers([8, 8], "tanh", 2, "softmax"), "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 3.0}, "batch_size": 10,
                     "epochs": 300},
    },
    "learning_rate_too_low": {
        "name": "Learning rate too low",
        "description": "The spiral with Adam at a learning rate of 0.0001: after 150 epochs "
                       "the loss has only crept from 0.69 to about 0.66 and accuracy is "
                       "about 64 %. The Spiral example, the same at 0.01, is at 0.24 and "
                       "90 % by then.",
        "seed": 0,
        "data": {"source": "spiral", "samples": 500, "noise": 0.1, "validation_split": 0.2,
                 "features": ["x1", "x2", "sin(x1)", "sin(x2)"]},
        "network": {"layers": _layers([8, 8], "tanh", 2, "softmax"), "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "adam", "learning_rate": 0.0001}, "batch_size": 10,
                     "epochs": 300},
    },
    "xor_local_minimum": {
        "name": "XOR stuck in a local minimum",
        "description": "The classic 2-2-1 sigmoid XOR, Xavier-normal weights, seed 14: "
                       "gradient descent settles with two of the four outputs at 0.5 (loss "
                       "0.125, accuracy 50 %) and stays there for 50 000 epochs. Change the "
                       "seed and it solves XOR.",
        "seed": 14,
        "data": {"source": "xor", "samples": 4, "noise": 0.0, "validation_split": 0.0},
        "network": {"layers": _layers([2], "sigmoid", 1, "sigmoid", init="xavier_normal"),
                    "loss": "mse"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 1.0}, "batch_size": 4,
                     "epochs": 20000, "shuffle": False},
    },
    "exploding_gradients": {
        "name": "Exploding gradients",
        "description": "Six ReLU layers, SGD at 0.3 on the sine surface: a few large "
                       "gradients throw the weights far away and the loss becomes NaN in the "
                       "first epoch. Set Clip norm to 1 and the same run trains (loss about "
                       "0.013 after 100 epochs).",
        "seed": 0,
        "data": {"source": "sine", "samples": 400, "noise": 0.1, "validation_split": 0.2},
        "network": {"layers": _layers([16] * 6, "relu", 1, "linear", init="he_normal"),
                    "loss": "mse"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.3}, "batch_size": 10,
                     "epochs": 100},
    },
    "underfitting": {
        "name": "Underfitting",
        "description": "A disc inside a ring and a network with no hidden layer: a straight "
                       "line cannot separate them, so accuracy stays near 50 %. A hidden "
                       "layer (the Circle example) or the features x1², x2² reach 100 %.",
        "seed": 0,
        "data": {"source": "circle", "samples": 400, "noise": 0.05, "validation_split": 0.2},
        "network": {"layers": _layers([], "relu", 2, "softmax", init="he_uniform"),
                    "loss": "cross_entropy"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
                     "batch_size": 10, "epochs": 100},
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
