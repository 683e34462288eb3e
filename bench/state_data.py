"""The fictional state of ``bench_state`` (issue 23): districts, schools, enrolled devices and
each device's monthly snapshots, drawn at a fixed seed and enrolled through the server's own
enrollment code; ``signed_lanes`` signs them as a laptop's sync would."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.signed_load import Request
from clinician_desk.sync.signing import generate_device_key, public_key_b64, sign_request
from clinician_desk.sync.wire import Cell, Snapshot
from county_server import enrollment, orgunits
from county_server.db import Database

Row = tuple[str, float, str, float | None]
FULL_DISTRICTS, FULL_SCHOOLS, FULL_DEVICES = 1000, 10_000, 10_000
SERVICES = ("TX-IND", "TX-GRP", "PSY-EDU-GRP", "CM-COORD", "CONSULT", "ASMT-INTAKE")
KINDS = (("Elementary", "TK-5"), ("Elementary", "TK-5"), ("Middle", "6-8"), ("High", "9-12"))
WORDS = ("Alder", "Bramble", "Cobalt", "Dune", "Ember", "Fjord", "Glade", "Harbor", "Ivy")


def fiscal_months(years: int = 5, last_fy_start: int = 2025) -> list[str]:
    """Every month of ``years`` fiscal years ending with FY<last_fy_start>-<+1> (July–June)."""
    first = last_fy_start - years + 1
    return [
        f"{y:04d}-{m:02d}"
        for fy in range(first, last_fy_start + 1)
        for y, m in [(fy, mm) for mm in range(7, 13)] + [(fy + 1, mm) for mm in range(1, 7)]
    ]


@dataclass
class Device:
    device_id: str
    key: Ed25519PrivateKey
    school: str
    band: str


@dataclass
class State:
    """The generated state: directory, enrolled devices and each device's snapshots (unsigned)."""

    districts: list[orgunits.District]
    schools: list[orgunits.School]
    devices: list[Device]
    periods: list[str]
    plan: dict[str, list[Snapshot]] = field(default_factory=dict)

    @property
    def snapshots(self) -> int:
        return sum(len(v) for v in self.plan.values())

    def total(self, measure: str = "services") -> int:
        return sum(
            c.value
            for snaps in self.plan.values()
            for s in snaps
            for c in s.cells
            if c.measure == measure
        )


def directory(
    n_districts: int, n_schools: int
) -> tuple[list[orgunits.District], list[orgunits.School]]:
    """Fictional districts and schools; county codes 60–99 do not exist in California."""
    districts = [
        orgunits.District(
            f"{60 + i % 40:02d}{10000 + i // 40:05d}0000000",
            f"{WORDS[i % len(WORDS)]} Fictional District {i + 1}",
        )
        for i in range(n_districts)
    ]
    schools = []
    for n in range(n_schools):
        d = districts[n % n_districts]
        kind = KINDS[n % len(KINDS)][0]
        schools.append(
            orgunits.School(f"{d.code[:7]}{1000000 + n:07d}", d.code, f"Fictional {kind} {n + 1}")
        )
    return districts, schools


def generate(
    db: Database,
    *,
    scale: float,
    now: datetime,
    months: list[str] | None = None,
    seed: int = 23,
    shape: tuple[int, int, int] | None = None,
) -> State:
    """Load the directory, enroll the devices (through the enrollment code) and draw every
    device's monthly snapshots. Nothing is sent yet. ``shape`` (districts, schools, devices)
    overrides the scaled full shape."""
    n_d = max(1, round(FULL_DISTRICTS * scale))
    n_s = max(n_d, round(FULL_SCHOOLS * scale))
    n_dev = max(1, round(FULL_DEVICES * scale))
    if shape is not None:
        n_d, n_s, n_dev = shape
    districts, schools = directory(n_d, n_s)
    orgunits.save(db, districts, schools, now=now, actor="bench")
    periods = months or fiscal_months()
    rng = random.Random(seed)
    state = State(districts, schools, [], periods)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for i in range(n_dev):
        school = schools[i % n_s]
        band = KINDS[(i % n_s) % len(KINDS)][1]
        code = enrollment.issue_code(db, [school.code], now=now, ttl_hours=1, actor="bench")
        key = generate_device_key()
        with db.transaction() as tx:
            done = enrollment.redeem(tx, code, public_key_b64(key), b"", "0.1.0", now)
        dev = Device(done.device_id, key, school.code, band)
        state.devices.append(dev)
        snaps = []
        for period in periods:
            summer = period[5:7] in ("07", "08")
            if rng.random() > (0.2 if summer else 0.85):
                continue
            cells = []
            for svc in rng.sample(SERVICES, rng.randint(1, 4)):
                tier = rng.choice((2, 3))
                n = 1 + int(rng.gammavariate(1.5, 4.0))
                cells.append(Cell("services", n, service=svc, tier=tier, grade_band=band))
            served = sum(c.value for c in cells)
            cells.append(Cell("students_served", max(1, served // 2), grade_band=band))
            snaps.append(
                Snapshot(dev.device_id, school.code, period, 1, "2026.1", stamp, tuple(cells))
            )
        state.plan[dev.device_id] = snaps
    return state


def signed_lanes(
    state: State, devices: list[Device], *, latest_only: bool = False, revision: int = 1
) -> list[list[Request]]:
    """One lane per device (its PUTs in order), signed now (the server allows ±10 min)."""
    created = int(time.time())
    lanes = []
    for dev in devices:
        snaps = state.plan[dev.device_id][-1:] if latest_only else state.plan[dev.device_id]
        lane = []
        for s in snaps:
            if revision != s.revision:
                s = Snapshot(
                    s.device_id,
                    s.org_unit,
                    s.period,
                    revision,
                    s.taxonomy_version,
                    s.generated_at,
                    s.cells,
                )
            body = s.to_json()
            path = f"/api/v1/counts/{s.org_unit}/{s.period}"
            headers = sign_request(
                "PUT",
                path,
                body,
                device_id=dev.device_id,
                private_key=dev.key,
                created=created,
            )
            headers["Content-Type"] = "application/json"
            lane.append((path, body, headers))
        lanes.append(lane)
    return lanes


WIDE_MONTHS = [*fiscal_months(1, 2025), "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
