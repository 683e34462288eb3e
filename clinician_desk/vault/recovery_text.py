"""The printable form of the 256-bit recovery key, built to survive being copied by hand.

Format: Crockford base32 (digits and letters without I, L, O, U, so nothing looks alike) in 14
groups of 4 characters separated by dashes: 13 groups carry the 256-bit key (the last 4 bits are
zero padding) and the 14th is a 20-bit checksum. Input is accepted case-, space- and
dash-insensitively, with ``I``/``L`` read as ``1`` and ``O`` as ``0``. A typo is caught by the
checksum before any unlock is attempted, and when a single changed character explains it the error
names the group to look at. Error messages never repeat characters of the key.
"""

from __future__ import annotations

import hashlib

from clinician_desk.errors import UsageError
from clinician_desk.messages import M

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_VALUES.update({"I": 1, "L": 1, "O": 0})
_IGNORED = set(" -_\t\r\n.")

KEY_BYTES = 32
DATA_CHARS = 52  # ceil(256 / 5)
CHECK_CHARS = 4  # 20 bits
GROUP = 4
TOTAL_CHARS = DATA_CHARS + CHECK_CHARS
GROUPS = TOTAL_CHARS // GROUP
_CHECK_DOMAIN = b"clinician-desk recovery key v1\x00"
_MAX_NAMED_GROUPS = 3


class RecoveryKeyFormatError(UsageError):
    """The text typed as a recovery key is not a well-formed recovery key (a typo)."""


def format_recovery_key(raw: bytes) -> str:
    """``raw`` (32 bytes) as ``XXXX-XXXX-…`` (14 groups of 4)."""
    if len(raw) != KEY_BYTES:
        raise ValueError("a recovery key is 32 bytes")
    chars = _encode(raw) + _checksum_chars(raw)
    return "-".join(chars[i : i + GROUP] for i in range(0, TOTAL_CHARS, GROUP))


def parse_recovery_key(text: str) -> bytes:
    """The 32 key bytes from the printed form, or ``RecoveryKeyFormatError`` saying what to fix."""
    symbols: list[int] = []
    for ch in text.upper():
        if ch in _IGNORED:
            continue
        value = _VALUES.get(ch)
        if value is None:
            group = len(symbols) // GROUP + 1
            raise RecoveryKeyFormatError(
                M(
                    "Group {group} of the recovery key contains a character that recovery keys "
                    "never use (they use digits and the letters A–Z without I, L, O and U). "
                    "Check it.",
                    group=group,
                )
            )
        symbols.append(value)
    if len(symbols) != TOTAL_CHARS:
        raise RecoveryKeyFormatError(
            M(
                "A recovery key has {total} characters in {groups} groups of {size}; "
                "{given} were given. Check for a missing or extra group.",
                total=TOTAL_CHARS,
                groups=GROUPS,
                size=GROUP,
                given=len(symbols),
            )
        )
    raw = _verified(symbols)
    if raw is not None:
        return raw
    suspects = _single_typo_groups(symbols)
    if len(suspects) == 1:
        raise RecoveryKeyFormatError(
            M(
                "The recovery key has a typo: group {group} looks mistyped. "
                "Compare it with the printed key and try again.",
                group=suspects[0],
            )
        )
    if 1 < len(suspects) <= _MAX_NAMED_GROUPS:
        raise RecoveryKeyFormatError(
            M(
                "The recovery key has a typo: one of groups {groups} and {last} looks mistyped. "
                "Compare those groups with the printed key and try again.",
                groups=", ".join(str(g) for g in suspects[:-1]),
                last=suspects[-1],
            )
        )
    raise RecoveryKeyFormatError(
        M(
            "The recovery key has a typo (its checksum does not match). "
            "Compare every group with the printed key and try again."
        )
    )


def _verified(symbols: list[int]) -> bytes | None:
    data, check = symbols[:DATA_CHARS], symbols[DATA_CHARS:]
    raw = _decode(data)
    if raw is None:
        return None
    expected = [_VALUES[c] for c in _checksum_chars(raw)]
    return raw if expected == check else None


def _single_typo_groups(symbols: list[int]) -> list[int]:
    """The 1-based groups in which changing one character makes the checksum match, in order.

    A 20-bit checksum cannot always pin one group: about 1 mistyped key in 600 has a second
    single-character change elsewhere that also matches. The group really mistyped is always among
    the candidates, so the message names all of them (up to ``_MAX_NAMED_GROUPS``).
    """
    groups: set[int] = set()
    for pos in range(TOTAL_CHARS):
        original = symbols[pos]
        for value in range(32):
            if value == original:
                continue
            symbols[pos] = value
            if _verified(symbols) is not None:
                groups.add(pos // GROUP + 1)
        symbols[pos] = original
    return sorted(groups)


def _encode(raw: bytes) -> str:
    number = int.from_bytes(raw, "big") << (DATA_CHARS * 5 - KEY_BYTES * 8)
    out = []
    for shift in range(DATA_CHARS - 1, -1, -1):
        out.append(ALPHABET[(number >> (shift * 5)) & 31])
    return "".join(out)


def _decode(symbols: list[int]) -> bytes | None:
    number = 0
    for value in symbols:
        number = (number << 5) | value
    pad_bits = DATA_CHARS * 5 - KEY_BYTES * 8
    if number & ((1 << pad_bits) - 1):
        return None  # the padding bits of the last character must be zero
    return (number >> pad_bits).to_bytes(KEY_BYTES, "big")


def _checksum_chars(raw: bytes) -> str:
    digest = hashlib.sha256(_CHECK_DOMAIN + raw).digest()
    bits = int.from_bytes(digest[:3], "big") >> 4  # 20 bits
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(CHECK_CHARS - 1, -1, -1))
