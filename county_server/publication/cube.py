"""The publication cube: every number the dashboard, its charts and the exports show.

One cube per refresh, built from the ``cells`` table (sums across devices, never per device) and
the org-unit directory, suppressed as a whole (:mod:`county_server.publication.suppress`) and
stored in ``publication_cells``. Pages and exports only ever read that table.

**Dimensions** (fixed hierarchies):

* org: county (``C``) > district (``D``) > org unit (``U``: each school, and the district's own
  district-level unit). Org units outside the directory are not published at all, so every
  total is exactly the sum of its parts.
* time: fiscal year (``Y``, July–June) > quarter (``Q``) > month (``M``); the window is the last
  five fiscal years up to the current month; the current month (and its quarter and year) is
  *partial*.
* category: for services, minutes and participants: all (``T``) > service group (``G``) >
  service (``S``) > service × tier × grade band (``L``); for screenings: all > instrument
  (``I``) > instrument × grade band (``L``); referrals: all only.
* measure: every wire measure. ``students_served`` is outside the linear cube: it is published
  per org unit and month as the largest count one device reported (the same student can be
  served under several devices, months or schools, so no sum of it counts anyone) and never
  totalled.

**Published levels** (crossings; each is one set of cells):

====================  ==================  ========================
org                   time                category
====================  ==================  ========================
county, district      year, quarter, month  all, group, service/instrument
org unit              year                all, group, service/instrument, finest
district              year                finest
====================  ==================  ========================

The exports' levels (district × month, district × fiscal year, school × fiscal year, finest) and
every page are slices of these crossings.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np
from numpy.typing import NDArray

from county_server.db import Database, Tx, now_iso
from county_server.publication import periods as P
from county_server.publication.audit import HIGH, LOW, Publication
from county_server.publication.lock import BuildLock
from county_server.publication.suppress import protect

_log = logging.getLogger("county_server.publication")

SERVICE_MEASURES = ("services", "minutes", "participants")
SCREENING_MEASURES = ("screenings_administered", "screenings_positive")
REFERRAL_MEASURES = ("referrals_made", "referrals_completed")
LINEAR_MEASURES = SERVICE_MEASURES + SCREENING_MEASURES + REFERRAL_MEASURES
STUDENTS = "students_served"
FISCAL_YEARS = 5

SERVICE_GROUPS = {
    "PSY-EDU-CLASS": "prevention",
    "PSY-EDU-GRP": "prevention",
    "SCR-UNIV": "prevention",
    "SCR-SUD": "prevention",
    "ASMT-INTAKE": "treatment",
    "TX-IND": "treatment",
    "TX-FAM": "treatment",
    "TX-GRP": "treatment",
    "CRISIS": "crisis",
    "SAFETY-PLAN": "crisis",
    "MAND-REPORT": "crisis",
    "CM-COORD": "coordination",
    "CONSULT": "coordination",
    "REFERRAL": "coordination",
}
GROUP_NAMES = {
    "prevention": "Prevention and universal",
    "treatment": "Assessment and treatment",
    "crisis": "Crisis and safety",
    "coordination": "Coordination and referral",
    "other": "Not by service",
}

ORG_LEVELS = ("C", "D", "U")
COUNTY = "county"

# (org levels, time levels, category levels) per kind of measure
Crossing = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
CROSSINGS: dict[str, tuple[Crossing, ...]] = {
    "service": (
        (("C", "D"), ("Y", "Q", "M"), ("T", "G", "S")),
        (("U",), ("Y",), ("T", "G", "S", "L")),
        (("D",), ("Y",), ("L",)),
    ),
    "screening": (
        (("C", "D"), ("Y", "Q", "M"), ("T", "I")),
        (("U",), ("Y",), ("T", "I", "L")),
        (("D",), ("Y",), ("L",)),
    ),
    "referral": ((("C", "D"), ("Y", "Q", "M"), ("T",)), (("U",), ("Y",), ("T",))),
}

Key = tuple[
    str, str, str, str, str, str, str
]  # measure, org lvl, org, time lvl, time, cat lvl, cat
Row = tuple[object, ...]


def kind(measure: str) -> str:
    if measure in SERVICE_MEASURES:
        return "service"
    if measure in SCREENING_MEASURES:
        return "screening"
    return "referral"


def published_levels(measure: str) -> set[tuple[str, str, str]]:
    if measure == STUDENTS:
        return {("U", "M", "T")}
    return {
        (o, t, c)
        for orgs, times, cats in CROSSINGS[kind(measure)]
        for o in orgs
        for t in times
        for c in cats
    }


def _category(k: str, level: str, service: str, tier: int, band: str, instrument: str) -> str:
    if level == "T":
        return ""
    if k == "service":
        if level == "G":
            return SERVICE_GROUPS.get(service, "other")
        if level == "S":
            return service
        return f"{service}|{tier or ''}|{band}"
    if level == "I":
        return instrument
    return f"{instrument}|{band}"


@dataclass(frozen=True)
class Window:
    """The published months: whole fiscal years up to the current (partial) month."""

    first: str
    current: str

    @classmethod
    def at(cls, now: datetime) -> Window:
        current = f"{now.year:04d}-{now.month:02d}"
        return cls(P.months_of_fy(P.fy_start(current) - FISCAL_YEARS + 1)[0], current)

    def fiscal_years(self) -> list[str]:
        first = P.fy_start(self.first)
        return [P.fy_code(y) for y in range(first, P.fy_start(self.current) + 1)]

    def contains(self, period: P.Period) -> bool:
        months = period.months()
        return months[0] >= self.first and months[0] <= self.current

    def partial(self, period: P.Period) -> bool:
        return self.current in period.months()


@dataclass
class Built:
    """A suppressed cube in memory: its publication (for the audit) and its rows."""

    publication: Publication
    cell_of: dict[Key, int]
    hidden: NDArray[np.bool_]
    window: Window
    source: str

    def rows(self) -> list[tuple[object, ...]]:
        values = self.publication.values
        out: list[tuple[object, ...]] = []
        for key, cell in self.cell_of.items():
            out.append((*key, None if self.hidden[cell] else int(values[cell])))
        return out


def _directory(tx: Tx) -> dict[str, str]:
    """Org unit -> district for every unit in the directory (schools and district units)."""
    unit_district = {str(c): str(c) for (c,) in tx.all("SELECT code FROM districts")}
    for code, district in tx.all("SELECT code, district_code FROM schools"):
        unit_district[str(code)] = str(district)
    return unit_district


# --- parts: one fiscal year each ------------------------------------------------------------
#
# The cube publishes no total across fiscal years (nor across measures), so every linked table
# lies inside one fiscal year: the cube is the union of independent *parts*, one per fiscal year
# of the window, each built and suppressed on its own from that year's counts only. A full
# rebuild builds every part; an incremental one rebuilds only the parts whose inputs changed and
# keeps the stored rows of the others, which are exactly what a full rebuild would store again.


def fiscal_years(window: Window) -> list[str]:
    return window.fiscal_years()


def part_months(window: Window, fiscal_year: str) -> tuple[str, str]:
    """First and last month of a part inside the window."""
    months = P.months_of_fy(int(fiscal_year[2:6]))
    return max(months[0], window.first), min(months[-1], window.current)


def part_periods(fiscal_year: str) -> list[str]:
    """Every period code stored under a part: the year, its quarters and its months."""
    start = int(fiscal_year[2:6])
    return [fiscal_year, *(f"{fiscal_year}-Q{q}" for q in range(1, 5)), *P.months_of_fy(start)]


def _directory_digest(directory: dict[str, str]) -> str:
    text = "\n".join(f"{u}\x1f{d}" for u, d in sorted(directory.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def part_digest(tx: Tx, window: Window, fiscal_year: str, directory_digest: str) -> str:
    """Changes whenever anything a part is built from may have changed: a snapshot of one of its
    months (revision, content), the counted cells of its months (a replaced device's cells set
    aside or restored), the directory, or the window."""
    first, last = part_months(window, fiscal_year)
    h = hashlib.sha256(f"{window.first}|{window.current}|{fiscal_year}|{directory_digest}".encode())
    for row in tx.all(
        "SELECT device_id, org_unit, period, revision, content_hash FROM snapshots "
        "WHERE period >= ? AND period <= ? ORDER BY device_id, org_unit, period",
        (first, last),
    ):
        h.update("\x1f".join(str(v) for v in row).encode() + b"\n")
    for row in tx.all(
        "SELECT period, COUNT(*), SUM(value) FROM cells WHERE period >= ? AND period <= ? "
        "GROUP BY period ORDER BY period",
        (first, last),
    ):
        h.update(("|".join(str(v) for v in row) + "\n").encode())
    return h.hexdigest()[:24]


def part_digests(tx: Tx, window: Window) -> dict[str, str]:
    directory = _directory_digest(_directory(tx))
    return {fy: part_digest(tx, window, fy, directory) for fy in fiscal_years(window)}


def _source_of(digests: dict[str, str]) -> str:
    """The stored fingerprint of a cube: every part's digest, ``FY2025-26:<digest>|…``."""
    return "|".join(f"{fy}:{d}" for fy, d in sorted(digests.items()))


def _digests_of(source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in source.split("|"):
        fy, sep, digest = item.partition(":")
        if sep:
            out[fy] = digest
    return out


def source_fingerprint(tx: Tx, window: Window) -> str:
    """Changes whenever a snapshot, the counted cells, the directory or the current month
    changes (the digests of every part, combined)."""
    return _source_of(part_digests(tx, window))


def _part_counts(tx: Tx, window: Window, fiscal_year: str) -> tuple[list[Row], list[Row]]:
    """The counts of one part: base rows summed across devices, and students-served rows."""
    first, last = part_months(window, fiscal_year)
    rows = tx.all(
        "SELECT measure, org_unit, period, service, tier, grade_band, instrument, SUM(value) "
        "FROM cells WHERE period >= ? AND period <= ? AND measure <> ? "
        "GROUP BY measure, org_unit, period, service, tier, grade_band, instrument "
        "HAVING SUM(value) > 0",
        (first, last, STUDENTS),
    )
    students = tx.all(
        "SELECT org_unit, period, device_id, SUM(value) FROM cells WHERE measure = ? AND "
        "period >= ? AND period <= ? GROUP BY org_unit, period, device_id",
        (STUDENTS, first, last),
    )
    return rows, students


def build(tx: Tx, now: datetime) -> Built:
    """Read cells and directory, publish every crossing, suppress the whole cube."""
    window = Window.at(now)
    source = source_fingerprint(tx, window)
    rows: list[Row] = []
    students: list[Row] = []
    for fy in fiscal_years(window):
        r, s = _part_counts(tx, window, fy)
        rows += r
        students += s
    return build_from(rows, students, _directory(tx), window, source)


def _split(
    rows: Sequence[Row], students: Sequence[Row], directory: dict[str, str], window: Window
) -> tuple[dict[str, list[Row]], dict[str, list[Row]]]:
    """Published counts by part (fiscal year); units outside the directory, other measures,
    months outside the window and zeros are dropped."""
    part_of: dict[object, str | None] = {}  # month -> its part, None outside the window

    def part(month: object) -> str | None:
        found = part_of.get(month, "")
        if found == "":
            text = str(month)
            found = part_of[month] = (
                P.fiscal_year(text) if window.first <= text <= window.current else None
            )
        return found

    measures = set(LINEAR_MEASURES)
    by_part: dict[str, list[Row]] = {}
    for r in rows:
        fy = part(r[2])
        if fy and str(r[1]) in directory and r[0] in measures and int(str(r[7])) > 0:
            by_part.setdefault(fy, []).append(r)
    students_by: dict[str, list[Row]] = {}
    for r in students:
        fy = part(r[1])
        if fy and str(r[0]) in directory:
            students_by.setdefault(fy, []).append(r)
    return by_part, students_by


def build_from(
    rows: Sequence[tuple[object, ...]],
    students: Sequence[tuple[object, ...]],
    directory: dict[str, str],
    window: Window,
    source: str = "",
    *,
    suppress: bool = True,
) -> Built:
    """The cube of counts ``(measure, org_unit, month, service, tier, grade_band, instrument,
    value)`` and students-served rows ``(org_unit, month, device, value)``: every part built and
    suppressed on its own, then put side by side."""
    by_part, students_by = _split(rows, students, directory, window)
    parts = [
        build_part(by_part.get(fy, []), students_by.get(fy, []), directory, suppress=suppress)
        for fy in sorted(set(by_part) | set(students_by))
    ]
    return _combine(parts, window, source)


@dataclass
class Part:
    """One fiscal year of the cube, suppressed: its publication and hidden flags."""

    publication: Publication
    cell_of: dict[Key, int]
    hidden: NDArray[np.bool_]

    def rows(self) -> list[tuple[object, ...]]:
        values = self.publication.values
        return [
            (*key, None if self.hidden[cell] else int(values[cell]))
            for key, cell in self.cell_of.items()
        ]


def build_part(
    rows: Sequence[Row],
    students: Sequence[Row],
    directory: dict[str, str],
    *,
    suppress: bool = True,
) -> Part:
    """One part from its own counts only (rows already filtered by :func:`_split`)."""
    base_values: list[int] = []
    keys: list[Key] = []
    supports: list[NDArray[np.int64]] = []
    by_measure: dict[str, list[tuple[object, ...]]] = {}
    for r in rows:
        by_measure.setdefault(str(r[0]), []).append(r)
    for measure in sorted(by_measure):
        _publish_measure(measure, by_measure[measure], directory, base_values, keys, supports)
    _publish_students(students, directory, base_values, keys, supports)

    # One published cell per distinct support: the same number is the same cell everywhere.
    cell_of: dict[Key, int] = {}
    cell_keys: list[Key] = []
    cell_support: list[NDArray[np.int64]] = []
    seen: dict[bytes, int] = {}
    for key, support in zip(keys, supports, strict=True):
        sig = support.tobytes()
        cell = seen.get(sig)
        if cell is None:
            cell = seen[sig] = len(cell_keys)
            cell_keys.append(key)
            cell_support.append(support)
        cell_of[key] = cell
    base = np.array(base_values, dtype=np.int64)
    provisional = Publication(base, cell_keys, cell_support, np.ones(len(cell_keys), dtype=bool))
    hidden = protect(provisional) if suppress else np.zeros(len(cell_keys), dtype=bool)
    pub = Publication(base, cell_keys, cell_support, ~hidden)
    return Part(pub, cell_of, hidden)


def _combine(parts: Sequence[Part], window: Window, source: str) -> Built:
    """Parts side by side as one publication (base cells and cells renumbered, nothing else
    changes: no published number spans two parts)."""
    base: list[NDArray[np.int64]] = []
    keys: list[Hashable] = []
    support: list[NDArray[np.int64]] = []
    hidden: list[NDArray[np.bool_]] = []
    cell_of: dict[Key, int] = {}
    base_offset = cell_offset = 0
    for part in parts:
        pub = part.publication
        base.append(pub.base)
        keys += pub.keys
        support += [s + base_offset for s in pub.support]
        hidden.append(part.hidden)
        for key, cell in part.cell_of.items():
            cell_of[key] = cell + cell_offset
        base_offset += len(pub.base)
        cell_offset += len(pub.keys)
    flags = np.concatenate(hidden) if hidden else np.zeros(0, dtype=bool)
    values = np.concatenate(base) if base else np.zeros(0, dtype=np.int64)
    return Built(Publication(values, keys, support, ~flags), cell_of, flags, window, source)


def _codes(column: list[str]) -> tuple[NDArray[np.int64], list[str]]:
    """Integer codes of a column of labels, and the labels by code."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in column), np.int64, len(column))
    return codes, list(index)


def _publish_measure(
    measure: str,
    rows: list[tuple[object, ...]],
    directory: dict[str, str],
    base_values: list[int],
    keys: list[Key],
    supports: list[NDArray[np.int64]],
) -> None:
    k = kind(measure)
    offset = len(base_values)
    n = len(rows)
    # Each level of each dimension as integer codes (labels looked up once per distinct value).
    unit, unit_labels = _codes([str(r[1]) for r in rows])
    district_labels = sorted({directory[u] for u in unit_labels})
    d_index = {d: i for i, d in enumerate(district_labels)}
    org: dict[str, tuple[NDArray[np.int64], list[str]]] = {
        "C": (np.zeros(n, dtype=np.int64), [COUNTY]),
        "D": (
            np.array([d_index[directory[u]] for u in unit_labels], dtype=np.int64)[unit],
            district_labels,
        ),
        "U": (unit, unit_labels),
    }
    month, month_labels = _codes([str(r[2]) for r in rows])
    time: dict[str, tuple[NDArray[np.int64], list[str]]] = {"M": (month, month_labels)}
    for level, fn in (("Y", P.fiscal_year), ("Q", P.quarter)):
        derived = [fn(m) for m in month_labels]
        labels = sorted(set(derived))
        li = {x: i for i, x in enumerate(labels)}
        time[level] = (np.array([li[x] for x in derived], dtype=np.int64)[month], labels)
    leaf, leaf_rows = _codes([f"{r[3]}\x1f{int(str(r[4]) or 0)}\x1f{r[5]}\x1f{r[6]}" for r in rows])
    cats: dict[str, tuple[NDArray[np.int64], list[str]]] = {}
    for level in ("T", "G", "S", "I", "L"):
        derived = []
        for text in leaf_rows:
            service, tier, band, instrument = text.split("\x1f")
            derived.append(_category(k, level, service, int(tier), band, instrument))
        labels = sorted(set(derived))
        li = {x: i for i, x in enumerate(labels)}
        cats[level] = (np.array([li[x] for x in derived], dtype=np.int64)[leaf], labels)
    base_values.extend(int(str(r[7])) for r in rows)
    for orgs, times, cat_levels in CROSSINGS[k]:
        for o in orgs:
            for t in times:
                for c in cat_levels:
                    (oc, ol), (tc, tl), (cc, cl) = org[o], time[t], cats[c]
                    combined = (oc * len(tl) + tc) * len(cl) + cc
                    uniq, inverse = np.unique(combined, return_inverse=True)
                    order = np.argsort(inverse, kind="stable")
                    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
                    for g, code in enumerate(uniq.tolist()):
                        rest, ci = divmod(int(code), len(cl))
                        oi, ti = divmod(rest, len(tl))
                        keys.append((measure, o, ol[oi], t, tl[ti], c, cl[ci]))
                        supports.append(order[bounds[g] : bounds[g + 1]].astype(np.int64) + offset)


def _publish_students(
    students: Sequence[tuple[object, ...]],
    directory: dict[str, str],
    base_values: list[int],
    keys: list[Key],
    supports: list[NDArray[np.int64]],
) -> None:
    largest: dict[tuple[str, str], int] = {}
    for unit, period, _device, value in students:
        month = str(period)
        if str(unit) in directory and int(str(value)) > 0:
            k = (str(unit), month)
            largest[k] = max(largest.get(k, 0), int(str(value)))
    for (unit, period), value in sorted(largest.items()):
        supports.append(np.array([len(base_values)], dtype=np.int64))
        base_values.append(value)
        keys.append((STUDENTS, "U", unit, "M", period, "T", ""))


# --- storage -----------------------------------------------------------------------------

_BUILD_LOCK = BuildLock()  # across threads and processes (lock.py)


@dataclass(frozen=True)
class State:
    built_at: str
    source: str
    window: Window
    cells: int
    hidden: int


def state(tx: Tx) -> State | None:
    row = tx.one(
        "SELECT built_at, source, window_first, current_month, cells, hidden "
        "FROM publication_state WHERE id = 1"
    )
    if row is None:
        return None
    return State(
        str(row[0]), str(row[1]), Window(str(row[2]), str(row[3])), int(row[4]), int(row[5])
    )


@dataclass(frozen=True)
class PartResult:
    """A part ready to store: its digest (of the inputs it was built from) and its rows."""

    fiscal_year: str
    digest: str
    rows: list[Row]
    hidden: int


def compute_part(tx: Tx, window: Window, fiscal_year: str, directory: dict[str, str]) -> PartResult:
    """Build and suppress one part from the counts ``tx`` sees (digest read in the same
    transaction, so it describes exactly the counts the rows were built from)."""
    digest = part_digest(tx, window, fiscal_year, _directory_digest(directory))
    rows, students = _part_counts(tx, window, fiscal_year)
    by_part, students_by = _split(rows, students, directory, window)
    part = build_part(by_part.get(fiscal_year, []), students_by.get(fiscal_year, []), directory)
    out = part.rows()
    return PartResult(fiscal_year, digest, out, sum(1 for r in out if r[-1] is None))


def _part_job(url: str, first: str, current: str, fiscal_year: str) -> PartResult:
    """One part in a worker process (its own connection and read transaction)."""
    db = Database.open(url, migrate=False, pool_size=1)
    try:
        with db.read() as tx:
            return compute_part(tx, Window(first, current), fiscal_year, _directory(tx))
    finally:
        db.close()


_POOL: ProcessPoolExecutor | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for the parts, started once and kept (forkserver: no fork of a
    threaded server process)."""
    global _POOL
    if _POOL is None:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            ctx.set_forkserver_preload([__name__])
        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    return _POOL


def default_workers() -> int:
    """Processes for a rebuild: ``COUNTY_PUBLICATION_WORKERS``, else up to 2 (one per core)."""
    text = os.environ.get("COUNTY_PUBLICATION_WORKERS", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    return max(1, min(2, os.cpu_count() or 1))


def _compute(db: Database, window: Window, todo: Sequence[str], workers: int) -> list[PartResult]:
    if workers <= 1 or len(todo) <= 1:
        with db.read() as tx:
            directory = _directory(tx)
            return [compute_part(tx, window, fy, directory) for fy in todo]
    pool = _pool(workers)
    jobs = [pool.submit(_part_job, db.url, window.first, window.current, fy) for fy in todo]
    return [job.result() for job in jobs]


def _save_parts(
    db: Database, window: Window, results: Sequence[PartResult], now: datetime, full: bool
) -> State:
    """Replace the stored rows of the rebuilt parts (all of them when ``full``) and the state,
    in one transaction: readers see the previous cube or the new one, never a mix."""
    with db.transaction() as tx:
        previous = state(tx)
        digests = {} if full or previous is None else _digests_of(previous.source)
        if full:
            tx.execute("DELETE FROM publication_cells")
        for result in results:
            periods = part_periods(result.fiscal_year)
            marks = ", ".join("?" for _ in periods)
            tx.execute(f"DELETE FROM publication_cells WHERE period IN ({marks})", periods)
            digests[result.fiscal_year] = result.digest
        for result in results:
            tx.executemany(
                "INSERT INTO publication_cells (measure, org_level, org, time_level, period, "
                "cat_level, cat, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                result.rows,
            )
        counted = tx.one("SELECT COUNT(*), COUNT(*) - COUNT(value) FROM publication_cells")
        cells, hidden = (int(counted[0]), int(counted[1])) if counted else (0, 0)
        new = State(now_iso(now), _source_of(digests), window, cells, hidden)
        tx.execute("DELETE FROM publication_state")
        tx.execute(
            "INSERT INTO publication_state (id, built_at, source, window_first, current_month, "
            "cells, hidden) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (new.built_at, new.source, window.first, window.current, cells, hidden),
        )
    return new


def stale_parts(tx: Tx, window: Window) -> tuple[list[str], bool]:
    """The parts to rebuild, and whether that is all of them (no cube yet, another window or
    directory: every digest differs then)."""
    current = state(tx)
    digests = part_digests(tx, window)
    stored = {} if current is None else _digests_of(current.source)
    if current is None or current.window != window or set(stored) != set(digests):
        return sorted(digests), True
    return sorted(fy for fy, d in digests.items() if stored[fy] != d), False


def _refresh_locked(db: Database, now: datetime, full: bool, workers: int | None) -> State:
    window = Window.at(now)
    with db.read() as tx:
        todo, everything = stale_parts(tx, window)
        current = state(tx)
    if full:
        todo, everything = fiscal_years(window), True
    if not todo and current is not None:
        return current
    results = _compute(db, window, todo, default_workers() if workers is None else workers)
    return _save_parts(db, window, results, now, everything)


def rebuild(db: Database, now: datetime, *, workers: int | None = None) -> State:
    """Build and store the whole cube now (one build at a time)."""
    with _BUILD_LOCK.held(db):
        return _refresh_locked(db, now, True, workers)


def refresh(db: Database, now: datetime, *, workers: int | None = None) -> State:
    """Rebuild only the parts whose inputs changed (every part when the window or the directory
    changed); the stored cube is then exactly what :func:`rebuild` would store."""
    with _BUILD_LOCK.held(db):
        return _refresh_locked(db, now, False, workers)


# The full freshness check (every part's digest) reads every snapshot and groups every cell:
# about 200 ms on the demo county, too much for every page. A page first compares a cheap token
# of everything that can move the cells -- the snapshots (count, newest arrival, revisions), the
# cells set aside for replaced devices, the directory and the window -- with the token seen when
# this process last proved the stored cube fresh; only a different token pays for the full check.
_VERIFIED: dict[int, tuple[str, str]] = {}


def _change_token(tx: Tx, window: Window) -> str:
    snaps = tx.one("SELECT COUNT(*), MAX(received_at), SUM(revision) FROM snapshots")
    aside = tx.one("SELECT COUNT(*) FROM cells_set_aside")
    directory = _directory_digest(_directory(tx))  # a school moving district changes it
    return f"{snaps}|{aside}|{directory}|{window.first}|{window.current}"


def ensure_fresh(db: Database, now: datetime) -> State:
    """The stored cube's state, refreshing it first (the parts that changed) when the data or
    the month changed.

    While another thread is rebuilding, the previous cube (complete, suppressed as a whole) is
    served rather than waited for; only a server with no cube at all waits."""
    window = Window.at(now)
    with db.read() as tx:
        current = state(tx)
        token = _change_token(tx, window)
        known = _VERIFIED.get(id(db))
        if current is not None and known == (token, current.source):
            return current  # nothing the parts are built from has moved since the last check
        fresh = current is not None and current.source == source_fingerprint(tx, window)
    if fresh and current is not None:
        _VERIFIED[id(db)] = (token, current.source)
        return current
    if current is not None and not _BUILD_LOCK.acquire(db, blocking=False):
        return current  # being rebuilt right now: the previous cube is complete and safe
    if current is None:
        _BUILD_LOCK.acquire(db)
    try:
        refreshed = _refresh_locked(db, now, False, None)
        with db.read() as tx:
            _VERIFIED[id(db)] = (_change_token(tx, window), refreshed.source)
        return refreshed
    finally:
        _BUILD_LOCK.release()


def read(
    tx: Tx,
    measure: str,
    org_level: str,
    orgs: Sequence[str],
    time_level: str,
    times: Sequence[str],
    cat_level: str,
    cats: Iterable[str],
) -> dict[tuple[str, str, str], int | None]:
    """Published values keyed (org, period, category); a key absent from the result is 0."""
    cat_list = sorted(set(cats))
    if not orgs or not times or not cat_list:
        return {}

    def marks(values: Sequence[str]) -> str:
        return ", ".join("?" for _ in values)

    rows = tx.all(
        "SELECT org, period, cat, value FROM publication_cells WHERE measure = ? AND "
        f"org_level = ? AND time_level = ? AND cat_level = ? AND org IN ({marks(orgs)}) AND "
        f"period IN ({marks(times)}) AND cat IN ({marks(cat_list)})",
        [measure, org_level, time_level, cat_level, *orgs, *times, *cat_list],
    )
    return {(str(o), str(p), str(c)): (None if v is None else int(v)) for o, p, c, v in rows}


def shown(values: dict[tuple[str, str, str], int | None], key: tuple[str, str, str]) -> int | None:
    """A published value: the stored one, 0 when nothing was counted there."""
    return values.get(key, 0)


def is_small(value: int) -> bool:
    return LOW <= value <= HIGH


def stored_publication(db: Database, now: datetime) -> tuple[Publication, list[Key]]:
    """What the server actually serves, as the audit sees it: the true cube rebuilt from the
    counts (without suppressing it again), with visibility taken from ``publication_cells``.

    Returns the publication and the stored keys that disagree with the counts (a stored number
    that is not its true value, or a stored cell the counts do not have); both should be empty.
    """
    with db.read() as tx:
        current = state(tx)
        if current is None:
            raise LookupError("no publication has been built yet")
        window = current.window
        rows = tx.all(
            "SELECT measure, org_unit, period, service, tier, grade_band, instrument, SUM(value) "
            "FROM cells WHERE period >= ? AND period <= ? AND measure <> ? "
            "GROUP BY measure, org_unit, period, service, tier, grade_band, instrument "
            "HAVING SUM(value) > 0",
            (window.first, window.current, STUDENTS),
        )
        students = tx.all(
            "SELECT org_unit, period, device_id, SUM(value) FROM cells WHERE measure = ? AND "
            "period >= ? AND period <= ? GROUP BY org_unit, period, device_id",
            (STUDENTS, window.first, window.current),
        )
        directory = _directory(tx)
        stored = tx.all(
            "SELECT measure, org_level, org, time_level, period, cat_level, cat, value "
            "FROM publication_cells"
        )
    truth = build_from(rows, students, directory, window, suppress=False)
    values = truth.publication.values
    seen_shown = np.zeros(len(truth.publication.keys), dtype=bool)
    seen_hidden = np.zeros(len(truth.publication.keys), dtype=bool)
    mismatched: list[Key] = []
    for r in stored:
        key: Key = (str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]))
        cell = truth.cell_of.get(key)
        if cell is None:
            mismatched.append(key)
        elif r[7] is None:
            seen_hidden[cell] = True
        elif int(r[7]) != int(values[cell]):
            mismatched.append(key)
        else:
            seen_shown[cell] = True
    # one number, two faces: shown under one key and hidden under another
    mismatched += [
        cast(Key, truth.publication.keys[int(i)]) for i in np.nonzero(seen_shown & seen_hidden)[0]
    ]
    shown = ~seen_hidden | seen_shown
    # a true cell missing from the table would be shown as 0: that is a mismatch too
    stored_keys = {
        (str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]))
        for r in stored
    }
    mismatched += [k for k in truth.cell_of if k not in stored_keys]
    pub = truth.publication
    return Publication(pub.base, pub.keys, pub.support, shown), mismatched


def start_refresher(
    db: Database, now: Callable[[], datetime], every_seconds: float = 30.0
) -> threading.Event:
    """Keep the cube fresh in the background (after each sync round, within ``every_seconds``)
    so that no page view waits for a rebuild. Set the returned event to stop the thread."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                ensure_fresh(db, now())
            except Exception as exc:  # keep refreshing; pages rebuild lazily meanwhile
                _log.warning("publication refresh failed (%s)", exc.__class__.__name__)
            stop.wait(every_seconds)

    threading.Thread(target=loop, name="publication-refresher", daemon=True).start()
    return stop
