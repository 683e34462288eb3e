"""Numbered schema migrations (``NNNN_name.sql``), applied in order by ``storage.migrations``.

Each file runs in one transaction that also bumps ``PRAGMA user_version`` to its number. Files
are immutable once released; a change to the schema is a new file (and a new test module
``tests/integration/migrations/test_NNNN_*.py`` plus a fixture vault).
"""
