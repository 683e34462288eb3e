"""Each authenticated field of a slot, tampered on disk, makes that slot fail to open.

The correct passphrase must then never yield a key (the AEAD tag covers the header and KDF
parameters, so a downgrade is impossible); the other slots keep working.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from clinician_desk.errors import CorruptionError, VaultError, WrongPassphraseError
from clinician_desk.vault import (
    generate_county_keypair,
    set_escrow_slot,
    unlock_vault,
    unlock_with_recovery_key,
    unwrap_escrow,
)

from .conftest import PASSPHRASE, MadeVault


def _flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


Edit = Callable[[dict[str, Any]], None]
PASSPHRASE_SLOT_EDITS: dict[str, Edit] = {
    "id": lambda s: s.update(id="0" * 16),
    "created": lambda s: s.update(created="2020-01-01T00:00:00Z"),
    "memory_kib": lambda s: s["kdf"].update(memory_kib=s["kdf"]["memory_kib"] * 2),
    "memory_kib down": lambda s: s["kdf"].update(memory_kib=s["kdf"]["memory_kib"] // 2),
    "iterations": lambda s: s["kdf"].update(iterations=s["kdf"]["iterations"] + 1),
    "lanes": lambda s: s["kdf"].update(lanes=2),
    "salt": lambda s: s["kdf"].update(salt=_flip_b64(s["kdf"]["salt"])),
    "nonce": lambda s: s.update(nonce=_flip_b64(s["nonce"])),
    "wrapped": lambda s: s.update(wrapped=_flip_b64(s["wrapped"])),
}


def _rewrite(made: MadeVault, edit: Callable[[dict[str, Any]], None]) -> None:
    doc = json.loads(made.paths.keyslots.read_text())
    edit(doc)
    made.paths.keyslots.write_text(json.dumps(doc))


@pytest.mark.parametrize("field", sorted(PASSPHRASE_SLOT_EDITS))
def test_tampered_passphrase_slot_field_refuses_the_right_passphrase(
    made: MadeVault, field: str
) -> None:
    _rewrite(made, lambda doc: PASSPHRASE_SLOT_EDITS[field](doc["slots"][0]))
    with pytest.raises((WrongPassphraseError, CorruptionError)):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    assert unlock_with_recovery_key(made.paths, made.recovery) == made.key


RECOVERY_SLOT_EDITS: dict[str, Edit] = {
    "id": lambda s: s.update(id="f" * 16),
    "created": lambda s: s.update(created="2020-01-01T00:00:00Z"),
    "salt": lambda s: s["kdf"].update(salt=_flip_b64(s["kdf"]["salt"])),
    "nonce": lambda s: s.update(nonce=_flip_b64(s["nonce"])),
    "wrapped": lambda s: s.update(wrapped=_flip_b64(s["wrapped"])),
}


@pytest.mark.parametrize("field", sorted(RECOVERY_SLOT_EDITS))
def test_tampered_recovery_slot_field_refuses_the_right_key(made: MadeVault, field: str) -> None:
    _rewrite(made, lambda doc: RECOVERY_SLOT_EDITS[field](doc["slots"][1]))
    with pytest.raises(WrongPassphraseError):
        unlock_with_recovery_key(made.paths, made.recovery)
    assert unlock_vault(made.paths, PASSPHRASE, clock=made.clock) == made.key


def test_vault_id_binds_every_slot(made: MadeVault) -> None:
    _rewrite(made, lambda doc: doc.update(vault_id="0" * 32))
    with pytest.raises(WrongPassphraseError):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)
    with pytest.raises(WrongPassphraseError):
        unlock_with_recovery_key(made.paths, made.recovery)


def test_slot_moved_from_another_vault_does_not_open(made: MadeVault, tmp_path: Any) -> None:
    from clinician_desk.config import AppPaths
    from clinician_desk.vault import TEST_KDF, create_vault

    other = AppPaths.from_option(tmp_path / "data").vault("mr-fictional")
    create_vault(other, PASSPHRASE, kdf=TEST_KDF)
    foreign = json.loads(other.keyslots.read_text())["slots"][0]
    _rewrite(made, lambda doc: doc["slots"].__setitem__(0, foreign))
    with pytest.raises(WrongPassphraseError):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)


def test_damaged_key_check_is_reported_as_corruption(made: MadeVault) -> None:
    _rewrite(made, lambda doc: doc.update(key_check=_flip_b64(doc["key_check"])))
    with pytest.raises(CorruptionError, match="key check"):
        unlock_vault(made.paths, PASSPHRASE, clock=made.clock)


@pytest.mark.parametrize("field", ["recipient", "created", "sealed"])
def test_tampered_escrow_slot_never_yields_a_key(made: MadeVault, field: str) -> None:
    private, public = generate_county_keypair()
    set_escrow_slot(made.paths, made.key, public)
    doc = json.loads(made.paths.keyslots.read_text())
    slot = doc["slots"][2]
    if field == "sealed":
        slot["sealed"] = _flip_b64(slot["sealed"])
    elif field == "created":
        slot["created"] = "2020-01-01T00:00:00Z"
    else:
        slot["recipient"] = "0" * 64
    with pytest.raises((CorruptionError, VaultError)) as info:
        unwrap_escrow(json.dumps(doc).encode(), private)
    assert "sealed to county key" in str(info.value) or isinstance(info.value, CorruptionError)
