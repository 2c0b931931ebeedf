"""Backprop Playground's engine: neural networks trained by backpropagation in plain NumPy.

The desktop app (``ui``) and the command line (``playground.cli``) are two views of the same
objects::

    from playground import Experiment, Trainer
    exp = Experiment.from_file("spiral.json")      # or Experiment.from_dict(d); validates
    trainer = Trainer(exp)                         # builds data, network, optimizer
    snap = trainer.step_epoch()                    # also step_batch(), run(), phases()
    trainer.save("run.bpp"); Trainer.load("run.bpp")

This package never imports Qt; it runs anywhere NumPy does.
"""

__version__ = "0.1.0"

from .errors import DataError, ExperimentError, PlaygroundError, RunFileError  # noqa: E402
from .experiment import Experiment  # noqa: E402
from playground.training.trainer import Trainer  # noqa: E402

__all__ = ["Experiment", "Trainer", "PlaygroundError", "ExperimentError", "DataError",
           "RunFileError", "__version__"]
