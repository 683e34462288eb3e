"""The print service over a real vault: bases, languages, drafts, audit, atomic export."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.domain.sessions import SessionInput
from clinician_desk.errors import (
    ExportError,
    NotFoundError,
    PermissionRefusedError,
    ValidationError,
)
from clinician_desk.reports import handout_library as lib
from clinician_desk.services.printing import DocumentRequest, DraftTranslationError
from tests.support.pdf_tools import save_first_page_png, text_of

from .conftest import SCHOOL, Vault


def _audit(vault: Vault) -> list[tuple[str, str, str | None, str]]:
    with vault.db.read() as conn:
        rows = conn.execute(
            "SELECT action, entity, entity_id, details FROM audit_log ORDER BY id"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _printed(vault: Vault) -> list[tuple[str, str, str | None, str]]:
    return [a for a in _audit(vault) if a[0].endswith((".printed", ".exported"))]


def test_parent_handout_defaults_to_the_guardians_language(vault: Vault) -> None:
    req = DocumentRequest("handout", topic="sleep", student_id=vault.parent_consented)
    with pytest.raises(DraftTranslationError, match="--accept-draft"):
        vault.printing.produce(req)
    assert _printed(vault) == []
    printed = vault.printing.produce(
        DocumentRequest("handout", "sleep", student_id=vault.parent_consented, accept_draft=True)
    )
    assert printed.language == "es"
    assert "El sueño" in text_of(printed.pdf)
    (action, entity, entity_id, details) = _printed(vault)[-1]
    assert (action, entity, entity_id) == (
        "handout.printed",
        "student",
        str(vault.parent_consented),
    )
    assert '"language":"es"' in details.replace(" ", "") and "Quibble" not in details


def test_unavailable_guardian_language_falls_back_to_english_with_a_note(vault: Vault) -> None:
    printed = vault.printing.produce(
        DocumentRequest("handout", "anxiety", student_id=vault.authorized)
    )
    assert printed.language == "en"
    assert "Klingon" in printed.note


def test_personalized_handout_needs_a_basis(vault: Vault, artifacts_dir: Path) -> None:
    refused = DocumentRequest(
        "handout", "anxiety", language="en", student_id=vault.minor_consented, personalized=True
    )
    with pytest.raises(PermissionRefusedError, match="No recorded basis"):
        vault.printing.produce(refused)
    assert _printed(vault) == []

    allowed = DocumentRequest(
        "handout", "anxiety", language="en", student_id=vault.authorized, personalized=True
    )
    assert "Fictionaire3" in text_of(vault.printing.produce(allowed).pdf)

    vault.record.document_session(
        SessionInput(
            session_date=date(2026, 10, 5),
            start_minute=700,
            end_minute=715,
            service_code="MAND-REPORT",
            tier=None,
            modality="phone",
            location="school",
            participant_kind="student",
            school_cds=SCHOOL,
            student_ids=(vault.parent_consented,),
        )
    )
    ok = vault.printing.produce(
        DocumentRequest(
            "handout",
            "anxiety",
            student_id=vault.parent_consented,
            personalized=True,
            accept_draft=True,
        )
    )
    text = text_of(ok.pdf)
    assert "Quibble Fictionaire1" in text
    assert "Consejería individual" in text  # the service named in the family's language
    # Families get words, not scores: no result unless the clinician ticks it for this print.
    assert "GAD-7" not in text and "mild" not in text
    ticked = vault.printing.produce(
        DocumentRequest(
            "handout",
            "anxiety",
            student_id=vault.parent_consented,
            personalized=True,
            accept_draft=True,
            include_results=frozenset({"GAD-7"}),
        )
    )
    ticked_text = text_of(ticked.pdf)
    assert "GAD-7" in ticked_text and ": leve" in ticked_text  # the band in Spanish
    assert "no un diagnóstico" in ticked_text  # the one-line explanation, translated
    assert "(mild)" not in ticked_text and "of 21" not in ticked_text
    with pytest.raises(ValidationError, match="never printed for families"):
        vault.printing.produce(
            DocumentRequest(
                "handout",
                "anxiety",
                student_id=vault.parent_consented,
                personalized=True,
                accept_draft=True,
                include_results=frozenset({"CRAFFT"}),
            )
        )
    assert "PROCESS-NOTE-CANARY" not in text
    assert "Mandated" not in text and "MAND-REPORT" not in text
    assert "Sesiones a las que asistió 1" in text  # the mandated report is not a session
    save_first_page_png(ok.pdf, artifacts_dir / "reports", "service-personal-handout-es")


def test_session_summary_never_shows_the_psychotherapy_note(
    vault: Vault, artifacts_dir: Path
) -> None:
    printed = vault.printing.produce(DocumentRequest("session-summary", note_id=vault.note_id))
    save_first_page_png(printed.pdf, artifacts_dir / "reports", "service-session-summary")
    text = text_of(printed.pdf)
    assert "Reports worry before tests." in text
    assert "Location corrected to room 12." in text
    assert "Addendum 1 — signed by" in text
    assert "PROCESS-NOTE-CANARY" not in text
    with pytest.raises(NotFoundError, match="no note"):
        vault.printing.produce(DocumentRequest("session-summary", note_id=999_999))


def test_screening_summary_and_safety_plan_from_the_vault(
    vault: Vault, artifacts_dir: Path
) -> None:
    pdf = vault.printing.produce(
        DocumentRequest("screening-summary", screening_id=vault.screening_id)
    ).pdf
    save_first_page_png(pdf, artifacts_dir / "reports", "service-screening-summary")
    text = text_of(pdf)
    assert "GAD-7" in text and "mild" in text and "Trend" in text
    assert "Pfizer" in text  # the instrument's attribution line
    plan = text_of(
        vault.printing.produce(
            DocumentRequest("safety-plan", student_id=vault.parent_consented, language="en")
        ).pdf
    )
    assert "Cannot sleep" in plan and "988" in plan and "County crisis line" in plan
    with pytest.raises(NotFoundError, match="no safety plan"):
        vault.printing.produce(DocumentRequest("safety-plan", student_id=vault.minor_consented))


def test_caseload_and_hours_reports(vault: Vault, artifacts_dir: Path) -> None:
    caseload = text_of(
        vault.printing.produce(DocumentRequest("caseload-report", year=2026, month=10)).pdf
    )
    assert "TX-IND" in caseload and "Quibble Fictionaire1" in caseload
    hours = vault.printing.produce(
        DocumentRequest("hours-log", week_of=date(2026, 10, 5), license_type="AMFT")
    )
    save_first_page_png(hours.pdf, artifacts_dir / "reports", "service-hours-log")
    text = text_of(hours.pdf)
    assert "Weekly log of experience hours" in text and "0.75" in text
    assert "Fictionaire" not in text


def test_export_is_atomic_and_audited(vault: Vault, tmp_path: Path) -> None:
    target = tmp_path / "out" / "handout.pdf"
    target.parent.mkdir()
    req = DocumentRequest("handout", "sleep", language="en")
    vault.printing.export(req, target)
    assert target.read_bytes().startswith(b"%PDF")
    assert os.stat(target).st_mode & 0o077 == 0
    assert _printed(vault)[-1][0] == "handout.exported"
    assert sorted(p.name for p in target.parent.iterdir()) == ["handout.pdf"]
    with pytest.raises(ExportError, match="already exists"):
        vault.printing.export(req, target)
    vault.printing.export(req, target, overwrite=True)


def test_unwritable_export_leaves_nothing_behind(vault: Vault, tmp_path: Path) -> None:
    before = len(_audit(vault))
    req = DocumentRequest("handout", "sleep", language="en")
    with pytest.raises(ExportError, match="does not exist"):
        vault.printing.export(req, tmp_path / "missing" / "x.pdf")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: simulate with a path that is a file
            blocker = tmp_path / "blocker"
            blocker.write_text("not a folder")
            target = blocker / "x.pdf"
        else:
            target = locked / "x.pdf"
        with pytest.raises(ExportError):
            vault.printing.export(req, target)
        assert not target.exists()
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)
    assert len(_audit(vault)) == before


def test_bad_topic_language_and_document(vault: Vault) -> None:
    with pytest.raises(NotFoundError, match="no handout topic"):
        vault.printing.produce(DocumentRequest("handout", "homework", language="en"))
    with pytest.raises(NotFoundError, match="no handout language"):
        vault.printing.produce(DocumentRequest("handout", "sleep", language="tlh"))
    assert _printed(vault) == []
    named = DocumentRequest("handout", "sleep", language="Punjabi", accept_draft=True)
    assert vault.printing.produce(named).language == "pa"


def test_catalog_and_default_language_for_pickers(vault: Vault) -> None:
    catalog = vault.printing.handout_catalog()
    assert len(catalog) == len(lib.topics()) * len(lib.languages()) >= 60
    assert {c.status for c in catalog if c.language == "en"} == {"reviewed"}
    assert any(c.language == "vi" and c.title.startswith("Giấc ngủ") for c in catalog)
    assert vault.printing.default_handout_language(vault.parent_consented) == ("es", "")
    assert vault.printing.default_handout_language(vault.minor_consented)[0] == "fa-AF"
    assert _printed(vault) == []  # looking things up prints nothing
