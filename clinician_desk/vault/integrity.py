"""Integrity of the key-slot file after an unlock: is every slot still the one we wrote?

A passphrase unlock proves only the passphrase slot. The recovery-key and county escrow slots
cannot be trial-opened without their own secrets, so each slot carries an integrity tag
(``slots.slot_tag``: HMAC under a key derived from the data key) and ``check_keyslots`` compares
them once the data key is known. A damaged slot is *named* with what to do about it; unlocking
is never blocked by it (the caller shows the warning).

Tags are written with every change of the file (``retagged``): the slot that changed gets a
fresh tag, the others keep the tag they had — so re-writing the passphrase never blesses a
recovery slot that was damaged meanwhile. A file written before tags existed gets a tag for each
intact slot the first time it is checked or written (atomically, under the profile lock).
"""

from __future__ import annotations

import hmac
from typing import Protocol

from clinician_desk.config import VaultPaths
from clinician_desk.errors import ClinicianDeskError
from clinician_desk.vault.atomic import private_write
from clinician_desk.vault.filelock import profile_lock
from clinician_desk.vault.keyfile import (
    ESCROW,
    PASSPHRASE,
    RECOVERY,
    DamagedSlot,
    KeySlotFile,
    read_keyslot_file,
    serialize,
)
from clinician_desk.vault.slots import key_matches, slot_tag


class _HasRawKey(Protocol):
    @property
    def raw(self) -> bytes: ...


SLOT_NAMES = {
    PASSPHRASE: "passphrase slot",
    RECOVERY: "recovery-key slot",
    ESCROW: "county escrow slot",
}
REPAIRS = {
    PASSPHRASE: "set a new passphrase now with `clinician-desk-admin change-passphrase`",
    RECOVERY: "make a new recovery key now with `clinician-desk-admin regenerate-recovery-key` "
    "and print it (the old one will not work)",
    ESCROW: "enroll this laptop with the county again (`clinician-desk-admin enroll`) so the "
    "county can still recover this vault",
}


def slot_damage_message(kind: str, path: object) -> str:
    return f"The {SLOT_NAMES[kind]} in the key-slot file {path} is damaged: {REPAIRS[kind]}."


def retagged(old: KeySlotFile, new: KeySlotFile, raw: bytes, changed: str) -> KeySlotFile:
    """``new`` with integrity tags for writing (see module docstring)."""
    if old.tags:
        tags = dict(old.tags)
    else:
        tags = {
            s.type: slot_tag(raw, new.vault_id, s)
            for s in new.slots
            if not isinstance(s, DamagedSlot)
        }
    slot = new.slot(changed)
    if slot is not None and not isinstance(slot, DamagedSlot):
        tags[changed] = slot_tag(raw, new.vault_id, slot)
    return new.with_tags(tags)


def damaged_slots(keyfile: KeySlotFile, raw: bytes) -> list[str]:
    """Slot types whose content no longer matches its tag (or cannot be parsed / is missing)."""
    damaged: list[str] = []
    for slot in keyfile.slots:
        if isinstance(slot, DamagedSlot):
            damaged.append(slot.type)
            continue
        stored = keyfile.tag(slot.type)
        if stored is None:
            if keyfile.tags:  # a tagged file with an untagged slot: the tags were damaged
                damaged.append(slot.type)
            continue
        if not hmac.compare_digest(stored, slot_tag(raw, keyfile.vault_id, slot)):
            damaged.append(slot.type)
    present = {s.type for s in keyfile.slots}
    for kind, _tag in keyfile.tags:
        if kind not in present:
            damaged.append(kind)  # a tagged slot vanished from the file
    if RECOVERY not in present and RECOVERY not in damaged:
        damaged.append(RECOVERY)  # every vault is made with one
    return sorted(set(damaged), key=list(SLOT_NAMES).index)


def check_keyslots(paths: VaultPaths, key: _HasRawKey) -> tuple[str, ...]:
    """One message per damaged slot of ``paths``' key-slot file (empty when all are intact).

    Never raises for damage: an unreadable file or a key that is not this file's is reported
    as a message too. A file without tags is tagged here (atomic write under the profile lock,
    only if nobody changed it meanwhile).
    """
    try:
        keyfile = read_keyslot_file(paths.keyslots)
        raw = key.raw
        if not key_matches(raw, keyfile.vault_id, keyfile.key_check):
            return (
                f"The key-slot file {paths.keyslots} does not belong to this vault's key; "
                "restore it from a backup of this profile now.",
            )
        damaged = damaged_slots(keyfile, raw)
        if not keyfile.tags:
            _tag_old_file(paths, keyfile, raw)
    except ClinicianDeskError as exc:
        return (exc.message,)
    return tuple(slot_damage_message(kind, paths.keyslots) for kind in damaged)


def _tag_old_file(paths: VaultPaths, keyfile: KeySlotFile, raw: bytes) -> None:
    with profile_lock(paths.profile_dir):
        current = read_keyslot_file(paths.keyslots)
        if serialize(current) != serialize(keyfile) or current.tags:
            return  # changed meanwhile; the next check will see it
        tags = {
            s.type: slot_tag(raw, keyfile.vault_id, s)
            for s in keyfile.slots
            if not isinstance(s, DamagedSlot)
        }
        if tags:
            private_write(paths.keyslots, serialize(keyfile.with_tags(tags)))
