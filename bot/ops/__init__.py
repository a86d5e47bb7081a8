"""Settings (the only reader of the environment), data files, logs, metrics."""
