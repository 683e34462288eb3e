"""Create / unlock / recovery / change / reset / escrow against real key-slot files."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
import sqlcipher3

from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.errors import CorruptionError, UsageError, VaultError, WrongPassphraseError
from clinician_desk.vault import (
    TEST_KDF,
    DataKey,
    KdfParams,
    RecoveryKeyFormatError,
    change_passphrase,
    create_vault,
    describe_keyslots,
    generate_county_keypair,
    lockout,
    regenerate_recovery_key,
    reset_passphrase_with_recovery,
    set_escrow_slot,
    unlock_vault,
    unlock_with_recovery_key,
    unwrap_escrow,
)
from clinician_desk.vault.escrow import load_county_public_key

from .conftest import NEW_PASSPHRASE, PASSPHRASE, MadeVault


def test_created_vault_unlocks_with_passphrase_and_recovery_key(made: MadeVault) -> None:
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key
    assert unlock_with_recovery_key(made.paths, made.recovery.lower().replace("-", " ")) == made.key


def test_files_are_private_and_hold_no_key_material(made: MadeVault) -> None:
    mode = made.paths.keyslots.stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(made.paths.profile_dir.stat().st_mode) == 0o700
    text = made.paths.keyslots.read_text()
    assert made.key.raw.hex() not in text.lower()
    assert made.recovery.replace("-", "") not in text.replace("-", "")
    assert sorted(p.name for p in made.paths.profile_dir.iterdir()) == [".vault.lock", "vault.keys"]


def test_data_key_is_a_working_sqlcipher_raw_key(made: MadeVault, tmp_path: Path) -> None:
    db = tmp_path / "check.db"
    conn = sqlcipher3.connect(str(db))
    conn.execute(f'PRAGMA key = "{made.key.sqlcipher_pragma_value()}"')
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("INSERT INTO t VALUES ('fictional')")
    conn.commit()
    conn.close()
    again = unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    conn = sqlcipher3.connect(str(db))
    conn.execute(f'PRAGMA key = "{again.sqlcipher_pragma_value()}"')
    assert conn.execute("SELECT x FROM t").fetchone()[0] == "fictional"
    conn.close()
    assert b"fictional" not in db.read_bytes()


def test_wrong_passphrase_is_one_message_naming_no_slot(made: MadeVault) -> None:
    with pytest.raises(WrongPassphraseError) as info:
        unlock_vault(made.paths, "not the passphrase", clock=made.clock)
    message = str(info.value).lower()
    assert "passphrase is not correct" in message
    assert "slot" not in message


def test_recovery_key_typo_is_detected_before_any_attempt(made: MadeVault) -> None:
    groups = made.recovery.split("-")
    groups[4] = groups[4][:3] + ("Z" if groups[4][3] != "Z" else "Y")
    with pytest.raises(RecoveryKeyFormatError) as info:
        unlock_with_recovery_key(made.paths, "-".join(groups))
    # The key is random, so about 1 typo in 600 also matches a change elsewhere; the mistyped
    # group is then named among the candidates (pinned in tests/unit/vault/test_recovery_text.py).
    named = re.search(r"group (\d+) looks|one of groups ([\d, ]+ and \d+) looks", str(info.value))
    assert named is not None, str(info.value)
    assert 5 in {int(n) for n in re.findall(r"\d+", named.group(0))}
    assert lockout.load(made.paths.lockout, made.clock).failures == 0  # no attempt was made


def test_other_vaults_recovery_key_is_refused(made: MadeVault, tmp_path: Path) -> None:
    other = AppPaths.from_option(tmp_path / "data").vault("mr-fictional")
    _, other_recovery = create_vault(other, NEW_PASSPHRASE, kdf=TEST_KDF)
    with pytest.raises(WrongPassphraseError, match="does not belong"):
        unlock_with_recovery_key(made.paths, other_recovery)


def test_change_passphrase_old_fails_new_works_recovery_still_works(made: MadeVault) -> None:
    before = json.loads(made.paths.keyslots.read_text())
    change_passphrase(made.paths, made.key, NEW_PASSPHRASE, clock=made.clock)
    after = json.loads(made.paths.keyslots.read_text())
    assert after["slots"][1] == before["slots"][1]  # the recovery slot is untouched
    assert after["slots"][0]["kdf"]["salt"] != before["slots"][0]["kdf"]["salt"]
    with pytest.raises(WrongPassphraseError):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert unlock_vault(made.paths, NEW_PASSPHRASE, clock=made.clock) == made.key
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key


def test_change_passphrase_keeps_cost_unless_given(made: MadeVault) -> None:
    change_passphrase(made.paths, made.key, NEW_PASSPHRASE)
    assert json.loads(made.paths.keyslots.read_text())["slots"][0]["kdf"]["lanes"] == 1
    stronger = KdfParams(memory_kib=512, iterations=2, lanes=2)
    change_passphrase(made.paths, made.key, PASSPHRASE, kdf=stronger)
    kdf = json.loads(made.paths.keyslots.read_text())["slots"][0]["kdf"]
    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == (512, 2, 2)
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key


def test_change_passphrase_refuses_weak_passphrase_and_foreign_key(made: MadeVault) -> None:
    before = made.paths.keyslots.read_bytes()
    with pytest.raises(UsageError, match="at least 12"):
        change_passphrase(made.paths, made.key, "too short")
    with pytest.raises(VaultError, match="does not belong"):
        change_passphrase(made.paths, DataKey.generate(), NEW_PASSPHRASE)
    assert made.paths.keyslots.read_bytes() == before


def test_reset_with_recovery_sets_a_new_passphrase(made: MadeVault) -> None:
    key = reset_passphrase_with_recovery(made.paths, made.recovery, NEW_PASSPHRASE)
    assert key == made.key
    assert unlock_vault(made.paths, NEW_PASSPHRASE, clock=made.clock) == made.key
    with pytest.raises(WrongPassphraseError):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key


def test_reset_refuses_a_common_passphrase_without_touching_the_file(made: MadeVault) -> None:
    before = made.paths.keyslots.read_bytes()
    with pytest.raises(UsageError, match="commonly used"):
        reset_passphrase_with_recovery(made.paths, made.recovery, "Password12345")
    assert made.paths.keyslots.read_bytes() == before


def test_escrow_round_trip_and_slot_independence(made: MadeVault) -> None:
    private, public = generate_county_keypair()
    set_escrow_slot(made.paths, made.key, public, clock=made.clock)
    data = made.paths.keyslots.read_bytes()
    assert unwrap_escrow(data, private) == made.key.raw
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key
    change_passphrase(made.paths, made.key, NEW_PASSPHRASE)
    assert unwrap_escrow(made.paths.keyslots.read_bytes(), private) == made.key.raw


def test_escrow_accepts_pem_keys(made: MadeVault) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    set_escrow_slot(made.paths, made.key, public_pem)
    assert unwrap_escrow(made.paths.keyslots.read_bytes(), private_pem) == made.key.raw
    assert len(load_county_public_key(public_pem)) == 32


def test_escrow_errors(made: MadeVault) -> None:
    private, public = generate_county_keypair()
    with pytest.raises(VaultError, match="no county escrow slot"):
        unwrap_escrow(made.paths.keyslots.read_bytes(), private)
    set_escrow_slot(made.paths, made.key, public)
    other_private, _ = generate_county_keypair()
    with pytest.raises(VaultError, match="sealed to county key"):
        unwrap_escrow(made.paths.keyslots.read_bytes(), other_private)
    with pytest.raises(UsageError, match="32 raw bytes"):
        unwrap_escrow(made.paths.keyslots.read_bytes(), b"short")
    with pytest.raises(UsageError, match="32 raw bytes"):
        set_escrow_slot(made.paths, made.key, b"\x01" * 31)
    with pytest.raises(CorruptionError):
        unwrap_escrow(b"not a key file", private)


def test_tampered_escrow_slot_is_corruption(made: MadeVault) -> None:
    private, public = generate_county_keypair()
    set_escrow_slot(made.paths, made.key, public)
    doc = json.loads(made.paths.keyslots.read_text())
    doc["slots"][2]["created"] = "2030-01-01T00:00:00Z"
    with pytest.raises(CorruptionError, match="escrow slot"):
        unwrap_escrow(json.dumps(doc).encode(), private)


def test_create_refuses_existing_vault_or_database(made: MadeVault, tmp_path: Path) -> None:
    before = made.paths.keyslots.read_bytes()
    with pytest.raises(VaultError, match="already exists"):
        create_vault(made.paths, NEW_PASSPHRASE, kdf=TEST_KDF)
    assert made.paths.keyslots.read_bytes() == before
    lone_db = AppPaths.from_option(tmp_path / "data").vault("lone")
    lone_db.profile_dir.mkdir(parents=True)
    lone_db.database.write_bytes(b"pretend database")
    with pytest.raises(VaultError, match="already exists"):
        create_vault(lone_db, NEW_PASSPHRASE, kdf=TEST_KDF)
    assert not lone_db.keyslots.exists()


def test_create_refuses_weak_passphrase_and_writes_nothing(vault_paths: VaultPaths) -> None:
    with pytest.raises(UsageError):
        create_vault(vault_paths, "qwertyuiopasdf", kdf=TEST_KDF)
    assert not vault_paths.profile_dir.exists()


def test_profiles_are_independent_vaults(made: MadeVault, tmp_path: Path) -> None:
    app = AppPaths.from_option(tmp_path / "data")
    second = app.vault("mr-fictional")
    key2, _ = create_vault(second, NEW_PASSPHRASE, kdf=TEST_KDF)
    assert key2 != made.key
    assert app.profiles() == ["mr-fictional", "ms-fictional"]
    with pytest.raises(WrongPassphraseError):
        unlock_vault(second, PASSPHRASE)


def test_unlocking_where_there_is_no_vault_says_so(vault_paths: VaultPaths) -> None:
    with pytest.raises(VaultError, match="no vault") as info:
        unlock_vault(vault_paths, PASSPHRASE)
    assert not isinstance(info.value, CorruptionError)


def test_regenerated_recovery_key_replaces_the_old_one(made: MadeVault) -> None:
    new_text = regenerate_recovery_key(made.paths, made.key)
    assert new_text != made.recovery
    with pytest.raises(WrongPassphraseError, match="does not belong"):
        unlock_with_recovery_key(made.paths, made.recovery)
    assert unlock_with_recovery_key(made.paths, new_text) == made.key
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key
    with pytest.raises(VaultError, match="does not belong"):
        regenerate_recovery_key(made.paths, DataKey.generate())


def test_describe_keyslots_shows_facts_but_no_secrets(made: MadeVault) -> None:
    summary = describe_keyslots(made.paths)
    assert summary.slots == ("passphrase", "recovery")
    assert summary.kdf == TEST_KDF
    assert summary.escrow_county_key is None
    _, public = generate_county_keypair()
    set_escrow_slot(made.paths, made.key, public)
    summary = describe_keyslots(made.paths)
    assert summary.slots == ("passphrase", "recovery", "escrow")
    assert summary.escrow_county_key is not None and len(summary.escrow_county_key) == 16
    text = repr(summary)
    assert made.key.raw.hex() not in text and made.recovery not in text
