"""Every document type in every language, with long mixed-script content (issue 19's "done when").

For each language: the longest realistic safety plan (a Dari warning sign on an English plan, a
Chinese name, Arabic with harakat, Gurmukhi, Vietnamese) and every handout topic, personalized
with a mixed-script name; the clinical documents (English only) with the same names. Asserts:
988 and 911 on page 1 (plans and crisis handouts) and on every page; the student's name on every
page of a plan; every input character in the extracted text; harakat and hamza preserved; no
raw score in a family document. First pages go to test-artifacts/documents/ for people to read.

Every name and entry is synthetic and obviously fictional.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.models import PersonalDetails, PlanStep
from clinician_desk.reports.month_reports import render_caseload_report, render_hours_log
from clinician_desk.reports.safety_plan import render_safety_plan, safety_plan_languages
from clinician_desk.reports.screening_summary import render_screening_summary
from clinician_desk.reports.session_summary import render_session_summary
from clinician_desk.services.printing import DocumentRequest
from tests.support.pdf_tools import reader, save_first_page_png

from .conftest import Vault
from .report_samples import caseload_doc, hours_doc, safety_plan_doc, screening_doc, session_doc

NAME = "Zephyrine فرشته‌ احمدی 王小明"
HARAKAT = "سمِّ الشعور، ثُمَّ تنفَّسْ بهدوء"  # "name the feeling, then breathe calmly"
HAMZA = "مسئلهٔ کوچک"  # Dari, with hamza above and a hamza seat
MIXED = (
    "وقتی تنها هستم احساس خستگی می‌کنم",  # Dari warning sign on any plan
    HARAKAT,
    HAMZA,
    "李小龍 說他不想說話，也不想吃飯",
    "ਆਪਣੀ ਚਚੇਰੀ ਭੈਣ ਨਾਲ ਸੈਰ ਕਰਨਾ",
    "Đi dạo với em họ của tôi sau giờ học",
    "Гулять с двоюродной сестрой",
)
LONG_ENTRY = (
    "When I start to feel that nobody would notice if I was gone, I text my cousin Imaginary "
    "Example and we walk around the block twice before dinner, even when it is raining."
)


def _norm(text: str) -> str:
    out = unicodedata.normalize("NFKC", text).replace("\u200c", "").replace("\u200d", "")
    return re.sub(r"\s+", " ", out)


def _pages(pdf: bytes) -> list[str]:
    return [_norm(page.extract_text()) for page in reader(pdf).pages]


def _gurmukhi(text: str) -> bool:
    return any("\u0a00" <= ch <= "\u0a7f" for ch in text)


def _assert_present(entry: str, text: str) -> None:
    """The entry comes back from the PDF: as a string, or (Gurmukhi, whose vowel signs are drawn
    before their consonant) as the same characters."""
    want = _norm(entry)
    if _gurmukhi(want):
        have = Counter(text)
        missing = Counter(ch for ch in want if not ch.isspace()) - have
        assert not missing, f"missing {sorted(missing)}"
    else:
        assert want in text, f"{entry!r} is not in the extracted text"


def _longest_plan() -> object:
    base = safety_plan_doc()
    steps = []
    for step in base.steps:
        items = (*step.items, LONG_ENTRY, *MIXED) if step.number in (1, 2, 4) else step.items
        steps.append(PlanStep(step.number, step.title, items))
    return replace(base, student_name=NAME, steps=tuple(steps))


@pytest.mark.parametrize("language", safety_plan_languages())
def test_safety_plan_every_language(language: str, artifacts_dir: Path) -> None:
    doc = _longest_plan()
    pdf = render_safety_plan(doc, language)  # type: ignore[arg-type]
    pages = _pages(pdf)
    assert len(pages) >= 2, "the longest plan should run over a page"
    assert "988" in pages[0] and "911" in pages[0], "crisis lines must be on page 1"
    name = _norm(NAME)
    for number, page in enumerate(pages, start=1):
        assert "988" in page and "911" in page, f"page {number} has no crisis line"
        for part in name.split():
            assert part in page, f"page {number} does not name the student ({part!r})"
    whole = " ".join(pages)
    for entry in (NAME, LONG_ENTRY, *MIXED):
        _assert_present(entry, whole)
    assert _norm(HARAKAT) in whole and "\u0651" in whole and "\u0652" in whole  # shadda, sukun
    assert "\u0654" in whole and "ئ" in whole  # hamza above, yeh with hamza
    save_first_page_png(pdf, artifacts_dir / "documents", f"safety-plan-{language}")


def _personal() -> PersonalDetails:
    return PersonalDetails(
        student_name=NAME,
        services=("Individual counseling",),
        sessions_attended=6,
        attendance_period="2026-09-01 – 2026-11-19",
    )


@pytest.mark.parametrize("language", lib.languages())
def test_every_handout_every_language(language: str, artifacts_dir: Path) -> None:
    for topic in lib.topics():
        text = lib.load_handout(topic, language)
        pdf = render_handout(topic, language, _personal())
        pages = _pages(pdf)
        whole = " ".join(pages)
        _assert_present(NAME, whole)
        if "988" in text.plain_text() or "911" in text.plain_text():
            for number, page in enumerate(pages, start=1):
                assert "988" in page and "911" in page, f"{topic} page {number}: no crisis line"
        if topic == "suicide-warning-signs":
            save_first_page_png(pdf, artifacts_dir / "documents", f"handout-{topic}-{language}")


def test_family_documents_carry_no_raw_score(vault: Vault) -> None:
    """Through the print service, in every language: no number after an instrument, no band in
    English inside a translated handout, and a ticked result comes back as words."""
    for language in lib.languages():
        for ticked in (frozenset(), frozenset({"GAD-7"})):
            printed = vault.printing.produce(
                DocumentRequest(
                    "handout",
                    "low-mood",
                    language=language,
                    student_id=vault.parent_consented,
                    personalized=True,
                    accept_draft=True,
                    include_results=ticked,
                )
            )
            text = " ".join(_pages(printed.pdf))
            assert not re.search(r"(GAD|PHQ|CRAFFT|PSC)[^:;]*:\s*\d", text), (language, text)
            assert "Substance" not in text and "CRAFFT" not in text
            if language != "en":
                assert "(mild)" not in text and "minimal" not in text
            assert ("GAD-7" in text) == bool(ticked), language


def test_clinical_documents_print_every_character(artifacts_dir: Path) -> None:
    docs = {
        "session-summary": render_session_summary(replace(session_doc(), student_name=NAME)),
        "screening-summary": render_screening_summary(replace(screening_doc(), student_name=NAME)),
        "caseload-report": render_caseload_report(caseload_doc()),
        "hours-log": render_hours_log(hours_doc()),
    }
    for kind, pdf in docs.items():
        if kind in ("session-summary", "screening-summary"):
            _assert_present(NAME, " ".join(_pages(pdf)))
        save_first_page_png(pdf, artifacts_dir / "documents", kind)
