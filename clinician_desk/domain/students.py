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

from clinician_desk.errors import ValidationError

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
        raise ValidationError(f"grade {text.strip()[:8]!r} is not one of TK, K, 1-12.")
    return g


def validate_cds_code(code: str, what: str = "school CDS code") -> str:
    c = code.strip()
    if not _CDS_RE.match(c):
        raise ValidationError(f"The {what} must be exactly 14 digits.")
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


def validate_student(s: StudentInput, today: date) -> StudentInput:
    """Return a normalized copy of ``s`` or raise ``ValidationError`` naming the problem."""
    first, last = s.legal_first_name.strip(), s.legal_last_name.strip()
    if not first or not last:
        raise ValidationError("A student needs a legal first and last name.")
    if s.date_of_birth > today:
        raise ValidationError("The date of birth is in the future.")
    if s.date_of_birth.year < today.year - 30:
        raise ValidationError("The date of birth is more than 30 years ago; check the year.")
    ssid = s.ssid.strip()
    if ssid and not _SSID_RE.match(ssid):
        raise ValidationError("The SSID must be exactly 10 digits.")
    basis = s.consent_basis or None
    if basis is not None and basis not in CONSENT_BASES:
        raise ValidationError(f"consent basis must be one of {', '.join(CONSENT_BASES)}.")
    contact = s.parent_contact
    if basis == "minor_consent":
        if contact is None or not contact.complete():
            raise ValidationError(
                "Minor consent needs the HSC 124260(c) parent-contact documentation: the date "
                "and outcome of the attempted contact, or the reason a contact is inappropriate."
            )
        if contact.attempted_on is not None and contact.attempted_on > today:
            raise ValidationError("The parent-contact date is in the future.")
    h_basis = s.handout_basis or None
    if h_basis is not None and h_basis not in HANDOUT_BASES:
        raise ValidationError(f"handout basis must be one of {', '.join(HANDOUT_BASES)}.")
    if h_basis == "parent_consent" and basis != "parent_consent":
        raise ValidationError("A parent-consent handout basis needs parent-consented care.")
    if h_basis == "student_authorization" and s.handout_authorized_on is None:
        raise ValidationError("The student's written handout authorization needs its date.")
    for i, g in enumerate(s.guardians, start=1):
        if not g.name.strip():
            raise ValidationError(f"guardian {i} needs a name.")
    return replace(
        s,
        legal_first_name=first,
        legal_last_name=last,
        preferred_name=s.preferred_name.strip(),
        grade=normalize_grade(s.grade),
        school_cds=validate_cds_code(s.school_cds),
        district_student_number=s.district_student_number.strip(),
        ssid=ssid,
        language=s.language.strip(),
        consent_basis=basis,
        parent_contact=contact if basis == "minor_consent" else None,
        handout_basis=h_basis,
        guardians=tuple(replace(g, name=g.name.strip()) for g in s.guardians),
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
