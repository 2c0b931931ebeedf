"""What connects the window to the engine while it runs: the experiment model (undoable,
validated), the training worker thread, and the redraw pacing."""
