"""The clinician's own periodic documents: the month caseload/service report and the associate
weekly hours log.

The hours log carries no student identifiers — its input model has none. The month report is for
the clinician's own records (it may list the students seen) and carries the confidential footer.
"""

from __future__ import annotations

import calendar
from datetime import timedelta

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
            str(r.participants or ""),
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
    story.append(
        c.grid(
            ["Code", "Service", "Sessions", "Students", "Minutes", "Participants"],
            [*rows, totals],
            [0.17, 0.32, 0.11, 0.11, 0.11, 0.18],
            total_row=True,
        )
    )
    if doc.students:
        story.append(c.heading(f"Students seen ({len(doc.students)})"))
        story.append(
            c.grid(
                ["Student", "Grade", "School", "Sessions", "Minutes", "Last session"],
                [
                    [
                        s.student_name,
                        s.grade,
                        s.school,
                        str(s.sessions),
                        str(s.minutes),
                        c.fmt_date(s.last_session),
                    ]
                    for s in doc.students
                ],
                [0.27, 0.1, 0.25, 0.11, 0.11, 0.16],
            )
        )
    if doc.notes:
        story.append(c.heading("Notes"))
        story.extend(c.bullets(doc.notes))
    return story


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
                ["Total", "Hours", "Requirement"],
                [
                    [
                        t.label,
                        c.fmt_hours(t.hours),
                        ""
                        if t.target is None
                        else ("at most " if t.is_maximum else "") + c.fmt_hours(t.target),
                    ]
                    for t in doc.running_totals
                ],
                [0.5, 0.15, 0.35],
            )
        )
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
