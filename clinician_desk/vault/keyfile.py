"""The key-slot file: a small, versioned, self-describing JSON document beside the database.

Layout (version 1)::

    {"format": "clinician-desk-keyslots", "version": 1,
     "vault_id": "<32 hex>", "key_check": "<base64 HMAC-SHA256 of the data key>",
     "slots": [
       {"type": "passphrase", "id": "<16 hex>", "created": "<UTC ISO>", "cipher": "aes-256-gcm",
        "kdf": {"name": "argon2id", "version": 19, "memory_kib": 131072, "iterations": 3,
                "lanes": 4, "salt": "<base64>"}, "nonce": "<base64>", "wrapped": "<base64>"},
       {"type": "recovery", ... "kdf": {"name": "hkdf-sha256", "salt": "<base64>"}, ...},
       {"type": "escrow", "id": ..., "created": ...,
        "cipher": "hpke-x25519-hkdf-sha256-aes-256-gcm",
        "recipient": "<sha256 hex of the county public key>", "sealed": "<base64>"}]}

Every slot's header (all its fields except ``nonce``/``wrapped``/``sealed``) together with the
file's ``format``, ``version`` and ``vault_id`` is the associated data of that slot's AEAD, so no
field can be changed — or a slot moved to another vault — without the slot failing to open.
``key_check`` is a MAC under the data key itself (it lets ``change_passphrase`` refuse a key that
is not this vault's). ``slot_tags`` (optional: files written before it have none) maps each slot
type to an HMAC over that slot's canonical bytes under a key derived from the data key
(``slots.slot_tag``), so a damaged recovery or escrow slot is noticed at every unlock, not on the
day it is needed. Parsing is strict: unknown or missing fields, wrong types, bad base64 and wrong
lengths are all ``CorruptionError`` naming the file — except inside a recovery or escrow slot,
which is kept as a ``DamagedSlot`` so the passphrase still unlocks and the damage can be named
and repaired. Nothing in here is secret.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinician_desk.errors import CorruptionError, VaultError
from clinician_desk.messages import M
from clinician_desk.vault.kdf import ALGORITHM, ARGON2_VERSION, SALT_BYTES, KdfParams

FORMAT = "clinician-desk-keyslots"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024
MAX_SLOTS = 8
NONCE_BYTES = 12
WRAPPED_BYTES = 32 + 16
SEALED_BYTES = 32 + 32 + 16  # X25519 encapsulated key + data key + tag
TAG_BYTES = 32
AES_GCM = "aes-256-gcm"
HPKE_SUITE = "hpke-x25519-hkdf-sha256-aes-256-gcm"
HKDF_SHA256 = "hkdf-sha256"
PASSPHRASE, RECOVERY, ESCROW = "passphrase", "recovery", "escrow"


@dataclass(frozen=True)
class PassphraseSlot:
    id: str
    created: str
    params: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    type: str = PASSPHRASE


@dataclass(frozen=True)
class RecoverySlot:
    id: str
    created: str
    salt: bytes
    nonce: bytes
    wrapped: bytes
    type: str = RECOVERY


@dataclass(frozen=True)
class EscrowSlot:
    id: str
    created: str
    recipient: str
    sealed: bytes
    type: str = ESCROW


@dataclass(frozen=True)
class DamagedSlot:
    """A recovery or escrow slot that cannot be parsed; kept verbatim so nothing is lost."""

    type: str
    entry: dict[str, Any]
    reason: str


Slot = PassphraseSlot | RecoverySlot | EscrowSlot
AnySlot = Slot | DamagedSlot
_ORDER = {PASSPHRASE: 0, RECOVERY: 1, ESCROW: 2}


@dataclass(frozen=True)
class KeySlotFile:
    vault_id: str
    key_check: bytes
    slots: tuple[AnySlot, ...]
    tags: tuple[tuple[str, bytes], ...] = ()  # (slot type, integrity tag); empty in old files

    def slot(self, kind: str) -> AnySlot | None:
        return next((s for s in self.slots if s.type == kind), None)

    def tag(self, kind: str) -> bytes | None:
        return next((t for k, t in self.tags if k == kind), None)

    def replacing(self, new: Slot) -> KeySlotFile:
        """A copy with ``new`` in place of the slot of the same type (or appended); tags kept
        as they are (the caller re-tags, see ``operations``)."""
        kept = tuple(s for s in self.slots if s.type != new.type)
        return KeySlotFile(
            self.vault_id,
            self.key_check,
            tuple(sorted((*kept, new), key=lambda s: _ORDER[s.type])),
            self.tags,
        )

    def with_tags(self, tags: dict[str, bytes]) -> KeySlotFile:
        """A copy carrying ``tags`` (only for slot types present in the file)."""
        present = {s.type for s in self.slots}
        ordered = tuple(sorted(((k, v) for k, v in tags.items() if k in present), key=_tag_key))
        return KeySlotFile(self.vault_id, self.key_check, self.slots, ordered)


def _tag_key(item: tuple[str, bytes]) -> int:
    return _ORDER[item[0]]


def slot_header(slot: Slot) -> dict[str, Any]:
    """The authenticated, non-secret description of a slot."""
    head: dict[str, Any] = {"type": slot.type, "id": slot.id, "created": slot.created}
    if isinstance(slot, PassphraseSlot):
        head["cipher"] = AES_GCM
        head["kdf"] = {
            "name": ALGORITHM,
            "version": ARGON2_VERSION,
            "memory_kib": slot.params.memory_kib,
            "iterations": slot.params.iterations,
            "lanes": slot.params.lanes,
            "salt": _b64(slot.salt),
        }
    elif isinstance(slot, RecoverySlot):
        head["cipher"] = AES_GCM
        head["kdf"] = {"name": HKDF_SHA256, "salt": _b64(slot.salt)}
    else:
        head["cipher"] = HPKE_SUITE
        head["recipient"] = slot.recipient
    return head


def associated_data(vault_id: str, header: dict[str, Any]) -> bytes:
    """Canonical bytes binding a slot header to this file's format, version and vault."""
    doc = {"format": FORMAT, "version": VERSION, "vault_id": vault_id, "slot": header}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def serialize(keyfile: KeySlotFile) -> bytes:
    slots = []
    for slot in keyfile.slots:
        if isinstance(slot, DamagedSlot):
            slots.append(slot.entry)  # written back as found: repair replaces it, never guesses
            continue
        entry = slot_header(slot)
        if isinstance(slot, EscrowSlot):
            entry["sealed"] = _b64(slot.sealed)
        else:
            entry["nonce"] = _b64(slot.nonce)
            entry["wrapped"] = _b64(slot.wrapped)
        slots.append(entry)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "vault_id": keyfile.vault_id,
        "key_check": _b64(keyfile.key_check),
        "slots": slots,
    }
    if keyfile.tags:
        doc["slot_tags"] = {kind: _b64(tag) for kind, tag in keyfile.tags}
    return (json.dumps(doc, indent=2, ensure_ascii=True) + "\n").encode()


def read_keyslot_file(path: Path) -> KeySlotFile:
    """Read and parse the key-slot file at ``path``; damage is a CorruptionError naming it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise CorruptionError(
            M(
                "The key-slot file {path} is missing, so the vault cannot be unlocked. "
                "Restore it from a backup of this profile.",
                path=path,
            )
        ) from None
    except OSError as exc:
        raise CorruptionError(
            M("The key-slot file {path} cannot be read ({reason}).", path=path, reason=exc.strerror)
        ) from None
    return parse_keyslot_bytes(data, str(path))


def parse_keyslot_bytes(data: bytes, source: str = "key-slot file") -> KeySlotFile:
    """Parse a key-slot file's bytes strictly; ``source`` names the file in error messages."""
    problem = _Problem(source)
    if not data:
        raise problem("it is empty")
    if len(data) > MAX_FILE_BYTES:
        raise problem("it is far larger than a key-slot file can be")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise problem("it is not valid JSON (truncated or overwritten?)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise problem("it is not a clinician-desk key-slot file")
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise VaultError(
            M(
                "The key-slot file {source} was written by a newer version of clinician-desk "
                "(format {version}); update the app to open this vault.",
                source=source,
                version=version,
            )
        )
    fields = {"format", "version", "vault_id", "key_check", "slots"}
    _expect_keys(doc, fields | ({"slot_tags"} & set(doc)), "file", problem)
    if version != VERSION:
        raise problem("its format version is not one this app knows")
    vault_id = _hex(doc["vault_id"], 16, "vault_id", problem)
    key_check = _bytes(doc["key_check"], 32, "key_check", problem)
    raw_slots = doc["slots"]
    if not isinstance(raw_slots, list) or not 1 <= len(raw_slots) <= MAX_SLOTS:
        raise problem("its slot list is missing or malformed")
    slots = tuple(_parse_slot_tolerantly(entry, problem) for entry in raw_slots)
    kinds = [s.type for s in slots]
    if len(set(kinds)) != len(kinds):
        raise problem("it has two slots of the same kind")
    tags = _parse_tags(doc.get("slot_tags"), problem) if "slot_tags" in doc else ()
    return KeySlotFile(vault_id, key_check, slots, tags)


def _parse_slot_tolerantly(entry: object, problem: _Problem) -> AnySlot:
    """A damaged recovery or escrow slot becomes a ``DamagedSlot``; anything else is fatal."""
    try:
        return _parse_slot(entry, problem)
    except CorruptionError as exc:
        kind = entry.get("type") if isinstance(entry, dict) else None
        if kind in (RECOVERY, ESCROW) and isinstance(entry, dict):
            return DamagedSlot(str(kind), entry, exc.message)
        raise


def _parse_tags(raw: object, problem: _Problem) -> tuple[tuple[str, bytes], ...]:
    if not isinstance(raw, dict) or not set(raw) <= set(_ORDER):
        raise problem("its slot tags are malformed")
    tags = {kind: _bytes(value, TAG_BYTES, "slot tag", problem) for kind, value in raw.items()}
    return tuple(sorted(tags.items(), key=_tag_key))


class _Problem:
    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, what: str) -> CorruptionError:
        return CorruptionError(
            M(
                "The key-slot file {source} is damaged: {what}. Restore it from a backup of "
                "this profile, or ask the county to recover the vault.",
                source=self.source,
                what=what,
            )
        )


def _parse_slot(entry: object, problem: _Problem) -> Slot:
    if not isinstance(entry, dict):
        raise problem("a slot is not an object")
    kind = entry.get("type")
    base = {"type", "id", "created", "cipher"}
    if kind == ESCROW:
        _expect_keys(entry, base | {"recipient", "sealed"}, "escrow slot", problem)
        _expect_value(entry, "cipher", HPKE_SUITE, problem)
        return EscrowSlot(
            id=_hex(entry["id"], 8, "slot id", problem),
            created=_text(entry["created"], "created", problem),
            recipient=_hex(entry["recipient"], 32, "recipient", problem),
            sealed=_bytes(entry["sealed"], SEALED_BYTES, "sealed key", problem),
        )
    if kind not in (PASSPHRASE, RECOVERY):
        raise problem("a slot has an unknown type")
    _expect_keys(entry, base | {"kdf", "nonce", "wrapped"}, f"{kind} slot", problem)
    _expect_value(entry, "cipher", AES_GCM, problem)
    kdf = entry["kdf"]
    if not isinstance(kdf, dict):
        raise problem("a slot's kdf is not an object")
    slot_id = _hex(entry["id"], 8, "slot id", problem)
    created = _text(entry["created"], "created", problem)
    nonce = _bytes(entry["nonce"], NONCE_BYTES, "nonce", problem)
    wrapped = _bytes(entry["wrapped"], WRAPPED_BYTES, "wrapped key", problem)
    if kind == RECOVERY:
        _expect_keys(kdf, {"name", "salt"}, "recovery kdf", problem)
        _expect_value(kdf, "name", HKDF_SHA256, problem)
        salt = _bytes(kdf["salt"], SALT_BYTES, "salt", problem)
        return RecoverySlot(slot_id, created, salt, nonce, wrapped)
    names = {"name", "version", "memory_kib", "iterations", "lanes", "salt"}
    _expect_keys(kdf, names, "passphrase kdf", problem)
    _expect_value(kdf, "name", ALGORITHM, problem)
    _expect_value(kdf, "version", ARGON2_VERSION, problem)
    params = KdfParams(
        memory_kib=_int(kdf["memory_kib"], "memory_kib", problem),
        iterations=_int(kdf["iterations"], "iterations", problem),
        lanes=_int(kdf["lanes"], "lanes", problem),
    )
    if params.problems():
        raise problem(
            "its passphrase parameters are out of range (" + "; ".join(params.problems()) + ")"
        )
    salt = _bytes(kdf["salt"], SALT_BYTES, "salt", problem)
    return PassphraseSlot(slot_id, created, params, salt, nonce, wrapped)


def _expect_keys(obj: dict[str, Any], keys: set[str], what: str, problem: _Problem) -> None:
    if set(obj) != keys:
        raise problem(f"the {what} has missing or unexpected fields")


def _expect_value(obj: dict[str, Any], key: str, value: object, problem: _Problem) -> None:
    if obj.get(key) != value or isinstance(obj.get(key), bool):
        raise problem(f"unsupported {key}")


def _int(value: object, name: str, problem: _Problem) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise problem(f"{name} is not an integer")
    return value


def _text(value: object, name: str, problem: _Problem) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise problem(f"{name} is malformed")
    return value


def _hex(value: object, size: int, name: str, problem: _Problem) -> str:
    text = _text(value, name, problem)
    try:
        if len(text) != 2 * size or len(bytes.fromhex(text)) != size or text != text.lower():
            raise ValueError
    except ValueError:
        raise problem(f"{name} is malformed") from None
    return text


def _bytes(value: object, size: int, name: str, problem: _Problem) -> bytes:
    if not isinstance(value, str):
        raise problem(f"{name} is malformed")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise problem(f"{name} is not valid base64") from None
    if len(raw) != size:
        raise problem(f"{name} has the wrong length")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
