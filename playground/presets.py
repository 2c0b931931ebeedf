"""Ready-made experiments, each showing one idea. ``DEFAULT`` is what the app opens first.

Every preset is a plain experiment dict (validated when used); the same files ship in
``assets/examples/`` for the command line.
"""

from __future__ import annotations

import copy

from .experiment import Experiment


def _spiral_2x8_tanh() -> dict:
    """The default spiral (500 points, sin features) and its 2×8 tanh network: the examples
    that vary only the training on it share these."""
    return {"data": {"source": "spiral", "samples": 500, "noise": 0.1, "validation_split": 0.2,
                     "features": ["x1", "x2", "sin(x1)", "sin(x2)"]},
            "network": {"layers": _layers([8, 8], "tanh", 2, "softmax"),
                        "loss": "cross_entropy"}}


def _layers(hidden: list[int], activation: str, out_units: int, out_activation: str,
            init: str = "xavier_uniform", dropout: float = 0.0) -> list[dict]:
    layers = [{"units": u, "activation": activation, "init": init, "dropout": dropout}
              for u in hidden]
    layers.append({"units": out_units, "activation": out_activation, "init": init,
                   "dropout": 0.0})
    return layers


# Trask's "A neural network in 11 lines of Python": np.random.seed(1), then
# syn0 = 2*np.random.random((3, 4)) - 1 and syn1 = 2*np.random.random((4, 1)) - 1, written out
TRASK_SYN0 = [[-0.165955990594852, 0.4406489868843162, -0.9997712503653102,
               -0.39533485473632046],
              [-0.7064882183657739, -0.8153228104624044, -0.6274795772446582,
               -0.3088785459139045],
              [-0.20646505153866013, 0.07763346800671389, -0.1616109711934104,
               0.370439000793519]]
TRASK_SYN1 = [[-0.5910955005369651], [0.7562348727818908], [-0.9452248136041477],
              [0.34093502035680445]]

WORKED_EXAMPLES: dict[str, dict] = {
    "worked_example_2_2_2": {
        "name": "Worked example: one step by hand (2-2-2)",
        "description": (
            "Matt Mazur's \"A Step by Step Backpropagation Example\": inputs 0.05, 0.10, "
            "targets 0.01, 0.99, weights w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55, biases "
            ".35 (hidden) and .60 (output), sigmoid everywhere, learning rate 0.5. Step one "
            "iteration and compare: total error 0.298371109, then w5 = 0.35891648, "
            "w1 = 0.149780716. Mazur's error is ½Σ(target − out)²; this program's mse is the "
            "mean over the outputs, which for two outputs is the same number, so the gradients "
            "and the update are his. W holds one row per input: W₁ = [[w1, w3], [w2, w4]], "
            "W₂ = [[w5, w7], [w6, w8]]. Each neuron has its own bias here (both start at .35 "
            "or .60) and the biases learn too; Mazur keeps his shared biases fixed, which "
            "changes none of his weight updates."),
        "seed": 0,
        "data": {"source": "table", "inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]],
                 "validation_split": 0.0},
        "network": {"layers": [
            {"units": 2, "activation": "sigmoid", "weights": [[0.15, 0.25], [0.20, 0.30]],
             "bias": [0.35, 0.35]},
            {"units": 2, "activation": "sigmoid", "weights": [[0.40, 0.50], [0.45, 0.55]],
             "bias": [0.60, 0.60]}], "loss": "mse"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 0.5}, "batch_size": 1,
                     "epochs": 1, "shuffle": False, "dtype": "float64"},
    },
    "xor_numpy_classic": {
        "name": "Classic NumPy XOR (no biases)",
        "description": (
            "Andrew Trask's \"A neural network in 11 lines of Python\": the four XOR rows "
            "with a third input fixed at 1 (it plays the bias), 3 → 4 sigmoid → 1 sigmoid, "
            "no bias anywhere, the random weights of np.random.seed(1) written out, full batch, "
            "5000 epochs. His update adds Xᵀ·δ with δ = (y − ŷ)·ŷ(1 − ŷ): the gradient of "
            "½Σ(y − ŷ)² over the 4 samples with step 1. This program's mse is the mean over "
            "the samples, whose gradient is 2/4 of that, so a learning rate of 2 makes "
            "exactly his steps."),
        "seed": 0,
        "data": {"source": "table", "inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
                 "targets": [0, 1, 1, 0], "validation_split": 0.0},
        "network": {"layers": [
            {"units": 4, "activation": "sigmoid", "use_bias": False, "weights": TRASK_SYN0},
            {"units": 1, "activation": "sigmoid", "use_bias": False, "weights": TRASK_SYN1}],
            "loss": "mse"},
        "training": {"optimizer": {"name": "sgd", "learning_rate": 2.0}, "batch_size": 4,
                     "epochs": 5000, "shuffle": False, "dtype": "float64"},
    },
}

PRESETS: dict[str, dict] = {
    "spiral": {
        "name": "Spiral",
        "description": "Two interleaved spiral arms: a classic that needs hidden layers. "
                       "The sin features make it learnable by a small network.",
        "seed": 0,
        **_spiral_2x8_tanh(),
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
                       "overshoots, the training loss jumps around between about 2 and 6 "
                       "(the validation loss spikes higher still) — far above the 0.69 of a "
                       "50/50 guess — and accuracy stays near chance. Lower "
                       "the rate to 0.01 while it trains: the loss falls back under 0.7 "
                       "and stops jumping.",
        "seed": 0,
        **_spiral_2x8_tanh(),
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
        **_spiral_2x8_tanh(),
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
    **WORKED_EXAMPLES,
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
