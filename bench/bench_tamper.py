"""Tamper-evidence figures (issue 15): full ``verify``, the unlock check, the anchor upload.

* ``tamper_verify_full_s@N`` — ``Database.verify()`` on the cached demo vault of N sessions
  (bench/data.py): SQLCipher's page HMACs, structure, foreign keys, the keyed audit chain, the
  schema fingerprint and every signed row re-hashed and matched with its signing entry, the
  page-level checks on two more connections in two more threads. Target <= 10 s at 100,000
  sessions. ``tamper_verify_sequential_s@N`` is the same checks one after the other on one
  connection (ratio = full / sequential); three of each, interleaved, medians; ``..._cpu_s``
  their CPU seconds (all threads). Each part's CPU seconds alone (``tamper_cipher_check_cpu_s``,
  ``tamper_quick_check_cpu_s``, ``tamper_fk_check_cpu_s``, ``tamper_record_check_cpu_s``) give
  ``tamper_verify_idle_floor_s@N``: the wall time the concurrent verify needs on a machine whose
  cores are free (the longest of the three threads, or all the work spread over the cores, the
  larger). On a shared machine the wall time is that CPU time divided by the share of the cores
  this process gets; ``tamper_verify_load1@N`` is the 1-minute load average meanwhile.
* ``tamper_unlock_first_ms@N`` — the unlock check on a vault never checked before (no marker:
  everything is re-hashed once); ``tamper_unlock_check_ms@N`` — the unlock check at every later
  unlock (incremental: entries since the last clean check, here 20 new signed notes); and
  ``tamper_open_ms@N`` — ``Database.open`` as a whole (key, pragmas, sidecar, unlock check).
  The unlock target is 1.5 s at 20,000 sessions.
* ``tamper_anchor_round_ratio`` — a sync round (one changed month, its snapshots PUT to a real
  county server on loopback) with the anchor (a signed ``Audit-Anchor`` header on the round's
  last PUT, stored by the county in that PUT's transaction) against the same round without any
  anchor; rounds interleaved A B B A so drift in the machine's load falls on both, medians.
  Target <= 1.05. ``tamper_anchor_alone_round_ms`` is a round with nothing to PUT that sends
  the anchor alone (``POST /api/v1/anchors``), for scale.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench.data import demo_database
from clinician_desk.clock import FakeClock
from clinician_desk.demo.generator import generate_demo
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.services import notes
from clinician_desk.storage import Database, tamper
from clinician_desk.storage.verify import (
    _cipher_lines,
    _foreign_key_lines,
    _structure_lines,
    record_checks,
    verify_connection,
)
from tests.support.county import DEMO_DISTRICT, DEMO_SCHOOLS, CountyServer
from tests.support.vaultkit import open_vault

Row = tuple[str, float, str, float | None]


def cores() -> int:
    return len(os.sched_getaffinity(0))


def _time_cpu(fn: object) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process, every thread)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0, time.process_time() - c0


def _time(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def _sign_some(db: Database, count: int) -> None:
    """``count`` new sessions with signed notes, through the services (audited as the app)."""
    with db.read() as conn:
        sid = int(conn.execute("SELECT min(id) FROM students").fetchone()[0])
        school = str(
            conn.execute("SELECT school_cds FROM students WHERE id = ?", (sid,)).fetchone()[0]
        )
    for i in range(count):
        with db.unit_of_work() as uow:
            doc = notes.document_session(
                uow,
                SessionInput(
                    session_date=date(2026, 8, 1 + i % 28),
                    start_minute=600,
                    end_minute=645,
                    service_code="TX-IND",
                    tier=2,
                    modality="in_person",
                    location="school",
                    participant_kind="student",
                    school_cds=school,
                    student_ids=(sid,),
                ),
            )
            notes.sign_note(uow, doc.note_ids[sid], {"subjective": f"Bench note {i} (fictional)."})


def bench_vault(tmp: Path, sessions: int) -> list[Row]:
    data = demo_database(tmp / f"tamper-{sessions}.db", sessions)
    key = data.key or b""
    rows: list[Row] = []
    t0 = time.perf_counter()
    db = Database.open(data.path, key, clock=FakeClock())
    rows.append((f"tamper_open_first_ms@{sessions}", (time.perf_counter() - t0) * 1000, "ms", None))
    try:
        if db.integrity_warnings:  # a copy of the cached file comes without its sidecar
            db.accept_missing_changes()
        assert db.integrity_warnings == (), db.integrity_warnings
        db.conn.execute("DELETE FROM meta WHERE key = ?", (tamper.MARKER_KEY,))
        first = _time(lambda: tamper.unlock_check(db.conn, key))
        rows.append((f"tamper_unlock_first_ms@{sessions}", first * 1000, "ms", None))
        _sign_some(db, 20)
        later = _time(lambda: tamper.unlock_check(db.conn, key))
        rows.append((f"tamper_unlock_check_ms@{sessions}", later * 1000, "ms", None))
        assert db.verify() == [], "the bench vault must verify clean"
    finally:
        db.close()
    opens = []
    for _ in range(3):
        t0 = time.perf_counter()
        again = Database.open(data.path, key, clock=FakeClock())
        opens.append(time.perf_counter() - t0)
        assert again.integrity_warnings == (), again.integrity_warnings
        again.close()
    rows.append((f"tamper_open_ms@{sessions}", statistics.median(opens) * 1000, "ms", None))
    db = Database.open(data.path, key, clock=FakeClock())
    try:
        walls: dict[str, list[float]] = {"parallel": [], "sequential": []}
        cpus: dict[str, list[float]] = {"parallel": [], "sequential": []}
        loads: list[float] = []
        for i in range(3):  # interleaved, so drift in the machine's load falls on both
            for mode in ("parallel", "sequential") if i % 2 == 0 else ("sequential", "parallel"):
                loads.append(os.getloadavg()[0])
                run = db.verify if mode == "parallel" else lambda: verify_connection(db.conn, key)
                wall, cpu = _time_cpu(run)
                walls[mode].append(wall)
                cpus[mode].append(cpu)
        part_cpu = {
            name: _time_cpu(lambda fn=fn: fn(db.conn))[1]
            for name, fn in (
                ("cipher", _cipher_lines),
                ("structure", _structure_lines),
                ("foreign_keys", _foreign_key_lines),
                ("record", lambda c: record_checks(c, key)),
            )
        }
    finally:
        db.close()
    full = statistics.median(walls["parallel"])
    seq = statistics.median(walls["sequential"])
    pages = part_cpu["cipher"] + part_cpu["foreign_keys"]
    floor = max(part_cpu["structure"], pages, part_cpu["record"], sum(part_cpu.values()) / cores())
    rows += [
        (f"tamper_verify_full_s@{sessions}", full, "s", full / seq if seq else None),
        (f"tamper_verify_sequential_s@{sessions}", seq, "s", None),
        (f"tamper_verify_full_cpu_s@{sessions}", statistics.median(cpus["parallel"]), "s", None),
        (f"tamper_verify_seq_cpu_s@{sessions}", statistics.median(cpus["sequential"]), "s", None),
        (f"tamper_cipher_check_cpu_s@{sessions}", part_cpu["cipher"], "s", None),
        (f"tamper_quick_check_cpu_s@{sessions}", part_cpu["structure"], "s", None),
        (f"tamper_fk_check_cpu_s@{sessions}", part_cpu["foreign_keys"], "s", None),
        (f"tamper_record_check_cpu_s@{sessions}", part_cpu["record"], "s", None),
        (f"tamper_verify_idle_floor_s@{sessions}", floor, "s", None),
        (f"tamper_verify_load1@{sessions}", statistics.median(loads), "load", None),
    ]
    shutil.rmtree(data.path.parent, ignore_errors=True)
    return rows


def bench_anchor(tmp: Path, rounds: int) -> list[Row]:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    v = open_vault(tmp / "anchor-laptop", clock=clock)
    county = CountyServer(tmp / "anchor-county")
    county.start()
    try:
        generate_demo(v.services.db, students=60, sessions=600, seed=3)
        v.sync.enroll(county.url, county.issue_code((DEMO_DISTRICT,)))
        v.sync.sync_until_idle(sleep=time.sleep)
        worker = v.sync.worker
        with_anchor: list[float] = []
        without: list[float] = []
        alone: list[float] = []
        for i in range(rounds * 2):
            _sign_one(v, i)
            device, items = worker.prepare()
            assert device is not None and items
            plain = i % 4 in (1, 2)  # A B B A
            if plain:
                worker._anchor = None  # the same round without any anchor
            t0 = time.perf_counter()
            result = worker.send(device, items)
            (without if plain else with_anchor).append(time.perf_counter() - t0)
            assert result.stopped is None, result.problem
            assert (result.anchor is None) == plain
            worker.record(result)
            if i % 4 == 3:  # a round with nothing to PUT: the anchor alone
                with v.services.db.unit_of_work() as uow:
                    uow.audit("bench.moved", "vault", None)
                device, items = worker.prepare()
                assert device is not None and not items and worker.anchor_pending
                t0 = time.perf_counter()
                result = worker.send(device, items)
                alone.append(time.perf_counter() - t0)
                assert result.anchor is not None
                worker.record(result)
    finally:
        county.stop()
        v.close()
    base = statistics.median(without)
    anchored = statistics.median(with_anchor)
    return [
        ("tamper_anchor_round_ms", anchored * 1000, "ms", None),
        ("tamper_round_without_anchor_ms", base * 1000, "ms", None),
        ("tamper_anchor_round_ratio", anchored / base, "ratio", anchored / base),
        ("tamper_anchor_alone_round_ms", statistics.median(alone) * 1000, "ms", None),
    ]


def _sign_one(v: object, i: int) -> None:
    db = v.services.db  # type: ignore[attr-defined]
    with db.read() as conn:
        sid = int(
            conn.execute(
                "SELECT min(id) FROM students WHERE school_cds = ?", (DEMO_SCHOOLS[0],)
            ).fetchone()[0]
        )
    with db.unit_of_work() as uow:
        doc = notes.document_session(
            uow,
            SessionInput(
                session_date=date(2026, 10, 1 + i % 28),
                start_minute=600 + i % 200,
                end_minute=645 + i % 200,
                service_code="TX-IND",
                tier=2,
                modality="in_person",
                location="school",
                participant_kind="student",
                school_cds=DEMO_SCHOOLS[0],
                student_ids=(sid,),
            ),
        )
        notes.sign_note(uow, doc.note_ids[sid], {"subjective": f"Round {i} (fictional)."})


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        rows = bench_vault(Path(tmp), 20_000)
        if not quick:
            rows += bench_vault(Path(tmp), 100_000)
        rows += bench_anchor(Path(tmp), 6 if quick else 60)
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick=False):
        print(f"{name} {value:.4g} {unit}" + (f" ratio={ratio:.3g}" if ratio else ""))
