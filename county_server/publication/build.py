"""Building the cube in memory: its parts (one per fiscal year), their digests, their cells.

The counts of each part are read from ``cells`` (summed across devices) and the directory,
every published crossing is laid out as sums of base cells, and the part is suppressed as a
whole (:mod:`county_server.publication.suppress`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from county_server.db import Tx
from county_server.publication import periods as P
from county_server.publication.audit import Publication
from county_server.publication.model import (
    COUNTY,
    CROSSINGS,
    LINEAR_MEASURES,
    STUDENTS,
    Key,
    Row,
    Window,
    _category,
    kind,
)
from county_server.publication.suppress import protect


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
