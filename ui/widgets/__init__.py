"""Reusable widgets of the desktop app (no service calls inside)."""
