"""The county crisis line is configuration: machine policy, then contacts.json; while neither
sets it, plans and handouts say "ask your school counselor" in their language and the print
centre, ``doctor`` and ``--self-test`` warn. (Phone numbers are fictional 555 numbers.)"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinician_desk.errors import ValidationError
from clinician_desk.reports import document_text
from clinician_desk.reports import handout_library as lib
from clinician_desk.reports.handout import render_handout
from clinician_desk.reports.safety_plan import render_safety_plan
from tests.support.pdf_tools import text_of

from .report_samples import safety_plan_doc


@pytest.fixture
def policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "policy.json"
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(path))
    document_text.clear_caches()
    yield path
    monkeypatch.delenv("CLINICIAN_DESK_POLICY_FILE")
    document_text.clear_caches()


def test_unset_line_prints_ask_your_counselor_in_the_language(policy_file: Path) -> None:
    assert lib.county_crisis_line() == (None, "")
    warning = lib.county_line_warning()
    assert warning is not None and "not set" in warning
    for language in ("en", "es", "zh-Hant", "fa-AF"):
        words = lib.labels(language)["ask_counselor"]
        pdf = render_safety_plan(safety_plan_doc(), language)
        text = text_of(pdf).replace("\u200c", "")
        assert "(____)" not in text, language  # never the blank nobody fills in
        assert words.replace("\u200c", "").split()[0] in text, language
    assert "ask your school counselor" in text_of(render_handout("suicide-warning-signs", "en"))


def test_policy_sets_the_line_on_every_document(policy_file: Path) -> None:
    policy_file.write_text(json.dumps({"county_crisis_line": "(555) 010-0199"}))
    document_text.clear_caches()
    number, source = lib.county_crisis_line()
    assert number == "(555) 010-0199" and "policy" in source
    assert lib.county_line_warning() is None
    for language in ("en", "ar", "pa"):
        assert "(555)010-0199" in text_of(render_safety_plan(safety_plan_doc(), language)).replace(
            " ", ""
        )


def test_a_bad_policy_value_is_refused_by_name(policy_file: Path) -> None:
    from clinician_desk.config.it_policy import load_policy

    for bad in ("call us", "1" * 50, 911.0):
        policy_file.write_text(json.dumps({"county_crisis_line": bad}))
        document_text.clear_caches()
        with pytest.raises(ValidationError, match="county_crisis_line"):
            load_policy()
        # Documents still print: the unreadable policy is not a county line.
        assert lib.county_crisis_line() == (None, "")
        assert "ask your school counselor" in text_of(render_safety_plan(safety_plan_doc()))


def test_self_test_and_doctor_warn_while_unset(policy_file: Path) -> None:
    from clinician_desk.selftest import print_warnings

    out = io.StringIO()
    print_warnings(out)
    assert out.getvalue().startswith("warn county-crisis-line:")
    policy_file.write_text(json.dumps({"county_crisis_line": "(555) 010-0199"}))
    document_text.clear_caches()
    out = io.StringIO()
    print_warnings(out)
    assert out.getvalue() == ""
