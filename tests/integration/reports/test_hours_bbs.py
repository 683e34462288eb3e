"""The weekly hours log follows the BBS categories and targets of each registration type, names
the supervisor with license and site, and counts weeks of supervision."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clinician_desk.domain.sessions import SessionInput
from clinician_desk.services.printing import DocumentRequest
from clinician_desk.services.printing_views import bbs_requirements
from clinician_desk.services.profile import set_profile
from tests.support.pdf_tools import save_first_page_png, text_of

from .conftest import SCHOOL, Vault


def _group_session(vault: Vault, day: date) -> None:
    vault.record.document_session(
        SessionInput(
            session_date=day,
            start_minute=800,
            end_minute=860,
            service_code="TX-GRP",
            tier=2,
            modality="in_person",
            location="school",
            participant_kind="group",
            school_cds=SCHOOL,
            student_ids=(vault.parent_consented, vault.minor_consented),
            group_size=2,
        )
    )


@pytest.mark.parametrize("license_type", ["AMFT", "APCC", "ASW"])
def test_log_uses_the_license_types_categories_and_targets(
    vault: Vault, license_type: str, artifacts_dir: Path
) -> None:
    set_profile(
        vault.db,
        display_name="Alex Sample",
        credential=license_type,
        supervisor_name="Jordan Placeholder",
        supervisor_license="LMFT 000000",
        site="Fictional Oaks Middle School",
    )
    _group_session(vault, date(2026, 10, 1))
    vault.record.log_hours(date(2026, 9, 22), "individual", 60, supervision=True)
    vault.record.log_hours(date(2026, 9, 29), "group", 120, supervision=True)
    vault.record.log_hours(date(2026, 9, 30), "notes", 90, supervision=False)
    pdf = vault.printing.produce(
        DocumentRequest("hours-log", week_of=date(2026, 10, 1), license_type=license_type)
    ).pdf
    save_first_page_png(pdf, artifacts_dir / "documents", f"hours-log-{license_type}")
    text = text_of(pdf)
    req = bbs_requirements()[license_type]
    for cat in req["direct"]:
        assert cat["label"] in text, cat["label"]
    for target in req["targets"]:
        assert target["label"] in text, target["label"]
    assert req["law"] in text
    assert "Jordan Placeholder" in text and "LMFT 000000" in text
    assert "Fictional Oaks Middle School" in text
    assert "Weeks of supervision 2 weeks" in text  # the week of 09-21 and this week
    if license_type == "ASW":
        assert "Couples, families and children" not in text  # no AMFT/APCC targets
        assert "at least 52 weeks" in text and "at least 2000 hours" in text
    else:
        assert "Direct counseling: group 1 direct" in text
        assert "at least 1750 hours" in text and "at most 1250 hours" in text
