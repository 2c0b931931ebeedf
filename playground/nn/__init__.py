"""The network itself: activations, initializers, Dense layers over one flat parameter buffer,
losses, and backpropagation (the one generator that training and the phase stepper share)."""
