"""HPKE (RFC 9180), base mode, single shot: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
ChaCha20-Poly1305 (suite ids 0x0020, 0x0001, 0x0003).

Built from ``cryptography``'s X25519, HKDF-Extract/Expand (HMAC-SHA256) and ChaCha20-Poly1305
because its own ``hpke.Suite`` takes no associated data and no fixed ephemeral key, so it could
neither bind a package's header as AAD nor be checked against the RFC's published vectors. This
module is checked against RFC 9180 appendix A.2 (base mode, every value of the key schedule) and
against ``cryptography.hazmat.primitives.hpke.Suite`` in both directions
(tests/unit/crypto/test_hpke.py).

``seal`` returns ``(enc, ciphertext)``; ``open_`` raises ``HpkeError`` for anything that does
not open (wrong key, altered enc, ciphertext, info or aad) without saying which.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

KEM_ID = 0x0020
KDF_ID = 0x0001
AEAD_ID = 0x0003
SUITE_NAME = "HPKE base DHKEM(X25519,HKDF-SHA256) HKDF-SHA256 ChaCha20-Poly1305"
N_ENC = 32
_N_SECRET = 32
_N_K = 32
_N_N = 12
_VERSION = b"HPKE-v1"
_KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")
_HPKE_SUITE = (
    b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")
)
_MODE_BASE = 0x00


class HpkeError(Exception):
    """The ciphertext does not open with this key, info and aad."""


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, _VERSION + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + _VERSION + suite + label + info
    return _expand(prk, labeled, length)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _extract_and_expand(dh: bytes, kem_context: bytes) -> bytes:
    eae_prk = _labeled_extract(_KEM_SUITE, b"", b"eae_prk", dh)
    return _labeled_expand(_KEM_SUITE, eae_prk, b"shared_secret", kem_context, _N_SECRET)


def _dh(private: X25519PrivateKey, public: X25519PublicKey) -> bytes:
    try:
        return private.exchange(public)
    except ValueError:  # an all-zero shared secret (a low-order point): RFC 9180 7.1.4
        raise HpkeError("the key exchange failed") from None


def encap(
    recipient: X25519PublicKey, ephemeral: X25519PrivateKey | None = None
) -> tuple[bytes, bytes]:
    """(shared_secret, enc). ``ephemeral`` is only fixed by the RFC vector tests."""
    eph = ephemeral or X25519PrivateKey.generate()
    enc = _raw(eph.public_key())
    dh = _dh(eph, recipient)
    return _extract_and_expand(dh, enc + _raw(recipient)), enc


def decap(enc: bytes, recipient: X25519PrivateKey) -> bytes:
    if len(enc) != N_ENC:
        raise HpkeError("the encapsulated key has the wrong length")
    try:
        pk_e = X25519PublicKey.from_public_bytes(enc)
    except ValueError:
        raise HpkeError("the encapsulated key is not an X25519 key") from None
    dh = _dh(recipient, pk_e)
    return _extract_and_expand(dh, enc + _raw(recipient.public_key()))


def key_schedule(shared_secret: bytes, info: bytes) -> tuple[bytes, bytes]:
    """(key, base_nonce) of base mode (empty PSK and PSK id)."""
    psk_id_hash = _labeled_extract(_HPKE_SUITE, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(_HPKE_SUITE, b"", b"info_hash", info)
    context = bytes([_MODE_BASE]) + psk_id_hash + info_hash
    secret = _labeled_extract(_HPKE_SUITE, shared_secret, b"secret", b"")
    key = _labeled_expand(_HPKE_SUITE, secret, b"key", context, _N_K)
    base_nonce = _labeled_expand(_HPKE_SUITE, secret, b"base_nonce", context, _N_N)
    return key, base_nonce


def seal(
    recipient: X25519PublicKey,
    plaintext: bytes,
    *,
    info: bytes = b"",
    aad: bytes = b"",
    ephemeral: X25519PrivateKey | None = None,
) -> tuple[bytes, bytes]:
    """Single-shot base-mode seal (sequence number 0): (enc, ciphertext)."""
    shared, enc = encap(recipient, ephemeral)
    key, nonce = key_schedule(shared, info)
    return enc, ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)


def open_(
    recipient: X25519PrivateKey,
    enc: bytes,
    ciphertext: bytes,
    *,
    info: bytes = b"",
    aad: bytes = b"",
) -> bytes:
    """Single-shot base-mode open; ``HpkeError`` when it does not open."""
    key, nonce = key_schedule(decap(enc, recipient), info)
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise HpkeError("the sealed content does not open with this key") from None
