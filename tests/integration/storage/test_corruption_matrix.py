"""Corruption matrix: >= 50 damaged vault files (bit flips, truncation, zeroed, swapped and
duplicated pages, garbage, empty, wrong key, plain SQLite). Each must give a clear
CorruptionError naming the file, or open and have ``verify`` name the damage; none may crash,
hang, leak a raw library error, or read back silently as if healthy."""

from __future__ import annotations

import json
import os
import random
import select
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from clinician_desk.clock import FakeClock
from clinician_desk.storage import Database

PAGE = 4096
KEY = bytes.fromhex("c0ffee00" * 8)


def _base(folder: Path) -> bytes:
    path = folder / "base.db"
    db = Database.open(path, KEY, clock=FakeClock(), create=True)
    for i in range(60):
        with db.unit_of_work() as uow:
            uow.conn.execute(
                "INSERT INTO settings VALUES (?, ?, 'now')", (f"k{i}", "fictional " * 60)
            )
            uow.audit("setting.changed", "setting", f"k{i}")
    assert db.verify() == []
    db.close()
    data = path.read_bytes()
    path.unlink()
    return data


def _cases(base: bytes) -> dict[str, bytes | tuple[bytes, bytes]]:
    rng = random.Random(1234)
    pages = len(base) // PAGE
    cases: dict[str, bytes | tuple[bytes, bytes]] = {}

    def flip(data: bytes, offset: int, bit: int) -> bytes:
        b = bytearray(data)
        b[offset] ^= 1 << bit
        return bytes(b)

    for i in range(20):
        cases[f"bitflip-{i:02d}"] = flip(base, rng.randrange(len(base)), rng.randrange(8))
    for label, offset in [("salt", 3), ("page1-end", PAGE - 1), ("page2-start", PAGE)]:
        cases[f"bitflip-{label}"] = flip(base, offset, 0)
    for label, size in [
        ("100-bytes", 100),
        ("one-page", PAGE),
        ("half", (pages // 2) * PAGE),
        ("minus-one-page", (pages - 1) * PAGE),
        ("minus-one-byte", len(base) - 1),
        ("odd", 3 * PAGE + 77),
        ("15-bytes", 15),
    ]:
        cases[f"truncated-{label}"] = base[:size]
    for page in sorted({0, 1, pages // 2, pages - 1, 2}):
        b = bytearray(base)
        b[page * PAGE : (page + 1) * PAGE] = bytes(PAGE)
        cases[f"zeroed-page-{page}"] = bytes(b)
    for a, c in [(0, 1), (1, 2), (2, pages - 1), (pages // 3, pages // 2), (3, 4)]:
        b = bytearray(base)
        pa, pc = b[a * PAGE : (a + 1) * PAGE], b[c * PAGE : (c + 1) * PAGE]
        b[a * PAGE : (a + 1) * PAGE], b[c * PAGE : (c + 1) * PAGE] = pc, pa
        cases[f"swapped-pages-{a}-{c}"] = bytes(b)
    for a, c in [(1, 2), (pages - 1, 3), (0, pages // 2)]:
        b = bytearray(base)
        b[c * PAGE : (c + 1) * PAGE] = b[a * PAGE : (a + 1) * PAGE]
        cases[f"duplicated-page-{a}-over-{c}"] = bytes(b)
    cases["garbage-same-size"] = rng.randbytes(len(base))
    cases["garbage-small"] = rng.randbytes(1000)
    cases["garbage-text"] = b"This is a fictional text file, not a database.\n" * 200
    cases["empty"] = b""
    cases["wrong-key"] = (base, os.urandom(32))
    cases["wrong-key-one-bit"] = (base, bytes([KEY[0] ^ 1]) + KEY[1:])
    return cases


def _plain_sqlite(path: Path, with_meta: bool) -> None:
    conn = sqlite3.connect(path)
    if with_meta:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('application', 'clinician-desk')")
        conn.execute("PRAGMA user_version = 1")
    else:
        conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def _run_worker(files: list[Path]) -> dict[str, dict[str, object]]:
    """Run the worker; a per-file silence of 30 s counts as a hang."""
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.storage.corruption_worker", KEY.hex()]
        + [str(f) for f in files],
        stdout=subprocess.PIPE,
        stderr=errors,
    )
    assert proc.stdout is not None
    results: dict[str, dict[str, object]] = {}
    buffer = b""
    last = time.monotonic()
    while len(results) < len(files):
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                item = json.loads(line)
                results[item.pop("file")] = item
            last = time.monotonic()
        elif time.monotonic() - last > 30:
            proc.kill()
            pending = files[len(results)].name
            pytest.fail(f"opening {pending} hung for more than 30 s")
    proc.wait(timeout=30)
    errors.seek(0)
    err = errors.read().decode(errors="replace")
    errors.close()
    if len(results) < len(files):
        pytest.fail(
            f"worker died (exit {proc.returncode}) on {files[len(results)].name}: {err[-500:]}"
        )
    assert err == "", f"the worker wrote to stderr: {err[:500]}"
    return results


def test_every_damaged_file_is_reported_clearly(tmp_path: Path) -> None:
    base = _base(tmp_path)
    files: list[Path] = []
    for name, content in _cases(base).items():
        path = tmp_path / f"{name}.db"
        if isinstance(content, tuple):
            content, key = content
            path.with_suffix(".key").write_text(key.hex())
        path.write_bytes(content)
        files.append(path)
    for with_meta in (False, True):
        path = tmp_path / f"plain-sqlite-{'meta' if with_meta else 'other'}.db"
        _plain_sqlite(path, with_meta)
        files.append(path)
    assert len(files) >= 50
    results = _run_worker(files)
    bad = {}
    for name, result in results.items():
        kind = result["kind"]
        if kind == "corruption":
            if name not in str(result["message"]) or "damaged" not in str(result["message"]):
                bad[name] = result
        elif kind != "verify":
            bad[name] = result
    assert not bad, json.dumps(bad, indent=1)
    # the healthy original still opens: the matrix tests damage, not a broken writer
    healthy = tmp_path / "healthy.db"
    healthy.write_bytes(base)
    assert _run_worker([healthy])["healthy.db"]["kind"] == "silent"
