"""The printable Stanley–Brown safety plan, for the student to keep.

Six numbered steps in order; a step with no entries prints writing lines so the plan can be
completed by hand. Step 5 always lists the 988 Suicide & Crisis Lifeline and the county crisis
line (from ``resources/handouts/contacts.json``), and 911 for emergencies, whatever was typed.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from clinician_desk.errors import ValidationError
from clinician_desk.reports import clinical as c
from clinician_desk.reports.handout_library import contacts
from clinician_desk.reports.models import SafetyPlanDoc

TITLE = "My Safety Plan"
LIFELINE = "988 Suicide & Crisis Lifeline: call or text 988, or chat at 988lifeline.org (24/7)"
EMERGENCY = "In an emergency: call 911 or go to the nearest emergency room"
STEP_COUNT = 6
_BLANK = "_" * 60


def crisis_lines() -> tuple[str, ...]:
    """The lines step 5 always carries."""
    return (LIFELINE, f"County crisis line: {contacts()['county_crisis_line']}", EMERGENCY)


def _step_box(number: int, step_title: str, items: tuple[str, ...]) -> Flowable:
    """A boxed step; one table row per entry, so a very long step can continue on the next page."""
    rows: list[Flowable] = [c.subheading(f"Step {number}: {step_title}")]
    if items:
        rows.extend(c.bullets(items))
    else:
        rows.extend(c.text(_BLANK, small=True) for _ in range(3))
    table = Table([[r] for r in rows], colWidths=[c.CONTENT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#4a6b8a")),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 1), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([table, c.gap(6)])


def safety_plan_story(doc: SafetyPlanDoc) -> list[Flowable]:
    story: list[Flowable] = [
        c.title(TITLE),
        c.fields(
            [
                ("Name", doc.student_name),
                ("Date", c.fmt_date(doc.created_on)),
                ("Made with", doc.clinician),
            ]
        ),
        c.gap(),
    ]
    steps = sorted(doc.steps, key=lambda s: s.number)
    for step in steps:
        items = step.items
        if step.number == 5:
            typed = tuple(i for i in items if "988" not in i)
            items = (*typed, *crisis_lines())
        story.append(_step_box(step.number, step.title, items))
    story.append(
        c.text(
            "Keep this plan where you can find it. If you feel unsafe, start at step 1 and keep "
            "going until you feel safe. You can always call or text 988.",
            small=True,
        )
    )
    return story


def render_safety_plan(doc: SafetyPlanDoc) -> bytes:
    """The plan as PDF bytes (US Letter, confidential footer, page numbers)."""
    if [s.number for s in sorted(doc.steps, key=lambda s: s.number)] != list(
        range(1, STEP_COUNT + 1)
    ):
        raise ValidationError("A safety plan has exactly six steps, numbered 1 to 6.")
    return c.render(safety_plan_story(doc), TITLE, "safety-plan")
