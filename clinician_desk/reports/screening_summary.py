"""Screening summary: one administration's responses, scores, band and flags, and the trend.

The trend chart (reportlab graphics, vector) plots the instrument's score over time for this
student; the instrument's copyright/attribution line closes the document as its authors ask.
"""

from __future__ import annotations

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from clinician_desk.reports import clinical as c
from clinician_desk.reports.fonts import LATIN, LATIN_BOLD
from clinician_desk.reports.models import ScreeningSummaryDoc, TrendPoint
from clinician_desk.reports.text import check_fields

TITLE = "Screening summary"
_LINE = colors.HexColor("#2f5d8a")
_CUTOFF = colors.HexColor("#b42318")
_ALERT = colors.HexColor("#b42318")


def trend_chart(
    points: tuple[TrendPoint, ...],
    y_max: float | None,
    label: str,
    width: float = 460.0,
    cutoff: float | None = None,
) -> Drawing:
    """A line chart of score by date (x: days since the first point, labelled by date)."""
    height = 170.0
    drawing = Drawing(width, height)
    drawing.initialFontName = LATIN  # else the renderer's start state embeds Helvetica in the PDF
    ordered = sorted(points, key=lambda p: p.when)
    first = ordered[0].when
    data = [(float((p.when - first).days), float(p.score)) for p in ordered]
    plot = LinePlot()
    plot.x, plot.y = 40, 30
    plot.width, plot.height = width - 60, height - 55
    plot.data = [data]
    plot.lines[0].strokeColor = _LINE
    plot.lines[0].strokeWidth = 1.5
    plot.lines[0].symbol = makeMarker("FilledCircle", size=4, fillColor=_LINE)
    span = max(1.0, data[-1][0])
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = span
    plot.xValueAxis.valueSteps = [x for x, _ in data]
    plot.xValueAxis.labelTextFormat = lambda x: (
        first.fromordinal(first.toordinal() + int(x))
    ).strftime("%Y-%m-%d")
    plot.xValueAxis.labels.fontName = LATIN
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    top = y_max if y_max is not None else max(1.0, max(v for _, v in data))
    plot.yValueAxis.valueMax = top
    plot.yValueAxis.labels.fontName = LATIN
    plot.yValueAxis.labels.fontSize = 8
    drawing.add(plot)
    if cutoff is not None and 0 <= cutoff <= top:
        # The instrument's cut-off: a dashed line across the plot, labelled.
        y = plot.y + plot.height * cutoff / top
        drawing.add(
            Line(
                plot.x,
                y,
                plot.x + plot.width,
                y,
                strokeColor=_CUTOFF,
                strokeWidth=1,
                strokeDashArray=[4, 3],
            )
        )
        drawing.add(
            String(
                plot.x + plot.width,
                y + 3,
                f"cut-off {c.fmt_hours(cutoff)}",
                fontName=LATIN,
                fontSize=7,
                fillColor=_CUTOFF,
                textAnchor="end",
            )
        )
    drawing.add(String(40, height - 14, label, fontName=LATIN_BOLD, fontSize=9))
    return drawing


def critical_alert(doc: ScreeningSummaryDoc) -> Flowable:
    """The boxed alert printed before anything else: each critical item's text, the answer,
    why it matters and the follow-up's state."""
    rows: list[list[Flowable]] = [
        [c.text(f"CRITICAL ITEMS ({len(doc.critical)}) — review before the score", bold=True)]
    ]
    for crit in doc.critical:
        rows.append([c.text(crit.item, bold=True, small=True)])
        rows.append([c.text(f"Answer: {crit.answer}. {crit.reason}.", small=True)])
        rows.append([c.text(f"Safety follow-up: {crit.follow_up}", small=True, bold=True)])
    table = Table(rows, colWidths=[c.CONTENT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), c.FONTS.regular),
                ("BOX", (0, 0), (-1, -1), 1.6, _ALERT),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdf0f0")),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def screening_summary_story(doc: ScreeningSummaryDoc) -> list[Flowable]:
    story: list[Flowable] = [
        c.title(f"{TITLE}: {doc.instrument_name}"),
        c.fields(
            [
                ("Student", doc.student_name),
                ("Student ref.", doc.student_ref),
                ("Administered", c.fmt_date(doc.administered_on)),
                ("Administered by", doc.administered_by),
                ("Respondent", doc.respondent),
                ("Language", doc.language),
                ("Instrument version", doc.instrument_version),
                ("Scoring rules", doc.rule_version),
            ]
        ),
        *([critical_alert(doc), c.gap()] if doc.critical else []),
        c.heading("Result"),
        c.grid(
            ["Score", "Value"], [list(s) for s in doc.scores] + [["Band", doc.band]], [0.5, 0.5]
        ),
    ]
    if not doc.critical:
        story.append(c.heading("Flags"))
        story.extend(c.bullets(doc.flags) if doc.flags else [c.text("No flags.")])
    story.append(c.heading("Responses"))
    story.append(
        c.grid(
            ["Item", "Answer", "Value"],
            [[r.item, r.answer, r.value] for r in doc.responses],
            [0.62, 0.26, 0.12],
        )
    )
    if doc.trend:
        chart = trend_chart(
            doc.trend,
            doc.trend_max,
            f"{doc.instrument_name}: {doc.trend_label}",
            cutoff=doc.cutoff,
        )
        story.append(KeepTogether([c.heading("Trend"), chart]))
    if doc.attribution:
        story.append(c.gap())
        story.append(c.text(doc.attribution, small=True))
    return story


def render_screening_summary(doc: ScreeningSummaryDoc) -> bytes:
    """The summary as PDF bytes (US Letter, confidential footer, page numbers)."""
    check_fields(doc)
    title = f"{TITLE}: {doc.instrument_name} {doc.administered_on.isoformat()}"
    return c.render(
        screening_summary_story(doc),
        title,
        "screening",
        running_header=f"{TITLE} — {doc.student_name} ({doc.student_ref})",
    )
