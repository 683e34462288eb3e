"""Dashboard report pages: county overview, a district's schools, a service type's trend,
screenings (administered, positive rates) and referrals. Every figure is suppressed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clinician_desk.sync.wire import INSTRUMENTS
from county_server import auth, orgunits, queries
from county_server.charts import bar_chart
from county_server.suppression import fmt, fmt_rate, rate, suppress_table
from county_server.web_support import MEASURE_LABELS, PageError, Web, table_rows


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    render, page = web.render, web.page
    period_range, allowed_districts = web.period_range, web.allowed_districts
    measure_filter = web.measure_filter

    @router.get("/")
    @page
    def overview(request: Request, session: auth.Session) -> Response:
        start, end, periods = period_range(request)
        f = measure_filter(request, start, end, "services")
        districts = allowed_districts(session)
        with ctx.db.read() as tx:
            data = queries.by_district_month(tx, f, [d.code for d in districts])
        table = suppress_table([[data.get((d.code, p), 0) for p in periods] for d in districts])
        chart = bar_chart(
            f"{MEASURE_LABELS[f.measure]} by month (all shown districts)",
            periods,
            [table.col_total(i) for i in range(len(periods))],
        )
        view = table_rows(table, [(d.name, f"/district/{d.code}") for d in districts])
        return render(
            request,
            "overview.html",
            session=session,
            periods=periods,
            view=view,
            chart=chart,
            f=f,
            start=start,
            end=end,
            measures=MEASURE_LABELS,
        )

    @router.get("/district/{code}")
    @page
    def district(request: Request, session: auth.Session, code: str) -> Response:
        allowed = {d.code: d for d in allowed_districts(session)}
        if code not in allowed:
            raise PageError(404, "No such district, or it is not one of yours.")
        start, end, periods = period_range(request)
        f = measure_filter(request, start, end, "services")
        with ctx.db.read() as tx:
            schools = orgunits.list_schools(tx, code)
            data = queries.by_org_unit_month(tx, f, code)
        labels = [(s.name, None) for s in schools] + [("District level (not by school)", None)]
        keys = [s.code for s in schools] + [code]
        table = suppress_table([[data.get((k, p), 0) for p in periods] for k in keys])
        chart = bar_chart(
            f"{MEASURE_LABELS[f.measure]} by month — {allowed[code].name}",
            periods,
            [table.col_total(i) for i in range(len(periods))],
        )
        return render(
            request,
            "district.html",
            session=session,
            district=allowed[code],
            periods=periods,
            view=table_rows(table, labels),
            chart=chart,
            f=f,
            start=start,
            end=end,
            measures=MEASURE_LABELS,
        )

    @router.get("/service/{code}")
    @page
    def service(request: Request, session: auth.Session, code: str) -> Response:
        if code not in ctx.taxonomy.codes:
            raise PageError(404, "No such service type.")
        start, end, periods = period_range(request)
        f = queries.Filter("services", start, end, service=code)
        districts = allowed_districts(session)
        with ctx.db.read() as tx:
            data = queries.by_district_month(tx, f, [d.code for d in districts])
        table = suppress_table([[data.get((d.code, p), 0) for p in periods] for d in districts])
        chart = bar_chart(
            f"{ctx.taxonomy.names[code]}: services by month",
            periods,
            [table.col_total(i) for i in range(len(periods))],
        )
        view = table_rows(
            table, [(d.name, f"/district/{d.code}?service={code}") for d in districts]
        )
        return render(
            request,
            "service.html",
            session=session,
            code=code,
            periods=periods,
            view=view,
            chart=chart,
            start=start,
            end=end,
        )

    @router.get("/screenings")
    @page
    def screenings(request: Request, session: auth.Session) -> Response:
        start, end, _ = period_range(request)
        codes = [d.code for d in allowed_districts(session)]
        with ctx.db.read() as tx:
            given = queries.by_instrument(tx, "screenings_administered", start, end, codes)
            positive = queries.by_instrument(tx, "screenings_positive", start, end, codes)
        instruments = [i for i in INSTRUMENTS if i in given or i in positive]
        table = suppress_table([[given.get(i, 0), positive.get(i, 0)] for i in instruments])
        rows = []
        rates = []
        for r, inst in enumerate(instruments):
            pr = rate(table.cell(r, 1), table.cell(r, 0))
            rates.append(pr)
            rows.append(
                {
                    "label": inst,
                    "given": fmt(table.cell(r, 0)),
                    "positive": fmt(table.cell(r, 1)),
                    "rate": fmt_rate(pr, table.cell(r, 0)),
                }
            )
        chart = bar_chart("Positive rate by instrument", instruments, rates, percent=True)
        return render(
            request,
            "screenings.html",
            session=session,
            rows=rows,
            chart=chart,
            start=start,
            end=end,
            totals=[fmt(table.col_total(0)), fmt(table.col_total(1))],
        )

    @router.get("/referrals")
    @page
    def referrals(request: Request, session: auth.Session) -> Response:
        start, end, _ = period_range(request)
        districts = allowed_districts(session)
        codes = [d.code for d in districts]
        with ctx.db.read() as tx:
            made = queries.by_district(tx, "referrals_made", start, end, codes)
            done = queries.by_district(tx, "referrals_completed", start, end, codes)
        table = suppress_table([[made.get(c, 0), done.get(c, 0)] for c in codes])
        rows = []
        for r, d in enumerate(districts):
            rows.append(
                {
                    "label": d.name,
                    "made": fmt(table.cell(r, 0)),
                    "done": fmt(table.cell(r, 1)),
                    "rate": fmt_rate(rate(table.cell(r, 1), table.cell(r, 0)), table.cell(r, 0)),
                }
            )
        chart = bar_chart(
            "Referrals made by district",
            [d.name.split()[0] for d in districts],
            [table.cell(r, 0) for r in range(len(districts))],
        )
        return render(
            request,
            "referrals.html",
            session=session,
            rows=rows,
            chart=chart,
            start=start,
            end=end,
            totals=[
                fmt(table.col_total(0)),
                fmt(table.col_total(1)),
                fmt_rate(rate(table.col_total(1), table.col_total(0))),
            ],
        )
