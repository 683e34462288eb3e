"""The county side of escrow: the recovery keypair and unwrapping a clinician's data key.

The county keeps an X25519 private key offline; its public key is given to each laptop at
enrollment and ``set_escrow_slot`` seals the data key to it (HPKE, see ``slots``). When a
clinician loses both passphrase and recovery key, the county's ``recover-key`` command calls
``unwrap_escrow`` with the vault's key-slot file and the private key. Keys are exchanged as raw
32-byte values; PEM (PKCS#8 / SubjectPublicKeyInfo) is accepted too.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from clinician_desk.errors import CorruptionError, UsageError, VaultError
from clinician_desk.vault.keyfile import ESCROW, DamagedSlot, EscrowSlot, parse_keyslot_bytes
from clinician_desk.vault.slots import key_matches, open_escrow, public_key_fingerprint


def generate_county_keypair() -> tuple[bytes, bytes]:
    """A new county recovery keypair as raw bytes: ``(private_32, public_32)``."""
    private = X25519PrivateKey.generate()
    private_raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return private_raw, public_bytes_of(private)


def public_bytes_of(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def load_county_public_key(data: bytes) -> bytes:
    """Raw 32-byte X25519 public key from raw bytes or PEM; UsageError otherwise."""
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            key = None
        if not isinstance(key, X25519PublicKey):
            raise UsageError("The county public key is not an X25519 public key in PEM form.")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if len(data) != 32:
        raise UsageError("A county public key is 32 raw bytes (X25519) or a PEM file.")
    X25519PublicKey.from_public_bytes(data)
    return bytes(data)


def load_county_private_key(data: bytes) -> X25519PrivateKey:
    """The county private key from 32 raw bytes or unencrypted PKCS#8 PEM; UsageError otherwise."""
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            key = None
        if not isinstance(key, X25519PrivateKey):
            raise UsageError("The county private key is not an unencrypted X25519 PEM key.")
        return key
    if len(data) != 32:
        raise UsageError("A county private key is 32 raw bytes (X25519) or a PEM file.")
    return X25519PrivateKey.from_private_bytes(data)


def county_key_fingerprint(public_key: bytes) -> str:
    """The fingerprint stored in escrow slots (hex SHA-256), to tell keys apart."""
    return public_key_fingerprint(load_county_public_key(public_key))


def unwrap_escrow(keyslot_file_bytes: bytes, county_private_key: bytes) -> bytes:
    """The vault's 32-byte data key from its key-slot file, using the county's private key.

    Raises CorruptionError for a damaged file or slot, VaultError when the vault has no escrow
    slot or was sealed to a different county key (the message gives both fingerprints' first
    characters so the operator can find the right key).
    """
    keyfile = parse_keyslot_bytes(keyslot_file_bytes, "given key-slot file")
    slot = keyfile.slot(ESCROW)
    if isinstance(slot, DamagedSlot):
        raise CorruptionError(
            "The escrow slot of the given key-slot file is damaged and cannot be opened."
        )
    if not isinstance(slot, EscrowSlot):
        raise VaultError(
            "This vault has no county escrow slot; it cannot be recovered by the county."
        )
    private = load_county_private_key(county_private_key)
    fingerprint = public_key_fingerprint(public_bytes_of(private))
    if fingerprint != slot.recipient:
        raise VaultError(
            f"This vault was sealed to county key {slot.recipient[:16]}…, "
            f"not to the given key {fingerprint[:16]}…."
        )
    data_key = open_escrow(slot, private, keyfile.vault_id)
    if data_key is None or not key_matches(data_key, keyfile.vault_id, keyfile.key_check):
        raise CorruptionError(
            "The escrow slot of the given key-slot file is damaged and cannot be opened."
        )
    return data_key
