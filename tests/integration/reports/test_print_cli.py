"""``clinician-desk-admin print`` and ``handouts`` end to end on a real vault."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.cli import build_parser, run
from tests.support.pdf_tools import text_of


def admin(*argv: str) -> int:
    return run(build_parser().parse_args(list(argv)))


def test_print_handout_in_the_guardians_language(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sleep.pdf"
    base = ["--data-dir", str(data_dir), "print", "handout", "--topic", "sleep", "--student", "1"]
    assert admin(*base, "-o", str(out)) == 2
    assert "draft" in capsys.readouterr().err
    assert not out.exists()
    assert admin(*base, "--accept-draft", "-o", str(out)) == 0
    assert "Giấc ngủ" in text_of(out.read_bytes())
    assert "vi" in capsys.readouterr().out


def test_print_refusals_are_one_line_and_leave_no_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    d = ["--data-dir", str(data_dir)]
    assert admin(*d, "print", "handout", "--topic", "nope", "-o", str(out)) == 2
    assert admin(*d, "print", "session-summary", "--note", "42", "-o", str(out)) == 2
    assert admin(*d, "print", "caseload-report", "--month", "2026-13", "-o", str(out)) == 2
    assert (
        admin(*d, "print", "handout", "--topic", "sleep", "-o", str(tmp_path / "no" / "x.pdf")) == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("error: ") for line in err)
    assert "Traceback" not in "".join(err)
    assert not out.exists()


def test_handouts_lists_languages_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert admin("handouts") == 0
    text = capsys.readouterr().out
    assert "en       reviewed" in text and "fa-AF    draft" in text
