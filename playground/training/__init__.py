"""Training a network: the Trainer, early stopping, metrics, the history, the Snapshots the
window draws, and the checks that look inside an iteration (trace, gradcheck, gradient flow)."""
