"""Helpers shared by tests and bench: servers, seeded vaults, UI helpers, PDF text, vectors.

Test modules import helpers only from here (never from another ``test_*.py`` or a
``conftest.py``); ``tests/test_layout.py`` enforces it.
"""
