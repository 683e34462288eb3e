"""Progress notes, psychotherapy notes and addenda: templates and the sign-and-lock rules.

Templates: SOAP (subjective, objective, assessment, plan), DAP (data, assessment, plan), BIRP
(behavior, intervention, response, plan) and free text (text). A note is a draft until signed;
a signed note never changes (the database triggers enforce it too); corrections are addenda,
each signed and time-stamped on creation, and only a signed note takes one. A psychotherapy
(process) note is kept in its own table and never printed or summarized.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from clinician_desk.errors import PermissionRefusedError, ValidationError
from clinician_desk.messages import M

TEMPLATES: dict[str, tuple[str, ...]] = {
    "SOAP": ("subjective", "objective", "assessment", "plan"),
    "DAP": ("data", "assessment", "plan"),
    "BIRP": ("behavior", "intervention", "response", "plan"),
    "free": ("text",),
}
SECTION_TITLES: dict[str, str] = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
    "data": "Data",
    "behavior": "Behavior",
    "intervention": "Intervention",
    "response": "Response",
    "text": "Note",
}
NOTE_STATUSES: tuple[str, ...] = ("draft", "signed")
MAX_SECTION_CHARS = 100_000


def validate_sections(template: str, sections: Mapping[str, str]) -> dict[str, str]:
    """Sections of ``template`` in template order (missing ones empty); unknown keys refused."""
    if template not in TEMPLATES:
        raise ValidationError(
            M("note template must be one of {value}.", value=", ".join(TEMPLATES))
        )
    keys = TEMPLATES[template]
    unknown = sorted(set(sections) - set(keys))
    if unknown:
        raise ValidationError(
            M(
                "A {template} note has no section {value!r}; its sections are {value2}.",
                template=template,
                value=unknown[0],
                value2=", ".join(keys),
            )
        )
    out: dict[str, str] = {}
    for k in keys:
        v = sections.get(k, "")
        if not isinstance(v, str):
            raise ValidationError(M("section {k!r} must be text.", k=k))
        if len(v) > MAX_SECTION_CHARS:
            raise ValidationError(
                M(
                    "section {k!r} is longer than {MAX_SECTION_CHARS} characters.",
                    k=k,
                    MAX_SECTION_CHARS=MAX_SECTION_CHARS,
                )
            )
        out[k] = v
    return out


def check_editable(status: str) -> None:
    if status == "signed":
        raise PermissionRefusedError(
            M("This note is signed and locked; add an addendum to correct or extend it.")
        )


def check_signable(status: str, sections: Mapping[str, str]) -> None:
    check_editable(status)
    if not any(v.strip() for v in sections.values()):
        raise ValidationError(M("An empty note cannot be signed; write at least one section."))


def check_addendum_allowed(status: str, body: str) -> str:
    if status != "signed":
        raise PermissionRefusedError(
            M("An addendum can only be added to a signed note; edit the draft instead.")
        )
    text = body.strip()
    if not text:
        raise ValidationError(M("An addendum needs text."))
    if len(text) > MAX_SECTION_CHARS:
        raise ValidationError(
            M(
                "An addendum is longer than {MAX_SECTION_CHARS} characters.",
                MAX_SECTION_CHARS=MAX_SECTION_CHARS,
            )
        )
    return text


def plain_text(sections: Mapping[str, str]) -> str:
    """Text of the sections for the search index (no keys, no markup)."""
    return "\n".join(v for v in sections.values() if v)


def content_hash(sections: Mapping[str, str], signer: str, signed_at: str) -> str:
    """SHA-256 over the signed content, kept with the signature and in the audit entry."""
    payload = json.dumps(
        {"sections": dict(sections), "signer": signer, "signed_at": signed_at},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
