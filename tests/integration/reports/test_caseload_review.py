"""The caseload report a supervisor can review: ids beside names (two students with one name
are told apart), open flags, positive screens, overdue referrals and unsigned notes; service
codes never broken mid-word."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clinician_desk.domain.referrals import ReferralInput
from clinician_desk.domain.sessions import SessionInput
from clinician_desk.reports.month_reports import render_caseload_report
from clinician_desk.services.printing import DocumentRequest
from clinician_desk.services.screenings.use_cases import AdministrationInput
from tests.support.pdf_tools import save_first_page_png, text_of

from .conftest import SCHOOL, Vault, _student
from .report_samples import caseload_doc

PHQA_POSITIVE_CRITICAL = {
    **{str(i): 2 for i in range(1, 9)},
    "9": 1,
    "past_year": "yes",
    "serious_thoughts": "no",
    "ever_attempted": "no",
}


def test_codes_are_never_broken_mid_word() -> None:
    text = text_of(render_caseload_report(caseload_doc()))
    for code in ("PSY-EDU-CLASS", "SCR-UNIV", "TX-IND"):
        assert code in text, code


def test_supervisor_sees_ids_flags_screens_referrals_and_unsigned_notes(
    vault: Vault, artifacts_dir: Path
) -> None:
    twin = vault.record.create_student(_student(1, "Spanish", district_student_number="900777"))
    vault.record.document_session(
        SessionInput(
            session_date=date(2026, 10, 5),
            start_minute=660,
            end_minute=690,
            service_code="TX-IND",
            tier=2,
            modality="in_person",
            location="school",
            participant_kind="student",
            school_cds=SCHOOL,
            student_ids=(twin,),
        )
    )  # its note stays a draft: unsigned
    vault.screenings.record(
        AdministrationInput(twin, "PHQ-A", date(2026, 10, 5), PHQA_POSITIVE_CRITICAL)
    )
    vault.record.create_referral(
        ReferralInput(
            twin,
            "county_mhp",
            "Fictional County MHP",
            date(2026, 9, 1),
            "depression",
            follow_up_on=date(2026, 9, 15),
        )
    )
    pdf = vault.printing.produce(DocumentRequest("caseload-report", year=2026, month=10)).pdf
    save_first_page_png(pdf, artifacts_dir / "documents", "caseload-report-review")
    text = text_of(pdf)
    assert "Needs review" in text
    # Two students named "Quibble Fictionaire1", each with its id.
    assert text.count("Quibble Fictionaire1") >= 2
    assert f"Quibble Fictionaire1 S-{vault.parent_consented}" in text
    assert f"Quibble Fictionaire1 S-{twin} 1 1 1 1" in text  # flag, screen, referral, draft
