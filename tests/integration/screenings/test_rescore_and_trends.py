"""Re-scoring with a newer rule version keeps both results; trends use the newest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from clinician_desk.bundled.instruments import load_instruments
from clinician_desk.domain.screenings import Instrument
from clinician_desk.domain.screenings.model import Band
from clinician_desk.services.screenings.service import ScreeningsService
from clinician_desk.services.screenings.use_cases import AdministrationInput
from clinician_desk.storage import Database


def _gad7_v2() -> dict[str, Instrument]:
    """A hypothetical corrected rule file: 'mild' starts at 4 (synthetic, for the test only)."""
    instruments = dict(load_instruments())
    gad7 = instruments["GAD-7"]
    bands = (
        Band(0, 3, "minimal"),
        Band(4, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    )
    instruments["GAD-7"] = replace(
        gad7, scoring=replace(gad7.scoring, rule_version="2026.2", bands=bands)
    )
    return instruments


def test_rescore_keeps_both_results_and_trend_uses_newest(
    db: Database, screenings: ScreeningsService, student_id: int
) -> None:
    answers = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0, "6": 0, "7": 0}
    first = screenings.record(AdministrationInput(student_id, "GAD-7", date(2026, 9, 1), answers))
    screenings.record(
        AdministrationInput(student_id, "GAD-7", date(2026, 10, 1), answers | {"5": 3, "6": 3})
    )
    assert first.result.band == "minimal"
    newer = ScreeningsService(db, _gad7_v2())
    result = newer.rescore(first.screening_id)
    assert result is not None and result.band == "mild" and result.rule_version == "2026.2"
    assert newer.rescore(first.screening_id) is None  # already scored with 2026.2
    view = newer.view(first.screening_id)
    assert [(r.rule_version, r.result["band"]) for r in view.results] == [
        ("2026.1", "minimal"),
        ("2026.2", "mild"),
    ]
    series = newer.trend(student_id, "gad-7")
    assert [(p.administered_on, p.total, p.band) for p in series.points] == [
        (date(2026, 9, 1), 4, "mild"),
        (date(2026, 10, 1), 10, "moderate"),
    ]
    assert series.change_from_first == 6 and series.total_range == (0, 21)
    summary = newer.summaries(student_id)
    assert [(r.administered_on, r.rule_version, r.band) for r in summary] == [
        (date(2026, 9, 1), "2026.2", "mild"),
        (date(2026, 10, 1), "2026.1", "moderate"),
    ]
    assert screenings.trend(student_id, "PHQ-9").points == ()


def test_rescore_that_becomes_critical_reopens(
    db: Database, screenings: ScreeningsService, student_id: int
) -> None:
    done = screenings.record(
        AdministrationInput(student_id, "GAD-2", date(2026, 10, 1), {"1": 3, "2": 3})
    )
    assert done.status == "completed"
    instruments = dict(load_instruments())
    gad2 = instruments["GAD-2"]
    from clinician_desk.domain.screenings.conditions import parse_condition
    from clinician_desk.domain.screenings.model import CriticalRule

    rule = CriticalRule(
        "2", "critical", "synthetic test rule", parse_condition({"item": "2", "gte": 3}, "t")
    )
    instruments["GAD-2"] = replace(
        gad2, scoring=replace(gad2.scoring, rule_version="2026.9"), critical=(rule,)
    )
    result = ScreeningsService(db, instruments).rescore(done.screening_id)
    assert result is not None and result.requires_follow_up
    assert [r.screening_id for r in screenings.open_administrations()] == [done.screening_id]


def test_rescore_outdated_covers_every_administration(
    db: Database, screenings: ScreeningsService, student_id: int
) -> None:
    answers = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 0, "6": 0, "7": 0}
    for day in (date(2026, 9, 1), date(2026, 9, 15)):
        screenings.record(AdministrationInput(student_id, "GAD-7", day, answers))
    screenings.record(AdministrationInput(student_id, "GAD-2", date(2026, 9, 1), {"1": 0, "2": 0}))
    newer = ScreeningsService(db, _gad7_v2())
    assert newer.rescore_outdated() == 2
    assert newer.rescore_outdated() == 0
    assert screenings.rescore_outdated() == 0  # 2026.1 results are all present already
