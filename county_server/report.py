"""The printable fiscal-year report (PDF, US Letter landscape, reportlab): the county's (or one
district's) year beside the previous one, month trends, screening and referral rates, one page
of district summaries and small trends, and one paragraph explaining suppression.

Every number comes from the publication cube (:func:`county_server.publication.cube.read`) as
published: a hidden cell prints as ``*`` and a rate is printed only when both of its numbers
are shown. Nothing is summed or computed from the raw counts here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from county_server import orgunits, published
from county_server.charts import ticks
from county_server.db import Database
from county_server.errors import ConfigError, NotFound
from county_server.publication import cube, views
from county_server.publication import periods as P
from county_server.supervisor_views import previous, short_label
from county_server.suppression import fmt, fmt_rate, rate

MEASURES = (
    ("services", "Services"),
    ("minutes", "Minutes"),
    ("participants", "Participants (classroom)"),
    ("screenings_administered", "Screenings given"),
    ("screenings_positive", "Positive screenings"),
    ("referrals_made", "Referrals made"),
    ("referrals_completed", "Referrals completed"),
)
SUPPRESSION_PARAGRAPH = (
    "How to read the stars. These numbers are de-identified counts sent by the clinicians' "
    "laptops. Any count from 1 to 10 is hidden and printed as *, and so is any other number "
    "that, with the numbers shown on the dashboard, in exports or in this report, would let a "
    "reader work a hidden count out (complementary suppression, solved across the whole "
    "publication). A hidden number is hidden everywhere it appears. A rate is printed only when "
    "both of its numbers are shown. Students served is never added up: the same student can be "
    "served in several months, schools or by several clinicians."
)
CURRENT = colors.HexColor("#2f6f8f")
PREVIOUS = colors.HexColor("#b7cbd6")


def parse_fiscal_year(text: str) -> str:
    """``2026-27`` or ``FY2026-27`` -> ``FY2026-27``; ConfigError otherwise."""
    code = text if text.startswith("FY") else f"FY{text}"
    period = P.parse(code)
    if period is None or period.level != P.YEAR:
        raise ConfigError("--fiscal-year must look like 2026-27 (July 2026 to June 2027)")
    return code


@dataclass(frozen=True)
class Scope:
    org_level: str  # "C" for the county, "D" for one district
    org: str
    name: str
    districts: list[orgunits.District]  # the districts summarised on the district page


def scope_for(db: Database, district: str | None, allowed: frozenset[str] | None = None) -> Scope:
    """The county (admins, ``allowed`` None) or one district; NotFound for a district that is
    not in the directory or not allowed."""
    with db.read() as tx:
        districts = orgunits.list_districts(tx, allowed)
    if district:
        match = [d for d in districts if d.code == district]
        if not match:
            raise NotFound(f"district {district[:20]!r} is not in the directory (or not yours)")
        return Scope("D", match[0].code, match[0].name, match)
    if allowed is not None:
        # A supervisor's report without --district is their first district's.
        if not districts:
            raise NotFound("no district is assigned to this account")
        return Scope("D", districts[0].code, districts[0].name, districts[:1])
    return Scope("C", cube.COUNTY, "the county", districts)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=18, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12.5, spaceBefore=6),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontSize=8.5, leading=11),
        "small": ParagraphStyle("s", parent=base["BodyText"], fontSize=7.5, leading=9.5),
    }


def _table(data: list[list[str]], widths: Sequence[float] | None = None) -> Table:
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f6")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return t


def bars(
    title: str,
    labels: Sequence[str],
    current: Sequence[int | None],
    prev: Sequence[int | None],
    *,
    width: float,
    height: float,
    y_label: str,
    y_max: float = 0.0,
    series: tuple[str, str] = ("", ""),
    legend: bool = True,
) -> Drawing:
    """A bar chart drawing: round ticks from 0, the previous year's bar beside each month, a
    hidden value drawn as a dashed empty slot marked *, and a legend."""
    d = Drawing(width, height)
    left, right, top, bottom = 38.0, 6.0, 16.0, 30.0
    pw, ph = width - left - right, height - top - bottom
    shown = [float(v) for v in [*current, *prev] if v is not None]
    axis = ticks(max(max(shown, default=0.0), y_max) or 10.0, intervals=4)
    vmax = axis[-1] or 1.0
    d.add(String(2, height - 11, title, fontName="Helvetica-Bold", fontSize=8.5))
    for t in axis:
        y = bottom + ph * t / vmax
        d.add(Line(left, y, left + pw, y, strokeColor=colors.HexColor("#dddddd"), strokeWidth=0.4))
        d.add(
            String(
                left - 3, y - 2.5, f"{t:,.0f}", fontName="Helvetica", fontSize=6.5, textAnchor="end"
            )
        )
    d.add(
        Group(
            String(0, 0, y_label, fontName="Helvetica", fontSize=6.5, textAnchor="middle"),
            transform=(0, 1, -1, 0, 8, bottom + ph / 2),
        )
    )
    n = max(1, len(labels))
    slot = pw / n
    bw = slot * 0.36
    for i, lab in enumerate(labels):
        x = left + slot * i + slot / 2 - bw
        for j, (value, colour) in enumerate(((prev[i], PREVIOUS), (current[i], CURRENT))):
            bx = x + j * bw
            if value is None:
                d.add(
                    Rect(
                        bx,
                        bottom,
                        bw,
                        ph,
                        fillColor=None,
                        strokeColor=colors.grey,
                        strokeWidth=0.5,
                        strokeDashArray=[2, 2],
                    )
                )
                d.add(
                    String(
                        bx + bw / 2,
                        bottom + 2,
                        "*",
                        fontName="Helvetica",
                        fontSize=7,
                        textAnchor="middle",
                    )
                )
            else:
                d.add(Rect(bx, bottom, bw, ph * value / vmax, fillColor=colour, strokeColor=None))
        d.add(
            String(
                left + slot * i + slot / 2,
                bottom - 9,
                lab,
                fontName="Helvetica",
                fontSize=6.5,
                textAnchor="middle",
            )
        )
    lx = left
    if not legend:
        return d
    for colour, name in ((CURRENT, series[0]), (PREVIOUS, series[1])):
        d.add(Rect(lx, 3, 7, 6, fillColor=colour, strokeColor=None))
        d.add(String(lx + 9, 3.5, name, fontName="Helvetica", fontSize=6.5))
        lx += 14 + 3.6 * len(name)
    d.add(
        Rect(
            lx,
            3,
            7,
            6,
            fillColor=None,
            strokeColor=colors.grey,
            strokeWidth=0.5,
            strokeDashArray=[1.5, 1.5],
        )
    )
    d.add(String(lx + 9, 3.5, "* suppressed", fontName="Helvetica", fontSize=6.5))
    return d


def report_audited(
    db: Database,
    now: datetime,
    fiscal_year: str,
    *,
    actor: str,
    district: str | None = None,
    allowed: frozenset[str] | None = None,
) -> bytes:
    """:func:`build_report`, recorded in the audit trail (who, which year, which district)."""
    from county_server import audit

    pdf = build_report(db, now, fiscal_year, district=district, allowed=allowed)
    with db.transaction() as tx:
        audit.record(
            tx,
            now,
            actor,
            "report",
            {"fiscal_year": parse_fiscal_year(fiscal_year), "district": district or "county"},
        )
    return pdf


def build_report(
    db: Database,
    now: datetime,
    fiscal_year: str,
    *,
    district: str | None = None,
    allowed: frozenset[str] | None = None,
) -> bytes:
    """The report's PDF bytes for one fiscal year (``FY2026-27``), the county or one district."""
    fy_code = parse_fiscal_year(fiscal_year)
    state = published.for_export(db, now)
    window = state.window
    fy = views.in_window(P.Period(P.YEAR, fy_code), window)
    scope = scope_for(db, district, allowed)
    prev_fy = previous(fy)
    has_prev = window.contains(prev_fy)
    months = [P.Period(P.MONTH, m) for m in fy.months() if window.contains(P.Period(P.MONTH, m))]
    prev_months = [previous(m) for m in months]
    years = [fy.code] + ([prev_fy.code] if has_prev else [])
    month_codes = [m.code for m in months] + [m.code for m in prev_months if window.contains(m)]
    codes = [d.code for d in scope.districts]
    org = scope.org
    year: dict[str, dict[tuple[str, str, str], int | None]] = {}
    month: dict[str, dict[tuple[str, str, str], int | None]] = {}
    by_district: dict[str, dict[tuple[str, str, str], int | None]] = {}
    with db.read() as tx:
        for m, _ in MEASURES:
            year[m] = cube.read(tx, m, scope.org_level, [org], P.YEAR, years, "T", [""])
            by_district[m] = cube.read(tx, m, "D", codes, P.YEAR, [fy.code], "T", [""])
        for m in ("services", "screenings_administered", "screenings_positive"):
            month[m] = cube.read(tx, m, scope.org_level, [org], P.MONTH, month_codes, "T", [""])
        district_months = cube.read(tx, "services", "D", codes, P.MONTH, month_codes, "T", [""])

    def y(m: str, o: str, p: str) -> int | None:
        return cube.shown(year[m], (o, p, ""))

    st = _styles()
    partial = window.partial(fy)
    fy_label = fy.code + (" (partial: the year is not over)" if partial else "")
    title = f"{fy.code} report — {scope.name if scope.org_level == 'D' else 'County'}"
    story: list[object] = [
        Paragraph(title, st["title"]),
        Paragraph(
            f"School-based mental-health services, {fy_label}, beside "
            f"{prev_fy.code if has_prev else 'no earlier published year'}. Generated "
            f"{now:%Y-%m-%d} from the published counts (up to {window.current}).",
            st["body"],
        ),
        Spacer(1, 4),
        Paragraph(SUPPRESSION_PARAGRAPH, st["small"]),
        Paragraph("Summary", st["h2"]),
    ]
    head = ["Measure", fy.code + (" (to date)" if partial else "")]
    head += [prev_fy.code + (" (whole year)" if partial else "")] if has_prev else []
    rows = [head]
    for m, label in MEASURES:
        rows.append([label] + [fmt(y(m, org, p)) for p in years])
    for label, num, den in (
        ("Positive screening rate", "screenings_positive", "screenings_administered"),
        ("Referral completion rate", "referrals_completed", "referrals_made"),
    ):
        rows.append(
            [label]
            + [fmt_rate(rate(y(num, org, p), y(den, org, p)), y(den, org, p)) for p in years]
        )
    summary = _table(rows, [1.9 * inch] + [1.0 * inch] * (len(head) - 1))

    def series(m: str, ms: Sequence[P.Period]) -> list[int | None]:
        return [cube.shown(month[m], (org, p.code, "")) if window.contains(p) else 0 for p in ms]

    labels = [short_label(m) for m in months]
    trend = bars(
        f"Services by month — {fy.code} beside {prev_fy.code}",
        labels,
        series("services", months),
        series("services", prev_months),
        width=5.5 * inch,
        height=2.4 * inch,
        y_label="services",
        series=(fy.code, prev_fy.code),
    )
    story.append(Table([[summary, trend]], colWidths=[4.2 * inch, 5.8 * inch]))
    story.append(Paragraph("Screenings by month", st["h2"]))
    srows = [["", *[views.column_label(m, window) for m in months]]]
    for label, m in (("Given", "screenings_administered"), ("Positive", "screenings_positive")):
        srows.append([label, *[fmt(v) for v in series(m, months)]])
    given, pos = series("screenings_administered", months), series("screenings_positive", months)
    srows.append(
        ["Positive rate", *[fmt_rate(rate(p, g), g) for p, g in zip(pos, given, strict=True)]]
    )
    story.append(_table(srows))
    story.append(PageBreak())
    story.append(Paragraph(f"Districts, {fy.code}", st["h2"]))
    drows = [["District", *[label for _, label in MEASURES], "Positive rate", "Completed"]]
    for d in scope.districts:
        val = {m: cube.shown(by_district[m], (d.code, fy.code, "")) for m, _ in MEASURES}
        drows.append(
            [d.name]
            + [fmt(val[m]) for m, _ in MEASURES]
            + [
                fmt_rate(
                    rate(val["screenings_positive"], val["screenings_administered"]),
                    val["screenings_administered"],
                ),
                fmt_rate(
                    rate(val["referrals_completed"], val["referrals_made"]),
                    val["referrals_made"],
                ),
            ]
        )
    story.append(_table(drows))
    story.append(Paragraph("Services by month, each district (shared scale)", st["h2"]))
    story.append(
        Paragraph(
            f"Dark bars: {fy.code}; light bars: the same month of {prev_fy.code}; a dashed "
            "slot marked * is a suppressed number. Axis: services per month.",
            st["small"],
        )
    )
    shown = [v for v in district_months.values() if v is not None]
    scale = float(max(shown, default=0))
    cells: list[object] = []
    for d in scope.districts:
        cur = [cube.shown(district_months, (d.code, m.code, "")) for m in months]
        old = [
            cube.shown(district_months, (d.code, m.code, "")) if window.contains(m) else 0
            for m in prev_months
        ]
        cells.append(
            bars(
                d.name,
                labels,
                cur,
                old,
                width=2.45 * inch,
                height=1.35 * inch,
                y_label="services",
                y_max=scale,
                series=(fy.code, prev_fy.code),
            )
        )
    grid = [cells[i : i + 5] for i in range(0, len(cells), 5)]
    if grid:
        grid[-1] += [""] * (5 - len(grid[-1]))
        story.append(Table(grid, colWidths=[2.0 * inch] * 5))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(letter),
        leftMargin=0.5 * inch,
        rightMargin=0.5 * inch,
        topMargin=0.45 * inch,
        bottomMargin=0.45 * inch,
        title=title,
        author="clinician-desk county server",
        subject="De-identified, suppressed counts",
    )

    def footer(canvas: object, doc_: object) -> None:
        c = canvas  # reportlab's canvas (untyped)
        c.saveState()  # type: ignore[attr-defined]
        c.setFont("Helvetica", 7)  # type: ignore[attr-defined]
        c.drawString(  # type: ignore[attr-defined]
            0.5 * inch,
            0.25 * inch,
            f"{title} · * = suppressed (see page 1) · page {c.getPageNumber()}",  # type: ignore[attr-defined]
        )
        c.restoreState()  # type: ignore[attr-defined]

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
