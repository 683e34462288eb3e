"""reports layer of the core."""
