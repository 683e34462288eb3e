"""Fixtures for the sync tests: a real county server process and real vaults in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.county import CountyServer
from tests.support.vaultkit import Seeder, Vault, open_vault


@pytest.fixture
def county(tmp_path: Path) -> Iterator[CountyServer]:
    server = CountyServer(tmp_path / "county")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = open_vault(tmp_path / "laptop")
    yield v
    v.close()


@pytest.fixture
def seeder(vault: Vault) -> Seeder:
    return Seeder(vault)
