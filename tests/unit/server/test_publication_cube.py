"""The publication cube: linked suppression over every crossing, checked by the attacker's audit
on random small counties (Hypothesis) and on a fixed one with a complement taken away."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from county_server.publication import cube
from county_server.publication import periods as P
from county_server.publication.audit import audit
from county_server.publication.cube import Window

WINDOW = Window("2022-07", "2026-11")
DISTRICTS = ["99100000000000", "99200000000000", "99300000000000"]


def directory(schools_per_district: int, districts: int) -> dict[str, str]:
    out = {d: d for d in DISTRICTS[:districts]}
    for di, d in enumerate(DISTRICTS[:districts]):
        for k in range(schools_per_district):
            out[f"{d[:7]}{6000001 + 10 * di + k:07d}"] = d
    return out


MEASURE_DIMS = {
    "services": [("TX-IND", 2, "TK-5", ""), ("TX-GRP", 3, "6-8", ""), ("CRISIS", 3, "", "")],
    "screenings_positive": [("", 0, "TK-5", "PSC-17"), ("", 0, "", "ASQ")],
    "referrals_made": [("REFERRAL", 0, "", "")],
}


@st.composite
def counties(draw: st.DrawFn) -> tuple[list[tuple[object, ...]], dict[str, str]]:
    n_d = draw(st.integers(1, 3))
    n_s = draw(st.integers(1, 3))
    units = directory(n_s, n_d)
    months = draw(
        st.lists(
            st.sampled_from(["2026-06", "2026-07", "2026-08", "2026-10"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    measures = draw(
        st.lists(st.sampled_from(sorted(MEASURE_DIMS)), min_size=1, max_size=2, unique=True)
    )
    rows: list[tuple[object, ...]] = []
    for unit in sorted(units):
        for month in months:
            for measure in measures:
                for service, tier, band, inst in MEASURE_DIMS[measure]:
                    value = draw(st.integers(0, 40))
                    if value:
                        rows.append((measure, unit, month, service, tier, band, inst, value))
    return rows, units


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counties())
def test_random_small_counties_pass_the_audit(
    county: tuple[list[tuple[object, ...]], dict[str, str]],
) -> None:
    rows, units = county
    built = cube.build_from(rows, [], units, WINDOW)
    values = built.publication.values
    # every small cell is hidden; every shown number is its true value
    assert not (built.publication.shown & (values >= 1) & (values <= 10)).any()
    report = audit(built.publication)
    assert report.passed, (report.summary(), report.exposed[:3])


def fixed_county() -> cube.Built:
    units = directory(3, 3)
    rng = np.random.default_rng(17)
    rows: list[tuple[object, ...]] = []
    for unit in sorted(units):
        for month in ("2026-07", "2026-08", "2026-09", "2026-10"):
            for service, tier, band, inst in MEASURE_DIMS["services"]:
                value = int(rng.integers(0, 4) if service == "CRISIS" else rng.integers(15, 60))
                if value:
                    rows.append(("services", unit, month, service, tier, band, inst, value))
    return cube.build_from(rows, [], units, WINDOW)


def test_removing_a_complementary_suppression_fails_the_audit() -> None:
    built = fixed_county()
    pub = built.publication
    values = pub.values
    assert audit(pub).passed
    complements = np.nonzero(~pub.shown & (values > 10))[0]
    assert len(complements) > 0
    failed = 0
    for cell in complements:
        report = audit(pub.with_shown(int(cell), True), limit=1)
        if not report.passed:
            failed += 1
            (e,) = report.exposed
            assert 1 <= e.value <= 10 and (e.low > 1e-6 or e.high < 11 - 1e-6)
            break
    assert failed > 0


def test_one_number_is_one_cell_everywhere() -> None:
    built = fixed_county()
    # CRISIS is only ever tier 3 without a band: its service cell and its finest cell are one
    key_s = ("services", "D", DISTRICTS[0], "Y", "FY2026-27", "S", "CRISIS")
    key_l = ("services", "D", DISTRICTS[0], "Y", "FY2026-27", "L", "CRISIS|3|")
    assert built.cell_of[key_s] == built.cell_of[key_l]


def test_totals_are_sums_of_directory_units_only() -> None:
    units = directory(1, 1)
    stranger = "99100006999999"  # not in the directory
    rows: list[tuple[object, ...]] = [
        ("services", u, "2026-08", "TX-IND", 2, "TK-5", "", 50) for u in sorted(units)
    ]
    rows.append(("services", stranger, "2026-08", "TX-IND", 2, "TK-5", "", 7))
    built = cube.build_from(rows, [], units, WINDOW)
    county = built.cell_of[("services", "C", "county", "M", "2026-08", "T", "")]
    district = built.cell_of[("services", "D", DISTRICTS[0], "M", "2026-08", "T", "")]
    assert built.publication.values[county] == built.publication.values[district] == 100
    assert not any(k[2] == stranger for k in built.cell_of)


def test_students_served_is_never_summed() -> None:
    units = directory(2, 1)
    school = sorted(units)[1]
    students = [(school, "2026-08", "dev_a", 30), (school, "2026-08", "dev_b", 12)]
    built = cube.build_from([], students, units, WINDOW)
    keys = [k for k in built.cell_of if k[0] == "students_served"]
    assert keys == [("students_served", "U", school, "M", "2026-08", "T", "")]
    assert built.publication.values[built.cell_of[keys[0]]] == 30  # the largest, not 42


def test_periods_are_aligned() -> None:
    assert P.fiscal_year("2026-06") == "FY2025-26" and P.fiscal_year("2026-07") == "FY2026-27"
    assert P.quarter("2026-07") == "FY2026-27-Q1" and P.quarter("2027-06") == "FY2026-27-Q4"
    assert P.parse("FY2026-27-Q2") == P.Period("Q", "FY2026-27-Q2")
    assert P.parse("FY2026-28") is None and P.parse("2026-13") is None
    assert P.parse("FY2026-27-Q2").months() == ["2026-10", "2026-11", "2026-12"]  # type: ignore[union-attr]
    assert WINDOW.partial(P.Period("Y", "FY2026-27")) and not WINDOW.partial(
        P.Period("M", "2026-10")
    )
