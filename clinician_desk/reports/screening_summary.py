"""Screening summary: one administration's responses, scores, band and flags, and the trend.

The trend chart (reportlab graphics, vector) plots the instrument's score over time for this
student; the instrument's copyright/attribution line closes the document as its authors ask.
"""

from __future__ import annotations

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether

from clinician_desk.reports import clinical as c
from clinician_desk.reports.fonts import LATIN, LATIN_BOLD
from clinician_desk.reports.models import ScreeningSummaryDoc, TrendPoint
from clinician_desk.reports.text import check_fields

TITLE = "Screening summary"
_LINE = colors.HexColor("#2f5d8a")


def trend_chart(
    points: tuple[TrendPoint, ...], y_max: float | None, label: str, width: float = 460.0
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
    ).strftime("%m/%d")
    plot.xValueAxis.labels.fontName = LATIN
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    top = y_max if y_max is not None else max(1.0, max(v for _, v in data))
    plot.yValueAxis.valueMax = top
    plot.yValueAxis.labels.fontName = LATIN
    plot.yValueAxis.labels.fontSize = 8
    drawing.add(plot)
    drawing.add(String(40, height - 14, label, fontName=LATIN_BOLD, fontSize=9))
    return drawing


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
        c.heading("Result"),
        c.grid(
            ["Score", "Value"], [list(s) for s in doc.scores] + [["Band", doc.band]], [0.5, 0.5]
        ),
    ]
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
        chart = trend_chart(doc.trend, doc.trend_max, f"{doc.instrument_name}: {doc.trend_label}")
        story.append(KeepTogether([c.heading("Trend"), chart]))
    if doc.attribution:
        story.append(c.gap())
        story.append(c.text(doc.attribution, small=True))
    return story


def render_screening_summary(doc: ScreeningSummaryDoc) -> bytes:
    """The summary as PDF bytes (US Letter, confidential footer, page numbers)."""
    check_fields(doc)
    title = f"{TITLE}: {doc.instrument_name} {doc.administered_on.isoformat()}"
    return c.render(screening_summary_story(doc), title, "screening")
