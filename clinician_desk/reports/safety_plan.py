"""The printable Stanley–Brown safety plan, for the student to keep, in the family's language.

The fixed words (title, the six step headings and their prompts, the 988 Suicide & Crisis
Lifeline, the county crisis line, 911, the closing lines, the draft notice) come from
``resources/documents/<lang>/safety_plan.txt``; the student's own entries are printed as typed.
Six numbered steps in order; a step with no entries prints writing lines so the plan can be
completed by hand, and a step with entries leaves one line to add another. 988, the county
crisis line (configuration: machine policy, then ``contacts.json``) and 911 are printed in a box
right under the name fields — on page 1 whatever the plan's length — and in the footer of every
page; step 5 lists them again. Every page after the first names the student. The plan closes
with the Stanley–Brown question "the one thing most important to me and worth living for".
A draft translation carries a notice in its language and in English.

Scripts go through the shared pipeline (``fonts``, ``layout``, ``text``, ``shaping``): any
character in the first bundled face that has it, Arabic and Dari right to left shaped by
HarfBuzz with their marks, Gurmukhi shaped, Chinese in WenQuanYi; a character no face has
refuses the plan (``UnprintableError``).
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from clinician_desk.domain.safety_plans import LIFELINE_988
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M
from clinician_desk.reports.crisis import crisis_block, crisis_footer
from clinician_desk.reports.fonts import LATIN_SET, FontSet, font_set_for
from clinician_desk.reports.handout import language_tag
from clinician_desk.reports.layout import MARGIN, PAGE_WIDTH, DocMeta, build_pdf, styles_for
from clinician_desk.reports.models import SafetyPlanDoc
from clinician_desk.reports.safety_plan_text import (
    CRISIS_STEP,
    STEP_COUNT,
    DocumentText,
)
from clinician_desk.reports.safety_plan_text import plan_text as plan_text
from clinician_desk.reports.safety_plan_text import safety_plan_languages as safety_plan_languages
from clinician_desk.reports.text import check_fields, paragraph

_BLANK = "_" * 52
_CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
_BORDER = colors.HexColor("#4a6b8a")


# The English reference words, kept as names for callers and tests.
TITLE = "My Safety Plan"
LIFELINE = "988 Suicide & Crisis Lifeline: call or text 988, or chat at 988lifeline.org (24/7)"


def crisis_lines(language: str = "en") -> tuple[str, ...]:
    """The lines step 5 always carries, in the plan's language."""
    words = plan_text(language)
    return (words["lifeline"], words["county_line"], words["emergency"])


def _fields(doc: SafetyPlanDoc, words: DocumentText, fonts: FontSet) -> Flowable:
    styles = styles_for(fonts)
    rows = [
        (words["name"], doc.student_name),
        (words["date"], doc.created_on.isoformat()),
        (words["made_with"], doc.clinician),
    ]
    cells = [
        [paragraph(k, styles.cell, fonts, bold=True), paragraph(v, styles.body, fonts)]
        for k, v in rows
        if v
    ]
    widths = [_CONTENT_WIDTH * 0.28, _CONTENT_WIDTH * 0.72]
    if fonts.rtl:  # labels on the right
        cells = [[value, label] for label, value in cells]
        widths.reverse()
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                # A Table sets its own cell font (Helvetica) even around flowables.
                ("FONT", (0, 0), (-1, -1), fonts.regular),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, colors.HexColor("#9aa5b1")),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _step_box(number: int, items: tuple[str, ...], words: DocumentText, fonts: FontSet) -> Flowable:
    """A boxed step; one table row per entry, so a very long step can continue on the next page."""
    styles = styles_for(fonts)
    heading = words["step"].format(number=number, title=words[f"step.{number}"])
    rows: list[Flowable] = [
        paragraph(heading, styles.h2, fonts, bold=True),
        paragraph(words[f"prompt.{number}"], styles.cell, fonts),
    ]
    if items:
        rows.extend(paragraph(i, styles.item, fonts, bullet=True) for i in items)
        # Room to add one more by hand after the typed entries.
        rows.append(paragraph(_BLANK, styles.body, fonts))
    else:
        rows.extend(paragraph(_BLANK, styles.body, fonts) for _ in range(3))
    table = Table([[r] for r in rows], colWidths=[_CONTENT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.regular),
                ("BOX", (0, 0), (-1, -1), 0.8, _BORDER),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 1), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 1), (0, 1), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, 6)])


def safety_plan_story(doc: SafetyPlanDoc, language: str = "en") -> list[Flowable]:
    words = plan_text(language)
    fonts = font_set_for(language)
    styles = styles_for(fonts)
    story: list[Flowable] = [paragraph(words["title"], styles.title, fonts, bold=True)]
    if words.is_draft:
        story.append(paragraph(words["draft_notice"], styles.banner, fonts, bold=True))
        english = plan_text("en")["draft_notice"]
        story.append(paragraph(english, styles_for(LATIN_SET).banner, LATIN_SET, bold=True))
    story += [_fields(doc, words, fonts), Spacer(1, 6)]
    # 988, the county line and 911 on page 1 whatever the plan's length (step 5 repeats them).
    story += [crisis_block(language, fonts), Spacer(1, 8)]
    for step in sorted(doc.steps, key=lambda s: s.number):
        items = step.items
        if step.number == CRISIS_STEP:
            # The record adds an English 988 line when none was typed; the plan prints its own,
            # in the language. Whatever the student typed (988 included) prints as typed.
            typed = tuple(i for i in items if i != LIFELINE_988)
            items = (*typed, *crisis_lines(language))
        story.append(_step_box(step.number, items, words, fonts))
    story.append(paragraph(words["reason_for_living"], styles.h2, fonts, bold=True))
    story.append(paragraph(_BLANK, styles.body, fonts))
    story.append(paragraph(words["closing"], styles.body, fonts))
    return story


def render_safety_plan(doc: SafetyPlanDoc, language: str = "en") -> bytes:
    """The plan as PDF bytes (US Letter, confidential footer, page numbers) in ``language``.

    Raises ``NotFoundError`` for a language without the plan and ``ValidationError`` unless the
    plan has exactly the six steps numbered 1 to 6.
    """
    check_fields(doc)
    words = plan_text(language)
    if [s.number for s in sorted(doc.steps, key=lambda s: s.number)] != list(
        range(1, STEP_COUNT + 1)
    ):
        raise ValidationError(M("A safety plan has exactly six steps, numbered 1 to 6."))
    fonts = font_set_for(language)
    meta = DocMeta(
        title=words["title"],
        language=language_tag(language),
        subject="safety-plan",
        confidential=True,
        page_label=words["page"],
        fonts=fonts,
        footer_note="" if language == "en" else words["confidential"],
        crisis_footer=crisis_footer(language),
        running_header=f"{words['title']} — {doc.student_name}".strip(" —"),
    )
    return build_pdf(safety_plan_story(doc, language), meta)
