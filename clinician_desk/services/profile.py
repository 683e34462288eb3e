"""The clinician's printed identity: display name, credential and license, in the vault's settings.

Documents name the clinician, not the login: "Electronically signed by Alex Sample, AMFT". Both
values live in the ``settings`` key/value table (``clinician_display_name``,
``clinician_credential``, and ``registration_number`` — the license or registration number the
hours log prints); no migration is needed. Values are validated (printable by the
bundled fonts, no line breaks, bounded length) and every change is audited without the values.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinician_desk.clock import utc_iso
from clinician_desk.errors import ValidationError
from clinician_desk.messages import M
from clinician_desk.reports.text import check_printable
from clinician_desk.storage import Database
from clinician_desk.storage.connection import Connection
from clinician_desk.storage.repositories import settings

DISPLAY_NAME = "clinician_display_name"
CREDENTIAL = "clinician_credential"
LEGACY_NAME = "clinician_name"  # written by `init --name`
LICENSE = "registration_number"  # the license or BBS registration number (hours log)


@dataclass(frozen=True)
class Profile:
    display_name: str = ""
    credential: str = ""
    license_number: str = ""

    def signature(self, fallback: str = "") -> str:
        """ "Alex Sample, AMFT" — or the fallback (the login) while no display name is set."""
        name = self.display_name or fallback
        return f"{name}, {self.credential}" if name and self.credential else name


def read_profile(conn: Connection) -> Profile:
    rows = settings.read_many(conn, (DISPLAY_NAME, CREDENTIAL, LEGACY_NAME, LICENSE))
    name = str(rows.get(DISPLAY_NAME) or rows.get(LEGACY_NAME) or "")
    return Profile(name, str(rows.get(CREDENTIAL) or ""), str(rows.get(LICENSE) or ""))


def current_profile(db: Database) -> Profile:
    """The profile as stored now (one read transaction)."""
    with db.read() as conn:
        return read_profile(conn)


def _check(value: str, what: str, limit: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError(M("The {what} cannot be empty.", what=what))
    if len(value) > limit:
        raise ValidationError(
            M("The {what} is longer than {limit} characters.", what=what, limit=limit)
        )
    check_printable(value, what)
    return value


# Printed on the associate's weekly hours log.
SUPERVISOR_NAME = "supervisor_name"
SUPERVISOR_LICENSE = "supervisor_license"
WORK_SETTING = "work_setting"


def check_profile(
    *,
    display_name: str | None = None,
    credential: str | None = None,
    license_number: str | None = None,
    supervisor_name: str | None = None,
    supervisor_license: str | None = None,
    site: str | None = None,
) -> dict[str, str]:
    """The given values, normalised, by settings key; raises ``ValidationError`` on a bad one
    (so a form can check them before there is a vault to store them in)."""
    changes: dict[str, str] = {}
    for key, value, what, limit in (
        (DISPLAY_NAME, display_name, M("display name"), 80),
        (CREDENTIAL, credential, M("credential"), 40),
        (LICENSE, license_number, M("license number"), 60),
        (SUPERVISOR_NAME, supervisor_name, M("supervisor name"), 80),
        (SUPERVISOR_LICENSE, supervisor_license, M("supervisor license"), 60),
        (WORK_SETTING, site, M("work setting"), 120),
    ):
        if value is not None:
            changes[key] = _check(value, what, limit)
    return changes


def set_profile(
    db: Database,
    *,
    display_name: str | None = None,
    credential: str | None = None,
    license_number: str | None = None,
    supervisor_name: str | None = None,
    supervisor_license: str | None = None,
    site: str | None = None,
) -> Profile:
    """Store the given values (others unchanged); audited as ``profile.updated``."""
    changes = check_profile(
        display_name=display_name,
        credential=credential,
        license_number=license_number,
        supervisor_name=supervisor_name,
        supervisor_license=supervisor_license,
        site=site,
    )
    if not changes:
        raise ValidationError(
            "Give at least one of --display-name, --credential, --license-number, "
            "--supervisor-name, --supervisor-license, --site."
        )
    with db.unit_of_work() as uow:
        now = utc_iso(uow.clock.now())
        for key, value in changes.items():
            settings.store(uow.conn, key, value, now)
        uow.audit("profile.updated", "vault", None, {"fields": sorted(changes)})
        return read_profile(uow.conn)
