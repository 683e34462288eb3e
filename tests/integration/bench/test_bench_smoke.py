"""Smoke tests of the bench harness, the torture suite and the demo-data cache (minimal runs).

Real runs in child processes: ``python -m bench.torture`` with a handful of kill cycles and
damaged files plus the canary session; ``python -m bench --only screenings --quick`` for the
documented line format and the JSON summary. The breach path (exit 1, ``BREACH`` lines) and the
cache keying run in-process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9_.@\-]+) (?P<value>-?[0-9.]+(e[+-]?[0-9]+)?|nan|inf) "
    r"(?P<unit>\S+)( ratio=(?P<ratio>-?[0-9.]+(e[+-]?[0-9]+)?))?$"
)


def _run(args: list[str], tmp_path: Path, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**__import__("os").environ, "TMPDIR": str(tmp_path)},
    )


def _figures(stdout: str) -> dict[str, float]:
    out = {}
    for line in stdout.splitlines():
        if line.startswith(("#", "BREACH")) or not line.strip():
            continue
        m = LINE.match(line)
        assert m, f"not in the documented 'name value unit [ratio=…]' format: {line!r}"
        out[m["name"]] = float(m["value"])
    return out


def test_torture_minimal_run_passes_and_reports(tmp_path: Path) -> None:
    summary = tmp_path / "torture.json"
    proc = _run(
        [
            "-m",
            "bench.torture",
            "--cycles",
            "3",
            "--corrupt",
            "12",
            "--no-ui",
            "--only",
            "crash",
            "--only",
            "corruption",
            "--only",
            "canary",
            "--only",
            "sync",
            "--deliveries",
            "40",
            "--json",
            str(summary),
        ],
        tmp_path,
        # A hang guard, not a speed check: the run takes ~35 s on a quiet 2-core machine and
        # passed 60 s twice at load 9-12.
        timeout=300,
    )
    figures = _figures(proc.stdout)
    data = json.loads(summary.read_text())
    assert data["breaches"] == [] and proc.returncode == 0, proc.stdout + proc.stderr
    assert figures["torture.crash_cycles"] == 3
    assert figures["torture.crash_acknowledged_writes"] > 0
    assert figures["torture.crash_lost_writes"] == 0
    assert figures["torture.corrupt_files"] == 12
    for kind in ("silent_wrong_read", "leak", "crash", "hang"):
        assert figures[f"torture.corrupt_{kind}"] == 0, kind
    assert figures["torture.corrupt_wal_files"] == 1
    assert figures["torture.canary_search_hits_in_vault"] > 0
    assert figures["torture.canary_plaintext_hits"] == 0
    assert figures["torture.sync_deliveries"] > 40  # plus the final pass of newest revisions
    assert figures["torture.sync_cells_wrong"] == figures["torture.sync_unexpected_status"] == 0
    assert len(data["figures"]) == len(figures)
    assert "# torture passed" in proc.stdout


def test_harness_prints_documented_lines_and_json(tmp_path: Path) -> None:
    summary = tmp_path / "bench.json"
    proc = _run(
        ["-m", "bench", "--quick", "--only", "screenings", "--json", str(summary)], tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = _figures(proc.stdout)
    data = json.loads(summary.read_text())
    assert {f["name"] for f in data["figures"]} == set(figures) and figures
    assert all(f["area"] == "screenings" for f in data["figures"]) and data["failed"] == []
    bad = _run(["-m", "bench", "--only", "no_such_area"], tmp_path)
    assert bad.returncode == 2 and "unknown bench" in bad.stdout


def test_a_breach_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.torture import __main__ as torture
    from bench.torture.common import Outcome

    def fake(name: str, args: object):  # a part that loses a write, and one that raises
        def part(folder: Path) -> Outcome:
            if name == "crash":
                out = Outcome(breaches=["note 7 (acknowledged as created) is missing"])
                out.figure("torture.crash_lost_writes", 1, "writes")
                return out
            raise RuntimeError("server did not start")

        return part

    monkeypatch.setattr(torture, "_part", fake)
    assert torture.main(["--only", "crash", "--only", "sync"]) == 1
    out = capsys.readouterr().out
    assert "BREACH crash: note 7" in out and "BREACH sync: the part failed" in out
    assert "torture.crash_lost_writes 1 writes" in out
    with pytest.raises(SystemExit) as exc:
        torture.main(["--cycles", "0"])
    assert exc.value.code == 2


def test_demo_data_cache_is_keyed_and_reused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bench import data
    from clinician_desk.clock import FakeClock
    from clinician_desk.storage import Database

    monkeypatch.setenv("CLINICIAN_DESK_BENCH_CACHE", str(tmp_path / "cache"))
    first = data.demo_database(tmp_path / "a.db", 30, students=3, seed=5)
    again = data.demo_database(tmp_path / "b.db", 30, students=3, seed=5)
    other = data.demo_database(tmp_path / "c.db", 30, students=3, seed=6)
    assert (first.from_cache, again.from_cache, other.from_cache) == (False, True, False)
    assert again.build_seconds == first.build_seconds > 0
    assert (tmp_path / "a.db").read_bytes() == (tmp_path / "b.db").read_bytes()
    db = Database.open(tmp_path / "b.db", data.KEY, clock=FakeClock())
    try:
        assert db.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 30
        assert db.verify() == []
    finally:
        db.close()
    names = sorted(p.name for p in (tmp_path / "cache").iterdir() if not p.name.startswith("."))
    assert len(names) == 2 and all(data.schema_version() in n for n in names)


def test_values_print_whole_numbers_in_full() -> None:
    from bench.__main__ import format_value

    assert format_value(10_030.0) == "10030"
    assert format_value(0.123456) == "0.1235"
    assert format_value(-3.0) == "-3"
    assert LINE.match(f"torture.sync_deliveries {format_value(10_030.0)} requests")


def test_every_bench_module_the_harness_runs_has_run_quick() -> None:
    # `python -m bench` calls run(quick=...) on every bench_*.py it discovers; one without it
    # (bench_handoff had only main()) made every full run report FAILED and exit 1
    import ast

    from bench.__main__ import discover

    lacking = []
    for name in discover():
        tree = ast.parse((ROOT / "bench" / f"{name}.py").read_text(encoding="utf-8"))
        runs = [
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef)
            and node.name == "run"
            and "quick" in [a.arg for a in node.args.args + node.args.kwonlyargs]
        ]
        if not runs:
            lacking.append(name)
    assert lacking == []
