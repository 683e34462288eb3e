"""sync layer of the core."""
