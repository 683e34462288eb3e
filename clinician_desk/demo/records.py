"""Demo sessions with their notes, referrals, safety plans, safety flags and mandated-report
events (all fictional).

Helpers of ``demo.generator``: called inside its unit of work with the generated student ids.
``sessions_and_notes`` only builds rows (no I/O) so the caller can insert them in bulk; the
others insert as they go. Every helper adds the (org unit, month) pairs the real services would
mark for sync to ``dirty``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.demo.text import section_text, sentence
from clinician_desk.domain import mandated_reports as mr
from clinician_desk.domain.notes import TEMPLATES, content_hash, plain_text
from clinician_desk.domain.referrals import default_follow_up_on
from clinician_desk.domain.safety_plans import validate_plan
from clinician_desk.domain.sessions import period_of
from clinician_desk.domain.students import district_of
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import clinical_events as events_repo
from clinician_desk.storage.repositories.search_index import rowid_for

SERVICE_WEIGHTS = {
    "TX-IND": 40,
    "TX-GRP": 10,
    "TX-FAM": 5,
    "ASMT-INTAKE": 5,
    "CM-COORD": 10,
    "CONSULT": 8,
    "PSY-EDU-GRP": 5,
    "PSY-EDU-CLASS": 3,
    "SCR-UNIV": 4,
    "SCR-SUD": 2,
    "CRISIS": 3,
    "SAFETY-PLAN": 2,
    "REFERRAL": 3,
}
TEMPLATE_NAMES = ("SOAP", "DAP", "BIRP", "free")
TEMPLATE_WEIGHTS = (45, 30, 15, 10)
Row = tuple[object, ...]


@dataclass
class SessionRows:
    """Rows for bulk insertion, in table order (ids assigned here, after the existing ones)."""

    sessions: list[Row] = field(default_factory=list)
    present: list[Row] = field(default_factory=list)
    notes: list[Row] = field(default_factory=list)
    addenda: list[Row] = field(default_factory=list)
    search: list[tuple[int, str, str, int | None]] = field(default_factory=list)


def _school_days(start: date, end: date) -> list[date]:
    days, d = [], start
    while d <= end:
        in_year = not (date(d.year, 6, 12) <= d <= date(d.year, 8, 14))
        if d.weekday() < 5 and in_year:
            days.append(d)
        d += timedelta(days=1)
    return days


def sessions_and_notes(
    rng: random.Random,
    count: int,
    info: dict[int, str],
    today: date,
    now: str,
    first_ids: tuple[int, int],
    dirty: set[tuple[str, str]],
    tick: Callable[[int], None],
) -> SessionRows:
    """``count`` sessions on school days of the last three school years, across the taxonomy
    and tiers, each with one note per student present (signed, except about half of those of
    the last few days) and an addendum on ~1 % of signed notes. ``first_ids`` are the highest
    existing (session id, note id); ``tick(done)`` is called every 1,000 sessions."""
    tax = load_taxonomy()
    ids = list(info)
    days = _school_days(date(today.year - 3, 8, 15), today)
    codes, weights = list(SERVICE_WEIGHTS), list(SERVICE_WEIGHTS.values())
    out = SessionRows()
    s_base, note_id = first_ids
    for j in range(count):
        if j % 1000 == 0 and j:
            tick(j)
        session_id = s_base + j + 1
        code = rng.choices(codes, weights)[0]
        service = tax.service(code)
        tier = rng.choice(service.tiers) if service.tiers else None
        day = rng.choice(days)
        start = rng.randrange(8 * 60, 15 * 60, 5)
        minutes = rng.choice((20, 30, 40, 45, 50, 55)) if code != "PSY-EDU-CLASS" else 50
        anchor = rng.choice(ids)
        cds = info[anchor]
        kind, size, who = "student", None, [anchor]
        if code in ("TX-GRP", "PSY-EDU-GRP"):
            same = [s for s in rng.sample(ids, min(len(ids), 12)) if info[s] == cds]
            who = list(dict.fromkeys([anchor, *same]))[: rng.randint(2, 5)]
            kind, size = "group", max(len(who), rng.randint(3, 8))
        elif code == "PSY-EDU-CLASS":
            kind, size, who = "group", rng.randint(18, 32), []
        elif code == "TX-FAM":
            kind = "family"
        elif code == "CONSULT":
            who = []
        modality = rng.choices(("in_person", "telehealth", "phone"), (85, 10, 5))[0]
        place = "school" if modality == "in_person" else "telehealth"
        iso = day.isoformat()
        out.sessions.append(
            (
                session_id,
                iso,
                start,
                start + minutes,
                code,
                tier,
                modality,
                place,
                kind,
                size,
                cds,
                now,
                now,
            )
        )
        out.present += [(session_id, s, iso) for s in who]
        recent = (today - day).days < 4
        at = f"{iso}T{(start + minutes) // 60 + 1:02d}:00:00Z"
        targets: list[int | None] = list(who) or [None]
        for s in targets:
            note_id += 1
            template = rng.choices(TEMPLATE_NAMES, TEMPLATE_WEIGHTS)[0]
            sections = {k: section_text(rng, k) for k in TEMPLATES[template]}
            signed = not (recent and rng.random() < 0.5)
            digest = content_hash(sections, "clinician", at) if signed else None
            out.notes.append(
                (
                    note_id,
                    session_id,
                    s,
                    template,
                    json.dumps(sections),
                    *(
                        ("signed", "clinician", at, digest)
                        if signed
                        else ("draft", None, None, None)
                    ),
                    now,
                    now,
                )
            )
            out.search.append((rowid_for("note", note_id), plain_text(sections), "note", s))
            if signed and rng.random() < 0.01:
                body = "Addendum (fictional): " + sentence(rng)
                # the same content hash as services.notes.add_addendum
                added = content_hash({"addendum": body, "note": str(note_id)}, "clinician", at)
                out.addenda.append((note_id, body, "clinician", at, added))
        period = period_of(day)
        dirty.update({(cds, period), (district_of(cds), period)})
    return out


def referrals(
    conn: Connection,
    rng: random.Random,
    ids: list[int],
    info: dict[int, str],
    today: date,
    now: str,
    dirty: set[tuple[str, str]],
) -> int:
    count = 0
    for sid in rng.sample(ids, max(1, len(ids) // 4)):
        day = today - timedelta(days=rng.randint(3, 700))
        status = rng.choice(("sent", "accepted", "first_appointment", "closed", "declined"))
        follow = default_follow_up_on(day)
        destination = rng.choice(("county_mhp", "community_provider", "school_team"))
        reason = rng.choice(("anxiety", "depression", "behavior", "trauma", "family"))
        referral_id = events_repo.insert_referral(
            conn,
            student_id=sid,
            destination=destination,
            destination_name="Fictional Provider (demo)",
            referral_date=day,
            reason=reason,
            follow_up_on=follow,
            school_cds=info[sid],
            now=now,
            status=status,
        )
        events_repo.add_referral_status(
            conn, referral_id, status, day, follow, now=now, actor="clinician"
        )
        dirty.update({(info[sid], period_of(day)), (district_of(info[sid]), period_of(day))})
        count += 1
    return count


def safety_and_reports(
    conn: Connection,
    rng: random.Random,
    ids: list[int],
    info: dict[int, str],
    today: date,
    now: str,
    dirty: set[tuple[str, str]],
) -> None:
    plan = validate_plan(
        {
            "warning_signs": ["Feeling alone after school (fictional)"],
            "coping_strategies": ["Drawing", "Listening to music"],
            "distraction": ["Library club"],
            "help_contacts": ["A trusted aunt (fictional)"],
            "professionals": ["School counselor office"],
            "environment_safety": ["Keep medicines locked away"],
        }
    )
    for sid in rng.sample(ids, max(1, len(ids) // 20)):
        steps = json.dumps({k: list(v) for k, v in plan.items()})
        events_repo.insert_safety_plan(conn, sid, today, "clinician", steps, now)
        events_repo.insert_safety_flag(
            conn, sid, "demo", None, "Follow up on safety plan (fictional)", now
        )
    for n, sid in enumerate(rng.sample(ids, max(1, len(ids) // 50))):
        reported = today - timedelta(days=2 + 30 * n)
        at = f"{reported.isoformat()}T17:00:00Z"
        dirty.add((district_of(info[sid]), period_of(reported)))  # as record.clinical_events
        due = f"{(today - timedelta(days=1 + 30 * n)).isoformat()}T05:00:00Z"
        events_repo.insert_mandated_report(
            conn,
            student_id=sid,
            phone_report_at=at,
            agency="child_welfare",
            follow_up_due_at=due,
            status=mr.PENDING if n == 0 else mr.SENT,
            school_cds=info[sid],
            now=now,
            follow_up_sent_at=None if n == 0 else due,
        )
