"""Hostile input at the domain boundary (issue 16, hole 6): terminal escapes, bidi overrides,
NULs, huge names and implausible birth dates are refused in imported and typed names; the CLI
never echoes a control character; a FIFO or /dev/zero and deeply nested JSON exit 2 with one
line. Before: all of these were accepted, echoed, hung the import or exited 70."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.bootstrap import build_services
from clinician_desk.cli import build_parser, run
from clinician_desk.clock import FakeClock, SystemClock
from clinician_desk.config import AppPaths
from clinician_desk.domain.students import StudentInput, validate_student
from clinician_desk.domain.text_hygiene import csv_safe, printable
from clinician_desk.errors import ValidationError
from clinician_desk.storage import Database
from clinician_desk.vault import TEST_KDF, create_vault, unlock_vault

PASSPHRASE = "violet kettle under 19 moons"
HEADER = "Student Number,Last Name,First Name,Birthdate,Grade,School CDS Code,State Student ID\r\n"
GOOD = "000101,McFakeface,Testy,03/04/2014,K,99999990000011,0000000001\r\n"
ROOT = Path(__file__).resolve().parents[3]
INSTRUMENT = "ASQ"


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


def _students(data: Path) -> int:
    paths = AppPaths.from_option(data).vault("default")
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        with services.db.read() as conn:
            return int(conn.execute("SELECT count(*) FROM students").fetchone()[0])
    finally:
        services.close()


HOSTILE_ROWS = {
    "osc-title": ("000102,\x1b]0;PWNED\x07Evil,Ima,03/04/2014,K,99999990000011,\r\n", "U+001B"),
    "bidi-override": ("000102,Fake\u202eeman,Ima,03/04/2014,K,99999990000011,\r\n", "U+202E"),
    "bidi-isolate": ("000102,Fake\u2067name,Ima,03/04/2014,K,99999990000011,\r\n", "U+2067"),
    "c1": ("000102,Fake\x9bname,Ima,03/04/2014,K,99999990000011,\r\n", "U+009B"),
    "huge-name": (f"000102,{'A' * 100_000},Ima,03/04/2014,K,99999990000011,\r\n", "longer"),
    "born-1901": ("000102,Oldname,Ima,03/04/1901,K,99999990000011,\r\n", "30 years ago"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ROWS))
def test_hostile_roster_rows_are_refused_by_line_and_field(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    row, expected = HOSTILE_ROWS[case]
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + GOOD + row, encoding="utf-8", newline="")
    assert admin(["--data-dir", str(data_dir), "import-roster", str(roster)]) == 2
    captured = capsys.readouterr()
    assert "line 3: " in captured.out and expected in captured.out
    assert "\x1b" not in captured.out + captured.err and "\u202e" not in captured.out
    assert _students(data_dir) == 0  # all or nothing


def test_a_nul_far_into_the_file_is_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filler = "".join(f"{i:06d},Filler,Row,03/04/2014,K,99999990000011,\r\n" for i in range(2000))
    assert len(filler) > 64 * 1024
    roster = tmp_path / "roster.csv"
    roster.write_text(
        HEADER + filler + "999999,Nul\x00name,Ima,03/04/2014,K,99999990000011,\r\n",
        encoding="utf-8",
        newline="",
    )
    assert admin(["--data-dir", str(data_dir), "import-roster", str(roster)]) == 2
    assert "U+0000" in capsys.readouterr().out
    assert _students(data_dir) == 0


def test_manual_entry_refuses_the_same_characters() -> None:
    base = StudentInput("Ima", "Example", date(2014, 3, 4), "K", "99999990000011")
    for bad in ("Evil\x1b[31m", "Fake\u202eeman", "Tab\tname", "x" * 101):
        with pytest.raises(ValidationError, match="legal last name"):
            validate_student(
                StudentInput("Ima", bad, date(2014, 3, 4), "K", "99999990000011"),
                date(2026, 12, 3),
            )
    assert validate_student(base, date(2026, 12, 3)).legal_last_name == "Example"


def test_search_escapes_stored_control_characters(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name stored before this rule existed (raw SQL here) is printed escaped."""
    paths = AppPaths.from_option(data_dir).vault("default")
    services = build_services(paths, unlock_vault(paths, PASSPHRASE), SystemClock())
    try:
        services.record.import_roster((HEADER + GOOD).encode(), preset="template")
        with services.db.unit_of_work() as uow:
            uow.conn.execute(
                "UPDATE students SET legal_first_name = ?",
                ("Testy\x1b]0;PWNED\x07\u202e",),
            )
    finally:
        services.close()
    assert admin(["--data-dir", str(data_dir), "search", "mcfakeface"]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\u001b]0;PWNED\\u0007" in shown


def _cli(
    args: list[str], timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICIAN_DESK_")}
    env["CLINICIAN_DESK_PASSPHRASE"] = PASSPHRASE
    return subprocess.run(
        [sys.executable, "-m", "clinician_desk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


def _one_line_exit_2(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_non_regular_files_are_refused_at_once(data_dir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "roster.fifo"
    os.mkfifo(fifo)
    for source in (str(fifo), "/dev/zero"):
        proc = _cli(["--data-dir", str(data_dir), "import-roster", source], timeout=60)
        assert "not a regular file" in _one_line_exit_2(proc)
    roster = tmp_path / "ok.csv"
    roster.write_text(HEADER + GOOD)
    proc = _cli(
        ["--data-dir", str(data_dir), "import-roster", str(roster), "--mapping", "/dev/zero"]
    )
    assert "not a regular file" in _one_line_exit_2(proc)


def test_deeply_nested_json_exits_2_with_one_line(data_dir: Path, tmp_path: Path) -> None:
    nested = "[" * 200_000 + "]" * 200_000
    mapping = tmp_path / "mapping.json"
    mapping.write_text(nested)
    roster = tmp_path / "ok.csv"
    roster.write_text(HEADER + GOOD)
    proc = _cli(
        ["--data-dir", str(data_dir), "import-roster", str(roster), "--mapping", str(mapping)]
    )
    assert "nested too deeply" in _one_line_exit_2(proc)
    proc = _cli(["score", INSTRUMENT, "--responses", "-"], stdin=nested)
    _one_line_exit_2(proc)


def test_csv_cells_and_terminal_text_helpers() -> None:
    assert [csv_safe(v) for v in ("=HYPERLINK(1)", "+1", "-2", "@x", "\tz", "ok", 5)] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-2",
        "'@x",
        "'\tz",
        "ok",
        "5",
    ]
    assert printable("a\x1b[2Jb\u202ec") == "a\\u001b[2Jb\\u202ec"
