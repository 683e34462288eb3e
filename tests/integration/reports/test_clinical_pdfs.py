"""Clinician-facing documents as real PDFs: content, footer, page numbers, pictures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clinician_desk.errors import ValidationError
from clinician_desk.reports.handout_library import contacts_for
from clinician_desk.reports.models import PlanStep
from clinician_desk.reports.month_reports import render_caseload_report, render_hours_log
from clinician_desk.reports.safety_plan import LIFELINE, render_safety_plan
from clinician_desk.reports.screening_summary import render_screening_summary
from clinician_desk.reports.session_summary import render_session_summary
from tests.support.pdf_tools import LETTER, reader, save_first_page_png, text_of

from .report_samples import (
    STUDENT,
    caseload_doc,
    hours_doc,
    safety_plan_doc,
    screening_doc,
    session_doc,
)

CONFIDENTIAL = "Confidential health information"


def _squash(text: str) -> str:
    return text.replace(" ", "")


def test_session_summary_has_sections_signature_addenda(artifacts_dir) -> None:
    doc = session_doc()
    pdf = render_session_summary(doc)
    text = text_of(pdf)
    for section in doc.sections:
        assert section.heading in text
        assert section.text in text
    assert "Individual therapy (TX-IND)" in text
    assert "45 minutes" in text
    assert "signed by Alex Sample, AMFT at 2026-09-14 17:05 UTC" in text
    assert "Addendum 1 — signed by Alex Sample, AMFT at 2026-09-15 09:30 UTC" in text
    assert doc.addenda[0].text in text
    assert CONFIDENTIAL in text
    assert "Page 1 of 1" in text
    meta = reader(pdf).metadata
    assert meta is not None and meta.title == "Session summary 2026-09-14"
    assert STUDENT not in (meta.title or "")
    save_first_page_png(pdf, artifacts_dir / "reports", "session-summary")


def test_unsigned_note_is_marked_draft() -> None:
    text = text_of(render_session_summary(session_doc(signed=False)))
    assert "DRAFT — this note is not signed." in text
    assert "signed by" not in text


def test_long_note_flows_onto_numbered_pages() -> None:
    doc = session_doc()
    long_text = "\n".join(f"Paragraph {i}: " + "steady progress noted. " * 30 for i in range(30))
    doc = replace(doc, sections=(replace(doc.sections[0], text=long_text),))
    pdf = render_session_summary(doc)
    pages = reader(pdf).pages
    assert len(pages) >= 3
    last = pages[-1].extract_text()
    assert f"Page {len(pages)} of {len(pages)}" in last
    assert all((float(p.mediabox.width), float(p.mediabox.height)) == LETTER for p in pages)


def test_screening_summary_has_result_flags_trend_and_attribution(artifacts_dir) -> None:
    doc = screening_doc()
    pdf = render_screening_summary(doc)
    text = text_of(pdf)
    assert "Screening summary: PHQ-A" in text
    assert "mild" in text
    assert doc.flags[0] in text
    assert doc.responses[8].item in text
    assert doc.attribution in text
    assert "Trend" in text and "2026-08-20" in text and "2026-10-01" in text  # dates with year
    assert CONFIDENTIAL in text
    # Only bundled fonts: the chart's drawing used to pull in Helvetica (not embeddable here).
    assert b"/Helvetica" not in pdf
    save_first_page_png(pdf, artifacts_dir / "reports", "screening-summary")


def test_safety_plan_always_lists_988_and_the_county_line(artifacts_dir) -> None:
    pdf = render_safety_plan(safety_plan_doc(empty_step=5))
    text = text_of(pdf)
    for n in range(1, 7):
        assert f"Step {n}:" in text
    assert _squash(LIFELINE) in _squash(text)
    assert _squash(f"County crisis line: {contacts_for('en')['county_crisis_line']}") in _squash(
        text
    )
    assert "911" in text
    assert "Draw in my sketchbook" in text
    assert CONFIDENTIAL in text
    save_first_page_png(pdf, artifacts_dir / "reports", "safety-plan")


def test_safety_plan_needs_six_steps() -> None:
    doc = safety_plan_doc()
    with pytest.raises(ValidationError, match="six steps"):
        render_safety_plan(replace(doc, steps=doc.steps[:5]))
    with pytest.raises(ValidationError):
        render_safety_plan(replace(doc, steps=(*doc.steps[:5], PlanStep(7, "Extra", ()))))


def test_hours_log_has_totals_checks_and_no_health_footer(artifacts_dir) -> None:
    pdf = render_hours_log(hours_doc())
    text = text_of(pdf)
    assert "Weekly log of experience hours" in text
    assert "2026-09-14 to 2026-09-20" in text
    assert "11.5" in text and "at most 1250" in text
    assert "extra supervision unit" in text
    assert CONFIDENTIAL not in text
    assert STUDENT not in text
    save_first_page_png(pdf, artifacts_dir / "reports", "hours-log")


def test_caseload_report_totals(artifacts_dir) -> None:
    pdf = render_caseload_report(caseload_doc())
    text = text_of(pdf)
    assert "Caseload and service report: September 2026" in text
    assert "Total 41" in text and "1320" in text
    assert "Students seen (2)" in text
    assert CONFIDENTIAL in text
    save_first_page_png(pdf, artifacts_dir / "reports", "caseload-report")


def test_a_very_long_safety_plan_step_continues_on_the_next_page() -> None:
    doc = safety_plan_doc()
    many = tuple(f"Coping idea number {i}" for i in range(80))
    steps = tuple(replace(s, items=many) if s.number == 2 else s for s in doc.steps)
    pdf = render_safety_plan(replace(doc, steps=steps))
    assert len(reader(pdf).pages) >= 2
    text = text_of(pdf)
    assert "Coping idea number 79" in text and "Step 6:" in text
