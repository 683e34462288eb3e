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

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

import numpy as np

from county_server.db import Database, Tx
from county_server.publication.audit import HIGH, LOW, Publication
from county_server.publication.build import (
    Built,
    Part,
    _directory,
    build,
    build_from,
    build_part,
    fiscal_years,
    part_digest,
    part_digests,
    part_months,
    part_periods,
    source_fingerprint,
)
from county_server.publication.model import (
    COUNTY,
    CROSSINGS,
    FISCAL_YEARS,
    GROUP_NAMES,
    LINEAR_MEASURES,
    ORG_LEVELS,
    REFERRAL_MEASURES,
    SCREENING_MEASURES,
    SERVICE_GROUPS,
    SERVICE_MEASURES,
    STUDENTS,
    Crossing,
    Key,
    Row,
    Window,
    kind,
    published_levels,
)
from county_server.publication.store import (
    _BUILD_LOCK,
    PartResult,
    State,
    compute_part,
    default_workers,
    ensure_fresh,
    rebuild,
    refresh,
    stale_parts,
    start_refresher,
    state,
)

__all__ = [
    "COUNTY",
    "CROSSINGS",
    "FISCAL_YEARS",
    "GROUP_NAMES",
    "LINEAR_MEASURES",
    "ORG_LEVELS",
    "REFERRAL_MEASURES",
    "SCREENING_MEASURES",
    "SERVICE_GROUPS",
    "SERVICE_MEASURES",
    "STUDENTS",
    "_BUILD_LOCK",
    "Built",
    "Crossing",
    "Key",
    "Part",
    "PartResult",
    "Row",
    "State",
    "Window",
    "build",
    "build_from",
    "build_part",
    "compute_part",
    "default_workers",
    "ensure_fresh",
    "fiscal_years",
    "is_small",
    "kind",
    "largest",
    "part_digest",
    "part_digests",
    "part_months",
    "part_periods",
    "published_levels",
    "read",
    "rebuild",
    "refresh",
    "shown",
    "source_fingerprint",
    "stale_parts",
    "start_refresher",
    "state",
    "stored_publication",
]


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


def largest(
    tx: Tx,
    measure: str,
    orgs: Sequence[str] | None,
    time_level: str,
    times: Sequence[str],
    cat_level: str,
    cats: Iterable[str],
) -> int:
    """The largest shown (not hidden) district value of these cells, 0 when none: one scale
    for the charts of districts that are not all read (a page of districts). ``orgs`` ``None``
    is every district in the directory (a subquery, not a list of 1,000 parameters: planning
    that list took longer than the scan)."""
    cat_list = sorted(set(cats))
    if (orgs is not None and not orgs) or not times or not cat_list:
        return 0

    def marks(values: Sequence[str]) -> str:
        return ", ".join("?" for _ in values)

    within = "SELECT code FROM districts" if orgs is None else marks(orgs)
    value = tx.scalar(
        "SELECT MAX(value) FROM publication_cells WHERE measure = ? AND "
        f"org_level = 'D' AND time_level = ? AND cat_level = ? AND org IN ({within}) AND "
        f"period IN ({marks(times)}) AND cat IN ({marks(cat_list)}) AND value >= 0",
        [measure, time_level, cat_level, *(orgs or []), *times, *cat_list],
    )
    return 0 if value is None else int(value)


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
