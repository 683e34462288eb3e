"""Services, sync, the demo generator, reports, bundled files, config and the desktop UI issue
no SQL of their own: it lives in ``clinician_desk/storage`` (the repositories, the unit of work,
migrations).

A static check over the source (AST) counts calls of ``.execute``, ``.executemany`` and
``.executescript`` per module. ``NOT_YET_MOVED`` lists the modules whose SQL has not yet moved
into a repository, with their count: it is empty now and may only stay so — a module with SQL
fails, and so would a listed count higher than the module's real count.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = (
    "clinician_desk/services",
    "clinician_desk/sync",
    "clinician_desk/demo",
    "clinician_desk/reports",
    "clinician_desk/bundled",
    "clinician_desk/config",
    "ui",
)
SQL_CALLS = {"execute", "executemany", "executescript"}

NOT_YET_MOVED: dict[str, int] = {}


def sql_calls(root: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for folder in CHECKED:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            n = sum(
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
                for node in ast.walk(tree)
            )
            if n:
                counts[path.relative_to(root).as_posix()] = n
    return counts


def test_services_sync_and_demo_issue_no_sql_beyond_the_shrinking_list() -> None:
    counts = sql_calls(ROOT)
    grown = {f: n for f, n in counts.items() if n > NOT_YET_MOVED.get(f, 0)}
    assert grown == {}, "move this SQL into clinician_desk/storage/repositories"
    stale = {f: (n, counts.get(f, 0)) for f, n in NOT_YET_MOVED.items() if counts.get(f, 0) < n}
    assert stale == {}, "SQL moved out: lower (or remove) these entries in NOT_YET_MOVED"


def test_the_check_counts_sql_calls(tmp_path: Path) -> None:
    folder = tmp_path / "clinician_desk" / "services"
    folder.mkdir(parents=True)
    (folder / "x.py").write_text(
        "def f(uow, conn):\n"
        "    uow.conn.execute('SELECT 1')\n"
        "    conn.executemany('INSERT', [])\n"
        "    repo.insert(conn)\n",
        encoding="utf-8",
    )
    assert sql_calls(tmp_path) == {"clinician_desk/services/x.py": 2}


def test_the_check_fails_a_new_offender(tmp_path: Path) -> None:
    """With the list empty, any SQL call in a checked folder is reported as grown."""
    folder = tmp_path / "clinician_desk" / "demo"
    folder.mkdir(parents=True)
    (folder / "y.py").write_text("def f(conn):\n    conn.execute('SELECT 1')\n", encoding="utf-8")
    counts = sql_calls(tmp_path)
    assert {f: n for f, n in counts.items() if n > NOT_YET_MOVED.get(f, 0)} == {
        "clinician_desk/demo/y.py": 1
    }
