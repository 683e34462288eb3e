"""The backup container: one file holding an encrypted database copy and the key-slot file.

Layout (all integers big-endian)::

    magic        8 bytes  b"CDSKBKP1"
    header_len   4 bytes  length of the JSON header (at most 64 KiB)
    header       JSON     {"format": 1, "created_at", "schema_version", "app_version",
                           "parts": [{"name", "size", "sha256"}, ...]}
    parts        the bytes of each part, in header order (vault.db, vault.keys)
    trailer      32 bytes SHA-256 of everything before it

Both parts are already encrypted (SQLCipher pages; AES-GCM key slots), so the container adds no
encryption of its own; it adds framing and hashes so a truncated, altered or foreign file is
refused before anything is restored. Reading streams the file; parts are never held whole in
memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from clinician_desk.errors import CorruptionError
from clinician_desk.messages import M

MAGIC = b"CDSKBKP1"
FORMAT = 1
MAX_HEADER = 64 * 1024
PART_NAMES = ("vault.db", "vault.keys")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Part:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupHeader:
    created_at: str
    schema_version: int
    app_version: str
    parts: tuple[Part, ...]


def not_ours(path: Path, why: str) -> CorruptionError:
    return CorruptionError(
        M(
            "{name} is not a usable clinician-desk backup ({why}); nothing was changed.",
            name=path.name,
            why=why,
        )
    )


def _chunks(src: BinaryIO, size: int) -> Iterator[bytes]:
    left = size
    while left:
        chunk = src.read(min(_CHUNK, left))
        if not chunk:
            raise EOFError
        left -= len(chunk)
        yield chunk


def write_container(
    dest: Path, header: BackupHeader, sources: dict[str, Path], *, fsync: bool = True
) -> None:
    """Write the container to ``dest`` (the caller renames it into place)."""
    body = json.dumps(
        {
            "format": FORMAT,
            "created_at": header.created_at,
            "schema_version": header.schema_version,
            "app_version": header.app_version,
            "parts": [{"name": p.name, "size": p.size, "sha256": p.sha256} for p in header.parts],
        },
        sort_keys=True,
    ).encode("utf-8")
    total = hashlib.sha256()
    fd = os.open(dest, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out:
        for piece in (MAGIC, struct.pack(">I", len(body)), body):
            out.write(piece)
            total.update(piece)
        for part in header.parts:
            with open(sources[part.name], "rb") as src:
                for chunk in _chunks(src, part.size):
                    out.write(chunk)
                    total.update(chunk)
        out.write(total.digest())
        out.flush()
        if fsync:
            os.fsync(out.fileno())


def describe(path: Path, name: str) -> Part:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Part(name, size, digest.hexdigest())


def read_container(path: Path, extract_to: Path | None = None) -> BackupHeader:
    """Check the whole container; with ``extract_to``, also write each part into that folder.

    Raises ``CorruptionError`` (naming the file, never its content) for a foreign, truncated
    or altered file. Extracted files are only trustworthy when this returns normally.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as src:
            return _read(path, src, size, extract_to)
    except EOFError:
        raise not_ours(path, M("it is truncated")) from None
    except IsADirectoryError:
        raise not_ours(path, M("it is a folder")) from None


def _read(path: Path, src: BinaryIO, size: int, extract_to: Path | None) -> BackupHeader:
    total = hashlib.sha256()
    magic = src.read(len(MAGIC))
    if magic != MAGIC:
        raise not_ours(path, M("unknown file type"))
    raw_len = src.read(4)
    if len(raw_len) != 4:
        raise EOFError
    (header_len,) = struct.unpack(">I", raw_len)
    if header_len > MAX_HEADER:
        raise not_ours(path, M("damaged header"))
    body = src.read(header_len)
    if len(body) != header_len:
        raise EOFError
    for piece in (magic, raw_len, body):
        total.update(piece)
    header = _parse_header(path, body)
    expected = len(MAGIC) + 4 + header_len + sum(p.size for p in header.parts) + 32
    if size < expected:
        raise EOFError
    if size > expected:
        raise not_ours(path, M("unexpected data at the end"))
    for part in header.parts:
        digest = hashlib.sha256()
        out = None
        if extract_to is not None:
            fd = os.open(extract_to / part.name, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            out = os.fdopen(fd, "wb")
        try:
            for chunk in _chunks(src, part.size):
                digest.update(chunk)
                total.update(chunk)
                if out is not None:
                    out.write(chunk)
            if out is not None:
                out.flush()
                os.fsync(out.fileno())
        finally:
            if out is not None:
                out.close()
        if digest.hexdigest() != part.sha256:
            raise not_ours(path, M("the part {part} was altered", part=part.name))
    trailer = src.read(32)
    if len(trailer) != 32:
        raise EOFError
    if trailer != total.digest():
        raise not_ours(path, M("its checksum does not match"))
    return header


def _parse_header(path: Path, body: bytes) -> BackupHeader:
    try:
        data = json.loads(body.decode("utf-8"))
        if data["format"] != FORMAT:
            raise not_ours(
                path, M("backup format {format} is not supported", format=data["format"])
            )
        parts = tuple(Part(str(p["name"]), int(p["size"]), str(p["sha256"])) for p in data["parts"])
        header = BackupHeader(
            created_at=str(data["created_at"]),
            schema_version=int(data["schema_version"]),
            app_version=str(data["app_version"]),
            parts=parts,
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise not_ours(path, M("damaged header")) from None
    if tuple(p.name for p in parts) != PART_NAMES or any(p.size < 0 for p in parts):
        raise not_ours(path, M("unexpected contents"))
    return header
