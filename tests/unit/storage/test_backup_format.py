"""The backup container's framing: round trip, and every truncation or flipped bit refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.errors import CorruptionError
from clinician_desk.storage.backup_format import (
    BackupHeader,
    describe,
    read_container,
    write_container,
)


def _container(folder: Path, db: bytes, keys: bytes) -> Path:
    (folder / "db").write_bytes(db)
    (folder / "keys").write_bytes(keys)
    header = BackupHeader(
        created_at="2026-09-14T15:00:00Z",
        schema_version=3,
        app_version="0.1.0",
        parts=(describe(folder / "db", "vault.db"), describe(folder / "keys", "vault.keys")),
    )
    dest = folder / "backup.cdbackup"
    write_container(dest, header, {"vault.db": folder / "db", "vault.keys": folder / "keys"})
    return dest


def test_round_trip_extracts_both_parts(tmp_path: Path) -> None:
    db, keys = os.urandom(10_000), b'{"slots": "synthetic"}'
    dest = _container(tmp_path, db, keys)
    out = tmp_path / "out"
    out.mkdir()
    header = read_container(dest, extract_to=out)
    assert header.schema_version == 3
    assert (out / "vault.db").read_bytes() == db
    assert (out / "vault.keys").read_bytes() == keys
    assert (out / "vault.db").stat().st_mode & 0o077 == 0


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_truncation_or_bit_flip_is_refused(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("c")
    dest = _container(folder, b"\x01" * 3000, b"keys")
    raw = dest.read_bytes()
    if data.draw(st.booleans(), label="truncate"):
        damaged = raw[: data.draw(st.integers(0, len(raw) - 1), label="length")]
    else:
        pos = data.draw(st.integers(0, len(raw) - 1), label="offset")
        bit = data.draw(st.integers(0, 7), label="bit")
        damaged = raw[:pos] + bytes([raw[pos] ^ (1 << bit)]) + raw[pos + 1 :]
    dest.write_bytes(damaged)
    with pytest.raises(CorruptionError, match=r"backup\.cdbackup is not a usable"):
        read_container(dest)


def test_folder_and_foreign_header(tmp_path: Path) -> None:
    with pytest.raises(CorruptionError, match="folder"):
        read_container(tmp_path)
    dest = _container(tmp_path, b"db", b"keys")
    raw = bytearray(dest.read_bytes())
    raw[12:14] = b"[]"  # JSON that is not our header
    dest.write_bytes(bytes(raw))
    with pytest.raises(CorruptionError):
        read_container(dest)
