"""``clinician-desk-admin import-roster / search / demo`` against a real vault."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock
from clinician_desk.config import AppPaths
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault

PASSPHRASE = "fictional walrus reads 42 maps"


def admin(argv: list[str]) -> int:
    return run(build_parser().parse_args(argv))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    data = tmp_path / "data"
    paths = AppPaths.from_option(data).vault("default")
    key, _ = create_vault(paths, PASSPHRASE, kdf=TEST_KDF)
    Database.open(paths.database, key, clock=FakeClock(), create=True).close()
    key.wipe()
    return data


AERIES = (
    "Student Number,Last Name,First Name,Birthdate,Grade,School CDS Code,State Student ID\r\n"
    "000101,McFakeface,Testy,03/04/2014,K,99999990000011,0000000001\r\n"
    "000102,Examplesson,Sample,20120506,TK,99999990000011,\r\n"
)


def test_import_roster_dry_run_then_commit_then_search(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "aeries.csv"
    roster.write_bytes(b"\xef\xbb\xbf" + AERIES.encode("utf-8"))
    base = ["--data-dir", str(data_dir)]
    assert admin([*base, "import-roster", str(roster), "--dry-run"]) == 0
    assert "2 student(s) would be created" in capsys.readouterr().out
    assert admin([*base, "search", "testy"]) == 0
    assert "no matches" in capsys.readouterr().out  # the dry run wrote nothing
    assert admin([*base, "import-roster", str(roster), "--preset", "template"]) == 0
    assert "2 student(s) were created" in capsys.readouterr().out
    assert admin([*base, "search", "mcfake"]) == 0
    assert "Testy McFakeface" in capsys.readouterr().out


def test_bad_roster_is_refused_with_line_numbers(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "bad.csv"
    roster.write_text(AERIES + "000101,Dup,Dup,13/45/2014,K,99999990000011,\r\n")
    code = admin(["--data-dir", str(data_dir), "import-roster", str(roster)])
    captured = capsys.readouterr()
    assert code == 2
    assert "line 4: date_of_birth is not a real calendar date" in captured.out
    assert "line 4: district student number repeats the one on line 2" in captured.out
    assert "not imported" in captured.err


def test_binary_roster_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert admin(["--data-dir", str(data_dir), "import-roster", str(roster)]) == 2
    assert "binary" in capsys.readouterr().err


def test_demo_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir)]
    assert admin([*base, "demo", "--students", "12", "--sessions", "150", "--seed", "3"]) == 0
    assert "12 students, 150 sessions" in capsys.readouterr().out
    assert admin([*base, "search", "breathing"]) == 0
    assert "note" in capsys.readouterr().out


def test_import_roster_reads_oneroster_zip_and_folder(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.oneroster import bundle_11, bundle_12, replace_line, write_folder, write_zip

    base = ["--data-dir", str(data_dir), "import-roster"]
    files = bundle_11()
    files["demographics.csv"] = replace_line(
        files["demographics.csv"], 2, "u-1,,,04/03/2019,,,,,,,,,,,,"
    )
    bad = write_zip(tmp_path / "bad.zip", files)
    assert admin([*base, str(bad), "--dry-run"]) == 2
    out = capsys.readouterr().out
    assert "demographics.csv line 2: column birthDate is not a date in the form YYYY-MM-DD" in out
    assert admin([*base, str(bad)]) == 2
    assert "not imported" in capsys.readouterr().err
    good = write_zip(tmp_path / "export.zip", bundle_11())
    assert admin([*base, str(good), "--dry-run"]) == 0
    assert "preset oneroster-1.1" in capsys.readouterr().out
    assert admin([*base, str(good)]) == 0
    assert "2 student(s) were created" in capsys.readouterr().out
    assert admin([*base, str(write_folder(tmp_path / "v12", bundle_12()))]) == 0
    assert "1 student(s) were created" in capsys.readouterr().out
