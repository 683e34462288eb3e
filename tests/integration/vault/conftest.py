"""Fixtures: a real vault (key-slot file on disk, cheap Argon2id) in a temp data dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.vault import TEST_KDF, DataKey, create_vault

PASSPHRASE = "purple tadpole evening"
NEW_PASSPHRASE = "ferry lantern 42 oboe"


@dataclass
class MadeVault:
    paths: VaultPaths
    key: DataKey
    recovery: str
    clock: FakeClock


@pytest.fixture
def vault_paths(tmp_path: Path) -> VaultPaths:
    return AppPaths.from_option(tmp_path / "data").vault("ms-fictional")


@pytest.fixture
def made(vault_paths: VaultPaths) -> MadeVault:
    clock = FakeClock()
    key, recovery = create_vault(vault_paths, PASSPHRASE, clock=clock, kdf=TEST_KDF)
    return MadeVault(vault_paths, key, recovery, clock)
