"""Small pieces of the county server: rate limiter, org-unit CSV parsing, SVG charts."""

from __future__ import annotations

import pytest

from county_server.charts import bar_chart
from county_server.errors import ConfigError
from county_server.orgunits import parse_csv
from county_server.ratelimit import RateLimiter


class Mono:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_refills_and_tells_when() -> None:
    mono = Mono()
    rl = RateLimiter(2.0, 3, monotonic=mono)
    assert [rl.allow("a") for _ in range(4)] == [True, True, True, False]
    assert rl.allow("b")
    assert rl.retry_after("a") == 1
    mono.t = 0.5
    assert rl.allow("a") and not rl.allow("a")


def test_csv_parsing_and_errors() -> None:
    districts, schools = parse_csv(
        "CDSCode,District,School\n99100006000001,Alder,Acorn\n99100000000000,Alder,\n"
    )
    assert [d.code for d in districts] == ["99100000000000"]
    assert [(s.code, s.district_code) for s in schools] == [("99100006000001", "99100000000000")]
    for bad, where in [
        ("cds_code,district,school\n123,Alder,Acorn\n", "line 2"),
        ("cds_code,district,school\n99100006000001,,Acorn\n", "line 2"),
        ("cds_code,district,school\n99100006000001,A,<script>\n", "line 2"),
        ("cds_code,district,school\n99100006000001,A,x\n99100006000002,B,y\n", "line 3"),
        ("cds_code,district,school\n99100006000001,A,x\n99100006000001,A,y\n", "line 3"),
        ("a,b\n1,2\n", "columns"),
        ("cds_code,district,school\n", "no rows"),
    ]:
        with pytest.raises(ConfigError, match=where):
            parse_csv(bad)


def test_chart_escapes_and_marks_suppressed() -> None:
    svg = str(bar_chart("A & <B>", ["2026-01", "<x>"], [12, None]))
    assert "A &amp; &lt;B&gt;" in svg and "<x>" not in svg
    # two bars (one hidden, drawn dashed) and the legend's swatch for "* suppressed"
    assert "suppressed" in svg and svg.count("<rect") == 3 and svg.count('"3,3"') == 1
    assert "percent" not in svg
    assert "50.0%" in str(bar_chart("r", ["a"], [0.5], percent=True))


def test_a_full_table_evicts_old_buckets_not_an_exhausted_one() -> None:
    """Flooding the limiter with new keys must not hand an exhausted key a fresh burst."""
    mono = Mono()
    rl = RateLimiter(1.0, 2, monotonic=mono)
    for i in range(RateLimiter.MAX_KEYS):
        rl.allow(f"flood-{i}")
    mono.t = 0.001
    assert [rl.allow("attacker") for _ in range(3)] == [True, True, False]
    assert len(rl) <= RateLimiter.MAX_KEYS
    assert not rl.allow("attacker")  # still refused: its bucket was kept
    assert rl.retry_after("attacker") >= 1
    assert "flood-0" not in rl and "flood-1" in rl  # only the oldest went
    assert f"flood-{RateLimiter.MAX_KEYS - 1}" in rl


def test_expired_buckets_are_the_first_to_go() -> None:
    mono = Mono()
    rl = RateLimiter(1.0, 2, monotonic=mono, max_keys=3)
    rl.allow("old")
    mono.t = 1.0
    assert [rl.allow("busy") for _ in range(3)] == [True, True, False]
    mono.t = 5.0  # "old" (and "busy") have refilled: their buckets carry no information now
    rl.allow("a")
    rl.allow("b")  # a fourth key: one must go, and it is the oldest, refilled "old"
    assert "old" not in rl and "busy" in rl and len(rl) == 3


def test_csv_export_neutralises_formula_cells() -> None:
    """Issue 16: a cell starting with = + - @ must not run as a spreadsheet formula."""
    from county_server.exports import ExportRow, _csv

    row = ExportRow(
        '=HYPERLINK("http://x.invalid","y")', "+d", "2026-11", "@m", "-s", 1, "K-5", "", 3
    )
    text = _csv([row]).decode()
    body = text.splitlines()[1]
    assert body.startswith("\"'=HYPERLINK(")
    assert ",'+d,2026-11,'@m,'-s,1,K-5,,3,0" in body


def test_pages_and_exports_read_only_the_publication_cube() -> None:
    """Nothing published bypasses the cube: no page or export module, nor a county_server module
    they import, queries the raw counts (``enrollment`` only moves a retired device's counts
    aside and back, and shows nothing but how many rows moved, in the audit trail)."""
    import ast
    import re
    from pathlib import Path

    import county_server

    root = Path(county_server.__file__).parent
    entry = [*root.glob("web*.py"), root / "exports.py"]
    modules = set(entry)
    for path in entry:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "county_server":
                modules |= {root / f"{a.name}.py" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").count(".") == 1:
                package, name = (node.module or "").split(".")
                if package == "county_server" and name != "publication":
                    modules.add(root / f"{name}.py")
    modules.discard(root / "enrollment.py")
    # completeness counts laptops that sent a snapshot for a month (device, unit, period only):
    # it may read ``snapshots`` but never a count table.
    completeness = (root / "completeness.py").read_text(encoding="utf-8")
    assert not re.search(r"\b(FROM|JOIN)\s+(cells|cells_set_aside)\b", completeness, re.I)
    assert not re.search(r"\bvalue\b", completeness)
    modules.discard(root / "completeness.py")
    raw = re.compile(r"\b(FROM|JOIN)\s+(cells|cells_set_aside|snapshots)\b", re.IGNORECASE)
    found = sorted(p.name for p in modules if raw.search(p.read_text(encoding="utf-8")))
    assert len(modules) >= 10 and found == []
