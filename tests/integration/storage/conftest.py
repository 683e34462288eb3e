"""Fixtures for storage tests: a random data key, a fake clock and a fresh vault database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database


@pytest.fixture
def key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "profile" / "vault.db"


@pytest.fixture
def db(db_path: Path, key: bytes, clock: FakeClock) -> Iterator[Database]:
    database = Database.open(db_path, key, clock=clock, create=True)
    yield database
    database.close()
