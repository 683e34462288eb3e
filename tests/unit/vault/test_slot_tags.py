"""Slot integrity tags without a disk: which slots count as damaged, and re-tagging rules."""

from __future__ import annotations

import dataclasses

from clinician_desk.vault.integrity import damaged_slots, retagged
from clinician_desk.vault.kdf import KdfParams
from clinician_desk.vault.keyfile import (
    DamagedSlot,
    KeySlotFile,
    PassphraseSlot,
    RecoverySlot,
    parse_keyslot_bytes,
    serialize,
)
from clinician_desk.vault.slots import slot_tag

KEY, OTHER = b"\x11" * 32, b"\x22" * 32
VAULT = "ab" * 16
PASS = PassphraseSlot(
    "cd" * 8, "2026-09-14T15:00:00Z", KdfParams(1024, 2, 4), b"\1" * 16, b"\2" * 12, b"\3" * 48
)
RECO = RecoverySlot("ef" * 8, "2026-09-14T15:00:00Z", b"\4" * 16, b"\5" * 12, b"\6" * 48)


def _file(*slots: PassphraseSlot | RecoverySlot) -> KeySlotFile:
    bare = KeySlotFile(VAULT, b"\7" * 32, slots)
    return retagged(bare, bare, KEY, "passphrase")


def test_tags_depend_on_every_byte_of_the_slot_and_on_the_key() -> None:
    tag = slot_tag(KEY, VAULT, RECO)
    assert tag != slot_tag(OTHER, VAULT, RECO)
    assert tag != slot_tag(KEY, "cd" * 16, RECO)
    for field, value in (("wrapped", b"\6" * 47 + b"\7"), ("nonce", b"\0" * 12), ("id", "00" * 8)):
        assert tag != slot_tag(KEY, VAULT, dataclasses.replace(RECO, **{field: value}))


def test_a_clean_file_has_no_damage_and_survives_a_round_trip() -> None:
    keyfile = parse_keyslot_bytes(serialize(_file(PASS, RECO)))
    assert damaged_slots(keyfile, KEY) == []
    assert damaged_slots(keyfile, OTHER) == ["passphrase", "recovery"]  # a foreign key


def test_a_changed_slot_is_damaged_until_it_is_re_sealed() -> None:
    keyfile = _file(PASS, RECO)
    broken = KeySlotFile(
        VAULT,
        keyfile.key_check,
        (PASS, dataclasses.replace(RECO, wrapped=b"\0" * 48)),
        keyfile.tags,
    )
    assert damaged_slots(broken, KEY) == ["recovery"]
    # re-writing the passphrase keeps the recovery slot's old tag: still damaged
    new_pass = dataclasses.replace(PASS, id="99" * 8)
    rewritten = retagged(broken, broken.replacing(new_pass), KEY, "passphrase")
    assert damaged_slots(rewritten, KEY) == ["recovery"]
    # a fresh recovery slot gets a fresh tag
    fresh = dataclasses.replace(RECO, id="77" * 8)
    repaired = retagged(rewritten, rewritten.replacing(fresh), KEY, "recovery")
    assert damaged_slots(repaired, KEY) == []


def test_damaged_missing_and_untagged_slots() -> None:
    keyfile = _file(PASS, RECO)
    damaged = KeySlotFile(
        VAULT, keyfile.key_check, (PASS, DamagedSlot("recovery", {}, "x")), keyfile.tags
    )
    assert damaged_slots(damaged, KEY) == ["recovery"]
    missing = KeySlotFile(VAULT, keyfile.key_check, (PASS,), keyfile.tags)
    assert damaged_slots(missing, KEY) == ["recovery"]
    old = KeySlotFile(VAULT, keyfile.key_check, (PASS, RECO))  # written before tags existed
    assert damaged_slots(old, KEY) == []
    half = KeySlotFile(VAULT, keyfile.key_check, (PASS, RECO), keyfile.tags[:1])
    assert damaged_slots(half, KEY) == ["recovery"]
