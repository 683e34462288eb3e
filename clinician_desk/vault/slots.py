"""Wrapping and unwrapping the data key in each kind of slot.

* passphrase slot: Argon2id(passphrase, salt, params) → AES-256-GCM key;
* recovery slot: HKDF-SHA256(recovery key, salt) → AES-256-GCM key (the recovery key already has
  256 bits of entropy, so no slow KDF is needed);
* escrow slot: HPKE base mode (X25519, HKDF-SHA256, AES-256-GCM) to the county's public key.

Each slot's AEAD authenticates the slot header and the file identity
(``keyfile.associated_data``); for HPKE the same bytes are the ``info`` input. Opening a slot
returns ``None`` on any authentication failure — callers turn that into one message that never
says which slot or which field failed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from typing import TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clinician_desk.vault.kdf import SALT_BYTES, KdfParams, derive_key
from clinician_desk.vault.keyfile import (
    NONCE_BYTES,
    EscrowSlot,
    PassphraseSlot,
    RecoverySlot,
    associated_data,
    slot_header,
)

_KEY_CHECK_LABEL = b"clinician-desk key check v1\x00"
_SLOT_TAG_INFO = b"clinician-desk key-slot integrity v1\x00"
_RECOVERY_INFO = b"clinician-desk recovery slot v1"
_S = TypeVar("_S", PassphraseSlot, RecoverySlot)
_HPKE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)


def new_slot_id() -> str:
    return secrets.token_hex(8)


def key_check(data_key: bytes, vault_id: str) -> bytes:
    """A MAC under the data key identifying it without revealing it."""
    return hmac.new(data_key, _KEY_CHECK_LABEL + vault_id.encode(), hashlib.sha256).digest()


def key_matches(data_key: bytes, vault_id: str, expected: bytes) -> bool:
    return hmac.compare_digest(key_check(data_key, vault_id), expected)


def slot_tag(
    data_key: bytes, vault_id: str, slot: PassphraseSlot | RecoverySlot | EscrowSlot
) -> bytes:
    """HMAC-SHA256 over a slot's canonical bytes (authenticated header + sealed payload) under
    a key derived from the data key with its own HKDF label, so the recovery and escrow slots,
    which cannot be trial-opened without their own secrets, can still be checked at unlock."""
    tag_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_SLOT_TAG_INFO + vault_id.encode()
    ).derive(data_key)
    payload = slot.sealed if isinstance(slot, EscrowSlot) else slot.nonce + slot.wrapped
    message = associated_data(vault_id, slot_header(slot)) + b"\x00" + payload
    return hmac.new(tag_key, message, hashlib.sha256).digest()


def seal_passphrase(
    data_key: bytes, passphrase: str, params: KdfParams, vault_id: str, created: str
) -> PassphraseSlot:
    salt = secrets.token_bytes(SALT_BYTES)
    slot = PassphraseSlot(new_slot_id(), created, params, salt, b"", b"")
    return _wrap_into(slot, derive_key(passphrase, salt, params), data_key, vault_id)


def open_passphrase(slot: PassphraseSlot, passphrase: str, vault_id: str) -> bytes | None:
    return _unwrap(slot, derive_key(passphrase, slot.salt, slot.params), vault_id)


def seal_recovery(
    data_key: bytes, recovery_key: bytes, vault_id: str, created: str
) -> RecoverySlot:
    salt = secrets.token_bytes(SALT_BYTES)
    slot = RecoverySlot(new_slot_id(), created, salt, b"", b"")
    return _wrap_into(slot, _recovery_wrapping_key(recovery_key, salt), data_key, vault_id)


def open_recovery(slot: RecoverySlot, recovery_key: bytes, vault_id: str) -> bytes | None:
    return _unwrap(slot, _recovery_wrapping_key(recovery_key, slot.salt), vault_id)


def public_key_fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(b"clinician-desk county key\x00" + public_key).hexdigest()


def seal_escrow(data_key: bytes, county_public: bytes, vault_id: str, created: str) -> EscrowSlot:
    recipient = X25519PublicKey.from_public_bytes(county_public)
    slot = EscrowSlot(new_slot_id(), created, public_key_fingerprint(county_public), b"")
    info = associated_data(vault_id, slot_header(slot))
    sealed = _HPKE.encrypt(data_key, recipient, info=info)
    return EscrowSlot(slot.id, slot.created, slot.recipient, sealed)


def open_escrow(slot: EscrowSlot, county_private: X25519PrivateKey, vault_id: str) -> bytes | None:
    info = associated_data(vault_id, slot_header(slot))
    try:
        return _HPKE.decrypt(slot.sealed, county_private, info=info)
    except (InvalidTag, ValueError):
        return None


def _recovery_wrapping_key(recovery_key: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_RECOVERY_INFO).derive(
        recovery_key
    )


def _wrap_into(slot: _S, wrapping_key: bytes, data_key: bytes, vault_id: str) -> _S:
    nonce = secrets.token_bytes(NONCE_BYTES)
    aad = associated_data(vault_id, slot_header(slot))
    wrapped = AESGCM(wrapping_key).encrypt(nonce, data_key, aad)
    return dataclasses.replace(slot, nonce=nonce, wrapped=wrapped)


def _unwrap(
    slot: PassphraseSlot | RecoverySlot, wrapping_key: bytes, vault_id: str
) -> bytes | None:
    aad = associated_data(vault_id, slot_header(slot))
    try:
        return AESGCM(wrapping_key).decrypt(slot.nonce, slot.wrapped, aad)
    except InvalidTag:
        return None
