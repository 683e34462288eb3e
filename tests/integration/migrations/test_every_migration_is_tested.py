"""Every migration file has its own test module and a fixture vault (Picard's habit).

A new ``clinician_desk/storage/migrations/NNNN_name.sql`` fails this test until
``tests/integration/migrations/test_NNNN_*.py`` exists and the fixture vault ``vNNNN.db`` was
generated (``.venv/bin/python -m tests.fixtures.vaults.generate``).
"""

from __future__ import annotations

from pathlib import Path

from clinician_desk.storage.migrations_runner import available_migrations
from tests.fixtures.vaults.generate import fixture_path

HERE = Path(__file__).resolve().parent


def test_each_migration_has_a_test_module() -> None:
    migrations = available_migrations()
    assert migrations, "no migrations found: the package data is missing"
    missing = [
        f"{m.number:04d}_{m.name}.sql"
        for m in migrations
        if not list(HERE.glob(f"test_{m.number:04d}_*.py"))
    ]
    assert not missing, f"migrations without tests/integration/migrations/test_NNNN_*.py: {missing}"


def test_each_migration_has_a_fixture_vault() -> None:
    missing = [m.number for m in available_migrations() if not fixture_path(m.number).exists()]
    assert not missing, (
        f"no fixture vault for schema versions {missing}: run "
        "`.venv/bin/python -m tests.fixtures.vaults.generate` and commit tests/fixtures/vaults/"
    )
