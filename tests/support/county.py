"""Test harness around a real county server process on loopback with a temp SQLite file.

``CountyServer`` prepares the database through the server's Python API (org-unit directory,
escrow keypair), starts and stops a real uvicorn process (``county_proc``), issues enrollment
codes, revokes devices, closes periods and reads the stored totals straight from its database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import requests

from county_server import enrollment, keys, orgunits, periods
from county_server.db import Database

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = "01611190000000"
SCHOOLS = ("01611190130229", "01611190132878", "01611190134999")
OTHER_DISTRICT_SCHOOL = "19647330000001"
DEMO_DISTRICT = "99999990000000"  # clinician_desk.demo.generator's fictional county
DEMO_SCHOOLS = ("99999990000011", "99999990000022", "99999990000033")

Key = tuple[str, str, str, tuple[tuple[str, str], ...]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CountyServer:
    """``db_url`` None: a fresh SQLite file in ``folder``; else that (empty) PostgreSQL URL."""

    def __init__(self, folder: Path, *, rate: float = 5000.0, db_url: str | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db_url = db_url or str(folder / "county.sqlite3")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.rate = rate
        self.proc: subprocess.Popen[bytes] | None = None
        db = Database.open(self.db_url)
        try:
            now = datetime.now(UTC)
            districts = [
                orgunits.District(DISTRICT, "Harness Dist A"),
                orgunits.District("19647330000000", "Harness Dist B"),
                orgunits.District(DEMO_DISTRICT, "Harness Dist Z"),
            ]
            schools = [
                orgunits.School(code, DISTRICT, f"Harness School {i}")
                for i, code in enumerate(SCHOOLS)
            ]
            schools.append(orgunits.School(OTHER_DISTRICT_SCHOOL, "19647330000000", "Elsewhere"))
            schools += [
                orgunits.School(c, DEMO_DISTRICT, f"Harness Z {c[-2:]}") for c in DEMO_SCHOOLS
            ]
            orgunits.save(db, districts, schools, now=now, actor="test")
            self.escrow_public = keys.create_escrow_keypair(
                db, folder / "escrow.pem", now=now, actor="test"
            )
        finally:
            db.close()

    def _db(self) -> Database:
        return Database.open(self.db_url, migrate=False)

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.county_proc",
                self.db_url,
                str(self.port),
                str(self.rate),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/status", timeout=0.5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"county server exited: {err[-2000:]}")
            time.sleep(0.05)
        raise RuntimeError("county server did not start in 20 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None

    def issue_code(
        self,
        units: tuple[str, ...] = (DISTRICT,),
        *,
        replaces: str | None = None,
        label: str = "School counselor, Harness School",
    ) -> str:
        """A code for ``units``; a district stands for itself and every school of it in the
        directory (a district enrollment covers district-level cells only)."""
        db = self._db()
        try:
            with db.read() as tx:
                wanted = set(units)
                for u in units:
                    if u.endswith("0000000"):
                        wanted.update(s.code for s in orgunits.list_schools(tx, u))
            return enrollment.issue_code(
                db,
                sorted(wanted),
                now=datetime.now(UTC),
                ttl_hours=1,
                actor="test",
                label=label,
                replaces=replaces,
            )
        finally:
            db.close()

    def retire(self, device_id: str, reason: str = "laptop reported stolen") -> None:
        db = self._db()
        try:
            enrollment.retire_device(db, device_id, reason, now=datetime.now(UTC), actor="test")
        finally:
            db.close()

    def unretire(self, device_id: str) -> None:
        db = self._db()
        try:
            enrollment.unretire_device(db, device_id, now=datetime.now(UTC), actor="test")
        finally:
            db.close()

    def revoke(self, device_id: str) -> None:
        db = self._db()
        try:
            enrollment.revoke_device(db, device_id, now=datetime.now(UTC), actor="test")
        finally:
            db.close()

    def close_period(self, period: str) -> None:
        db = self._db()
        try:
            periods.close_period(db, period, None, now=datetime.now(UTC), actor="test")
        finally:
            db.close()

    def totals(self, device_id: str | None = None) -> dict[Key, int]:
        """Stored cells summed over devices (or of one), keyed like the client's cells."""
        db = self._db()
        where = "" if device_id is None else " WHERE device_id = ?"
        try:
            with db.read() as tx:
                rows = tx.all(
                    "SELECT org_unit, period, measure, service, tier, grade_band, instrument,"
                    f" SUM(value) FROM cells{where} GROUP BY org_unit, period, measure, service,"
                    " tier, grade_band, instrument",
                    () if device_id is None else (device_id,),
                )
        finally:
            db.close()
        out: dict[Key, int] = defaultdict(int)
        for ou, period, measure, service, tier, band, instrument, value in rows:
            dims = {
                "service": service,
                "tier": str(tier) if tier else "",
                "grade_band": band,
                "instrument": instrument,
            }
            key = tuple(sorted((k, v) for k, v in dims.items() if v))
            if value:
                out[(ou, period, measure, key)] += int(value)
        return dict(out)

    def revisions(self) -> dict[tuple[str, str, str], int]:
        db = self._db()
        try:
            with db.read() as tx:
                rows = tx.all("SELECT device_id, org_unit, period, revision FROM snapshots")
        finally:
            db.close()
        return {(d, o, p): int(r) for d, o, p, r in rows}
