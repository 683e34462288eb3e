"""Pure rules of students: names, grades, CDS codes, consent basis, handout basis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from clinician_desk.domain.students import (
    Guardian,
    ParentContact,
    StudentInput,
    consent_gaps,
    district_of,
    normalize_grade,
    personalized_handout_basis,
    validate_student,
)
from clinician_desk.errors import ValidationError

TODAY = date(2026, 10, 5)
BASE = StudentInput(
    legal_first_name=" Testy ",
    legal_last_name="McFakeface",
    date_of_birth=date(2012, 5, 6),
    grade="07",
    school_cds="99999990000022",
    district_student_number="000123",
    consent_basis="parent_consent",
)


def test_normalizes_fields_and_keeps_leading_zeros() -> None:
    s = validate_student(BASE, TODAY)
    assert s.legal_first_name == "Testy"
    assert s.grade == "7"
    assert s.district_student_number == "000123"


@pytest.mark.parametrize(("raw", "grade"), [("TK", "TK"), ("k", "K"), ("KG", "K"), ("12", "12")])
def test_grades_stay_text(raw: str, grade: str) -> None:
    assert normalize_grade(raw) == grade


@pytest.mark.parametrize("bad", ["13", "PK", "", "first"])
def test_bad_grades_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="grade"):
        normalize_grade(bad)


def test_cds_code_must_be_14_digits_and_district_derived() -> None:
    with pytest.raises(ValidationError, match="14 digits"):
        validate_student(replace(BASE, school_cds="1234"), TODAY)
    assert district_of("99999990000022") == "99999990000000"


def test_minor_consent_needs_parent_contact_documentation() -> None:
    with pytest.raises(ValidationError, match=r"124260\(c\)"):
        validate_student(replace(BASE, consent_basis="minor_consent"), TODAY)
    with pytest.raises(ValidationError, match=r"124260\(c\)"):
        validate_student(
            replace(
                BASE,
                consent_basis="minor_consent",
                parent_contact=ParentContact(attempted_on=date(2026, 10, 1)),
            ),
            TODAY,
        )
    ok = validate_student(
        replace(
            BASE,
            consent_basis="minor_consent",
            parent_contact=ParentContact(date(2026, 10, 1), "no answer; message left"),
        ),
        TODAY,
    )
    assert ok.parent_contact is not None
    ok2 = validate_student(
        replace(
            BASE,
            consent_basis="minor_consent",
            parent_contact=ParentContact(inappropriate_reason="documented reason"),
        ),
        TODAY,
    )
    assert consent_gaps(ok2.consent_basis, ok2.parent_contact) == ()


def test_consent_gaps_and_handout_basis() -> None:
    assert consent_gaps(None, None) == ("consent basis not recorded",)
    assert personalized_handout_basis("parent_consent", None, None)[0]
    allowed, why = personalized_handout_basis("minor_consent", None, None)
    assert not allowed and "generic handout" in why
    assert personalized_handout_basis("minor_consent", "student_authorization", TODAY)[0]
    with pytest.raises(ValidationError, match="date"):
        validate_student(replace(BASE, handout_basis="student_authorization"), TODAY)
    with pytest.raises(ValidationError, match="parent-consented"):
        validate_student(replace(BASE, consent_basis=None, handout_basis="parent_consent"), TODAY)


def test_other_bad_inputs() -> None:
    with pytest.raises(ValidationError, match="future"):
        validate_student(replace(BASE, date_of_birth=date(2027, 1, 1)), TODAY)
    with pytest.raises(ValidationError, match="SSID"):
        validate_student(replace(BASE, ssid="12345"), TODAY)
    with pytest.raises(ValidationError, match="name"):
        validate_student(replace(BASE, legal_last_name="  "), TODAY)
    with pytest.raises(ValidationError, match="guardian 1"):
        validate_student(replace(BASE, guardians=(Guardian(" "),)), TODAY)
    with pytest.raises(ValidationError, match="consent basis"):
        validate_student(replace(BASE, consent_basis="maybe"), TODAY)
