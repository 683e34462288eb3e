"""Fixtures for admin-CLI tests: a data dir with a real vault made with cheap KDF parameters."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault

PASSPHRASE = "violet kettle under 19 moons"


def admin(argv: list[str], *, cheap_kdf: bool = True) -> int:
    """Run ``clinician-desk-admin argv`` in-process; cheap Argon2id where a slot is written."""
    args: argparse.Namespace = build_parser().parse_args(argv)
    if cheap_kdf and hasattr(args, "kdf"):
        args.kdf = TEST_KDF
    return run(args)


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
