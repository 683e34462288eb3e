"""Issue 24, item 6: the student page opens with a summary — last session, open follow-ups,
latest screening with its trend, next referral follow-up — in words, states with icon too."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace as NS

from tests.support.visual import fill_demo, first_student_id, show_page
from ui.pages.student_summary import summary_facts

TODAY = date(2026, 10, 6)


def _point(day, total, band=None, critical=False):
    return NS(administered_on=day, total=total, band=band, critical=critical)


def _trend(name, *points):
    return NS(instrument=name, points=points, latest=points[-1] if points else None)


def _page(sessions=(), referrals=()):
    return NS(
        sessions=[NS(session_date=d) for d in sessions],
        referrals=[NS(status=s, follow_up_on=f) for s, f in referrals],
    )


def test_an_empty_record_says_so_in_each_fact():
    facts = {f.key: f for f in summary_facts(_page(), [], 0, TODAY)}
    assert facts["last_session"].text == "No sessions yet"
    assert facts["follow_ups"].text == "None open" and facts["follow_ups"].kind == "ok"
    assert facts["screening"].text == "No screenings yet"
    assert facts["referral"].text == "None scheduled"


def test_facts_pick_the_latest_the_nearest_and_say_the_trend_in_words():
    page = _page(
        sessions=[date(2026, 9, 1), date(2026, 10, 1), date(2026, 8, 1)],
        referrals=[
            ("sent", date(2026, 10, 20)),
            ("accepted", date(2026, 10, 9)),
            ("closed", date(2026, 9, 1)),  # closed: not waiting
        ],
    )
    trends = [
        _trend("phq_a", _point(date(2026, 5, 1), 12), _point(date(2026, 9, 20), 7, "mild")),
        _trend("gad_7", _point(date(2026, 3, 1), 4)),
    ]
    facts = {f.key: f for f in summary_facts(page, trends, 2, TODAY, {"phq_a": "PHQ-A"})}
    assert facts["last_session"].text == "2026-10-01 (5 days ago)"
    assert facts["follow_ups"].kind == "risk" and facts["follow_ups"].text.startswith("2 open")
    assert facts["screening"].text == "PHQ-A 2026-09-20: 7 (mild), ↓ down 5 since 2026-05-01"
    assert facts["referral"].text == "2026-10-09 (in 3 days)" and facts["referral"].kind is None


def test_an_overdue_follow_up_and_a_critical_answer_are_said_not_only_coloured():
    page = _page(referrals=[("sent", date(2026, 10, 1))])
    trends = [_trend("phq_a", _point(date(2026, 10, 2), 19, critical=True))]
    facts = {f.key: f for f in summary_facts(page, trends, 0, TODAY)}
    assert facts["referral"].kind == "overdue"
    assert facts["referral"].text.startswith("Overdue since 2026-10-01")
    assert facts["screening"].kind == "risk" and "critical answer" in facts["screening"].text
    assert "first result" in facts["screening"].text


def test_the_student_page_shows_the_summary_above_the_tables(qtbot, unlocked_window):
    window = unlocked_window
    fill_demo(window, students=6, sessions=40)
    student = first_student_id(window)
    show_page(qtbot, window, "student", student)
    page = window.student_page
    summary = page.summary
    qtbot.waitUntil(lambda: len(summary.facts) == 4, timeout=10_000)
    assert summary.isVisible()
    assert summary.geometry().bottom() < page.splitter.geometry().top()
    sessions = page.page.sessions
    last = summary.cells["last_session"][2].text()
    if sessions:
        assert last.startswith(max(s.session_date for s in sessions).isoformat())
    for fact in summary.facts:
        caption, icon, value = summary.cells[fact.key]
        assert value.text() == fact.text and caption.text() == fact.label
        assert icon.isVisibleTo(summary) == (fact.kind is not None)
    page.clear()
    assert not summary.isVisible()
