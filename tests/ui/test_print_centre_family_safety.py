"""Print centre: warns while the county line is unset; families get results only when ticked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clinician_desk.reports import document_text


@pytest.mark.parametrize("configured", [False, True])
def test_print_centre_warns_while_the_county_line_is_unset(
    qtbot, ui_context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: bool
) -> None:
    from ui.pages.print_centre_page import PrintCentrePage

    policy = tmp_path / "policy.json"
    if configured:
        policy.write_text(json.dumps({"county_crisis_line": "(555) 010-0199"}))
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(policy))
    document_text.clear_caches()
    try:
        page = PrintCentrePage(ui_context)
        qtbot.addWidget(page)
        warning = page.county_warning
        assert warning.isHidden() == configured
        if not configured:
            assert "county crisis line" in warning.text()
    finally:
        monkeypatch.delenv("CLINICIAN_DESK_POLICY_FILE")
        document_text.clear_caches()


def test_results_reach_a_family_only_when_ticked(qtbot, ui_context) -> None:
    from ui.documents import build_request
    from ui.pages.print_centre_page import PrintCentrePage

    page = PrintCentrePage(ui_context)
    qtbot.addWidget(page)
    page.student_id = 1
    page.document_combo.setCurrentIndex(page.document_combo.findData("personal_handout"))
    assert not page.results_check.isChecked()
    assert build_request(page.request()).include_results == frozenset()
    page.results_check.setChecked(True)
    ticked = build_request(page.request()).include_results
    assert "GAD-7" in ticked and "CRAFFT" not in ticked and "ASQ" not in ticked
    page.document_combo.setCurrentIndex(page.document_combo.findData("generic_handout"))
    assert build_request(page.request()).include_results == frozenset()
