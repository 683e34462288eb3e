"""Document speed: handouts, session and screening summaries, safety plans, 30 handouts.

``python -m bench.bench_reports [--quick]``. Figures only (targets: generic handout <= 150 ms,
session summary <= 100 ms, screening summary with chart <= 200 ms, 30 handouts <= 3 s). The
ratio row compares the English generic handout with a bare reportlab document holding the same
text in one standard font (Helvetica, no fallback, no shaping, no page footer) built the same
number of times in the same run. Font registration (once per process) is timed separately.
Inputs are synthetic and obviously fictional.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from clinician_desk.reports import models as m
from clinician_desk.reports.fonts import register_fonts
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.handout_library import languages, load_handout, topics
from clinician_desk.reports.safety_plan import render_safety_plan
from clinician_desk.reports.screening_summary import render_screening_summary
from clinician_desk.reports.session_summary import render_session_summary


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _bare(topic: str) -> bytes:
    text = load_handout(topic, "en")
    styles = getSampleStyleSheet()
    story = [Paragraph(escape(text.title), styles["Title"])]
    for block in text.blocks:
        style = styles["Heading2"] if block.kind == "heading" else styles["BodyText"]
        story.append(Paragraph(escape(block.text), style))
    out = BytesIO()
    SimpleDocTemplate(out, pagesize=LETTER).build(story)
    return out.getvalue()


def _session() -> m.SessionSummaryDoc:
    return m.SessionSummaryDoc(
        student_name="Zephyrine Testcase",
        student_ref="S-1",
        school="Fictional Oaks Middle School",
        session_date=date(2026, 9, 14),
        service_code="TX-IND",
        service_name="Individual therapy",
        minutes=45,
        modality="in person",
        template="SOAP",
        sections=tuple(
            m.NoteSection(h, "Synthetic note text for timing. " * 12)
            for h in ("Subjective", "Objective", "Assessment", "Plan")
        ),
        signed_by="Alex Sample, AMFT",
        signed_at=datetime(2026, 9, 14, 17, 5, tzinfo=UTC),
        addenda=(
            m.AddendumView("Synthetic addendum.", "Alex Sample", datetime(2026, 9, 15, tzinfo=UTC)),
        ),
    )


def _screening() -> m.ScreeningSummaryDoc:
    return m.ScreeningSummaryDoc(
        student_name="Zephyrine Testcase",
        student_ref="S-1",
        instrument_name="PHQ-A",
        instrument_version="1.0",
        administered_on=date(2026, 10, 1),
        respondent="self",
        language="en",
        responses=tuple(m.ResponseLine(f"Item {i}", "Several days", "1") for i in range(1, 10)),
        scores=(("Total", "9 of 27"),),
        band="mild",
        flags=("Item 9 above 0",),
        attribution="Synthetic attribution line.",
        trend=tuple(m.TrendPoint(date(2026, 1 + i, 1), 15 - i) for i in range(8)),
        trend_max=27,
    )


def _plan() -> m.SafetyPlanDoc:
    entries = ("Synthetic entry for timing", "Call Aunt Example (555) 010-0000")
    return m.SafetyPlanDoc(
        student_name="Zephyrine Testcase",
        created_on=date(2026, 10, 1),
        steps=tuple(m.PlanStep(n, f"Step {n}", entries) for n in range(1, 7)),
        clinician="Alex Sample, AMFT",
    )


def run(quick: bool) -> list[tuple[str, float, str, float | None]]:
    reps = 5 if quick else 20
    t0 = time.perf_counter()
    register_fonts()
    render_handout("anxiety", "en")  # loads the font files' metrics and the handout text
    cold = (time.perf_counter() - t0) * 1000
    for lang in languages():  # warm every script once so the figures below are steady state
        render_handout("anxiety", lang)
    handout = _median_ms(lambda: render_handout("suicide-warning-signs", "en"), reps)
    bare = _median_ms(lambda: _bare("suicide-warning-signs"), reps)
    rows: list[tuple[str, float, str, float | None]] = [
        ("reports.first_handout_with_font_registration", cold, "ms", None),
        ("reports.generic_handout_en", handout, "ms", None),
        ("reports.bare_reportlab_same_text", bare, "ms", None),
        ("reports.handout_vs_bare_reportlab", handout / bare, "x", handout / bare),
    ]
    for lang in ("ar", "pa", "zh-Hant", "vi"):
        ms = _median_ms(lambda lang=lang: render_handout("suicide-warning-signs", lang), reps)
        rows.append((f"reports.generic_handout_{lang}", ms, "ms", None))
    session, screening = _session(), _screening()
    rows.append(
        (
            "reports.session_summary",
            _median_ms(lambda: render_session_summary(session), reps),
            "ms",
            None,
        )
    )
    rows.append(
        (
            "reports.screening_summary_with_chart",
            _median_ms(lambda: render_screening_summary(screening), reps),
            "ms",
            None,
        )
    )
    plan = _plan()
    for lang in ("en", "es", "ar", "pa", "zh-Hant"):
        ms = _median_ms(lambda lang=lang: render_safety_plan(plan, lang), reps)
        rows.append((f"reports.safety_plan_{lang}", ms, "ms", None))
    batch = [(t, lang) for lang in languages() for t in topics()][:30]
    t1 = time.perf_counter()
    for topic, lang in batch:
        render_handout(topic, lang)
    rows.append(("reports.batch_30_handouts_mixed_languages", time.perf_counter() - t1, "s", None))
    return rows


if __name__ == "__main__":
    for name, value, unit, ratio in run(quick="--quick" in sys.argv):
        print(f"{name} {value:.3f} {unit}" + (f" ratio={ratio:.2f}" if ratio else ""))
