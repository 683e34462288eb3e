"""The vault's secret values in memory: the data key and the recovery key.

Both live in a ``bytearray`` so they can be overwritten when the vault locks (``wipe()``); Python
may still hold transient copies (``bytes`` handed to SQLCipher or to ``cryptography``), which is
as far as the language allows. Neither class ever shows its value in ``repr``/``str``, and neither
can be pickled, so a secret does not end up in a log, a traceback or a crash dump by accident.
"""

from __future__ import annotations

import hmac
import secrets
from typing import NoReturn, Self

from clinician_desk.errors import VaultError

KEY_BYTES = 32


class _Secret:
    """A fixed-length secret held in a wipeable ``bytearray``."""

    __slots__ = ("_buf", "_wiped")
    _label = "secret"

    def __init__(self, value: bytes | bytearray | memoryview) -> None:
        if len(value) != KEY_BYTES:
            raise VaultError(f"A {self._label} must be {KEY_BYTES} bytes long.")
        self._buf = bytearray(value)
        self._wiped = False

    @classmethod
    def generate(cls) -> Self:
        """A fresh random value from the operating system's CSPRNG."""
        buf = bytearray(secrets.token_bytes(KEY_BYTES))
        try:
            return cls(buf)
        finally:
            _zero(buf)

    @property
    def raw(self) -> bytes:
        """The key bytes (a copy). Raises VaultError once wiped."""
        if self._wiped:
            raise VaultError(f"The {self._label} was wiped when the vault locked; unlock again.")
        return bytes(self._buf)

    @property
    def wiped(self) -> bool:
        return self._wiped

    def wipe(self) -> None:
        """Overwrite the key bytes with zeros; later use raises VaultError. Idempotent."""
        _zero(self._buf)
        self._wiped = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wipe()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)) or self._wiped or other._wiped:
            return NotImplemented
        return hmac.compare_digest(self._buf, other._buf)

    __hash__ = None  # type: ignore[assignment]  # mutable secret: never a dict key

    def __repr__(self) -> str:
        state = "wiped" if self._wiped else "hidden"
        return f"{type(self).__name__}(<{state}>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"a {self._label} cannot be pickled")

    def __del__(self) -> None:
        # Best effort: zero the buffer when the object is collected.
        buf = getattr(self, "_buf", None)
        if buf is not None:
            _zero(buf)


class DataKey(_Secret):
    """The random 32-byte key SQLCipher uses as its raw key."""

    __slots__ = ()
    _label = "data key"

    def sqlcipher_pragma_value(self) -> str:
        """The raw-key literal for ``PRAGMA key = "x'…'"`` (without the outer double quotes)."""
        return f"x'{self.raw.hex().upper()}'"


class RecoveryKey(_Secret):
    """The random 256-bit recovery key; shown to the clinician once, as grouped base32 text."""

    __slots__ = ()
    _label = "recovery key"

    def to_text(self) -> str:
        """The printable grouped form (see ``clinician_desk.vault.recovery_text``)."""
        from clinician_desk.vault.recovery_text import format_recovery_key

        return format_recovery_key(self.raw)

    @classmethod
    def from_text(cls, text: str) -> RecoveryKey:
        """Parse the printed form; typos raise ``RecoveryKeyFormatError`` naming the group."""
        from clinician_desk.vault.recovery_text import parse_recovery_key

        raw = bytearray(parse_recovery_key(text))
        try:
            return cls(raw)
        finally:
            _zero(raw)


def _zero(buf: bytearray) -> None:
    for i in range(len(buf)):
        buf[i] = 0
