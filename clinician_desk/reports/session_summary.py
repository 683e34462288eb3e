"""Session summary: one session's progress note as printed for the record.

Student, date, service, minutes, the note by template section, the signer and time (or a clear
"DRAFT — not signed" mark), and every addendum with its signer and time, oldest first.
Psychotherapy (process) notes cannot appear: ``SessionSummaryDoc`` has no place for them.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable

from clinician_desk.reports import clinical as c
from clinician_desk.reports.models import SessionSummaryDoc
from clinician_desk.reports.text import check_fields

TITLE = "Session summary"
DRAFT_WATERMARK = "DRAFT — not signed"


def _minutes_label(minutes: int) -> str:
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def session_summary_story(doc: SessionSummaryDoc) -> list[Flowable]:
    story: list[Flowable] = [
        c.title(TITLE),
        c.fields(
            [
                ("Student", doc.student_name),
                ("Student ref.", doc.student_ref),
                ("School", doc.school),
                ("Date", c.fmt_date(doc.session_date)),
                ("Service", f"{doc.service_name} ({doc.service_code})"),
                ("Tier", "" if doc.tier is None else str(doc.tier)),
                ("Duration", _minutes_label(doc.minutes)),
                ("Modality", doc.modality),
                ("Location", doc.location),
                ("Participants", doc.participants),
                ("Note template", doc.template),
            ]
        ),
        c.gap(),
    ]
    for section in doc.sections:
        story.append(c.heading(section.heading))
        paragraphs = [p for p in section.text.split("\n") if p.strip()] or ["(empty)"]
        story.extend(c.text(p) for p in paragraphs)
    story.append(c.gap())
    if doc.signed_by and doc.signed_at:
        story.append(
            c.text(f"Electronically signed by {doc.signed_by} at {c.fmt_time(doc.signed_at)}.")
        )
    else:
        mark = c.text("DRAFT — this note is not signed.", bold=True)
        mark.style = mark.style.clone("draft", textColor=colors.HexColor("#9b1c1c"))
        story.append(mark)
    if doc.addenda:
        story.append(c.heading("Addenda"))
        for number, addendum in enumerate(doc.addenda, start=1):
            story.append(
                c.subheading(
                    f"Addendum {number} — signed by {addendum.signed_by} at "
                    f"{c.fmt_time(addendum.signed_at)}"
                )
            )
            story.extend(c.text(p) for p in addendum.text.split("\n") if p.strip())
    return story


def render_session_summary(doc: SessionSummaryDoc) -> bytes:
    """The summary as PDF bytes (US Letter, confidential footer, page numbers)."""
    check_fields(doc)
    signed = bool(doc.signed_by and doc.signed_at)
    return c.render(
        session_summary_story(doc),
        f"{TITLE} {doc.session_date.isoformat()}",
        "note",
        watermark="" if signed else DRAFT_WATERMARK,
        running_header=f"{TITLE} — {doc.student_name} ({doc.student_ref})",
    )
