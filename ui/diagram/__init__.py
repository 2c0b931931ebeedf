"""The network diagram and the backprop phase stepper drawn on it."""
