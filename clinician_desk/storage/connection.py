"""Opening a SQLCipher connection the one safe way.

The data key is SQLCipher's *raw* key (``PRAGMA key = "x'…'"``) and is the very first statement on a
new connection; the key is then proven by reading ``sqlite_master`` (a wrong key, a plain SQLite
file or garbage all fail there and become ``CorruptionError``). After that the pragmas of
docs/design/security.md are applied: WAL, ``synchronous=FULL``, ``temp_store=MEMORY``,
``foreign_keys=ON``, a busy timeout and a ~64 MB page cache. A library whose compile-time
``TEMP_STORE`` could put temp tables in plaintext files is refused.

Deliberate departure from the starting design (docs/decisions/0001-cipher-memory-security-off.md):
``cipher_memory_security`` is set **OFF** (SQLCipher's own default since 4.5). It wipes and locks
only SQLCipher's page buffers, while the same note text lives on in unwiped Python strings, Qt
widgets and reportlab buffers, so it protects almost nothing here; measured on this stack it doubled
query costs (caseload 6x -> 1.0x plain SQLite, save-and-sign 4.1x -> 1.9x). Once enabled it is
process-wide and cannot be turned off, which is why it is never enabled.

Storage sits beside the vault in the layer stack and does not import it: a key is either raw
bytes or any object with a ``raw`` bytes attribute (the vault's ``DataKey``).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlcipher3

from clinician_desk.errors import CorruptionError, StorageError
from clinician_desk.messages import M

# Page cache in KiB (negative = KiB for SQLite): about 64 MB. Decryption on cache misses
# dominates the cost of SQLCipher reads, so a generous cache pays for itself.
CACHE_SIZE_KIB = 65536
BUSY_TIMEOUT_MS = 5000
# The statement cache keeps the SQL text of cached statements; "PRAGMA key" is scrubbed right
# after it runs (``apply_key``), which a cached copy inside SQLite would outlive.
_STATEMENT_CACHE = 128
# TEMP_STORE=2 (memory unless a pragma says file) and 3 (always memory) are both safe;
# 0 and 1 default to files, where temp tables and sorts would be written in plaintext.
_SAFE_TEMP_STORE = {"TEMP_STORE=2", "TEMP_STORE=3"}

if TYPE_CHECKING:  # sqlcipher3 ships no stubs; its API is the standard library's sqlite3
    from sqlite3 import Connection as Connection
    from sqlite3 import Row as Row
else:
    Connection = sqlcipher3.Connection
    Row = sqlcipher3.Row
DatabaseError: type[Exception] = sqlcipher3.DatabaseError


class SupportsRawKey(Protocol):
    """What storage needs from a data key: its 32 raw bytes."""

    @property
    def raw(self) -> bytes: ...


KeyLike = SupportsRawKey | bytes | bytearray


def raw_key_bytes(key: KeyLike) -> bytes:
    """The 32 raw key bytes of ``key`` (a ``DataKey`` or bytes)."""
    raw = bytes(key) if isinstance(key, bytes | bytearray) else bytes(key.raw)
    if len(raw) != 32:
        raise StorageError("The data key has the wrong length; the vault cannot be opened.")
    return raw


def key_pragma_literal(key: KeyLike) -> str:
    """The ``"x'HEX'"`` literal SQLCipher expects for a raw 256-bit key."""
    return "\"x'" + raw_key_bytes(key).hex() + "'\""


_BYTES_DATA_OFFSET = sys.getsizeof(b"") - 1  # CPython: the header before ob_sval
_ASCII_DATA_OFFSET = sys.getsizeof("") - 1  # CPython: a compact ASCII str's header


def scrub(value: bytes | str) -> None:
    """Overwrite, in place, the characters of an immutable copy of key material (the raw key as
    ``bytes``, its hex ``PRAGMA key`` text) just before it is dropped, so the freed memory does
    not keep the key for a core dump or a memory scan to find. CPython only (elsewhere: no-op);
    the caller must own the only reference (never an interned or shared object)."""
    if sys.implementation.name != "cpython" or not value:
        return
    if isinstance(value, bytes):
        ctypes.memset(id(value) + _BYTES_DATA_OFFSET, 0, len(value))
    elif isinstance(value, str) and value.isascii():
        ctypes.memset(id(value) + _ASCII_DATA_OFFSET, 0x30, len(value))


def apply_key(conn: Connection, key: KeyLike) -> None:
    """Run ``PRAGMA key`` with the raw key on ``conn`` and scrub the Python copies it needed."""
    raw = raw_key_bytes(key)
    hex_key = raw.hex()
    literal = "\"x'" + hex_key + "'\""
    statement = "PRAGMA key = " + literal
    try:
        # ``executescript`` prepares and finalizes at once: ``execute`` would keep the statement
        # (and SQLite's copy of its text) in the statement cache until the connection closes,
        # and SQLite frees that copy without wiping it (cipher_memory_security is off). A decoy
        # of the same length, run next, lands in the block just freed and overwrites it.
        conn.executescript(statement)
        try:
            conn.executescript("SELECT '" + "0" * (len(statement) - 9) + "'")
        except sqlcipher3.DatabaseError:
            pass  # a wrong key: the caller's own check says so (nothing secret was in use)
    finally:
        scrub(statement)
        scrub(literal)
        scrub(hex_key)
        if raw is not key:
            scrub(raw)


def damaged_message(path: Path) -> str:
    return (
        f"The database file {path.name} in {path.parent} is damaged or not a clinician-desk "
        "vault. Restore it from a backup (clinician-desk-admin restore FILE)."
    )


def check_temp_store(conn: Connection) -> None:
    """Refuse a SQLCipher build whose temp store could write plaintext files."""
    options = {str(row[0]) for row in conn.execute("PRAGMA compile_options")}
    if not options & _SAFE_TEMP_STORE:
        raise StorageError(
            "This SQLCipher build may write temporary data to disk unencrypted "
            "(compile option TEMP_STORE is not 2). Install the sqlcipher3 wheel that ships "
            "with clinician-desk."
        )
    if not any(o == "HAS_CODEC" for o in options):
        raise StorageError("The installed sqlite library has no encryption (not SQLCipher).")


def connect(path: Path, key: KeyLike) -> Connection:
    """Open ``path`` with ``key`` and the security pragmas; prove the key works.

    The caller decides whether ``path`` may be created; this function only refuses files that
    are not readable with the key. The connection is in autocommit mode (``isolation_level``
    None): transactions are explicit ``BEGIN IMMEDIATE`` / ``COMMIT`` in ``UnitOfWork``.
    """
    raw_key_bytes(key)  # a wrong-length key fails before anything is opened
    try:
        conn: Connection = sqlcipher3.connect(
            str(path),
            isolation_level=None,
            check_same_thread=False,
            cached_statements=_STATEMENT_CACHE,
        )
    except sqlcipher3.Error as exc:
        raise StorageError(
            M("The database file {name} cannot be opened ({exc}).", name=path.name, exc=exc)
        ) from None
    try:
        apply_key(conn, key)
        # SQLCipher logs decryption failures to stderr by default; our errors say it once.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        check_temp_store(conn)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            raise CorruptionError(damaged_message(path)) from None
        _apply_pragmas(conn, path)
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlcipher3.Row
    return conn


def _apply_pragmas(conn: Connection, path: Path) -> None:
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
    except sqlcipher3.DatabaseError:
        raise CorruptionError(damaged_message(path)) from None
    if str(mode).lower() != "wal":
        raise StorageError(
            M("The database file {name} could not be switched to WAL mode.", name=path.name)
        )
    temp = conn.execute("PRAGMA temp_store").fetchone()[0]
    if int(temp) != 2:
        raise StorageError("Temporary storage could not be kept in memory; refusing to run.")


def cipher_settings(conn: Connection) -> dict[str, str]:
    """Non-secret cipher facts for ``doctor`` (versions, page size, KDF/HMAC algorithms)."""
    facts: dict[str, str] = {}
    for pragma in (
        "cipher_version",
        "cipher_provider",
        "cipher_provider_version",
        "cipher_page_size",
        "cipher_hmac_algorithm",
        "cipher_kdf_algorithm",
        "cipher_memory_security",
        "journal_mode",
        "synchronous",
        "temp_store",
        "foreign_keys",
        "cache_size",
    ):
        row = conn.execute(f"PRAGMA {pragma}").fetchone()
        facts[pragma] = "" if row is None else str(row[0])
    facts["sqlite_version"] = str(conn.execute("SELECT sqlite_version()").fetchone()[0])
    return facts


def library_report() -> dict[str, str]:
    """Facts about the SQLCipher library itself (no vault needed, no secrets): versions, the
    temp-store compile option and the cipher defaults, from a throw-away in-memory database."""
    conn: Connection = sqlcipher3.connect(":memory:")
    try:
        conn.execute(f"PRAGMA key = {key_pragma_literal(os.urandom(32))}")
        options = sorted(str(r[0]) for r in conn.execute("PRAGMA compile_options"))
        facts = {
            k: v
            for k, v in cipher_settings(conn).items()
            if k.startswith("cipher") or k == "sqlite_version"
        }
        facts["temp_store_option"] = next(
            (o for o in options if o.startswith("TEMP_STORE=")), "TEMP_STORE unset"
        )
        try:
            check_temp_store(conn)
            facts["temp_store_safe"] = "yes"
        except StorageError:
            facts["temp_store_safe"] = "NO"
        return facts
    finally:
        conn.close()
