"""A fictional county for ``serve --demo`` and the benchmarks: 13 districts, ~300 schools, and
synthetic counts from a few fictional devices per district.

Every name is invented (trees, birds, rivers); CDS codes use county ``99``, which does not exist
in California. Counts are drawn from a seeded generator so pictures and figures are stable, and
they go through the same ``ingest`` code as real snapshots.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import datetime

from clinician_desk.sync.wire import GRADE_BANDS, Cell, Snapshot
from county_server import orgunits
from county_server.db import Database, now_iso
from county_server.ingest import _apply

DISTRICT_NAMES = (
    "Alderbrook Unified",
    "Bluejay Valley Elementary",
    "Cedar Hollow Union High",
    "Driftwood Coast Unified",
    "Elkhorn Ridge Joint Unified",
    "Fernleaf Plains Elementary",
    "Granite Creek Unified",
    "Heronwood Joint Union",
    "Ironbark Hills Unified",
    "Juniper Flats Elementary",
    "Kestrel Lake Unified",
    "Larkspur Meadows Union",
    "Manzanita Springs Unified",
)
SCHOOL_WORDS = (
    "Acorn",
    "Birch",
    "Canyon",
    "Dogwood",
    "Egret",
    "Foxglove",
    "Goldfinch",
    "Hawthorn",
    "Indigo",
    "Jasper",
    "Kingfisher",
    "Laurel",
    "Meadowlark",
    "Nutmeg",
    "Osprey",
    "Poppy",
    "Quail",
    "Redwood",
    "Sagebrush",
    "Tamarack",
    "Umber",
    "Valley Oak",
    "Willow",
    "Yarrow",
)
SCHOOL_KINDS = ("Elementary", "Elementary", "Elementary", "Middle", "High")
BAND_OF_KIND = {"Elementary": "TK-5", "Middle": "6-8", "High": "9-12"}
SCHOOL_SERVICES = ("TX-IND", "TX-GRP", "PSY-EDU-GRP", "CM-COORD", "CONSULT", "ASMT-INTAKE")
DISTRICT_SERVICES = ("CRISIS", "SAFETY-PLAN")
SCREENERS = {"TK-5": ("PSC-17",), "6-8": ("PHQ-A", "GAD-7"), "9-12": ("PHQ-A", "GAD-7", "CRAFFT")}


def demo_directory(
    schools_total: int = 300,
) -> tuple[list[orgunits.District], list[orgunits.School]]:
    districts = [
        orgunits.District(f"99{10000 + 731 * i:05d}0000000", name)
        for i, name in enumerate(DISTRICT_NAMES)
    ]
    schools: list[orgunits.School] = []
    rng = random.Random(99)
    for n in range(schools_total):
        d = districts[n % len(districts)]
        kind = SCHOOL_KINDS[rng.randrange(len(SCHOOL_KINDS))]
        word = SCHOOL_WORDS[(n * 7) % len(SCHOOL_WORDS)]
        name = f"{word} {kind} #{n // len(districts) + 1}"
        schools.append(orgunits.School(f"{d.code[:7]}{6000001 + n:07d}", d.code, name))
    return districts, schools


def months_back(now: datetime, count: int) -> list[str]:
    y, m = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return sorted(out)


def _school_cells(rng: random.Random, band: str, scale: float) -> list[Cell]:
    cells: list[Cell] = []
    for svc in SCHOOL_SERVICES:
        for tier in (2, 3):
            n = int(rng.gammavariate(2.0, 6.0 * scale))
            if n:
                cells.append(Cell("services", n, service=svc, tier=tier, grade_band=band))
                if svc.startswith("TX"):
                    cells.append(
                        Cell(
                            "minutes",
                            n * rng.randint(30, 50),
                            service=svc,
                            tier=tier,
                            grade_band=band,
                        )
                    )
    cells.append(Cell("students_served", int(rng.gammavariate(3.0, 8.0 * scale)), grade_band=band))
    cells.append(
        Cell(
            "participants",
            int(rng.gammavariate(2.0, 40 * scale)),
            service="PSY-EDU-CLASS",
            tier=1,
            grade_band=band,
        )
    )
    for inst in SCREENERS[band]:
        given = int(rng.gammavariate(2.0, 10 * scale))
        cells.append(Cell("screenings_administered", given, instrument=inst, grade_band=band))
        cells.append(
            Cell(
                "screenings_positive",
                int(given * rng.uniform(0.05, 0.3)),
                instrument=inst,
                grade_band=band,
            )
        )
    made = int(rng.gammavariate(2.0, 3.0 * scale))
    cells.append(Cell("referrals_made", made, service="REFERRAL"))
    cells.append(Cell("referrals_completed", int(made * rng.uniform(0.4, 0.9)), service="REFERRAL"))
    return cells


def populate(
    db: Database,
    now: datetime,
    *,
    months: int = 24,
    schools_total: int = 300,
    seed: int = 7,
    devices_per_district: int = 3,
) -> int:
    """Load the directory and synthetic snapshots; returns the number of snapshots stored."""
    districts, schools = demo_directory(schools_total)
    orgunits.save(db, districts, schools, now=now, actor="demo")
    rng = random.Random(seed)
    periods = months_back(now, months)
    stored = 0
    by_district: dict[str, list[orgunits.School]] = {}
    for s in schools:
        by_district.setdefault(s.district_code, []).append(s)
    for di, d in enumerate(districts):
        mine = by_district.get(d.code, [])
        devices = [f"dev_demo{di:02d}x{k:02d}abcd" for k in range(devices_per_district)]
        with db.transaction() as tx:
            for k, dev in enumerate(devices):
                units = [s.code for s in mine[k::devices_per_district]] + [d.code]
                key = base64.b64encode(bytes([di, k]) * 16).decode()
                seen = now_iso(now.replace(day=max(1, now.day - (di + k) % 9)))
                roles = ("School counselor", "School psychologist", "School social worker")
                first = mine[k].name if k < len(mine) else d.name
                label = f"{roles[k % len(roles)]}, {first}"[:80]
                tx.execute(
                    "INSERT INTO devices (device_id, public_key, org_units, app_version, "
                    "enrolled_at, last_seen_at, revoked_at, label) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                    (dev, key, json.dumps(units), "0.1.0", now_iso(now), seen, label),
                )
                for period in periods:
                    scale = 0.6 + 0.4 * rng.random()
                    for school in mine[k::devices_per_district]:
                        kind = school.name.split()[-2]
                        band = BAND_OF_KIND.get(kind, GRADE_BANDS[0])
                        snap = Snapshot(
                            dev,
                            school.code,
                            period,
                            1,
                            "2026.1",
                            now_iso(now),
                            tuple(_school_cells(rng, band, scale)),
                        )
                        _apply(tx, snap, b"", now)
                        stored += 1
                    dcells = [
                        Cell("services", int(rng.gammavariate(1.5, 3.0)), service=svc, tier=3)
                        for svc in DISTRICT_SERVICES
                    ]
                    asq_given = rng.randint(20, 60)
                    dcells.append(Cell("screenings_administered", asq_given, instrument="ASQ"))
                    dcells.append(
                        Cell(
                            "screenings_positive", rng.randint(0, asq_given // 3), instrument="ASQ"
                        )
                    )
                    _apply(
                        tx,
                        Snapshot(dev, d.code, period, 1, "2026.1", now_iso(now), tuple(dcells)),
                        b"",
                        now,
                    )
                    stored += 1
    return stored
