"""Dashboard report pages for one organization and one period: screenings (administered,
positive rates) and referrals, for the county (admins) or one allowed district.

Every number comes from the publication cube, as in ``web_reports``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clinician_desk.sync.wire import INSTRUMENTS
from county_server import auth
from county_server import supervisor_views as SV
from county_server.charts import bar_chart
from county_server.publication import cube, views
from county_server.publication import periods as P
from county_server.suppression import fmt, fmt_rate, rate
from county_server.web_reports import fresh_state, render_report
from county_server.web_support import PageError, Web

Values = dict[tuple[str, str, str], int | None]


def register(router: APIRouter, web: Web) -> None:
    ctx = web.ctx
    page = web.page
    allowed_districts = web.allowed_districts

    def point_org(request: Request, session: auth.Session) -> tuple[str, str, str]:
        """(org level, org code, label) of a one-organization view: the county for admins by
        default, else the chosen (or first) allowed district."""
        districts = allowed_districts(session)
        chosen = request.query_params.get("district") or ""
        if chosen:
            match = [d for d in districts if d.code == chosen]
            if not match:
                raise PageError(404, "No such district, or it is not one of yours.")
            return "D", match[0].code, match[0].name
        if session.user.is_admin:
            return "C", cube.COUNTY, "the county"
        if not districts:
            raise PageError(403, "No district is assigned to you yet.")
        return "D", districts[0].code, districts[0].name

    @router.get("/screenings")
    @page
    def screenings(request: Request, session: auth.Session) -> Response:
        state = fresh_state(web)
        period = views.any_period(request.query_params, state.window)
        org_level, org, label = point_org(request, session)
        before = SV.previous(period)
        has_before = state.window.contains(before)
        times = [period.code] + ([before.code] if has_before else [])
        with ctx.db.read() as tx:

            def values(measure: str, cat_level: str, cats: Sequence[str]) -> Values:
                """One measure's published cells for this org and these periods."""
                return cube.read(
                    tx, measure, org_level, [org], period.level, times, cat_level, cats
                )

            given = values("screenings_administered", "I", INSTRUMENTS)
            positive = values("screenings_positive", "I", INSTRUMENTS)
            g_all = values("screenings_administered", "T", [""])
            p_all = values("screenings_positive", "T", [""])
        present = {k[2] for k in given} | {k[2] for k in positive}
        instruments = [i for i in INSTRUMENTS if i in present]
        rows, rates = [], []
        hidden = False
        for inst in instruments:
            g = cube.shown(given, (org, period.code, inst))
            p = cube.shown(positive, (org, period.code, inst))
            hidden = hidden or g is None or p is None
            pr = rate(p, g)
            rates.append(pr)
            row = {"label": inst, "given": fmt(g), "positive": fmt(p), "rate": fmt_rate(pr, g)}
            if has_before:
                bg = cube.shown(given, (org, before.code, inst))
                bp = cube.shown(positive, (org, before.code, inst))
                row["before"] = fmt_rate(rate(bp, bg), bg)
            rows.append(row)
        g_t = cube.shown(g_all, (org, period.code, ""))
        p_t = cube.shown(p_all, (org, period.code, ""))
        hidden = hidden or g_t is None or p_t is None
        chart = bar_chart(
            "Positive rate by instrument",
            instruments,
            rates,
            percent=True,
            y_label="Positive (% of given)",
            x_label="Instrument",
        )
        # By month and district: given, positive and the rate, for the period's fiscal year.
        fy = P.Period(P.YEAR, P.fy_code(period.fy))
        months = [P.Period(P.MONTH, m) for m in fy.months()]
        months = [m for m in months if state.window.contains(m)]
        districts = allowed_districts(session)
        orgs = [("D", d.code, d.name) for d in districts]
        if session.user.is_admin:
            orgs = [("C", cube.COUNTY, "County"), *orgs]
        mg: dict[tuple[str, str, str], int | None] = {}
        mp: dict[tuple[str, str, str], int | None] = {}
        with ctx.db.read() as tx:
            for lvl in ("C", "D"):
                codes = [o for level, o, _ in orgs if level == lvl]
                times = [m.code for m in months]
                mg |= cube.read(
                    tx, "screenings_administered", lvl, codes, P.MONTH, times, "T", [""]
                )
                mp |= cube.read(tx, "screenings_positive", lvl, codes, P.MONTH, times, "T", [""])
        by_month = []
        for _lvl, o, name in orgs:
            cells = []
            for m in months:
                g = cube.shown(mg, (o, m.code, ""))
                p = cube.shown(mp, (o, m.code, ""))
                hidden = hidden or g is None or p is None
                cells.append({"given": fmt(g), "positive": fmt(p), "rate": fmt_rate(rate(p, g), g)})
            by_month.append({"label": name, "cells": cells, "total": o == cube.COUNTY})
        return render_report(
            web,
            request,
            "screenings.html",
            by_month=by_month,
            months=[views.column_label(m, state.window) for m in months],
            fy_label=fy.code,
            session=session,
            state=state,
            rows=rows,
            chart=chart,
            period=period,
            period_label=views.column_label(period, state.window),
            org_label=label,
            districts=allowed_districts(session),
            totals=[fmt(g_t), fmt(p_t), fmt_rate(rate(p_t, g_t), g_t)],
            before_label=before.label() if has_before else None,
            before_total=fmt_rate(
                rate(
                    cube.shown(p_all, (org, before.code, "")),
                    cube.shown(g_all, (org, before.code, "")),
                ),
                cube.shown(g_all, (org, before.code, "")),
            ),
            hidden=hidden,
            sentences=views.SUPPRESSION_SENTENCE,
        )

    @router.get("/referrals")
    @page
    def referrals(request: Request, session: auth.Session) -> Response:
        state = fresh_state(web)
        period = views.any_period(request.query_params, state.window)
        districts = allowed_districts(session)
        orgs: Sequence[tuple[str, str, str]] = [("D", d.code, d.name) for d in districts]
        if session.user.is_admin:
            orgs = [("C", cube.COUNTY, "County"), *orgs]
        before = SV.previous(period)
        times = [period.code] + ([before.code] if state.window.contains(before) else [])
        made: dict[tuple[str, str, str], int | None] = {}
        done: dict[tuple[str, str, str], int | None] = {}
        with ctx.db.read() as tx:
            for lvl in ("C", "D"):
                these = [o for level, o, _ in orgs if level == lvl]
                made |= cube.read(tx, "referrals_made", lvl, these, period.level, times, "T", [""])
                done |= cube.read(
                    tx, "referrals_completed", lvl, these, period.level, times, "T", [""]
                )
        rows: list[dict[str, Any]] = []
        hidden = False
        for _lvl, org, name in orgs:
            m = cube.shown(made, (org, period.code, ""))
            d = cube.shown(done, (org, period.code, ""))
            hidden = hidden or m is None or d is None
            row: dict[str, Any] = {
                "label": name,
                "made": fmt(m),
                "done": fmt(d),
                "rate": fmt_rate(rate(d, m), m),
                "m": m,
                "total": org == cube.COUNTY,
            }
            if len(times) == 2:
                pm = cube.shown(made, (org, before.code, ""))
                pd = cube.shown(done, (org, before.code, ""))
                hidden = hidden or pm is None or pd is None
                row |= {"p_made": fmt(pm), "p_done": fmt(pd), "p_rate": fmt_rate(rate(pd, pm), pm)}
                row["pm"] = pm
            rows.append(row)
        body = [r for r in rows if not r["total"]]
        chart = bar_chart(
            "Referrals made by district",
            [str(r["label"]).split()[0] for r in body],
            [r["m"] for r in body],
            previous=[r["pm"] for r in body] if len(times) == 2 else None,
            series=(period.label(), before.label()),
            y_label="Referrals made (referrals)",
            x_label="District",
        )
        return render_report(
            web,
            request,
            "referrals.html",
            session=session,
            state=state,
            rows=rows,
            chart=chart,
            period=period,
            period_label=views.column_label(period, state.window),
            before_label=before.label() if len(times) == 2 else None,
            hidden=hidden,
            sentences=views.SUPPRESSION_SENTENCE,
        )
