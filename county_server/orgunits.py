"""The org-unit directory: districts and schools by 14-digit CDS code.

``load_csv`` reads a CSV with the columns ``cds_code``, ``district`` and ``school`` (the CDE
public-schools export's ``CDSCode``, ``District`` and ``School`` also work). A district's code is
its first seven digits followed by ``0000000``; a row with an empty school name or a district code
defines the district only. The whole file is checked before anything is written; an error names
the line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from county_server import audit
from county_server.db import Database, Tx
from county_server.errors import ConfigError

_CDS = re.compile(r"^[0-9]{14}$")
_NAME = re.compile(r"^[^\x00-\x1f<>]{1,120}$")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class District:
    code: str
    name: str


@dataclass(frozen=True)
class School:
    code: str
    district_code: str
    name: str


def district_of(code: str) -> str:
    return code[:7] + "0000000"


def is_code(code: str) -> bool:
    """A well-formed 14-digit CDS code."""
    return _CDS.match(code) is not None


def exists(tx: Tx, code: str) -> bool:
    if not _CDS.match(code):
        return False
    if code.endswith("0000000"):
        return tx.one("SELECT 1 FROM districts WHERE code = ?", (code,)) is not None
    return tx.one("SELECT 1 FROM schools WHERE code = ?", (code,)) is not None


def parse_csv(text: str, source: str = "file") -> tuple[list[District], list[School]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower(): f for f in (reader.fieldnames or [])}
    code_col = fields.get("cds_code") or fields.get("cdscode")
    district_col = fields.get("district")
    school_col = fields.get("school")
    if not code_col or not district_col or not school_col:
        raise ConfigError(f"{source}: needs the columns cds_code, district and school")
    districts: dict[str, str] = {}
    schools: dict[str, School] = {}
    for n, row in enumerate(reader, start=2):
        if n > MAX_ROWS:
            raise ConfigError(f"{source}: more than {MAX_ROWS} rows")
        code = (row.get(code_col) or "").strip()
        dname = (row.get(district_col) or "").strip()
        sname = (row.get(school_col) or "").strip()
        if not _CDS.match(code):
            raise ConfigError(f"{source} line {n}: cds_code must be 14 digits")
        if not _NAME.match(dname):
            raise ConfigError(f"{source} line {n}: district name missing or not plain text")
        dcode = district_of(code)
        if districts.get(dcode, dname) != dname:
            raise ConfigError(f"{source} line {n}: district {dcode} has two different names")
        districts[dcode] = dname
        if code == dcode or not sname:
            continue
        if not _NAME.match(sname):
            raise ConfigError(f"{source} line {n}: school name not plain text")
        if code in schools:
            raise ConfigError(f"{source} line {n}: school {code} appears twice")
        schools[code] = School(code, dcode, sname)
    if not districts:
        raise ConfigError(f"{source}: no rows")
    return [District(c, n) for c, n in sorted(districts.items())], list(schools.values())


def save(
    db: Database, districts: list[District], schools: list[School], *, now: datetime, actor: str
) -> None:
    with db.transaction() as tx:
        tx.executemany(
            "INSERT INTO districts (code, name) VALUES (?, ?) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name",
            [(d.code, d.name) for d in districts],
        )
        tx.executemany(
            "INSERT INTO schools (code, district_code, name) VALUES (?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
            "district_code = excluded.district_code",
            [(s.code, s.district_code, s.name) for s in schools],
        )
        audit.record(
            tx,
            now,
            actor,
            "org_units_loaded",
            {"districts": len(districts), "schools": len(schools)},
        )


def load_csv(db: Database, path: Path, *, now: datetime, actor: str) -> tuple[int, int]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot be read ({exc.__class__.__name__})") from None
    districts, schools = parse_csv(text, path.name)
    save(db, districts, schools, now=now, actor=actor)
    return len(districts), len(schools)


def list_districts(tx: Tx, allowed: frozenset[str] | None = None) -> list[District]:
    rows = tx.all("SELECT code, name FROM districts ORDER BY name")
    return [District(c, n) for c, n in rows if allowed is None or c in allowed]


def list_schools(tx: Tx, district_code: str) -> list[School]:
    rows = tx.all(
        "SELECT code, district_code, name FROM schools WHERE district_code = ? ORDER BY name",
        (district_code,),
    )
    return [School(a, b, c) for a, b, c in rows]
