"""Building blocks shared by the clinician-facing documents (English, Latin fonts).

A header with the document's title and a key/value block, section headings, tables whose cells
are wrapped paragraphs (so long text never overflows a cell), bullet lists and time formatting.
Every clinician-facing document carries the "Confidential health information" footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from clinician_desk.clock import local_moment_text
from clinician_desk.reports.fonts import LATIN_SET
from clinician_desk.reports.layout import MARGIN, PAGE_WIDTH, DocMeta, build_pdf, styles_for
from clinician_desk.reports.text import paragraph

FONTS = LATIN_SET
STYLES = styles_for(FONTS)
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
_GRID = colors.HexColor("#9aa5b1")
_HEAD_BG = colors.HexColor("#e6edf3")


def text(value: str, *, bold: bool = False, small: bool = False) -> Flowable:
    style = STYLES.cell if small else STYLES.body
    return paragraph(value, style, FONTS, bold=bold)


def title(value: str) -> Flowable:
    return paragraph(value, STYLES.title, FONTS, bold=True)


def heading(value: str) -> Flowable:
    return paragraph(value, STYLES.h1, FONTS, bold=True)


def subheading(value: str) -> Flowable:
    return paragraph(value, STYLES.h2, FONTS, bold=True)


def bullets(items: Sequence[str]) -> list[Flowable]:
    return [paragraph(i, STYLES.item, FONTS, bullet=True) for i in items]


def fields(rows: Sequence[tuple[str, str]], label_width: float = 130.0) -> Flowable:
    """A two-column key/value block."""
    data = [[text(k, bold=True, small=True), text(v, small=True)] for k, v in rows if v]
    table = Table(data, colWidths=[label_width, CONTENT_WIDTH - label_width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                # A Table sets its own cell font (Helvetica) even around flowables.
                ("FONT", (0, 0), (-1, -1), FONTS.regular),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, _GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    total_row: bool = False,
) -> Flowable:
    """A table with a shaded header row; widths are fractions of the content width."""
    data = [[text(h, bold=True, small=True) for h in header]]
    for i, row in enumerate(rows):
        last = total_row and i == len(rows) - 1
        data.append([text(c, small=True, bold=last) for c in row])
    table = Table(data, colWidths=[w * CONTENT_WIDTH for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONTS.regular),
                ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
                ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def gap(height: float = 8) -> Flowable:
    return Spacer(1, height)


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def fmt_time(value: datetime | str | None, tz: tzinfo | None = None) -> str:
    """A stored time (aware datetime or ISO text) in the machine's local time with its zone:
    '2026-09-14 10:05 PDT', written as the screens write it (``clock.local_moment_text``).
    ``tz`` overrides the local zone (tests)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        when = value
    return local_moment_text(when, tz)


def fmt_hours(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".") if hours % 1 else f"{int(hours)}"


def render(
    story: list[Flowable],
    doc_title: str,
    subject: str,
    *,
    confidential: bool = True,
    watermark: str = "",
    running_header: str = "",
) -> bytes:
    """Build a clinician-facing document: English, page numbers, the confidential footer."""
    meta = DocMeta(
        title=doc_title,
        language="en-US",
        subject=subject,
        confidential=confidential,
        watermark=watermark,
        running_header=running_header,
    )
    return build_pdf(story, meta)
