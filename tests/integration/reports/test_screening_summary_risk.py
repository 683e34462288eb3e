"""The screening summary leads with risk: a PHQ-A of total 1 with item 9 positive and a lifetime
attempt opens with a boxed alert naming the items and the follow-up's state, before any score;
items print in form order with their text; the trend shows years and the cut-off line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clinician_desk.services.printing import DocumentRequest
from clinician_desk.services.screenings.use_cases import AdministrationInput
from tests.support.pdf_tools import reader, save_first_page_png, text_of

from .conftest import Vault


def text_of_last_page(pdf: bytes) -> str:
    return str(reader(pdf).pages[-1].extract_text())


PHQA_LOW_BUT_CRITICAL = {
    **{str(i): 0 for i in range(1, 9)},
    "9": 1,
    "past_year": "no",
    "serious_thoughts": "no",
    "ever_attempted": "yes",
}


def test_critical_items_come_first_with_text_and_follow_up(
    vault: Vault, artifacts_dir: Path
) -> None:
    sid = vault.parent_consented
    vault.screenings.record(
        AdministrationInput(sid, "PHQ-A", date(2025, 12, 1), {**PHQA_LOW_BUT_CRITICAL, "9": 0})
    )
    done = vault.screenings.record(
        AdministrationInput(sid, "PHQ-A", date(2026, 10, 5), PHQA_LOW_BUT_CRITICAL)
    )
    pdf = vault.printing.produce(
        DocumentRequest("screening-summary", screening_id=done.screening_id)
    ).pdf
    save_first_page_png(pdf, artifacts_dir / "documents", "screening-summary-critical")
    text = text_of(pdf)
    alert = text.find("CRITICAL ITEMS (2)")
    assert 0 <= alert < text.find("Result") < text.find("Total")
    assert "9. Thoughts that you would be better off dead" in text[alert:]
    assert "reports a suicide attempt in their lifetime" in text
    assert "Safety follow-up: OPEN" in text
    assert "ever_attempted" not in text and " 9: " not in text  # no raw ids
    assert "Quibble Fictionaire1" in text_of_last_page(pdf)  # the name on every page
    # Items in form order with their text: 1 … 9, then the extra items.
    responses = text.find("Responses")
    positions = [text.find(f" {n}. ", responses) for n in range(1, 10)]
    assert all(p > responses for p in positions) and positions == sorted(positions)
    # The trend's dates carry the year; the cut-off line is labelled.
    assert "2025-12-01" in text and "2026-10-05" in text
    assert "cut-off 11" in text


def test_psc17_items_print_1_to_17_in_order(vault: Vault) -> None:
    answers = {str(i): i % 3 for i in range(1, 18)}
    done = vault.screenings.record(
        AdministrationInput(vault.parent_consented, "PSC-17", date(2026, 10, 5), answers)
    )
    text = text_of(
        vault.printing.produce(
            DocumentRequest("screening-summary", screening_id=done.screening_id)
        ).pdf
    )
    positions = [text.find(f" {n}. ") for n in range(1, 18)]
    assert all(p > 0 for p in positions), positions
    assert positions == sorted(positions)
