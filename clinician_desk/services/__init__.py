"""services layer of the core."""
