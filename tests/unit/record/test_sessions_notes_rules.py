"""Pure rules of sessions and notes: times, taxonomy, participants, templates, sign, addenda."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from clinician_desk.bundled.taxonomy import load_taxonomy
from clinician_desk.domain import notes
from clinician_desk.domain.sessions import SessionInput, period_of, validate_session
from clinician_desk.errors import PermissionRefusedError, ValidationError

TODAY = date(2026, 10, 5)
S = SessionInput(
    session_date=date(2026, 10, 5),
    start_minute=600,
    end_minute=645,
    service_code="TX-IND",
    tier=3,
    modality="in_person",
    location="school",
    participant_kind="student",
    school_cds="99999990000011",
    student_ids=(1,),
)


def test_valid_session_and_minutes() -> None:
    s = validate_session(S, load_taxonomy(), TODAY)
    assert s.minutes == 45
    assert period_of(s.session_date) == "2026-10"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end_minute": 590}, "ends"),
        ({"end_minute": 600}, "ends"),
        ({"service_code": "NOPE"}, "Unknown service code 'NOPE'"),
        ({"tier": 1}, "tier"),
        ({"modality": "carrier pigeon"}, "modality"),
        ({"student_ids": (1, 2)}, "at most one student|exactly one"),
        ({"student_ids": ()}, "exactly one"),
        ({"session_date": date(2026, 10, 6)}, "future"),
        ({"participant_kind": "group", "group_size": 1, "service_code": "TX-GRP"}, "group size"),
        (
            {
                "participant_kind": "group",
                "group_size": 2,
                "student_ids": (1, 2, 3),
                "service_code": "TX-GRP",
            },
            "More students",
        ),
        ({"student_ids": (1, 1)}, "twice"),
        ({"service_code": "MAND-REPORT", "tier": 2}, "no MTSS tier"),
    ],
)
def test_bad_sessions_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_session(replace(S, **change), load_taxonomy(), TODAY)  # type: ignore[arg-type]


def test_consult_needs_no_student_and_classroom_counts_participants() -> None:
    tax = load_taxonomy()
    validate_session(replace(S, service_code="CONSULT", tier=1, student_ids=()), tax, TODAY)
    validate_session(
        replace(
            S,
            service_code="PSY-EDU-CLASS",
            tier=1,
            participant_kind="group",
            group_size=28,
            student_ids=(),
        ),
        tax,
        TODAY,
    )


def test_templates_and_sections() -> None:
    assert notes.validate_sections("SOAP", {"plan": "x"}) == {
        "subjective": "",
        "objective": "",
        "assessment": "",
        "plan": "x",
    }
    with pytest.raises(ValidationError, match="no section 'data'"):
        notes.validate_sections("SOAP", {"data": "x"})
    with pytest.raises(ValidationError, match="template"):
        notes.validate_sections("XYZ", {})
    assert list(notes.validate_sections("BIRP", {})) == [
        "behavior",
        "intervention",
        "response",
        "plan",
    ]


def test_sign_and_addendum_rules() -> None:
    with pytest.raises(ValidationError, match="empty"):
        notes.check_signable("draft", {"plan": "  "})
    with pytest.raises(PermissionRefusedError, match="signed and locked"):
        notes.check_signable("signed", {"plan": "x"})
    with pytest.raises(PermissionRefusedError, match="signed note"):
        notes.check_addendum_allowed("draft", "late")
    with pytest.raises(ValidationError, match="needs text"):
        notes.check_addendum_allowed("signed", "  ")
    assert notes.check_addendum_allowed("signed", " late ") == "late"


def test_content_hash_depends_on_content_signer_and_time() -> None:
    a = notes.content_hash({"plan": "x"}, "c", "t1")
    assert a == notes.content_hash({"plan": "x"}, "c", "t1")
    assert (
        len(
            {
                a,
                notes.content_hash({"plan": "y"}, "c", "t1"),
                notes.content_hash({"plan": "x"}, "d", "t1"),
                notes.content_hash({"plan": "x"}, "c", "t2"),
            }
        )
        == 4
    )
