"""Documents name the clinician (display name and credential), not the login; times are local
with their zone; an unsigned note carries "DRAFT — not signed" across every page."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clinician_desk.cli import build_parser, run
from clinician_desk.errors import ValidationError
from clinician_desk.reports.clinical import fmt_time
from clinician_desk.reports.models import NoteSection
from clinician_desk.reports.session_summary import render_session_summary
from clinician_desk.services.printing import DocumentRequest
from clinician_desk.services.profile import read_profile, set_profile
from tests.support.pdf_tools import reader, save_first_page_png, text_of

from .conftest import Vault
from .report_samples import session_doc


@pytest.fixture
def pacific(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_with_their_zone(pacific: None) -> None:
    when = datetime(2026, 9, 14, 17, 5, tzinfo=UTC)
    assert fmt_time(when) == "2026-09-14 10:05 PDT"
    assert fmt_time("2026-12-01T17:05:00Z") == "2026-12-01 09:05 PST"
    assert fmt_time(when, ZoneInfo("UTC")) == "2026-09-14 17:05 UTC"


def test_signed_note_names_the_clinician_not_the_login(vault: Vault, pacific: None) -> None:
    before = text_of(
        vault.printing.produce(DocumentRequest("session-summary", note_id=vault.note_id)).pdf
    )
    set_profile(vault.db, display_name="Alex  Sample", credential="AMFT")
    with vault.db.read() as conn:
        assert read_profile(conn).signature() == "Alex Sample, AMFT"
    pdf = vault.printing.produce(DocumentRequest("session-summary", note_id=vault.note_id)).pdf
    text = text_of(pdf)
    assert "Electronically signed by Alex Sample, AMFT at 2026-10-05" in text
    assert " PDT" in text and "UTC-07:00" not in text  # one format with the screens
    assert "Alex Sample" not in before
    assert "DRAFT — not signed" not in text


def test_bad_profile_values_are_refused(vault: Vault) -> None:
    for name, credential in (("", None), ("x" * 81, None), (None, "😀"), (None, None)):
        with pytest.raises(ValidationError):
            set_profile(vault.db, display_name=name, credential=credential)
    with vault.db.read() as conn:
        assert read_profile(conn).credential == ""


def test_unsigned_note_has_a_draft_watermark_on_every_page(artifacts_dir: Path) -> None:
    long = NoteSection("Plan", "\n".join(f"Fictional plan line {i}." for i in range(120)))
    doc = session_doc(signed=False)
    doc = replace(doc, sections=(*doc.sections, long))
    pdf = render_session_summary(doc)
    pages = reader(pdf).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "DRAFT — not signed" in page.extract_text(), f"page {number} has no watermark"
        if number > 1:
            assert "Zephyrine Testcase" in page.extract_text(), f"page {number} has no name"
    signed = render_session_summary(session_doc(signed=True))
    assert all("DRAFT — not signed" not in p.extract_text() for p in reader(signed).pages)
    save_first_page_png(pdf, artifacts_dir / "documents", "session-summary-draft")


def test_profile_cli_sets_what_documents_print(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = ["--data-dir", str(data_dir)]
    assert admin(*d, "profile", "set", "--display-name", "Jordan Placeholder") == 0
    assert admin(*d, "profile", "set", "--credential", "APCC") == 0
    assert "Jordan Placeholder, APCC" in capsys.readouterr().out
    assert admin(*d, "profile", "show") == 0
    assert "signature:    Jordan Placeholder, APCC" in capsys.readouterr().out
    assert admin(*d, "profile", "set") == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert admin(*d, "profile", "set", "--license-number", "APCC 000000") == 0
    assert admin(*d, "profile", "show") == 0
    assert "license:      APCC 000000" in capsys.readouterr().out


def test_license_number_is_the_hours_logs_registration(vault: Vault) -> None:
    from clinician_desk.services.profile import check_profile, current_profile

    with pytest.raises(ValidationError):
        set_profile(vault.db, license_number="AMFT " + "0" * 60)
    with pytest.raises(ValidationError):
        check_profile(license_number="   ")
    assert current_profile(vault.db).license_number == ""
    set_profile(vault.db, license_number="  AMFT   000000 ")
    assert current_profile(vault.db).license_number == "AMFT 000000"
    with vault.db.read() as conn:
        from clinician_desk.storage.repositories.settings import read_many

        assert read_many(conn, ("registration_number",))["registration_number"] == "AMFT 000000"


def admin(*argv: str) -> int:
    return run(build_parser().parse_args(list(argv)))
