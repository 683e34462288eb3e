"""Aggregation of sessions, screenings and referrals into count cells (pure, no I/O)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain.counts import (
    Attendee,
    ReferralFact,
    ScreeningFact,
    SessionFact,
    aggregate,
    district_of,
    snapshots,
    validate_period,
)
from clinician_desk.errors import ValidationError

SCHOOL_A = "01611190130229"
SCHOOL_B = "01611190132878"  # same district as A
DISTRICT = "01611190000000"
TAX = load_taxonomy()


def cell_map(cells):  # type: ignore[no-untyped-def]
    return {(c.org_unit, c.period, c.measure, c.dimensions): c.value for c in cells}


def test_individual_sessions_count_services_minutes_and_students_once() -> None:
    kid = Attendee("s-1", "7")
    sessions = [
        SessionFact(date(2026, 9, 1), SCHOOL_A, "TX-IND", 2, 45, (kid,)),
        SessionFact(date(2026, 9, 8), SCHOOL_A, "TX-IND", 2, 30, (kid,)),
        SessionFact(date(2026, 9, 9), SCHOOL_A, "TX-IND", 2, 50, (Attendee("s-2", "8"),)),
    ]
    m = cell_map(aggregate(sessions, [], [], TAX))
    d = (("grade_band", "6-8"), ("service", "TX-IND"), ("tier", "2"))
    assert m[(SCHOOL_A, "2026-09", "services", d)] == 3
    assert m[(SCHOOL_A, "2026-09", "minutes", d)] == 125
    assert m[(SCHOOL_A, "2026-09", "students_served", d)] == 2
    assert len(m) == 3


def test_district_only_services_roll_up_and_count_students_once_across_schools() -> None:
    kid = Attendee("s-1", "10")
    sessions = [
        SessionFact(date(2026, 10, 2), SCHOOL_A, "CRISIS", 3, 60, (kid,)),
        SessionFact(date(2026, 10, 3), SCHOOL_B, "CRISIS", 3, 30, (kid,)),
        SessionFact(date(2026, 10, 3), SCHOOL_B, "MAND-REPORT", None, 20, (kid,)),
    ]
    cells = aggregate(sessions, [], [], TAX)
    assert {c.org_unit for c in cells} == {DISTRICT}
    m = cell_map(cells)
    d = (("grade_band", "9-12"), ("service", "CRISIS"), ("tier", "3"))
    assert m[(DISTRICT, "2026-10", "services", d)] == 2
    assert m[(DISTRICT, "2026-10", "students_served", d)] == 1
    assert (
        m[(DISTRICT, "2026-10", "services", (("grade_band", "9-12"), ("service", "MAND-REPORT")))]
        == 1
    )


def test_classroom_counts_participants_not_students_and_consult_counts_no_students() -> None:
    sessions = [
        SessionFact(date(2026, 9, 4), SCHOOL_A, "PSY-EDU-CLASS", 1, 40, (), 27, "4"),
        SessionFact(date(2026, 9, 5), SCHOOL_A, "CONSULT", 1, 15, (Attendee("s-9", "4"),)),
    ]
    m = cell_map(aggregate(sessions, [], [], TAX))
    d = (("grade_band", "TK-5"), ("service", "PSY-EDU-CLASS"), ("tier", "1"))
    assert m[(SCHOOL_A, "2026-09", "participants", d)] == 27
    assert not any(k[2] == "students_served" for k in m)


def test_group_session_band_is_the_majority_band() -> None:
    kids = (Attendee("a", "5"), Attendee("b", "6"), Attendee("c", "6"))
    m = cell_map(
        aggregate([SessionFact(date(2026, 9, 1), SCHOOL_A, "TX-GRP", 2, 50, kids)], [], [], TAX)
    )
    assert (
        m[
            (
                SCHOOL_A,
                "2026-09",
                "services",
                (("grade_band", "6-8"), ("service", "TX-GRP"), ("tier", "2")),
            )
        ]
        == 1
    )
    # each student is counted in their own band
    assert (
        m[
            (
                SCHOOL_A,
                "2026-09",
                "students_served",
                (("grade_band", "TK-5"), ("service", "TX-GRP"), ("tier", "2")),
            )
        ]
        == 1
    )
    assert (
        m[
            (
                SCHOOL_A,
                "2026-09",
                "students_served",
                (("grade_band", "6-8"), ("service", "TX-GRP"), ("tier", "2")),
            )
        ]
        == 2
    )


def test_screenings_and_suicide_risk_positives_roll_up() -> None:
    screenings = [
        ScreeningFact(date(2026, 11, 3), SCHOOL_A, "PHQ-A", True, "9"),
        ScreeningFact(date(2026, 11, 3), SCHOOL_A, "ASQ", True, "9"),
        ScreeningFact(date(2026, 11, 4), SCHOOL_A, "ASQ", False, "9"),
    ]
    m = cell_map(aggregate([], screenings, [], TAX))
    asq = (("grade_band", "9-12"), ("instrument", "ASQ"))
    phq = (("grade_band", "9-12"), ("instrument", "PHQ-A"))
    assert m[(SCHOOL_A, "2026-11", "screenings_administered", asq)] == 2
    assert m[(DISTRICT, "2026-11", "screenings_positive", asq)] == 1
    assert (SCHOOL_A, "2026-11", "screenings_positive", asq) not in m
    assert m[(SCHOOL_A, "2026-11", "screenings_positive", phq)] == 1


def test_referrals_made_and_completed_in_their_own_months() -> None:
    refs = [ReferralFact(SCHOOL_A, date(2026, 9, 29), date(2026, 10, 6), "K")]
    m = cell_map(aggregate([], [], refs, TAX))
    d = (("grade_band", "TK-5"),)
    assert m[(SCHOOL_A, "2026-09", "referrals_made", d)] == 1
    assert m[(SCHOOL_A, "2026-10", "referrals_completed", d)] == 1


@pytest.mark.parametrize(
    "fact",
    [
        SessionFact(date(2026, 9, 1), SCHOOL_A, "NOT-A-CODE", 2, 10),
        SessionFact(date(2026, 9, 1), "1234", "TX-IND", 2, 10),
        SessionFact(date(2026, 9, 1), SCHOOL_A, "TX-IND", 2, -5),
    ],
)
def test_bad_facts_fail_loudly(fact: SessionFact) -> None:
    with pytest.raises(ValidationError):
        aggregate([fact], [], [], TAX)


def test_period_and_district_helpers() -> None:
    assert district_of(SCHOOL_A) == DISTRICT
    assert validate_period("2026-09") == "2026-09"
    for bad in ("2026-13", "2026-9", "26-09", "2026-09-01", ""):
        with pytest.raises(ValidationError):
            validate_period(bad)


services = st.sampled_from(["TX-IND", "TX-GRP", "CRISIS", "CM-COORD", "PSY-EDU-GRP"])
facts = st.builds(
    SessionFact,
    day=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    school_cds=st.sampled_from([SCHOOL_A, SCHOOL_B]),
    service=services,
    tier=st.sampled_from([2, 3]),
    minutes=st.integers(0, 120),
    attendees=st.lists(
        st.builds(
            Attendee, st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["K", "7", "11"])
        ),
        max_size=3,
    ).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(facts, max_size=25))
def test_sums_are_invariant_and_order_independent(sessions: list[SessionFact]) -> None:
    cells = aggregate(sessions, [], [], TAX)
    assert cells == aggregate(list(reversed(sessions)), [], [], TAX)
    assert sum(c.value for c in cells if c.measure == "services") == len(sessions)
    assert sum(c.value for c in cells if c.measure == "minutes") == sum(s.minutes for s in sessions)
    for (org, period), snap in snapshots(cells).items():
        assert all(c.org_unit == org and c.period == period and c.value > 0 for c in snap)
