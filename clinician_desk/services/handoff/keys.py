"""A vault's handoff identity: its keys, the fingerprint people read aloud, the text card.

Every vault has one X25519 key pair (packages are sealed to it) and one Ed25519 key pair (the
packages it sends are signed with it); both private keys live inside the encrypted database
(``handoff_identity``, migration 0009) and are made on first use.

The **fingerprint** is what two people compare over the phone or in person: SHA-256 over a label
and both public keys, shown as six groups of five digits ("31415 92653 58979 32384 62643 38327",
about 100 bits). The **card** carries the name and both public keys as one line of text
(``cdhk1.<name>.<x25519>.<ed25519>``, base64url without padding) that can be mailed, printed or
typed; whoever adds a card sees its fingerprint and checks it with its owner before trusting it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

CARD_PREFIX = "cdhk1"
_FP_LABEL = b"clinician-desk handoff fingerprint v1\0"
_GROUPS = 6
NAME_LIMIT = 120


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError(M("The handoff card is not readable (bad base64).")) from None


def fingerprint(x25519_public: bytes, ed25519_public: bytes) -> str:
    digest = hashlib.sha256(_FP_LABEL + x25519_public + ed25519_public).digest()
    groups = [int.from_bytes(digest[5 * i : 5 * i + 5], "big") % 100000 for i in range(_GROUPS)]
    return " ".join(f"{g:05d}" for g in groups)


def normalize_fingerprint(text: str) -> str:
    """Accept the fingerprint with any spacing or dashes; refuse anything else."""
    digits = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if len(digits) != 5 * _GROUPS or not digits.isdigit() or not digits.isascii():
        raise ValidationError(
            M(
                "A handoff fingerprint is {groups} groups of 5 digits (e.g. 12345 67890 …).",
                groups=_GROUPS,
            )
        )
    return " ".join(digits[i : i + 5] for i in range(0, len(digits), 5))


@dataclass(frozen=True)
class PublicIdentity:
    name: str
    x25519: bytes
    ed25519: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.x25519, self.ed25519)

    @property
    def card(self) -> str:
        return ".".join(
            (CARD_PREFIX, b64(self.name.encode("utf-8")), b64(self.x25519), b64(self.ed25519))
        )

    def x25519_key(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.x25519)

    def ed25519_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.ed25519)


@dataclass(frozen=True)
class Identity:
    """This vault's private handoff keys (never leave the encrypted database but in memory)."""

    x25519: X25519PrivateKey
    ed25519: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> Identity:
        return cls(X25519PrivateKey.generate(), Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, x25519: bytes, ed25519: bytes) -> Identity:
        return cls(
            X25519PrivateKey.from_private_bytes(x25519),
            Ed25519PrivateKey.from_private_bytes(ed25519),
        )

    def raw(self) -> tuple[bytes, bytes]:
        return self.x25519.private_bytes_raw(), self.ed25519.private_bytes_raw()

    def public(self, name: str) -> PublicIdentity:
        return PublicIdentity(
            name,
            self.x25519.public_key().public_bytes_raw(),
            self.ed25519.public_key().public_bytes_raw(),
        )


def parse_card(text: str) -> PublicIdentity:
    """A colleague's card; ``ValidationError`` naming what is wrong."""
    parts = "".join(text.split()).split(".")
    if len(parts) != 4 or parts[0] != CARD_PREFIX:
        raise ValidationError(
            M(
                "This is not a clinician-desk handoff card (it starts with "
                "'{prefix}.' and has four parts separated by dots).",
                prefix=CARD_PREFIX,
            )
        )
    try:
        name = unb64(parts[1]).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(M("The handoff card's name is not readable.")) from None
    name = " ".join(name.split())
    if not name or len(name) > NAME_LIMIT or not name.isprintable():
        raise ValidationError(M("The handoff card's name is empty, too long or not printable."))
    x, ed = unb64(parts[2]), unb64(parts[3])
    if len(x) != 32 or len(ed) != 32:
        raise ValidationError(
            M("The handoff card's keys have the wrong length; ask for a new card.")
        )
    try:
        X25519PublicKey.from_public_bytes(x)
        Ed25519PublicKey.from_public_bytes(ed)
    except ValueError:
        raise ValidationError(M("The handoff card's keys are not valid keys.")) from None
    return PublicIdentity(name, x, ed)
