"""Students: identity, school, guardians, languages and the legal basis of care (pure rules).

A student is created from a ``StudentInput``; ``validate_student`` normalizes it and raises
``ValidationError`` naming the field at fault (never echoing student data). The consent basis is
``parent_consent`` or ``minor_consent`` (HSC 124260 / Family Code 6924); minor consent requires
the HSC 124260(c) parent-contact documentation: either the date and outcome of an attempted
contact, or the clinician's reason a contact would be inappropriate. A *personalized* parent
handout needs a recorded basis (parent-consented care, or the student's dated written
authorization) — see ``personalized_handout_basis``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from clinician_desk.domain.text_hygiene import FIELD_MAX, NAME_MAX, check_multiline, clean_field
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

CONSENT_BASES: tuple[str, ...] = ("parent_consent", "minor_consent")
HANDOUT_BASES: tuple[str, ...] = ("parent_consent", "student_authorization")
GRADES: tuple[str, ...] = ("TK", "K", *(str(g) for g in range(1, 13)))
_GRADE_ALIASES = {"KG": "K", "KN": "K", "KINDER": "K", "KINDERGARTEN": "K", "0": "K", "T": "TK"}
_CDS_RE = re.compile(r"^\d{14}$")
_SSID_RE = re.compile(r"^\d{10}$")


def normalize_grade(text: str) -> str:
    """Grade as canonical text: TK, K, 1..12 (``09`` -> ``9``, ``KG`` -> ``K``)."""
    g = text.strip().upper()
    g = _GRADE_ALIASES.get(g, g)
    if g.isdigit():
        g = str(int(g)) if int(g) != 0 else "K"
    if g not in GRADES:
        raise ValidationError(
            M("grade {grade!r} is not one of TK, K, 1-12.", grade=text.strip()[:8])
        )
    return g


def validate_cds_code(code: str, what: str = M("school CDS code")) -> str:
    c = code.strip()
    if not _CDS_RE.match(c):
        raise ValidationError(M("The {what} must be exactly 14 digits.", what=what))
    return c


def district_of(cds_code: str) -> str:
    """The district's org unit: its 7-digit county+district part followed by ``0000000``."""
    return validate_cds_code(cds_code)[:7] + "0000000"


@dataclass(frozen=True)
class Guardian:
    name: str
    relationship: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class ParentContact:
    """HSC 124260(c) documentation for minor-consented care.

    Either ``attempted_on`` + ``outcome`` (the contact was attempted), or ``inappropriate_reason``
    (the clinician's documented reason a parent contact would be inappropriate).
    """

    attempted_on: date | None = None
    outcome: str = ""
    inappropriate_reason: str = ""

    def complete(self) -> bool:
        attempted = self.attempted_on is not None and bool(self.outcome.strip())
        return attempted or bool(self.inappropriate_reason.strip())


@dataclass(frozen=True)
class StudentInput:
    legal_first_name: str
    legal_last_name: str
    date_of_birth: date
    grade: str
    school_cds: str
    preferred_name: str = ""
    district_student_number: str = ""
    ssid: str = ""
    language: str = ""
    consent_basis: str | None = None
    parent_contact: ParentContact | None = None
    handout_basis: str | None = None
    handout_authorized_on: date | None = None
    guardians: tuple[Guardian, ...] = field(default_factory=tuple)


MAX_AGE_YEARS = 30


def birth_date_problem(dob: date, today: date) -> str | None:
    """Why ``dob`` is not a plausible student's birth date (None when it is); shared by manual
    entry and the roster import."""
    if dob > today:
        return M("is in the future")
    if dob.year < today.year - MAX_AGE_YEARS:
        return M("is more than {years} years ago; check the year", years=MAX_AGE_YEARS)
    return None


def validate_student(s: StudentInput, today: date) -> StudentInput:
    """Return a normalized copy of ``s`` or raise ``ValidationError`` naming the problem.

    Every text field passes ``text_hygiene.clean_field`` (no control or text-direction
    characters, a length limit), the same rule the roster import applies."""
    first = clean_field(s.legal_first_name.strip(), M("The legal first name"), NAME_MAX)
    last = clean_field(s.legal_last_name.strip(), M("The legal last name"), NAME_MAX)
    preferred = clean_field(s.preferred_name.strip(), M("The preferred name"), NAME_MAX)
    number = clean_field(s.district_student_number.strip(), M("The district student number"))
    language = clean_field(s.language.strip(), M("The language"))
    clean_field(s.grade, M("The grade"))
    if not first or not last:
        raise ValidationError(M("A student needs a legal first and last name."))
    dob_problem = birth_date_problem(s.date_of_birth, today)
    if dob_problem is not None:
        raise ValidationError(M("The date of birth {problem}.", problem=dob_problem))
    ssid = s.ssid.strip()
    if ssid and not _SSID_RE.match(ssid):
        raise ValidationError(M("The SSID must be exactly 10 digits."))
    basis = s.consent_basis or None
    if basis is not None and basis not in CONSENT_BASES:
        raise ValidationError(
            M("consent basis must be one of {bases}.", bases=", ".join(CONSENT_BASES))
        )
    contact = s.parent_contact
    if basis == "minor_consent":
        if contact is None or not contact.complete():
            raise ValidationError(
                M(
                    "Minor consent needs the HSC 124260(c) parent-contact documentation: the "
                    "date and outcome of the attempted contact, or the reason a contact is "
                    "inappropriate."
                )
            )
        if contact.attempted_on is not None and contact.attempted_on > today:
            raise ValidationError(M("The parent-contact date is in the future."))
    h_basis = s.handout_basis or None
    if h_basis is not None and h_basis not in HANDOUT_BASES:
        raise ValidationError(
            M("handout basis must be one of {bases}.", bases=", ".join(HANDOUT_BASES))
        )
    if h_basis == "parent_consent" and basis != "parent_consent":
        raise ValidationError(M("A parent-consent handout basis needs parent-consented care."))
    if h_basis == "student_authorization" and s.handout_authorized_on is None:
        raise ValidationError(M("The student's written handout authorization needs its date."))
    if contact is not None:
        check_multiline(contact.outcome, M("The parent-contact outcome"), FIELD_MAX * 10)
        check_multiline(contact.inappropriate_reason, M("The reason"), FIELD_MAX * 10)
    guardians = []
    for i, g in enumerate(s.guardians, start=1):
        if not g.name.strip():
            raise ValidationError(M("guardian {i} needs a name.", i=i))
        guardians.append(
            replace(
                g,
                name=clean_field(g.name.strip(), M("guardian {i}'s name", i=i), NAME_MAX),
                relationship=clean_field(
                    g.relationship.strip(), M("guardian {i}'s relationship", i=i)
                ),
                phone=clean_field(g.phone.strip(), M("guardian {i}'s phone", i=i)),
                email=clean_field(g.email.strip(), M("guardian {i}'s email", i=i)),
                preferred_language=clean_field(
                    g.preferred_language.strip(), M("guardian {i}'s language", i=i)
                ),
            )
        )
    return replace(
        s,
        legal_first_name=first,
        legal_last_name=last,
        preferred_name=preferred,
        grade=normalize_grade(s.grade),
        school_cds=validate_cds_code(s.school_cds),
        district_student_number=number,
        ssid=ssid,
        language=language,
        consent_basis=basis,
        parent_contact=contact if basis == "minor_consent" else None,
        handout_basis=h_basis,
        guardians=tuple(guardians),
    )


def consent_gaps(
    consent_basis: str | None, parent_contact: ParentContact | None
) -> tuple[str, ...]:
    """What is missing from a student's consent documentation (empty tuple when complete)."""
    if consent_basis is None:
        return ("consent basis not recorded",)
    if consent_basis == "minor_consent" and (
        parent_contact is None or not parent_contact.complete()
    ):
        return ("HSC 124260(c) parent-contact documentation missing",)
    return ()


def personalized_handout_basis(
    consent_basis: str | None, handout_basis: str | None, authorized_on: date | None
) -> tuple[bool, str]:
    """Whether a personalized parent handout may be printed, and why (or why not)."""
    if consent_basis == "parent_consent":
        return True, "parent-consented care"
    if handout_basis == "student_authorization" and authorized_on is not None:
        return True, f"student's written authorization of {authorized_on.isoformat()}"
    return False, (
        "No recorded basis for a personalized handout: care is not parent-consented and the "
        "student's written authorization is not on file. Print the generic handout instead."
    )


def display_name(legal_first: str, legal_last: str, preferred: str) -> str:
    first = preferred or legal_first
    return f"{first} {legal_last}".strip()
