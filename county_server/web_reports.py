"""Dashboard report pages: county overview, a district's org units, a service type's trend
(screenings and referrals are in ``web_reports_points``).

Every number comes from the publication cube (``county_server.publication``), which is rebuilt
when the counts changed; nothing is summed here. A page asks for aligned periods (a fiscal year
with a month or quarter grain, or one month, quarter or fiscal year) and shows only published
cells: county rows to admins, district rows to whoever may see the district.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from county_server import auth, orgunits, published
from county_server import supervisor_views as SV
from county_server.charts import bar_chart
from county_server.publication import cube, views
from county_server.publication import periods as P
from county_server.suppression import fmt
from county_server.web_support import MEASURE_LABELS, PageError, Web

DISTRICTS_PER_PAGE = 50  # a state has about 1,000: its overview is paged, not one 4 MB page
LINEAR = [m for m in MEASURE_LABELS if m in cube.LINEAR_MEASURES]
UNITS = {
    "services": "services",
    "minutes": "minutes",
    "participants": "participants",
    "screenings_administered": "screenings",
    "screenings_positive": "screenings",
    "referrals_made": "referrals",
    "referrals_completed": "referrals",
}


def table_view(header: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A table of published cells (``None`` hidden, ``""`` not published for that period)."""
    cells = [
        {**r, "cells": ["" if isinstance(v, str) else fmt(v) for v in r["values"]]} for r in rows
    ]
    return {
        "header": header,
        "rows": cells,
        "has_hidden": any(c is None for r in rows for c in r["values"]),
        "has_partial": any("(partial)" in h for h in header),
    }


def pager(
    request: Request, page_no: int, pages: int, first: int, shown: int, total: int
) -> dict[str, Any] | None:
    """Links to the previous and next page of districts (``None`` when one page holds all)."""
    if pages <= 1:
        return None

    def link(number: int) -> str:
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        query["page"] = str(number)
        return f"{request.url.path}?{urlencode(query)}"

    return {
        "label": f"Districts {first + 1}–{first + shown} of {total}",
        "previous": link(page_no - 1) if page_no > 1 else None,
        "next": link(page_no + 1) if page_no < pages else None,
        "pages": [(n, link(n), n == page_no) for n in range(1, pages + 1)],
    }


def fresh_state(web: Web) -> cube.State:
    """The published cube's state as a page shows it (``publication.served``)."""
    return published.for_page(web.ctx.db, web.ctx.settings.now())


def render_report(web: Web, request: Request, name: str, **data: Any) -> Response:
    """A report page, with a plain notice when nothing is published yet."""
    session: auth.Session = data["session"]
    # One freshness check per request: a page that already checked passes its state.
    state = data.get("state") or fresh_state(web)
    notice = None
    if state.cells == 0:
        window = state.window
        notice = (
            f"No counts are published yet: no device has sent counts for {window.first} "
            f"to {window.current}. The tables fill in after enrolled devices sync."
        )
        if session.user.is_admin and not web.allowed_districts(session):
            notice += (
                " The directory of districts and schools is empty too: load it with "
                "county-server load-org-units FILE, then enroll devices."
            )
    return web.render(request, name, no_data=notice, **data)


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    page = web.page
    allowed_districts = web.allowed_districts

    def fresh() -> cube.State:
        return fresh_state(web)

    def render(request: Request, name: str, **data: Any) -> Response:
        return render_report(web, request, name, **data)

    def trend(
        request: Request,
        session: auth.Session,
        measure: str,
        cat: views.Category,
        link_service: str | None,
    ) -> dict[str, Any]:
        """District rows (and the county row for admins) × the months (or quarters) of one fiscal
        year, each followed by the same periods of the previous fiscal year; small multiples."""
        state = fresh()
        sel = SV.select(request.query_params, state.window)
        everyone = allowed_districts(session)
        pages = max(1, -(-len(everyone) // DISTRICTS_PER_PAGE))
        page_no = views.page_number(request.query_params, pages)
        first = (page_no - 1) * DISTRICTS_PER_PAGE
        districts = everyone[first : first + DISTRICTS_PER_PAGE]
        codes = [d.code for d in districts]
        codes_all = [d.code for d in everyone]
        with ctx.db.read() as tx:
            # The small multiples share one scale across every page of districts.
            scale = float(
                cube.largest(
                    tx,
                    measure,
                    None if session.user.allowed_districts() is None else codes_all,
                    sel.level,
                    sel.times(sel.level),
                    cat.level,
                    [cat.code],
                )
            )
            part = cube.read(
                tx, measure, "D", codes, sel.level, sel.times(sel.level), cat.level, [cat.code]
            )
            whole = cube.read(
                tx,
                measure,
                "D",
                codes,
                sel.whole.level,
                sel.times(sel.whole.level),
                cat.level,
                [cat.code],
            )
            if session.user.is_admin:
                part |= cube.read(
                    tx,
                    measure,
                    "C",
                    [cube.COUNTY],
                    sel.level,
                    sel.times(sel.level),
                    cat.level,
                    [cat.code],
                )
                whole |= cube.read(
                    tx,
                    measure,
                    "C",
                    [cube.COUNTY],
                    sel.whole.level,
                    sel.times(sel.whole.level),
                    cat.level,
                    [cat.code],
                )
        orgs: list[tuple[str, str, str | None]] = []
        if session.user.is_admin:
            orgs.append((cube.COUNTY, "County", None))
        for d in districts:
            link = f"/district/{d.code}?measure={measure}&fy={sel.fy.code}"
            if link_service:
                link += f"&service={link_service}"
            orgs.append((d.code, d.name, link))
        rows = SV.trend_rows(sel, state.window, orgs, part, whole, cat.code)
        label = MEASURE_LABELS[measure]
        unit = UNITS.get(measure, "count")
        charts = []
        for i in range(0, len(rows), 2):
            charts.append(
                {
                    "link": rows[i]["link"],
                    "chart": SV.chart_for(
                        str(rows[i]["label"]),
                        sel,
                        rows[i]["values"],
                        rows[i + 1]["values"],
                        y_label=unit,
                        small=True,
                        y_max=scale,
                    ),
                }
            )
        main = (
            SV.chart_for(
                f"{label} by {sel.grain} — {rows[0]['label']}",
                sel,
                rows[0]["values"],
                rows[1]["values"],
                y_label=f"{label} ({unit})",
            )
            if rows
            else None
        )
        return {
            "fy": sel.fy,
            "sel": sel,
            "grain": sel.grain,
            "years": state.window.fiscal_years(),
            "table": table_view(SV.header(sel, state.window), rows),
            "chart": main,
            "multiples": charts[1:] if session.user.is_admin else charts,
            "first_header": "District",
            "pager": pager(request, page_no, pages, first, len(districts), len(everyone)),
            "cat": cat,
            "state": state,
            "sentences": views.SUPPRESSION_SENTENCE,
            "partial": views.PARTIAL_SENTENCE,
        }

    @router.get("/")
    @page
    def overview(request: Request, session: auth.Session) -> Response:
        q = request.query_params
        measure = views.measure(q, "services", [*LINEAR, cube.STUDENTS])
        if measure == cube.STUDENTS:
            return render(
                request,
                "students.html",
                session=session,
                districts=allowed_districts(session),
                sentence=views.STUDENTS_SENTENCE,
                measures=MEASURE_LABELS,
            )
        cat = views.category(q, measure, ctx.taxonomy.names)
        data = trend(request, session, measure, cat, cat.code if cat.level == "S" else None)
        return render(
            request,
            "overview.html",
            session=session,
            measure=measure,
            measures=MEASURE_LABELS,
            groups=cube.GROUP_NAMES,
            action="/",
            **data,
        )

    @router.get("/service/{code}")
    @page
    def service(request: Request, session: auth.Session, code: str) -> Response:
        if code not in ctx.taxonomy.codes:
            raise PageError(404, "No such service type.")
        q = request.query_params
        measure = views.measure(q, "services", list(cube.SERVICE_MEASURES))
        cat = views.Category("S", code, f"{code} — {ctx.taxonomy.names[code]}")
        data = trend(request, session, measure, cat, code)
        return render(
            request,
            "service.html",
            session=session,
            code=code,
            measure=measure,
            measures={m: MEASURE_LABELS[m] for m in cube.SERVICE_MEASURES},
            action=f"/service/{code}",
            **data,
        )

    @router.get("/district/{code}")
    @page
    def district(request: Request, session: auth.Session, code: str) -> Response:
        allowed = {d.code: d for d in allowed_districts(session)}
        if code not in allowed:
            raise PageError(404, "No such district, or it is not one of yours.")
        state = fresh()
        q = request.query_params
        views.reject_ranges(q)
        measure = views.measure(q, "services", [*LINEAR, cube.STUDENTS])
        with ctx.db.read() as tx:
            schools = orgunits.list_schools(tx, code)
        units = [(s.code, s.name) for s in schools] + [(code, "District level (not by school)")]
        if measure == cube.STUDENTS:
            fy = views.fiscal_year(q, state.window)
            cols = views.columns(fy, P.MONTH, state.window)
            with ctx.db.read() as tx:
                got = cube.read(
                    tx,
                    measure,
                    "U",
                    [u for u, _ in units],
                    P.MONTH,
                    [c.code for c in cols],
                    "T",
                    [""],
                )
            rows = [
                {
                    "label": name,
                    "link": None,
                    "values": [cube.shown(got, (u, c.code, "")) for c in cols],
                    "total": False,
                }
                for u, name in units
            ]
            table = views.Table([views.column_label(c, state.window) for c in cols], rows)
            return render(
                request,
                "district.html",
                session=session,
                state=state,
                district=allowed[code],
                measure=measure,
                measures=MEASURE_LABELS,
                table=table.view(),
                chart=None,
                cat=views.Category("T", "", "all"),
                fy=fy,
                years=state.window.fiscal_years(),
                no_total=views.STUDENTS_SENTENCE,
                sentences=views.SUPPRESSION_SENTENCE,
                partial=views.PARTIAL_SENTENCE,
                groups=cube.GROUP_NAMES,
            )
        cat = views.category(q, measure, ctx.taxonomy.names)
        years = [P.Period(P.YEAR, y) for y in state.window.fiscal_years()]
        with ctx.db.read() as tx:
            got = cube.read(
                tx,
                measure,
                "U",
                [u for u, _ in units],
                P.YEAR,
                [y.code for y in years],
                cat.level,
                [cat.code],
            )
            tot = cube.read(
                tx, measure, "D", [code], P.YEAR, [y.code for y in years], cat.level, [cat.code]
            )
        school_codes = {s.code for s in schools}
        extra = f"&service={cat.code}" if cat.level == "S" else ""
        extra += f"&group={cat.code}" if cat.level == "G" else ""
        rows = [
            {
                "label": name,
                "link": f"/school/{u}?measure={measure}{extra}" if u in school_codes else None,
                "values": [cube.shown(got, (u, y.code, cat.code)) for y in years],
                "total": False,
            }
            for u, name in units
        ]
        # The district's own months beside the same months a year earlier.
        sel = SV.select(q, state.window)
        with ctx.db.read() as tx:
            mpart = cube.read(
                tx, measure, "D", [code], sel.level, sel.times(sel.level), cat.level, [cat.code]
            )
            mwhole = cube.read(
                tx,
                measure,
                "D",
                [code],
                sel.whole.level,
                sel.times(sel.whole.level),
                cat.level,
                [cat.code],
            )
        mrows = SV.trend_rows(
            sel, state.window, [(code, allowed[code].name, None)], mpart, mwhole, cat.code
        )
        month_chart = SV.chart_for(
            f"{MEASURE_LABELS[measure]} by {sel.grain} — {allowed[code].name}",
            sel,
            mrows[0]["values"],
            mrows[1]["values"],
            y_label=f"{MEASURE_LABELS[measure]} ({UNITS.get(measure, 'count')})",
        )
        district_row = [cube.shown(tot, (code, y.code, cat.code)) for y in years]
        rows.append(
            {"label": allowed[code].name, "link": None, "values": district_row, "total": True}
        )
        table = views.Table([views.column_label(y, state.window) for y in years], rows)
        chart = bar_chart(
            f"{MEASURE_LABELS[measure]} by fiscal year — {allowed[code].name}",
            [y.code for y in years],
            district_row,
            y_label=f"{MEASURE_LABELS[measure]} ({UNITS.get(measure, 'count')})",
            x_label="Fiscal year (July–June)",
        )
        return render(
            request,
            "district.html",
            session=session,
            state=state,
            district=allowed[code],
            measure=measure,
            measures=MEASURE_LABELS,
            table=table.view(),
            chart=chart,
            cat=cat,
            fy=sel.fy,
            sel=sel,
            grain=sel.grain,
            month_table=table_view(SV.header(sel, state.window), mrows),
            month_chart=month_chart,
            years=state.window.fiscal_years(),
            no_total=None,
            sentences=views.SUPPRESSION_SENTENCE,
            partial=views.PARTIAL_SENTENCE,
            groups=cube.GROUP_NAMES,
        )

    @router.get("/school/{code}")
    @page
    def school(request: Request, session: auth.Session, code: str) -> Response:
        """One school: each service group and service by fiscal year (schools are published by
        fiscal year only); each service links to its county-wide trend."""
        allowed = {d.code: d for d in allowed_districts(session)}
        district_code = orgunits.district_of(code) if len(code) == 14 else ""
        if district_code not in allowed:
            raise PageError(404, "No such school, or it is not in one of your districts.")
        with ctx.db.read() as tx:
            found = [s for s in orgunits.list_schools(tx, district_code) if s.code == code]
        if not found:
            raise PageError(404, "No such school, or it is not in one of your districts.")
        state = fresh()
        q = request.query_params
        views.reject_ranges(q)
        measure = views.measure(q, "services", list(cube.SERVICE_MEASURES))
        years = [P.Period(P.YEAR, y) for y in state.window.fiscal_years()]
        cats = [("T", "", "All services")]
        cats += [("G", g, name) for g, name in cube.GROUP_NAMES.items()]
        cats += [("S", c, f"{c} — {n}") for c, n in ctx.taxonomy.names.items()]
        got: dict[tuple[str, str, str], int | None] = {}
        with ctx.db.read() as tx:
            for level in ("T", "G", "S"):
                wanted = [c for lvl, c, _ in cats if lvl == level]
                got |= {
                    (level + k[2], k[1], ""): v
                    for k, v in cube.read(
                        tx, measure, "U", [code], P.YEAR, [y.code for y in years], level, wanted
                    ).items()
                }
        rows: list[dict[str, Any]] = []
        totals: list[int | None] = []
        for level, c, name in cats:
            values = [got.get((level + c, y.code, ""), 0) for y in years]
            if level == "T":
                totals = values
            if level != "T" and all(v == 0 for v in values):
                continue
            rows.append(
                {
                    "label": name,
                    "link": f"/service/{c}?measure={measure}" if level == "S" else None,
                    "values": values,
                    "total": level == "T",
                    "prev": False,
                }
            )
        header = [views.column_label(y, state.window) for y in years]
        unit = UNITS.get(measure, "count")
        chart = bar_chart(
            f"{MEASURE_LABELS[measure]} by fiscal year — {found[0].name}",
            [y.code for y in years],
            totals,
            y_label=f"{MEASURE_LABELS[measure]} ({unit})",
            x_label="Fiscal year (July–June)",
        )
        return render(
            request,
            "school.html",
            session=session,
            state=state,
            school=found[0],
            district=allowed[district_code],
            measure=measure,
            measures={m: MEASURE_LABELS[m] for m in cube.SERVICE_MEASURES},
            table=table_view(header, rows),
            chart=chart,
            first_header="Service",
            sentences=views.SUPPRESSION_SENTENCE,
            partial=views.PARTIAL_SENTENCE,
        )
