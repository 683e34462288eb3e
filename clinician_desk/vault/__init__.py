"""vault layer of the core."""
