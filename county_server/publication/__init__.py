"""The publication: one cube of suppressed counts per refresh, and the attacker's audit of it."""
