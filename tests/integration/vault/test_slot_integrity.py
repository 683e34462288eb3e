"""Integrity tags of the key-slot file: a damaged recovery or escrow slot is named at unlock.

Real key-slot files on disk (cheap Argon2id). Each slot's payload is damaged the way a bad disk
sector or a stray edit would (a base64 character swapped for another valid one, or made
unparseable); the passphrase must still unlock, ``check_keyslots`` and ``verify`` must name the
slot and what to do, and the named repair must clear it.
"""

from __future__ import annotations

import json

import pytest

from clinician_desk.errors import CorruptionError, WrongPassphraseError
from clinician_desk.vault import (
    change_passphrase,
    check_keyslots,
    generate_county_keypair,
    regenerate_recovery_key,
    set_escrow_slot,
    unlock_vault,
    unlock_with_recovery_key,
    unwrap_escrow,
)

from .conftest import NEW_PASSPHRASE, PASSPHRASE, MadeVault

FIELDS = {"passphrase": "wrapped", "recovery": "wrapped", "escrow": "sealed"}


def _doc(made: MadeVault) -> dict[str, object]:
    doc: dict[str, object] = json.loads(made.paths.keyslots.read_bytes())
    return doc


def _damage(
    made: MadeVault, kind: str, field: str | None = None, *, unparseable: bool = False
) -> None:
    """Swap one base64 character of ``kind``'s payload for another valid one (same length)."""
    doc = _doc(made)
    slot = next(s for s in doc["slots"] if s["type"] == kind)  # type: ignore[attr-defined]
    name = field or FIELDS[kind]
    text = slot[name]
    index = len(text) // 2
    if unparseable:
        slot[name] = text[:index] + "!" + text[index + 1 :]
    else:
        slot[name] = text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]
    made.paths.keyslots.write_text(json.dumps(doc, indent=2))


@pytest.fixture
def escrowed(made: MadeVault) -> tuple[MadeVault, bytes]:
    private, public = generate_county_keypair()
    set_escrow_slot(made.paths, made.key, public, clock=made.clock)
    return made, private


def test_a_new_vault_is_tagged_and_checks_clean(escrowed: tuple[MadeVault, bytes]) -> None:
    made, _private = escrowed
    assert set(_doc(made)["slot_tags"]) == {"passphrase", "recovery", "escrow"}  # type: ignore[arg-type]
    assert check_keyslots(made.paths, made.key) == ()


@pytest.mark.parametrize("kind", ["recovery", "escrow"])
@pytest.mark.parametrize("field", [None, "id", "created"])
def test_damage_in_a_slot_that_cannot_be_trial_opened_is_named(
    escrowed: tuple[MadeVault, bytes], kind: str, field: str | None
) -> None:
    made, private = escrowed
    if field == "created":
        doc = _doc(made)
        slot = next(s for s in doc["slots"] if s["type"] == kind)  # type: ignore[attr-defined]
        slot["created"] = "2020-01-01T00:00:00Z"
        made.paths.keyslots.write_text(json.dumps(doc))
    elif field == "id":
        _damage(made, kind, "id", unparseable=True)
    else:
        _damage(made, kind)
    key = unlock_vault(made.paths, PASSPHRASE, clock=made.clock)  # still unlocks
    assert key == made.key
    problems = check_keyslots(made.paths, key)
    assert len(problems) == 1
    name = "recovery-key slot" if kind == "recovery" else "county escrow slot"
    assert f"The {name} in the key-slot file {made.paths.keyslots} is damaged" in problems[0]
    if kind == "recovery":
        assert "clinician-desk-admin regenerate-recovery-key" in problems[0]
        # unparseable: named as damage; parseable but wrong: cannot be told from a wrong key
        with pytest.raises((CorruptionError, WrongPassphraseError), match="recovery-key slot"):
            unlock_with_recovery_key(made.paths, made.recovery)
    else:
        assert "enroll" in problems[0]
        with pytest.raises(CorruptionError):
            unwrap_escrow(made.paths.keyslots.read_bytes(), private)


def test_a_damaged_passphrase_slot_or_tag_is_named_after_a_recovery_unlock(made: MadeVault) -> None:
    _damage(made, "passphrase")
    key = unlock_with_recovery_key(made.paths, made.recovery)
    problems = check_keyslots(made.paths, key)
    assert len(problems) == 1 and "passphrase slot" in problems[0]
    assert "change-passphrase" in problems[0]


def test_regenerating_the_recovery_key_repairs_the_slot(made: MadeVault) -> None:
    _damage(made, "recovery", unparseable=True)
    assert check_keyslots(made.paths, made.key)
    new_text = regenerate_recovery_key(made.paths, made.key, clock=made.clock)
    assert check_keyslots(made.paths, made.key) == ()
    assert unlock_with_recovery_key(made.paths, new_text) == made.key


def test_changing_the_passphrase_does_not_bless_a_damaged_recovery_slot(made: MadeVault) -> None:
    _damage(made, "recovery")
    change_passphrase(made.paths, made.key, NEW_PASSPHRASE, clock=made.clock)
    problems = check_keyslots(made.paths, made.key)
    assert len(problems) == 1 and "recovery-key slot" in problems[0]
    assert unlock_vault(made.paths, NEW_PASSPHRASE, clock=made.clock) == made.key


def test_a_file_written_before_tags_is_tagged_at_the_first_check(made: MadeVault) -> None:
    doc = _doc(made)
    del doc["slot_tags"]
    made.paths.keyslots.write_text(json.dumps(doc, indent=2))
    key = unlock_vault(made.paths, PASSPHRASE, clock=made.clock)  # old files still open
    assert check_keyslots(made.paths, key) == ()
    assert set(_doc(made)["slot_tags"]) == {"passphrase", "recovery"}  # type: ignore[arg-type]
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key
    _damage(made, "recovery")  # from now on damage is caught
    assert "recovery-key slot" in check_keyslots(made.paths, key)[0]


def test_a_removed_recovery_slot_or_a_foreign_key_is_reported(made: MadeVault) -> None:
    doc = _doc(made)
    doc["slots"] = [s for s in doc["slots"] if s["type"] != "recovery"]  # type: ignore[attr-defined]
    made.paths.keyslots.write_text(json.dumps(doc))
    assert "recovery-key slot" in check_keyslots(made.paths, made.key)[0]
    from clinician_desk.vault import DataKey

    assert "does not belong" in check_keyslots(made.paths, DataKey.generate())[0]
