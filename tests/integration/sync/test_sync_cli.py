"""``counts``, ``enroll``, ``sync`` and ``sync-status`` through clinician-desk-admin's main()."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from clinician_desk.cli import main
from tests.support.county import DISTRICT, SCHOOLS, CountyServer
from tests.support.vaultkit import PASSPHRASE, Seeder, open_vault


def test_counts_enroll_sync_and_status(
    tmp_path: Path,
    county: CountyServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "laptop"
    v = open_vault(folder)
    seeder = Seeder(v)
    kid = seeder.student("8", SCHOOLS[0])
    seeder.session(date(2026, 8, 3), "TX-IND", 2, SCHOOLS[0], (kid,), 45)
    seeder.session(date(2026, 8, 4), "CRISIS", 3, SCHOOLS[0], (kid,), 30)
    v.close()
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    base = ["--data-dir", str(folder)]

    assert main([*base, "counts", "--period", "2026-08", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {d["org_unit"] for d in docs} == {SCHOOLS[0], DISTRICT}
    school = next(d for d in docs if d["org_unit"] == SCHOOLS[0])
    assert {c["measure"]: c["value"] for c in school["cells"]} == {
        "services": 1,
        "minutes": 45,
        "students_served": 1,
    }

    assert main([*base, "counts", "--period", "2026-08"]) == 0
    table = capsys.readouterr().out
    assert "revision 1" in table and "minutes" in table and "service=CRISIS" in table

    assert main([*base, "sync", "--once"]) == 4  # not enrolled: nothing can go
    assert "not enrolled" in capsys.readouterr().out

    code = county.issue_code((DISTRICT,))
    assert main([*base, "enroll", "--server", county.url, "--code", code]) == 0
    assert "Enrolled as dev_" in capsys.readouterr().out

    assert main([*base, "sync", "--once"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == [
        f"{DISTRICT} 2026-08 r1",
        f"{SCHOOLS[0]} 2026-08 r1",
    ]
    assert all("synced (applied)" in line for line in lines)

    assert main([*base, "sync-status"]) == 0
    status = capsys.readouterr().out
    assert re.search(r"Last synced: 20\d\d-\d\d-\d\dT[\d:]+Z; 0 waiting\.", status)

    assert main([*base, "counts", "--period", "2026-08"]) == 0
    assert "unchanged since last send" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["counts", "--period", "2026-13"], "YYYY-MM"),
        (["enroll", "--server", "http://counts.example.org", "--code", "X"], "https"),
        # the core's refusals are worded for the app; the CLI names its own options
        (["enroll", "--code", "X"], "(--server URL)"),
        (["enroll", "--server", "https://counts.example.org", "--code", "  "], "(--code CODE)"),
    ],
)
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_vault(tmp_path / "laptop").close()
    monkeypatch.setenv("CLINICIAN_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CLINICIAN_DESK_POLICY_FILE", str(tmp_path / "no-policy.json"))
    assert main(["--data-dir", str(tmp_path / "laptop"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0]
