"""Associate hours: weekly logs, ASW columns, AMFT subset, checks and limits as data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain.hours import (
    HoursLimits,
    LoggedMinutes,
    SessionMinutes,
    compute_hours,
    week_start,
)
from clinician_desk.errors import ValidationError

MON = date(2026, 10, 5)


def test_week_columns_and_supervision_checks() -> None:
    sessions = [
        SessionMinutes(MON, "TX-IND", 60),
        SessionMinutes(MON + timedelta(1), "TX-FAM", 60),
        SessionMinutes(MON + timedelta(2), "CRISIS", 30),
        SessionMinutes(MON + timedelta(2), "CONSULT", 30),
        SessionMinutes(MON + timedelta(3), "SCR-UNIV", 30, with_child_or_family=False),
    ]
    logged = [LoggedMinutes(MON, "notes", 120)]
    report = compute_hours("ASW", sessions, logged, load_taxonomy())
    (week,) = report.weeks
    assert week.week_start == MON
    assert week.direct == 2.5 and week.asw_a == 2.5 and week.asw_a1 == 2.0
    assert week.asw_b == 0.5
    assert week.nonclinical == 3.0
    assert week.warnings == ("hours claimed without supervision this week",)


def test_over_40_hours_and_extra_supervision_unit() -> None:
    sessions = [SessionMinutes(MON + timedelta(d), "TX-IND", 8 * 60) for d in range(5)]
    logged = [LoggedMinutes(MON, "notes", 120), LoggedMinutes(MON, "individual", 60, True)]
    (week,) = compute_hours("AMFT", sessions, logged, load_taxonomy()).weeks
    assert any("more than 40" in w for w in week.warnings)
    assert any("one more supervision unit" in w for w in week.warnings)
    logged.append(LoggedMinutes(MON, "group", 120, True))
    (week,) = compute_hours("AMFT", sessions, logged, load_taxonomy()).weeks
    assert not any("supervision" in w for w in week.warnings)


def test_limits_are_data_and_totals_run() -> None:
    limits = HoursLimits.from_dict({"week_max_hours": 2, "nonclinical_max": 1})
    report = compute_hours(
        "AMFT",
        [SessionMinutes(MON, "TX-IND", 60), SessionMinutes(MON + timedelta(7), "TX-IND", 60)],
        [
            LoggedMinutes(MON, "workshops", 180),
            LoggedMinutes(MON, "individual", 60, True),
            LoggedMinutes(MON + timedelta(7), "individual", 60, True),
        ],
        load_taxonomy(),
        limits,
        prior_totals={"direct": 100.0},
    )
    assert [w.week_start for w in report.weeks] == [MON, MON + timedelta(7)]
    assert report.totals["direct"] == 102.0
    assert report.totals["total_countable"] == 103.0  # non-clinical capped at 1
    assert any("more than 2 hours" in w for w in report.weeks[0].warnings)
    assert any("above the 1 maximum" in p for p in report.progress)
    with pytest.raises(ValidationError, match="unknown field"):
        HoursLimits.from_dict({"weekly": 3})
    with pytest.raises(ValidationError, match="license type"):
        compute_hours("MD", [], [], load_taxonomy())
    with pytest.raises(ValidationError, match="Unknown service code"):
        compute_hours("AMFT", [SessionMinutes(MON, "X", 5)], [], load_taxonomy())
    assert week_start(MON + timedelta(days=6)) == MON
