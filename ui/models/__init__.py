"""Qt table models over frozen read rows from the core's query services."""
