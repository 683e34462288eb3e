"""Builds the renderers' plain inputs (``clinician_desk.reports.models``) from the vault.

Each builder takes an open connection, reads through the record's read models and returns a
frozen document model; none of them audits (the print service does, once per print or export).
Psychotherapy-note content is never read here: the session builder uses the progress-note view,
which has no such field.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from clinician_desk.bundled.paths import resource_path
from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain.hours import (
    HoursLimits,
    compute_hours,
    week_start,
)
from clinician_desk.domain.screenings import Instrument, build_trend
from clinician_desk.errors import NotFoundError, ValidationError
from clinician_desk.messages import M
from clinician_desk.reports import models as m
from clinician_desk.services.profile import read_profile
from clinician_desk.services.record.views import (
    safety_plan_view,
    session_note_view,
    student_view,
)
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import caseload as caseload_repo
from clinician_desk.storage.repositories import hours as hours_repo
from clinician_desk.storage.repositories import notes as notes_repo
from clinician_desk.storage.repositories import screenings as screenings_repo
from clinician_desk.storage.repositories import settings as settings_repo
from clinician_desk.storage.repositories import students as students_repo

MODALITY = {"in_person": "in person", "telehealth": "telehealth", "phone": "phone"}


def setting(conn: Connection, key: str, default: str = "") -> str:
    return settings_repo.read_one(conn, key, default)


def session_doc(conn: Connection, note_id: int) -> tuple[m.SessionSummaryDoc, int | None]:
    """The session summary of one note, and the student it is about."""
    v = session_note_view(conn, note_id)
    profile = read_profile(conn)
    student_ref = "" if v.student_id is None else f"S-{v.student_id}"
    participants = v.participant_kind + (f" (group of {v.group_size})" if v.group_size else "")
    school = students_repo.find_school_name(conn, v.school_cds)
    doc = m.SessionSummaryDoc(
        student_name=v.student_display_name,
        student_ref=student_ref,
        school=v.school_cds if school is None else school,
        session_date=v.session_date,
        service_code=v.service_code,
        service_name=v.service_name,
        minutes=v.minutes,
        modality=MODALITY.get(v.modality, v.modality),
        template=v.template,
        sections=tuple(m.NoteSection(s.title, s.text) for s in v.sections),
        signed_by=profile.signature(v.signed_by or "") if v.status == "signed" else None,
        signed_at=_when(v.signed_at) if v.status == "signed" else None,
        addenda=tuple(
            m.AddendumView(a.body, profile.signature(a.signed_by), _when(a.signed_at))
            for a in v.addenda
        ),
        tier=v.tier,
        location=v.location,
        participants=participants,
    )
    return doc, v.student_id


def _when(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def safety_plan_doc(conn: Connection, student_id: int) -> m.SafetyPlanDoc:
    view = safety_plan_view(conn, student_id)
    if view is None:
        student_view(conn, student_id)  # NotFoundError for an unknown student
        raise NotFoundError(M("This student has no safety plan yet; create one before printing."))
    return m.SafetyPlanDoc(
        student_name=view.student_display_name,
        created_on=view.created_on,
        steps=tuple(m.PlanStep(s.number, s.title, s.items) for s in view.steps),
        clinician=read_profile(conn).signature(view.created_by),
    )


def _answer(instrument: Instrument | None, item_id: str, value: object) -> tuple[str, str, str]:
    item = instrument.item(item_id) if instrument else None
    if item is None:
        return item_id, str(value), ""
    option = item.option_for(value)
    label = option.label if option else str(value)
    points = "" if option is None else str(option.points)
    # Numbered items keep their number; named ones ("ever_attempted") show only their text.
    return (f"{item.id}. {item.text}" if item.id.isdigit() else item.text), label, points


def screening_doc(
    conn: Connection, screening_id: int, instruments: Mapping[str, Instrument]
) -> m.ScreeningSummaryDoc:
    row = screenings_repo.get_screening(conn, screening_id)
    if row is None:
        raise NotFoundError(M("There is no screening with id {id}.", id=screening_id))
    results = screenings_repo.results_of(conn, screening_id)
    latest: Mapping[str, Any] = results[-1].result if results else {}
    instrument = instruments.get(row.instrument)
    student = student_view(conn, row.student_id)
    scores: list[tuple[str, str]] = []
    if latest.get("total") is not None:
        rng = latest.get("total_range")
        scores.append(("Total", f"{latest['total']}" + (f" of {rng[1]}" if rng else "")))
    for sid, sub in (latest.get("subscales") or {}).items():
        if sub.get("score") is not None:
            mark = " (positive)" if sub.get("positive") else ""
            scores.append((sid, f"{sub['score']}{mark}"))
    if latest.get("positive") is not None:
        scores.append(("Screen", "positive" if latest["positive"] else "negative"))
    follow_up = screenings_repo.follow_up_of(conn, screening_id)
    if follow_up is not None:
        state = (
            f"recorded {str(follow_up['recorded_at'])[:10]}: risk {follow_up['risk_outcome']}, "
            f"parent {str(follow_up['parent_decision']).replace('_', ' ')}"
        )
    elif row.requires_follow_up:
        state = "OPEN — safety follow-up not yet recorded"
    else:
        state = "not required"
    critical = []
    for crit in latest.get("critical", []):
        item_id = str(crit.get("item", ""))
        text, answer, _ = _answer(instrument, item_id, row.responses.get(item_id, ""))
        critical.append(m.CriticalItem(text, answer, str(crit.get("reason", "")), state))
    flags = tuple(f"{c.item}: {c.reason}" for c in critical)
    thresholds = instrument.scoring.thresholds if instrument else ()
    mine = [t.at for t in thresholds if t.population in (row.population, "all")]
    cutoff = float(mine[0]) if mine else (float(thresholds[0].at) if thresholds else None)
    trend_rows = screenings_repo.trend_inputs(conn, row.student_id, row.instrument)
    rng = instrument.total_range if instrument else None
    series = build_trend(row.instrument, trend_rows, rng)
    points = tuple(
        m.TrendPoint(p.administered_on, float(p.total))
        for p in series.points
        if p.total is not None
    )
    return m.ScreeningSummaryDoc(
        student_name=student.display_name,
        student_ref=f"S-{student.id}",
        instrument_name=instrument.title if instrument else row.instrument,
        instrument_version=row.instrument_version,
        administered_on=row.administered_on,
        respondent=row.respondent,
        language=row.language,
        responses=tuple(
            m.ResponseLine(*_answer(instrument, k, row.responses[k]))
            for k in _form_order(instrument, row.responses)
        ),
        scores=tuple(scores),
        band=str(latest.get("band") or "—"),
        flags=flags,
        attribution=instrument.attribution if instrument else "",
        trend=points if len(points) >= 2 else (),
        trend_max=float(rng[1]) if rng else None,
        rule_version=results[-1].rule_version if results else "",
        administered_by=read_profile(conn).signature(row.recorded_by),
        critical=tuple(critical),
        cutoff=cutoff,
    )


def _form_order(instrument: Instrument | None, responses: Mapping[str, Any]) -> list[str]:
    """Answered item ids in the instrument's own order (1, 2, … 17, then extra items), never
    in text order (1, 10, 11, … 2)."""
    order = [i.id for i in instrument.items] if instrument else []
    known = [k for k in order if k in responses]
    rest = sorted(
        (k for k in responses if k not in order),
        key=lambda k: (0, int(k), "") if k.isdigit() else (1, 0, k),
    )
    return known + rest


# Never named or counted for a family: a mandated report (it may concern the family itself) and
# substance-use screening (the student's own confidential care).
NOT_FOR_FAMILIES = frozenset({"MAND-REPORT", "SCR-SUD"})
# Results a family document never carries, even when ticked.
SUBSTANCE_USE_INSTRUMENTS = frozenset({"CRAFFT"})
# What the print centre's single "include screening results" box ticks: mood and anxiety
# screens with bands a family can read (never suicide-risk screens or substance use).
FAMILY_RESULT_INSTRUMENTS = frozenset({"PHQ-A", "PHQ-9", "PHQ-2", "GAD-7", "GAD-2", "PSC-17"})


def personal_details(
    conn: Connection,
    student_id: int,
    instruments: Mapping[str, Instrument],
    labels: Mapping[str, str] | None = None,
    include_results: frozenset[str] = frozenset(),
) -> m.PersonalDetails:
    """Name, services and sessions attended, for a personalized handout; results only for the
    instruments the clinician ticked for this print (``include_results``), as translated words
    (the band, never a score) with a one-line explanation.

    Service names come from the handout language's ``service.<CODE>`` labels (the taxonomy's
    English name otherwise). Mandated reports, substance-use screening and services without the
    student are left out; a substance-use result is refused even when ticked.
    """
    refused = include_results & SUBSTANCE_USE_INSTRUMENTS
    if refused:
        raise ValidationError(
            M(
                "Substance-use screening results are never printed for families "
                "({instruments}); untick them and print again.",
                instruments=", ".join(sorted(refused)),
            )
        )
    student = student_view(conn, student_id)
    taxonomy = load_taxonomy()
    words = labels or {}
    hidden = NOT_FOR_FAMILIES | {c for c, t in taxonomy.services.items() if t.no_student}
    rows = [r for r in notes_repo.services_of_student(conn, student_id) if r[0] not in hidden]
    codes = sorted({r[0] for r in rows})
    services = tuple(
        words.get(f"service.{c}") or (taxonomy.services[c].name if c in taxonomy.services else c)
        for c in codes
    )
    period = f"{rows[0][1]} – {rows[-1][1]}" if rows else ""
    results: list[str] = []
    latest_by_instrument: dict[str, screenings_repo.ScreeningRow] = {}
    for s in screenings_repo.screenings_of_student(conn, student_id):
        known = latest_by_instrument.get(s.instrument)
        if known is None or s.administered_on >= known.administered_on:
            latest_by_instrument[s.instrument] = s
    for name, s in sorted(latest_by_instrument.items()):
        if name not in include_results:
            continue
        res = screenings_repo.results_of(conn, s.id)
        if not res:
            continue
        r = res[-1].result
        title = instruments[name].title if name in instruments else name
        band = str(r.get("band") or "").strip()
        word = words.get(f"band.{band.replace(' ', '_')}", "") if band else ""
        results.append(f"{title}, {s.administered_on.isoformat()}" + (f": {word}" if word else ""))
    return m.PersonalDetails(
        student_name=student.display_name,
        services=services,
        sessions_attended=len(rows),
        attendance_period=period,
        results=tuple(results),
        results_note=words.get("results_note", "") if results else "",
    )


def caseload_doc(conn: Connection, year: int, month: int) -> m.CaseloadReportDoc:
    """Services delivered and students seen in one calendar month."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    taxonomy = load_taxonomy()
    services = []
    for row in caseload_repo.services_between(conn, first, last):
        service = taxonomy.services.get(row.code)
        services.append(
            m.ServiceMonthRow(
                code=row.code,
                name=service.name if service else row.code,
                sessions=row.sessions,
                students=row.students,
                minutes=row.minutes,
                participants=row.participants if service and service.counts_participants else 0,
            )
        )
    review = caseload_repo.review_counts(conn, first, last)
    by_student: dict[int, tuple[int, int, str | None]] = dict(
        caseload_repo.students_seen_between(conn, first, last)
    )
    students = []
    schools: set[str] = set()
    # Everyone seen this month, and anyone else with something a supervisor must review.
    for sid in sorted(set(by_student) | {s for s, counts in review.items() if any(counts)}):
        v = student_view(conn, sid)
        count, minutes, last_day = by_student.get(sid, (0, 0, None))
        flags, positive, overdue, unsigned = review.get(sid, (0, 0, 0, 0))
        schools.add(v.school_name or v.school_cds)
        students.append(
            m.CaseloadStudentRow(
                student_name=v.display_name,
                grade=v.grade,
                school=v.school_name or v.school_cds,
                sessions=count,
                minutes=minutes,
                last_session=date.fromisoformat(last_day) if last_day else None,
                student_ref=f"S-{sid}",
                open_flags=flags,
                positive_screens=positive,
                overdue_referrals=overdue,
                unsigned_notes=unsigned,
            )
        )
    students.sort(key=lambda r: (r.student_name.casefold(), r.student_ref))
    return m.CaseloadReportDoc(
        clinician=read_profile(conn).signature(),
        year=year,
        month=month,
        services=tuple(services),
        students=tuple(students),
        schools=tuple(sorted(schools)),
    )


@cache
def bbs_requirements() -> Mapping[str, Any]:
    """Categories and targets per registration type (``resources/hours/bbs_requirements.json``)."""
    path = resource_path("hours", "bbs_requirements.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path.name}: cannot be read ({exc.__class__.__name__})") from None
    licenses = data.get("licenses") if isinstance(data, dict) else None
    if not isinstance(licenses, dict):
        raise ValidationError(f"{path.name}: 'licenses' is missing")
    return licenses


_FAMILY_CODES = frozenset({"TX-FAM"})
_GROUP_CODES = frozenset({"TX-GRP"})


def hours_doc(
    conn: Connection, license_type: str, day: date, limits: HoursLimits | None = None
) -> m.HoursLogDoc:
    """The weekly log of the week containing ``day`` in the BBS categories of the registration
    type, with running totals against its targets and weeks of supervision counted."""
    start = week_start(day)
    end = start + timedelta(days=6)
    taxonomy = load_taxonomy()
    # Every direct session counts toward children/couples/families (clients are children).
    sessions = hours_repo.session_minutes_until(conn, end)
    logged = hours_repo.logged_minutes_until(conn, end)
    report = compute_hours(license_type, sessions, logged, taxonomy, limits)
    req = bbs_requirements().get(license_type)
    if req is None:
        raise ValidationError(
            M("No BBS requirements are recorded for {license}.", license=license_type)
        )
    week = next((w for w in report.weeks if w.week_start == start), None)
    # Direct counseling of this week split as the BBS log asks: individual, family, group.
    split = {"individual": 0.0, "ccf": 0.0, "group": 0.0}
    for s in sessions:
        if week_start(s.day) != start or not taxonomy.service(s.service_code).direct_clinical:
            continue
        bucket = (
            "group"
            if s.service_code in _GROUP_CODES
            else "ccf"
            if s.service_code in _FAMILY_CODES
            else "individual"
        )
        split[bucket] += s.minutes / 60.0
    rows: list[m.HoursRow] = []
    if week is not None:
        values = {**split, "asw_a": week.asw_a, "asw_a1": week.asw_a1, "asw_b": week.asw_b}
        for cat in req["direct"]:
            counts = "non-clinical (B)" if cat["id"] == "asw_b" else "direct"
            rows.append(m.HoursRow(cat["label"], round(values[cat["id"]], 2), counts))
        if license_type == "AMFT":
            rows.append(
                m.HoursRow(
                    "Counts toward couples, families and children (all sessions with a child)",
                    week.ccf,
                    "AMFT 500-hour minimum",
                )
            )
        other = week.nonclinical - (week.asw_b if license_type == "ASW" else 0.0)
        rows.append(m.HoursRow("Non-clinical (notes, testing, coordination, workshops)", other))
        rows.append(m.HoursRow("Supervision: individual or triadic", week.supervision_individual))
        rows.append(m.HoursRow("Supervision: group", week.supervision_group))
    upto = [w for w in report.weeks if w.week_start <= start]
    t = report.totals
    measured = {
        "direct": t.get("direct", 0.0),
        "ccf": t.get("ccf", 0.0),
        "nonclinical": t.get("nonclinical", 0.0),
        "asw_a": t.get("asw_a", 0.0),
        "asw_a1": t.get("asw_a1", 0.0),
        "asw_b": t.get("asw_b", 0.0),
        "supervision_weeks": float(sum(1 for w in upto if w.supervision > 0)),
        "individual_weeks": float(sum(1 for w in upto if w.supervision_individual > 0)),
    }
    cap = next((float(x["hours"]) for x in req["targets"] if x["kind"] == "max"), None)
    extra = measured["nonclinical"] if cap is None else min(measured["nonclinical"], cap)
    measured["total"] = round(measured["direct"] + extra, 2)
    totals = tuple(
        m.RunningTotal(
            x["label"],
            round(measured[x["key"]], 2),
            float(x["hours"]),
            x["kind"] == "max",
            unit="weeks" if x["key"].endswith("_weeks") else "hours",
        )
        for x in req["targets"]
    )
    forms = "; ".join(f"{f['name']} (version: {f['version']})" for f in req.get("forms", []))
    profile = read_profile(conn)
    return m.HoursLogDoc(
        associate_name=profile.display_name,
        license_type=license_type,
        week_start=start,
        rows=tuple(rows),
        registration=setting(conn, "registration_number"),
        supervisor_name=setting(conn, "supervisor_name"),
        supervisor_license=setting(conn, "supervisor_license"),
        site=setting(conn, "work_setting"),
        running_totals=totals,
        warnings=(week.warnings if week else ("No hours recorded this week.",)),
        requirements=f"{req['title']}; {req['law']}; BBS forms: {forms}",
    )
