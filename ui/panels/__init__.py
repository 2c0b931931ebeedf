"""The panels a user edits the experiment in: data, layers, training controls."""
