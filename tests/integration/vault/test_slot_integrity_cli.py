"""``clinician-desk-admin verify`` names a damaged key slot; ``regenerate-recovery-key`` fixes it.

In-process CLI runs on a real vault (cheap Argon2id) in a temp data dir.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault, unlock_with_recovery_key

PASSPHRASE = "amber walrus 7 lighthouse"


def admin(data_dir: Path, *argv: str) -> int:
    return run(build_parser().parse_args(["--data-dir", str(data_dir), *argv]))


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> VaultPaths:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    paths = AppPaths.from_option(tmp_path / "data").vault("default")
    key, _recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    return paths


def _swap_payload_char(paths: VaultPaths, kind: str) -> None:
    doc = json.loads(paths.keyslots.read_bytes())
    slot = next(s for s in doc["slots"] if s["type"] == kind)
    text = slot["wrapped"]
    slot["wrapped"] = text[:10] + ("Q" if text[10] != "Q" else "R") + text[11:]
    paths.keyslots.write_text(json.dumps(doc, indent=2))


def test_verify_names_the_damaged_recovery_slot_and_regenerating_repairs_it(
    vault: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = vault.profile_dir.parent.parent
    assert admin(data_dir, "verify") == 0
    assert "ok: key slots" in capsys.readouterr().out

    _swap_payload_char(vault, "recovery")
    assert admin(data_dir, "verify") == 3  # the passphrase still unlocked it
    err = capsys.readouterr().err
    assert "problem: The recovery-key slot in the key-slot file" in err
    assert "clinician-desk-admin regenerate-recovery-key" in err

    assert admin(data_dir, "regenerate-recovery-key") == 0
    printed = capsys.readouterr().out
    match = re.search(r"^\s{4}(\S+)$", printed, re.MULTILINE)
    assert match is not None
    assert admin(data_dir, "verify") == 0
    unlock_with_recovery_key(vault, match[1]).wipe()  # the new key works


def test_verify_names_a_damaged_passphrase_slot_reached_by_the_tags(
    vault: VaultPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(vault.keyslots.read_bytes())
    tags = doc["slot_tags"]
    tags["passphrase"] = tags["recovery"]  # a damaged tag cannot be told from a damaged slot
    vault.keyslots.write_text(json.dumps(doc))
    assert admin(vault.profile_dir.parent.parent, "verify") == 3
    assert "The passphrase slot in the key-slot file" in capsys.readouterr().err
