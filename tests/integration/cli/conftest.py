"""Fixtures for admin-CLI tests: a data dir with a real vault made with cheap KDF parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault
from tests.support.admin_cli import PASSPHRASE


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    return tmp_path / "data"


@pytest.fixture
def vault(data_dir: Path) -> VaultPaths:
    """A created vault (key slots + migrated database) for profile 'default'."""
    paths = AppPaths.from_option(data_dir).vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    return paths
