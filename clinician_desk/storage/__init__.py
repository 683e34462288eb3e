"""storage layer of the core."""
