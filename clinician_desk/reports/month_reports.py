"""The clinician's own periodic documents: the month caseload/service report and the associate
weekly hours log.

The hours log carries no student identifiers — its input model has none. The month report is for
the clinician's own records (it may list the students seen) and carries the confidential footer.
"""

from __future__ import annotations

import calendar
from datetime import timedelta

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from clinician_desk.reports import clinical as c
from clinician_desk.reports.models import CaseloadReportDoc, HoursLogDoc
from clinician_desk.reports.text import check_fields

MONTH_TITLE = "Caseload and service report"
HOURS_TITLE = "Weekly log of experience hours"


def caseload_story(doc: CaseloadReportDoc) -> list[Flowable]:
    month = f"{calendar.month_name[doc.month]} {doc.year}"
    story: list[Flowable] = [
        c.title(f"{MONTH_TITLE}: {month}"),
        c.fields([("Clinician", doc.clinician), ("Schools", ", ".join(doc.schools))]),
        c.heading("Services delivered"),
    ]
    rows = [
        [
            r.code,
            r.name,
            str(r.sessions),
            str(r.students),
            str(r.minutes),
            str(r.participants) if r.participants else "—",
        ]
        for r in doc.services
    ]
    totals = [
        "",
        "Total",
        str(sum(r.sessions for r in doc.services)),
        "",
        str(sum(r.minutes for r in doc.services)),
        str(sum(r.participants for r in doc.services) or ""),
    ]
    # The code column is as wide as the widest code: a code is never broken mid-word.
    code_width = _code_fraction([r.code for r in doc.services])
    rest = 1.0 - code_width - 0.5
    story.append(
        c.grid(
            ["Code", "Service", "Sessions", "Students", "Minutes", "Participants"],
            [*rows, totals],
            [code_width, rest, 0.11, 0.11, 0.12, 0.16],
            total_row=True,
        )
    )
    review = [s for s in doc.students if s.needs_review]
    if review:
        story.append(c.heading(f"Needs review ({len(review)})"))
        story.append(
            c.grid(
                [
                    "Student",
                    "Id",
                    "Open flags",
                    "Positive screens",
                    "Overdue referrals",
                    "Unsigned notes",
                ],
                [
                    [
                        s.student_name,
                        s.student_ref,
                        str(s.open_flags),
                        str(s.positive_screens),
                        str(s.overdue_referrals),
                        str(s.unsigned_notes),
                    ]
                    for s in review
                ],
                [0.3, 0.1, 0.13, 0.16, 0.17, 0.14],
            )
        )
    seen = [s for s in doc.students if s.sessions]
    if seen:
        story.append(c.heading(f"Students seen ({len(seen)})"))
        story.append(
            c.grid(
                ["Student", "Id", "Grade", "School", "Sessions", "Minutes", "Last session"],
                [
                    [
                        s.student_name,
                        s.student_ref,
                        s.grade,
                        s.school,
                        str(s.sessions),
                        str(s.minutes),
                        c.fmt_date(s.last_session),
                    ]
                    for s in seen
                ],
                [0.22, 0.08, 0.09, 0.22, 0.11, 0.11, 0.17],
            )
        )
    if doc.notes:
        story.append(c.heading("Notes"))
        story.extend(c.bullets(doc.notes))
    return story


def _code_fraction(codes: list[str]) -> float:
    """The code column's width as a fraction of the content width (bold 10 pt + padding)."""
    widest = max(float(stringWidth(code, c.FONTS.bold, 10)) for code in [*codes, "Code"])
    return float(min(0.3, max(0.12, (widest + 14) / c.CONTENT_WIDTH)))


def render_caseload_report(doc: CaseloadReportDoc) -> bytes:
    check_fields(doc)
    title = f"{MONTH_TITLE} {doc.year}-{doc.month:02d}"
    return c.render(caseload_story(doc), title, "caseload-report")


def hours_story(doc: HoursLogDoc) -> list[Flowable]:
    end = doc.week_start + timedelta(days=6)
    story: list[Flowable] = [
        c.title(HOURS_TITLE),
        c.fields(
            [
                ("Associate", doc.associate_name),
                ("Registration", f"{doc.license_type} {doc.registration}".strip()),
                ("Supervisor", doc.supervisor_name),
                ("Supervisor's license", doc.supervisor_license),
                ("Work setting", doc.site),
                ("Week", f"{doc.week_start.isoformat()} to {end.isoformat()}"),
            ]
        ),
        c.heading("Hours this week"),
        c.grid(
            ["Category", "Hours", "Counts toward"],
            [[r.category, c.fmt_hours(r.hours), r.counts_toward] for r in doc.rows],
            [0.5, 0.15, 0.35],
        ),
    ]
    if doc.running_totals:
        story.append(c.heading("Running totals"))
        story.append(
            c.grid(
                ["Total", "So far", "Requirement"],
                [
                    [
                        t.label,
                        f"{c.fmt_hours(t.hours)} {t.unit}",
                        ""
                        if t.target is None
                        else ("at most " if t.is_maximum else "at least ")
                        + f"{c.fmt_hours(t.target)} {t.unit}",
                    ]
                    for t in doc.running_totals
                ],
                [0.5, 0.15, 0.35],
            )
        )
    if doc.requirements:
        story.append(c.text(f"Categories and targets: {doc.requirements}", small=True))
    story.append(c.heading("Checks"))
    story.extend(c.bullets(doc.warnings) if doc.warnings else [c.text("No problems found.")])
    story.append(c.gap(24))
    story.append(c.text("Associate signature: ______________________   Date: ____________"))
    story.append(c.gap(12))
    story.append(c.text("Supervisor signature: _____________________   Date: ____________"))
    return story


def render_hours_log(doc: HoursLogDoc) -> bytes:
    check_fields(doc)
    title = f"{HOURS_TITLE} {doc.week_start.isoformat()}"
    # No health information about anyone: no confidential footer.
    return c.render(hours_story(doc), title, "hours-log", confidential=False)
