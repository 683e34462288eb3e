"""The crisis lines every safety plan and crisis-related handout carries on page 1 and in the
footer of every page: the 988 Suicide & Crisis Lifeline, the county crisis line, 911.

The words come from the safety plan's text in the document's language
(``resources/documents/<lang>/safety_plan.txt``: ``lifeline``, ``county_line``, ``emergency``);
the county number is configuration (``county_line.py``). The block is a single boxed table
drawn right after the title, so nothing the student typed can push it to page 2.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, Table, TableStyle

from clinician_desk.reports.fonts import FontSet
from clinician_desk.reports.layout import MARGIN, PAGE_WIDTH, styles_for
from clinician_desk.reports.safety_plan_text import plan_text
from clinician_desk.reports.text import paragraph

EMERGENCY_NUMBERS = ("988", "911")
_BORDER = colors.HexColor("#8a1c1c")


def crisis_lines(language: str) -> tuple[str, str, str]:
    """988, the county line and 911, in the language (the safety plan's own words)."""
    words = plan_text(language)
    return (words["lifeline"], words["county_line"], words["emergency"])


def confidential_words(language: str) -> str:
    """ "Confidential health information" in the language (the safety plan's translation)."""
    return plan_text(language)["confidential"]


def mentions_crisis(text: str) -> bool:
    """Whether a handout talks about crisis help (names 988 or 911)."""
    return any(number in text for number in EMERGENCY_NUMBERS)


def crisis_footer(language: str) -> str:
    """The one line repeated above the footer of every page."""
    _, county, _ = crisis_lines(language)
    return f"988   ·   {county}   ·   911"


def crisis_block(language: str, fonts: FontSet) -> Flowable:
    """A red-bordered box with the three lines, for page 1 (right under the title)."""
    styles = styles_for(fonts)
    rows = [
        [paragraph(line, styles.crisis, fonts, bold=True, bundled=True)]
        for line in crisis_lines(language)
    ]
    table = Table(rows, colWidths=[PAGE_WIDTH - 2 * MARGIN])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.regular),
                ("BOX", (0, 0), (-1, -1), 1.4, _BORDER),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdf0f0")),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    table.keepWithNext = False
    return table
