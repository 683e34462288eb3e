"""Damaged vault files: bit flips, truncation, zeroed/swapped/duplicated pages, garbage, empty,
appended junk — of the SQLCipher database (a small demo vault) and of the key-slot file.

Every case must end in a clear error (``CorruptionError`` or another ``ClinicianDeskError``
naming the problem), in ``verify`` naming the damage, or — when the damage touched nothing the
program reads — in exactly the original data (same digest of every table, same data key). A raw
library exception (leak), a worker that dies (crash), a case silent for 30 s (hang) or a file that
opens and verifies clean but reads back different data (silent wrong read) is a breach. The cases
run in two worker processes (``corrupt_worker``) so a native crash cannot take the parent down.

A tenth of the cases damage the WAL of a vault whose last 8 committed transactions are still only
in its WAL (bit flip, truncation, zeroed range), with the audit-head sidecar (``vault.db-head``)
as the writer left it. SQLite stops WAL recovery at the first frame whose checksum fails, so such
a vault opens and verifies clean at an *earlier committed state*; the sidecar must turn that into
a warning at open (``rollback_reported``). Reading an earlier state without that warning
(``wal_rolled_back_silently``) is a breach, and so is any other state (silent wrong read).
Damaged key-slot files whose passphrase still unlocks must have any unusable recovery slot named
by the integrity check (``intact_but_recovery_slot_unusable`` counts those that were not).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import select
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.torture.common import Outcome
from bench.torture.corrupt_worker import digest
from clinician_desk.clock import FakeClock
from clinician_desk.config import VaultPaths
from clinician_desk.demo.generator import generate_demo
from clinician_desk.storage import Database

PAGE = 4096
PASSPHRASE = "torture fictional heron kettle"
HANG_SECONDS = 30.0


def _base_db(folder: Path, key: bytes) -> tuple[bytes, str, bytes]:
    """The base vault's bytes, digest and audit-head sidecar (valid beside any copy of it)."""
    path = folder / "base.db"
    db = Database.open(path, key, clock=FakeClock(), create=True)
    generate_demo(db, students=15, sessions=150, seed=99)
    db.checkpoint()
    expected = digest(db.conn)
    db.close()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    return path.read_bytes(), expected, Path(f"{path}-head").read_bytes()


def _wal_base(folder: Path, key: bytes, base: bytes) -> tuple[bytes, bytes, bytes, str, set[str]]:
    """The base vault plus 8 committed note-sized transactions still only in its WAL: (database
    bytes, WAL bytes, audit-head sidecar bytes, digest with all of them, digests of every
    earlier committed state)."""
    path = folder / "walbase.db"
    path.write_bytes(base)
    # put here on purpose: its audit-head sidecar is written now, not missing (issue 15)
    db = Database.open(path, key, clock=FakeClock(), fresh_head=True)
    try:
        prefixes = {digest(db.conn)}
        for i in range(8):
            with db.unit_of_work() as uow:
                uow.conn.execute(
                    "INSERT INTO settings VALUES (?, ?, 'now')", (f"wal-{i}", "fictional " * 60)
                )
                uow.audit("setting.changed", "setting", f"wal-{i}")
            prefixes.add(digest(db.conn))
        full = digest(db.conn)
        data, wal = path.read_bytes(), Path(f"{path}-wal").read_bytes()
        head = Path(f"{path}-head").read_bytes()
    finally:
        db.close()
    assert len(wal) > 0 and data == base, "the WAL base must keep its changes in the WAL"
    prefixes.discard(full)
    return data, wal, head, full, prefixes


def _wal_mutation(wal: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = i % 3
    if kind == 0:
        return "wal-bitflip", _flip(wal, rng, 1)
    if kind == 1:
        return "wal-truncated", wal[: rng.randrange(len(wal))]
    b = bytearray(wal)
    start = rng.randrange(len(b))
    b[start : start + PAGE] = bytes(len(b[start : start + PAGE]))
    return "wal-zeroed-range", bytes(b)


def _flip(data: bytes, rng: random.Random, flips: int) -> bytes:
    b = bytearray(data)
    for _ in range(flips):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def _db_mutation(base: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    pages = len(base) // PAGE
    b = bytearray(base)
    kind = i % 12
    if kind in (0, 1):
        return "bitflip", _flip(base, rng, 1)
    if kind == 2:
        return "bitflips-many", _flip(base, rng, rng.randint(2, 64))
    if kind == 3:  # a page header / the salt at the start of the file
        page = rng.randrange(pages)
        b[page * PAGE + rng.randrange(32)] ^= 1 << rng.randrange(8)
        return "bitflip-page-start", bytes(b)
    if kind == 4:
        return "truncated", base[: rng.randrange(len(base))]
    if kind == 5:
        return "truncated-page-aligned", base[: rng.randrange(pages) * PAGE]
    if kind == 6:
        page = rng.randrange(pages)
        b[page * PAGE : (page + 1) * PAGE] = bytes(PAGE)
        return "zeroed-page", bytes(b)
    if kind == 7:
        a, c = rng.sample(range(pages), 2)
        pa, pc = b[a * PAGE : (a + 1) * PAGE], b[c * PAGE : (c + 1) * PAGE]
        b[a * PAGE : (a + 1) * PAGE], b[c * PAGE : (c + 1) * PAGE] = pc, pa
        return "swapped-pages", bytes(b)
    if kind == 8:
        a, c = rng.sample(range(pages), 2)
        b[c * PAGE : (c + 1) * PAGE] = b[a * PAGE : (a + 1) * PAGE]
        return "duplicated-page", bytes(b)
    if kind == 9:
        start = rng.randrange(len(b))
        size = rng.randint(1, 2048)
        b[start : start + size] = bytes(len(b[start : start + size]))
        return "zeroed-range", bytes(b)
    if kind == 10:
        return "appended-junk", base + rng.randbytes(rng.choice([1, 100, PAGE, 3 * PAGE + 5]))
    choice = rng.randrange(4)
    if choice == 0:
        return "garbage-same-size", rng.randbytes(len(base))
    if choice == 1:
        return "garbage-small", rng.randbytes(rng.randint(1, 5000))
    if choice == 2:
        return "garbage-text", b"Fictional text, not a vault.\n" * rng.randint(1, 400)
    return "empty", b""


def _slot_mutation(base: bytes, rng: random.Random, i: int) -> tuple[str, bytes]:
    kind = i % 6
    if kind in (0, 1):
        return "slots-bitflip", _flip(base, rng, 1)
    if kind == 2:
        return "slots-truncated", base[: rng.randrange(len(base))]
    if kind == 3:  # a field changed, dropped or given a wrong type in valid JSON
        doc = json.loads(base)
        slot = rng.choice(doc["slots"])
        field = rng.choice(sorted(slot))
        how = rng.randrange(3)
        if how == 0:
            del slot[field]
        elif how == 1:
            slot[field] = 1 if isinstance(slot[field], str) else "x"
        else:
            kdf = slot.get("kdf", {})
            if "memory_kib" in kdf:
                kdf["memory_kib"] = rng.choice([8, 1 << 30, -1, kdf["memory_kib"] + 1])
            else:
                slot["created"] = "2020-01-01T00:00:00Z"
        return "slots-field", json.dumps(doc).encode()
    if kind == 4:
        return "slots-garbage", rng.randbytes(rng.randint(1, 3000))
    return "slots-empty", b""


def _run_worker(cases: list[dict[str, object]], manifest: Path) -> dict[str, dict[str, object]]:
    """Run the cases in one worker, restarting it past a crashing or hanging case."""
    results: dict[str, dict[str, object]] = {}
    pending = list(cases)
    while pending:
        manifest.write_text(json.dumps(pending))
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.torture.corrupt_worker", str(manifest)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        buffer, last = b"", time.monotonic()
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    item = json.loads(line)
                    results[str(item.pop("id"))] = item
                last = time.monotonic()
            elif time.monotonic() - last > HANG_SECONDS:
                proc.kill()
                break
        timed_out = time.monotonic() - last > HANG_SECONDS
        proc.wait(timeout=30)
        proc.stdout.close()
        pending = [c for c in pending if str(c["id"]) not in results]
        if pending:  # the first unanswered case crashed or hung the worker
            culprit = pending.pop(0)
            results[str(culprit["id"])] = {
                "kind": "hang" if timed_out else "crash",
                "exit": proc.returncode,
            }
    return results


def run(folder: Path, count: int, seed: int = 1234) -> Outcome:
    out = Outcome()
    rng = random.Random(seed)
    folder = folder / "corrupt"
    folder.mkdir(parents=True)
    key = bytes(rng.randrange(256) for _ in range(32))
    base, expected, base_head = _base_db(folder, key)
    from clinician_desk.vault import TEST_KDF, create_vault

    real = VaultPaths(folder / "profiles" / "real")
    data_key, recovery = create_vault(real, PASSPHRASE, kdf=TEST_KDF)
    key_digest = hashlib.sha256(data_key.raw.hex().encode()).hexdigest()
    data_key.wipe()
    slots = real.keyslots.read_bytes()
    n_slots = max(1, count // 5)
    n_wal = count // 10
    wal_db, wal, wal_head, wal_full, wal_prefixes = _wal_base(folder, key, base)
    cases: list[dict[str, object]] = []
    labels: dict[str, str] = {}
    for i in range(n_wal):
        label, content = _wal_mutation(wal, rng, i)
        path = folder / f"wal-{i:05d}.db"
        path.write_bytes(wal_db)
        Path(f"{path}-wal").write_bytes(content)
        Path(f"{path}-head").write_bytes(wal_head)
        cases.append({"id": path.name, "kind": "db", "file": str(path), "key": key.hex()})
        labels[path.name] = label
    for i in range(count - n_slots - n_wal):
        label, content = _db_mutation(base, rng, i)
        path = folder / f"db-{i:05d}.db"
        path.write_bytes(content)
        Path(f"{path}-head").write_bytes(base_head)  # copied with its sidecar, as on disk
        cases.append({"id": path.name, "kind": "db", "file": str(path), "key": key.hex()})
        labels[path.name] = label
    for i in range(n_slots):
        label, content = _slot_mutation(slots, rng, i)
        profile = VaultPaths(folder / "profiles" / f"slots-{i:05d}")
        profile.profile_dir.mkdir(parents=True)
        profile.keyslots.write_bytes(content)
        cases.append(
            {
                "id": f"slots-{i:05d}",
                "kind": "keyslots",
                "profile": str(profile.profile_dir),
                "passphrase": PASSPHRASE,
                "recovery": recovery,
            }
        )
        labels[f"slots-{i:05d}"] = label
    # controls: the undamaged database and key-slot file must read back whole
    control = folder / "control.db"
    control.write_bytes(base)
    Path(f"{control}-head").write_bytes(base_head)
    control_wal = folder / "control-wal.db"
    control_wal.write_bytes(wal_db)
    Path(f"{control_wal}-wal").write_bytes(wal)
    Path(f"{control_wal}-head").write_bytes(wal_head)
    shutil.copytree(real.profile_dir, folder / "profiles" / "control")
    controls = [
        {"id": "control-db", "kind": "db", "file": str(control), "key": key.hex()},
        {"id": "control-wal", "kind": "db", "file": str(control_wal), "key": key.hex()},
        {
            "id": "control-slots",
            "kind": "keyslots",
            "profile": str(folder / "profiles" / "control"),
            "passphrase": PASSPHRASE,
            "recovery": recovery,
        },
    ]
    t0 = time.perf_counter()
    halves = [controls[:1] + cases[0::2], controls[1:] + cases[1::2]]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        parts = list(
            pool.map(lambda ix: _run_worker(halves[ix], folder / f"manifest-{ix}.json"), range(2))
        )
    results = {**parts[0], **parts[1]}
    elapsed = time.perf_counter() - t0
    controls_want = (
        ("control-db", expected),
        ("control-wal", wal_full),
        ("control-slots", key_digest),
    )
    for cid, want in controls_want:
        got = results.pop(cid)
        if (
            got.get("kind") != "opened"
            or got.get("digest") != want
            or not got.get("recovery_ok", True)
        ):
            out.breaches.append(f"{cid}: the undamaged file did not read back whole: {got}")
    kinds: Counter[str] = Counter()
    by_damage: Counter[tuple[str, str]] = Counter()
    latent = 0
    read_outcomes: Counter[str] = Counter()
    read_leaks: list[str] = []
    for cid, result in sorted(results.items()):
        kind = str(result["kind"])
        want = {"db": expected, "wa": wal_full}.get(cid[:2], key_digest)
        if kind == "opened":
            kind = "intact" if result.get("digest") == want else "silent_wrong_read"
            if cid.startswith("wal-") and result.get("digest") in wal_prefixes:
                kind = "wal_rolled_back"  # an earlier committed state, and nobody said so
            if kind == "intact" and result.get("recovery_ok") is False:
                if not result.get("slot_reported"):
                    latent += 1  # passphrase fine, recovery slot damaged, and not named
                else:
                    kind = "slot_reported"
        kinds[kind] += 1
        reads = str(result.get("reads", ""))
        if reads:
            read_outcomes[reads.split(":")[0]] += 1
            if reads.startswith("leak"):
                read_leaks.append(f"{cid} ({labels[cid]}): app read after verify: {reads}")
        by_damage[(labels[cid], kind)] += 1
        if kind in ("leak", "crash", "hang", "silent_wrong_read", "wal_rolled_back"):
            out.breaches.append(f"{cid} ({labels[cid]}): {kind} {json.dumps(result)[:300]}")
    out.figure("torture.corrupt_files", len(results), "files")
    out.figure("torture.corrupt_db_files", len(results) - n_slots - n_wal, "files")
    out.figure("torture.corrupt_wal_files", n_wal, "files")
    out.figure("torture.corrupt_keyslot_files", n_slots, "files")
    for kind in (
        "corruption",
        "verify",
        "clear_error",
        "intact",
        "rollback_reported",
        "slot_reported",
    ):
        out.figure(f"torture.corrupt_{kind}", kinds[kind], "files")
    for kind in ("leak", "crash", "hang", "silent_wrong_read"):
        out.figure(f"torture.corrupt_{kind}", kinds[kind], "files")
    out.figure("torture.corrupt_intact_but_recovery_slot_unusable", latent, "files")
    out.figure("torture.corrupt_wal_rolled_back_silently", kinds["wal_rolled_back"], "files")
    out.figure("torture.corrupt_app_reads_ok_after_verify_failed", read_outcomes["ok"], "files")
    out.figure("torture.corrupt_app_reads_clear_error", read_outcomes["clear"], "files")
    out.figure("torture.corrupt_app_reads_raw_error", read_outcomes["leak"], "files")
    out.figure("torture.corrupt_seconds", elapsed, "s")
    if read_leaks:  # a raw library error reaching the app is not a clear error
        out.breaches += read_leaks[:5]
        out.breaches.append(f"app read after verify: {len(read_leaks)} files leaked raw errors")
    for label in sorted({d for d, _ in by_damage}):
        parts = ", ".join(f"{k} {n}" for (d, k), n in sorted(by_damage.items()) if d == label)
        out.notes.append(f"{label}: {parts}")
    if len(results) < count:
        out.breaches.append(f"only {len(results)} of {count} damaged files were checked")
    return out
