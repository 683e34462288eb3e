"""The handoff package file, format version 1 (docs/design/handoff.md).

::

    magic      "CDHANDOFF\\n"                      10 bytes
    version    1                                   2 bytes, big-endian
    header     length (4 bytes, big-endian) + canonical JSON (UTF-8)
    enc        HPKE encapsulated key               32 bytes
    sealed     length (8 bytes, big-endian) + HPKE ciphertext of zlib(JSON payload)
    signature  Ed25519 over every byte before it   64 bytes

The header names the sender's public keys and fingerprint, the recipient's fingerprint, the
package id and when it was made; nothing about students. The payload is sealed with HPKE base
mode to the recipient's X25519 key (``crypto.hpke``) with ``info`` =
``"clinician-desk handoff v1\\0"`` and the bytes before ``enc`` (magic, version, header) as
associated data, so the header cannot be changed or re-signed by someone else without the
payload failing to open. The package hash (SHA-256 of the whole file) names it in both audit
trails. Everything happens in memory: the plaintext is never written anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from clinician_desk.crypto import hpke
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M
from clinician_desk.services.handoff.keys import Identity, PublicIdentity, b64, fingerprint, unb64

MAGIC = b"CDHANDOFF\n"
FORMAT_VERSION = 1
INFO = b"clinician-desk handoff v1\0"
_SIG = 64
_MAX_HEADER = 64 * 1024
_MAX_PAYLOAD = 2 * 1024 * 1024 * 1024


class PackageRefused(ValidationError):
    """A package that cannot be imported; the message says why. Nothing was changed."""


def package_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Header:
    package_id: str
    made_at: str
    sender_fingerprint: str
    sender_x25519: bytes
    sender_ed25519: bytes
    recipient_fingerprint: str


def seal_package(
    identity: Identity,
    sender: PublicIdentity,
    recipient: PublicIdentity,
    payload: dict[str, Any],
    made_at: str,
) -> tuple[bytes, str]:
    """The package bytes and its id."""
    package_id = str(uuid.uuid4())
    header = _canonical(
        {
            "format": FORMAT_VERSION,
            "package_id": package_id,
            "made_at": made_at,
            "suite": hpke.SUITE_NAME,
            "sender": {
                "fingerprint": sender.fingerprint,
                "x25519": b64(sender.x25519),
                "ed25519": b64(sender.ed25519),
            },
            "recipient": {"fingerprint": recipient.fingerprint},
        }
    )
    body = dict(payload)
    body["package_id"] = package_id
    body["sender_fingerprint"] = sender.fingerprint
    body["recipient_fingerprint"] = recipient.fingerprint
    plain = zlib.compress(_canonical(body), 6)
    front = MAGIC + FORMAT_VERSION.to_bytes(2, "big") + len(header).to_bytes(4, "big") + header
    enc, sealed = hpke.seal(recipient.x25519_key(), plain, info=INFO, aad=front)
    del plain
    signed = front + enc + len(sealed).to_bytes(8, "big") + sealed
    return signed + identity.ed25519.sign(signed), package_id


@dataclass(frozen=True)
class Opened:
    header: Header
    payload: dict[str, Any]


def read_header(data: bytes) -> tuple[Header, int]:
    """The header and where ``enc`` starts; refuses anything that is not a complete package of
    this format version (before any key is used)."""
    if len(data) < len(MAGIC) + 2 or not data.startswith(MAGIC):
        raise PackageRefused(M("This file is not a clinician-desk handoff package."))
    version = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 2], "big")
    if version < FORMAT_VERSION:
        raise PackageRefused(
            M(
                "This handoff package has format version {version}, written by an older "
                "clinician-desk; this version reads format {format}. Ask the "
                "sender to export it again with a current version. Nothing was imported.",
                version=version,
                format=FORMAT_VERSION,
            )
        )
    if version > FORMAT_VERSION:
        raise PackageRefused(
            M(
                "This handoff package has format version {version}, written by a newer "
                "clinician-desk; this version reads format {format}. Update "
                "clinician-desk to import it. Nothing was imported.",
                version=version,
                format=FORMAT_VERSION,
            )
        )
    pos = len(MAGIC) + 2
    truncated = PackageRefused(
        M(
            "This handoff package is truncated (the file is incomplete); ask the "
            "sender for the file again. Nothing was imported."
        )
    )
    if len(data) < pos + 4:
        raise truncated
    head_len = int.from_bytes(data[pos : pos + 4], "big")
    pos += 4
    if head_len > _MAX_HEADER:
        raise PackageRefused(M("This handoff package is damaged (its header is too long)."))
    if len(data) < pos + head_len + hpke.N_ENC + 8:
        raise truncated
    raw_header = data[pos : pos + head_len]
    pos += head_len
    sealed_len = int.from_bytes(data[pos + hpke.N_ENC : pos + hpke.N_ENC + 8], "big")
    end = pos + hpke.N_ENC + 8 + sealed_len + _SIG
    if sealed_len > _MAX_PAYLOAD or len(data) < end:
        raise truncated
    if len(data) > end:
        raise PackageRefused(
            M(
                "This handoff package was altered (bytes were added after its end). "
                "Nothing was imported."
            )
        )
    try:
        h = json.loads(raw_header)
        header = Header(
            package_id=str(h["package_id"]),
            made_at=str(h["made_at"]),
            sender_fingerprint=str(h["sender"]["fingerprint"]),
            sender_x25519=unb64(str(h["sender"]["x25519"])),
            sender_ed25519=unb64(str(h["sender"]["ed25519"])),
            recipient_fingerprint=str(h["recipient"]["fingerprint"]),
        )
        if h["format"] != FORMAT_VERSION:
            raise ValueError
    except (ValueError, KeyError, TypeError, ValidationError):
        raise PackageRefused(
            M(
                "This handoff package was altered or damaged (its header is not "
                "readable). Nothing was imported."
            )
        ) from None
    return header, pos


def open_package(data: bytes, identity: Identity, own: PublicIdentity) -> Opened:
    """Check and open a package addressed to ``own``: address, signature, then the seal."""
    header, pos = read_header(data)
    altered = PackageRefused(
        M(
            "This handoff package was altered after it was signed (its signature or "
            "seal does not check). Do not use it; ask the sender to export it again. "
            "Nothing was imported."
        )
    )
    if (
        len(header.sender_x25519) != 32
        or len(header.sender_ed25519) != 32
        or fingerprint(header.sender_x25519, header.sender_ed25519) != header.sender_fingerprint
    ):
        raise altered
    sender = PublicIdentity("", header.sender_x25519, header.sender_ed25519)
    try:
        sender.ed25519_key().verify(data[-_SIG:], data[:-_SIG])
    except (InvalidSignature, ValueError):
        raise altered from None
    if header.recipient_fingerprint != own.fingerprint:
        raise PackageRefused(
            M(
                "This handoff package is addressed to another clinician (fingerprint "
                "{recipient}), not to this vault ({own}). Nothing "
                "was imported.",
                recipient=header.recipient_fingerprint,
                own=own.fingerprint,
            )
        )
    enc = data[pos : pos + hpke.N_ENC]
    sealed = data[pos + hpke.N_ENC + 8 : -_SIG]
    try:
        plain = hpke.open_(identity.x25519, enc, sealed, info=INFO, aad=data[:pos])
        payload = json.loads(zlib.decompress(plain))
    except (hpke.HpkeError, zlib.error, ValueError):
        raise altered from None
    if (
        not isinstance(payload, dict)
        or payload.get("package_id") != header.package_id
        or payload.get("sender_fingerprint") != header.sender_fingerprint
        or payload.get("recipient_fingerprint") != header.recipient_fingerprint
    ):
        raise altered
    return Opened(header, payload)


def write_package_file(target: Path, data: bytes) -> None:
    """Write a package (ciphertext) to a new private file: never over an existing file, no
    temporary file; a failed write leaves no partial file behind."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
