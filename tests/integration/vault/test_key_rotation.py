"""Key rotation (issue 16, hole 1): after ``rotate-key``, ``regenerate-recovery-key``,
``change-passphrase --rotate`` or ``recover --rotate``, an old copy of ``vault.keys`` (an earlier
backup's, or ``backups/replaced-*/vault.keys``) with the old passphrase or recovery key no longer
decrypts the current ``vault.db`` — new notes included — while the current secrets do, the audit
chain still verifies and a crash at any step of the switch leaves a vault that opens."""

from __future__ import annotations

import argparse
import base64
import re
import shutil
from pathlib import Path

import pytest

from clinician_desk.bootstrap import build_services, rotate_data_key
from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock, SystemClock
from clinician_desk.config import AppPaths, VaultPaths
from clinician_desk.errors import CorruptionError, VaultError, WrongPassphraseError
from clinician_desk.storage import Database
from clinician_desk.vault import (
    TEST_KDF,
    DataKey,
    create_vault,
    generate_county_keypair,
    rotation,
    set_escrow_slot,
    unlock_vault,
    unlock_with_recovery_key,
    unwrap_escrow,
)

PASSPHRASE = "purple tadpole evening"
NEW_PASSPHRASE = "ferry lantern 42 oboe"
NOTE = "ZQX-ROTATION-CANARY fictional note text"
_RECOVERY_LINE = re.compile(r"^\s{4}(\S.*\S)\s*$", re.MULTILINE)


def _admin(argv: list[str]) -> int:
    args: argparse.Namespace = build_parser().parse_args(argv)
    if hasattr(args, "kdf"):
        args.kdf = TEST_KDF
    return run(args)


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[VaultPaths, str]:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    paths = AppPaths.from_option(tmp_path / "data").vault("default")
    key, recovery = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    return paths, recovery


def _write_note(paths: VaultPaths, passphrase: str, text: str) -> None:
    services = build_services(paths, unlock_vault(paths, passphrase), SystemClock())
    try:
        with services.db.unit_of_work() as uow:
            uow.conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, '2026-12-03')",
                (f"canary-{len(text)}-{id(text)}", text),
            )
    finally:
        services.close()


def _old_copy(paths: VaultPaths, tmp_path: Path, name: str) -> VaultPaths:
    """A folder holding a copy of the current key-slot file, as an old backup would."""
    old = VaultPaths(tmp_path / name)
    old.profile_dir.mkdir()
    shutil.copy2(paths.keyslots, old.keyslots)
    return old


def _opens(db_path: Path, key: DataKey) -> bool:
    try:
        Database.open(db_path, key, clock=FakeClock()).close()
    except CorruptionError:
        return False
    finally:
        key.wipe()
    return True


def _recovery_from(stdout: str) -> str:
    match = _RECOVERY_LINE.search(stdout)
    assert match is not None, stdout
    return match.group(1)


def test_rotate_key_old_keyfile_and_old_secrets_no_longer_open_the_database(
    vault: tuple[VaultPaths, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, old_recovery = vault
    _write_note(paths, PASSPHRASE, NOTE)
    old = _old_copy(paths, tmp_path, "old-backup")
    assert _opens(paths.database, unlock_vault(old, PASSPHRASE))  # the copy works before

    capsys.readouterr()
    assert _admin(["--data-dir", str(paths.profile_dir.parent.parent), "rotate-key"]) == 0
    new_recovery = _recovery_from(capsys.readouterr().out)
    _write_note(paths, PASSPHRASE, NOTE + " written after rotation")

    assert not _opens(paths.database, unlock_vault(old, PASSPHRASE))
    assert not _opens(paths.database, unlock_with_recovery_key(old, old_recovery))
    with pytest.raises(WrongPassphraseError):
        unlock_with_recovery_key(paths, old_recovery)
    assert _opens(paths.database, unlock_vault(paths, PASSPHRASE))
    assert _opens(paths.database, unlock_with_recovery_key(paths, new_recovery))
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        assert services.db.verify() == []
        assert services.warnings == ()
        with services.db.read() as conn:
            texts = {r[0] for r in conn.execute("SELECT value FROM settings")}
            actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    finally:
        services.close()
    assert NOTE in texts and NOTE + " written after rotation" in texts
    assert "vault.key_rotated" in actions
    assert not rotation.rotation_pending(paths)
    assert sorted(p.name for p in paths.profile_dir.iterdir() if "rotate" in p.name) == []


def test_rotation_keeps_the_keyed_chain_the_sidecar_and_county_anchors_verifiable(
    vault: tuple[VaultPaths, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The audit chain's MAC key, the sidecar's and the anchoring keys come from the vault's
    record root, not from whichever data key encrypts the file today: an anchor the county holds
    from before a rotation still checks, and nothing is flagged after it."""
    from clinician_desk.storage import anchors

    paths, _ = vault
    _write_note(paths, PASSPHRASE, NOTE)
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        made = services.db.make_anchor("device-fictional-1")
        assert made is not None
        sent = anchors.Anchor(1, made[1], "2026-12-03")
    finally:
        services.close()
    capsys.readouterr()
    assert _admin(["--data-dir", str(paths.profile_dir.parent.parent), "rotate-key"]) == 0
    _write_note(paths, PASSPHRASE, NOTE + " after rotation")
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        assert services.warnings == ()
        assert services.db.verify() == []
        with services.db.read() as conn:
            assert (
                anchors.check(
                    conn, services.key.raw, "device-fictional-1", [sent], source="the county"
                )
                == []
            )
            forged = anchors.Anchor(
                1, anchors.seal(b"x" * 32, "device-fictional-1", 1, "0" * 64), "2026-12-03"
            )
            assert (
                anchors.check(
                    conn, services.key.raw, "device-fictional-1", [forged], source="the county"
                )
                != []
            )
    finally:
        services.close()


def test_regenerate_recovery_key_rotates_the_data_key(
    vault: tuple[VaultPaths, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths, old_recovery = vault
    old = _old_copy(paths, tmp_path, "replaced-copy")
    data = ["--data-dir", str(paths.profile_dir.parent.parent)]
    capsys.readouterr()
    assert _admin([*data, "regenerate-recovery-key"]) == 0
    new_recovery = _recovery_from(capsys.readouterr().out)
    _write_note(paths, PASSPHRASE, NOTE)

    assert not _opens(paths.database, unlock_with_recovery_key(old, old_recovery))
    assert not _opens(paths.database, unlock_vault(old, PASSPHRASE))
    assert _opens(paths.database, unlock_with_recovery_key(paths, new_recovery))
    assert _admin([*data, "verify"]) == 0


def test_change_passphrase_rotate(
    vault: tuple[VaultPaths, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths, _recovery = vault
    old = _old_copy(paths, tmp_path, "old")
    monkeypatch.setenv("CLINICIAN_DESK_NEW_PASSPHRASE", NEW_PASSPHRASE)
    data = ["--data-dir", str(paths.profile_dir.parent.parent)]
    assert _admin([*data, "change-passphrase", "--rotate"]) == 0
    assert "NEW RECOVERY KEY" in capsys.readouterr().out
    assert not _opens(paths.database, unlock_vault(old, PASSPHRASE))
    with pytest.raises(WrongPassphraseError):
        unlock_vault(paths, PASSPHRASE)
    assert _opens(paths.database, unlock_vault(paths, NEW_PASSPHRASE))


def test_change_passphrase_rotate_refuses_a_weak_new_passphrase_and_changes_nothing(
    vault: tuple[VaultPaths, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, _recovery = vault
    before = (paths.keyslots.read_bytes(), paths.database.read_bytes())
    monkeypatch.setenv("CLINICIAN_DESK_NEW_PASSPHRASE", "short")
    data = ["--data-dir", str(paths.profile_dir.parent.parent)]
    assert _admin([*data, "change-passphrase", "--rotate"]) == 2
    assert (paths.keyslots.read_bytes(), paths.database.read_bytes()) == before


def test_recover_rotate_after_a_lost_passphrase(
    vault: tuple[VaultPaths, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths, recovery = vault
    old = _old_copy(paths, tmp_path, "old")
    monkeypatch.setenv("CLINICIAN_DESK_RECOVERY_KEY", recovery)
    monkeypatch.setenv("CLINICIAN_DESK_NEW_PASSPHRASE", NEW_PASSPHRASE)
    data = ["--data-dir", str(paths.profile_dir.parent.parent)]
    assert _admin([*data, "recover", "--rotate"]) == 0
    new_recovery = _recovery_from(capsys.readouterr().out)
    assert new_recovery != recovery
    assert not _opens(paths.database, unlock_with_recovery_key(old, recovery))
    assert _opens(paths.database, unlock_vault(paths, NEW_PASSPHRASE))


def test_escrow_slot_is_resealed_to_the_enrolled_county_key(
    vault: tuple[VaultPaths, str],
) -> None:
    paths, _recovery = vault
    private, public = generate_county_keypair()
    key = unlock_vault(paths, PASSPHRASE)
    set_escrow_slot(paths, key, public)
    services = build_services(paths, key, SystemClock())
    with services.db.unit_of_work() as uow:
        uow.conn.execute(
            "INSERT INTO sync_device (id, server_url, device_id, private_key, public_key,"
            " escrow_public_key, taxonomy_version, enrolled_at) VALUES"
            " (1, 'https://county.invalid', 'dev-1', zeroblob(32), 'pk', ?, 't1', '2026-12-03')",
            (base64.b64encode(public).decode(),),
        )
    result = rotate_data_key(services, PASSPHRASE, kdf=TEST_KDF)
    try:
        assert not result.escrow_dropped
        escrowed = DataKey(unwrap_escrow(paths.keyslots.read_bytes(), private))
        assert escrowed == result.services.key
    finally:
        result.services.close()


def test_rotation_refuses_while_another_program_has_the_vault_open(
    vault: tuple[VaultPaths, str],
) -> None:
    paths, _recovery = vault
    other = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    before = (paths.keyslots.read_bytes(), paths.database.stat().st_ino)
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        with pytest.raises(VaultError, match="also open in another"):
            rotate_data_key(services, PASSPHRASE, kdf=TEST_KDF)
        with services.db.read() as conn:  # the session is intact
            conn.execute("SELECT count(*) FROM audit_log").fetchone()
    finally:
        services.close()
        other.close()
    assert (paths.keyslots.read_bytes(), paths.database.stat().st_ino) == before


def _prepare_rotation(paths: VaultPaths) -> tuple[rotation.NewSlots, DataKey]:
    """Steps 1 of a rotation done by hand: the re-encrypted copy and the new slots."""
    from clinician_desk.storage.rekey import export_reencrypted

    old_key = unlock_vault(paths, PASSPHRASE)
    new_key = DataKey.generate()
    slots = rotation.seal_new_slots(paths, old_key, new_key, PASSPHRASE, kdf=TEST_KDF)
    db = Database.open(paths.database, old_key, clock=FakeClock())
    try:
        export_reencrypted(db, rotation.partial_database(paths), new_key.raw)
    finally:
        db.close()
        old_key.wipe()
    return slots, new_key


@pytest.mark.parametrize("crash_after", ["partial", "keys-written", "prepared", "committed"])
def test_a_crash_at_every_step_of_the_switch_leaves_a_vault_that_opens(
    vault: tuple[VaultPaths, str], crash_after: str
) -> None:
    paths, _recovery = vault
    slots, new_key = _prepare_rotation(paths)
    if crash_after != "partial":
        rotation.private_write(rotation.prepared_keyslots(paths), slots.keyfile)
    if crash_after in ("prepared", "committed"):
        rotation.partial_database(paths).rename(rotation.prepared_database(paths))
    if crash_after == "committed":
        rotation.prepared_keyslots(paths).replace(paths.keyslots)
    # "Restart": the next unlock finishes or undoes the switch first.
    key = unlock_vault(paths, PASSPHRASE)
    assert (key == new_key) is (crash_after == "committed")
    assert _opens(paths.database, key)
    assert not rotation.rotation_pending(paths)
    new_key.wipe()


def test_a_failed_rotation_keeps_the_old_key_and_the_session(
    vault: tuple[VaultPaths, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, recovery = vault
    before = paths.keyslots.read_bytes()
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())

    def disk_full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("clinician_desk.storage.rekey.fsync_file", disk_full)
    try:
        with pytest.raises(Exception, match=r"No space left|re-encrypted copy"):
            rotate_data_key(services, PASSPHRASE, kdf=TEST_KDF)
        with services.db.read() as conn:
            conn.execute("SELECT count(*) FROM audit_log").fetchone()
    finally:
        services.close()
    assert paths.keyslots.read_bytes() == before
    assert not rotation.rotation_pending(paths)
    assert _opens(paths.database, unlock_with_recovery_key(paths, recovery))
