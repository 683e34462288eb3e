"""Strict parsing of key-slot file bytes: every malformed document is a CorruptionError."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.errors import CorruptionError, VaultError
from clinician_desk.vault.kdf import KdfParams
from clinician_desk.vault.keyfile import (
    DamagedSlot,
    KeySlotFile,
    PassphraseSlot,
    RecoverySlot,
    parse_keyslot_bytes,
    serialize,
)

B16, B12, B48 = b"\x01" * 16, b"\x02" * 12, b"\x03" * 48


def good_doc() -> dict[str, Any]:
    keyfile = KeySlotFile(
        "ab" * 16,
        b"\x04" * 32,
        (
            PassphraseSlot("cd" * 8, "2026-09-14T15:00:00Z", KdfParams(1024, 2, 4), B16, B12, B48),
            RecoverySlot("ef" * 8, "2026-09-14T15:00:00Z", B16, B12, B48),
        ),
    )
    doc: dict[str, Any] = json.loads(serialize(keyfile))
    return doc


def test_good_document_round_trips() -> None:
    data = json.dumps(good_doc()).encode()
    parsed = parse_keyslot_bytes(data, "vault.keys")
    assert serialize(parsed) == serialize(parse_keyslot_bytes(serialize(parsed)))
    assert parsed.vault_id == "ab" * 16


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        keys = path.split(".")
        target: Any = doc
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last: Any = int(keys[-1]) if isinstance(target, list) else keys[-1]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return edit


_DELETE = object()
b64 = lambda n: base64.b64encode(b"\x00" * n).decode()  # noqa: E731

EDITS = {
    "format": _set("format", "something-else"),
    "version zero": _set("version", 0),
    "version text": _set("version", "1"),
    "vault_id short": _set("vault_id", "abcd"),
    "vault_id upper": _set("vault_id", "AB" * 16),
    "vault_id spaces": _set("vault_id", "ab " * 10 + "ab"),
    "key_check missing": _set("key_check", _DELETE),
    "key_check bad b64": _set("key_check", "!!!"),
    "extra field": _set("extra", 1),
    "slots empty": _set("slots", []),
    "slots not list": _set("slots", {}),
    "slot not object": _set("slots.0", "x"),
    "slot type unknown": _set("slots.0.type", "fingerprint"),
    "duplicate type": _set("slots.1.type", "passphrase"),
    "cipher": _set("slots.0.cipher", "aes-128-cbc"),
    "kdf name": _set("slots.0.kdf.name", "pbkdf2"),
    "kdf version": _set("slots.0.kdf.version", 16),
    "kdf memory huge": _set("slots.0.kdf.memory_kib", 2**40),
    "kdf iterations huge": _set("slots.0.kdf.iterations", 10**9),
    "kdf iterations zero": _set("slots.0.kdf.iterations", 0),
    "kdf lanes bool": _set("slots.0.kdf.lanes", True),
    "kdf memory float": _set("slots.0.kdf.memory_kib", 1024.0),
    "kdf salt short": _set("slots.0.kdf.salt", b64(8)),
    "kdf extra": _set("slots.0.kdf.pepper", "x"),
    "nonce short": _set("slots.0.nonce", b64(8)),
    "wrapped long": _set("slots.0.wrapped", b64(64)),
    "wrapped number": _set("slots.0.wrapped", 12),
    "slot id": _set("slots.0.id", "zz" * 8),
    "created empty": _set("slots.0.created", ""),
    "created huge": _set("slots.0.created", "9" * 500),
    "slot missing field": _set("slots.0.nonce", _DELETE),
    "slot tags not object": _set("slot_tags", []),
    "slot tag unknown kind": _set("slot_tags", {"fingerprint": b64(32)}),
    "slot tag short": _set("slot_tags", {"recovery": b64(31)}),
}

# Damage inside the recovery slot leaves the file usable by passphrase: the slot is kept
# verbatim as a DamagedSlot (named by the integrity check) instead of failing the whole file.
RECOVERY_EDITS = {
    "recovery kdf name": _set("slots.1.kdf.name", "argon2id"),
    "recovery slot id": _set("slots.1.id", "zz" * 8),
    "recovery created empty": _set("slots.1.created", ""),
    "recovery created huge": _set("slots.1.created", "9" * 500),
    "recovery missing field": _set("slots.1.nonce", _DELETE),
    "recovery wrapped short": _set("slots.1.wrapped", b64(20)),
}


@pytest.mark.parametrize("name", sorted(RECOVERY_EDITS))
def test_a_damaged_recovery_slot_is_kept_as_damaged_not_fatal(name: str) -> None:
    doc = good_doc()
    RECOVERY_EDITS[name](doc)
    parsed = parse_keyslot_bytes(json.dumps(doc).encode(), "/x/vault.keys")
    slot = parsed.slot("recovery")
    assert isinstance(slot, DamagedSlot)
    assert "/x/vault.keys" in slot.reason
    assert isinstance(parsed.slot("passphrase"), PassphraseSlot)
    # written back verbatim: nothing is lost or guessed
    assert json.loads(serialize(parsed))["slots"][1] == doc["slots"][1]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_malformed_documents_are_corruption_naming_the_file(name: str) -> None:
    doc = good_doc()
    EDITS[name](doc)
    with pytest.raises(CorruptionError, match=r"The key-slot file /x/vault\.keys is damaged"):
        parse_keyslot_bytes(json.dumps(doc).encode(), "/x/vault.keys")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"null",
        b"[1, 2]",
        b"\x00" * 100,
        b"\xff\xfe\xfd",
        b"{" * 50_000,
        b'{"format": "clinician-desk-keyslots"',
        b"x" * 70_000,
        "\u202e{}".encode(),
    ],
)
def test_garbage_is_corruption(data: bytes) -> None:
    with pytest.raises(CorruptionError, match=r"vault\.keys"):
        parse_keyslot_bytes(data, "vault.keys")


def test_newer_format_asks_for_an_update() -> None:
    doc = good_doc()
    doc["version"] = 2
    with pytest.raises(VaultError, match="newer version") as info:
        parse_keyslot_bytes(json.dumps(doc).encode(), "vault.keys")
    assert not isinstance(info.value, CorruptionError)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.integers(0, 255)),
        min_size=1,
        max_size=4,
    )
)
def test_random_byte_edits_never_escape_as_other_exceptions(edits: list[tuple[int, int]]) -> None:
    data = bytearray(json.dumps(good_doc()).encode())
    for position, value in edits:
        data[position % len(data)] = value
    try:
        parsed = parse_keyslot_bytes(bytes(data), "vault.keys")
    except (CorruptionError, VaultError):
        return
    assert isinstance(parsed, KeySlotFile)
