"""Test modules stand alone: shared helpers live in ``tests/support``, never in a test module.

A test that imports another ``test_*.py`` runs that module's tests' imports and breaks when the
other file is renamed or reorganised; a ``conftest.py`` is pytest's to load, so only the tests of
its own folder may read constants from it; bench imports nothing from tests but the support
helpers and fixtures. The rules are checked over the source (AST), so a new violation fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_of(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


def _imported(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, absolute dotted module) for every import in ``tree`` of file-module ``module``."""
    package = module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base]) if base else ".".join(parts)
            found.append((node.lineno, base))
            # ``from tests.ui import test_x`` imports a module too
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(root: Path) -> list[str]:
    """Every import under ``root``/tests and ``root``/bench that breaks the rules above."""
    problems: list[str] = []
    files = sorted((root / "tests").rglob("*.py")) + sorted((root / "bench").rglob("*.py"))
    for path in files:
        module = _module_of(path, root)
        package = module.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        seen: set[int] = set()
        for line, name in _imported(tree, module):
            if line in seen:
                continue
            parts = name.split(".")
            if parts[0] != "tests":
                continue
            where = f"{path.relative_to(root)}:{line} imports {name}"
            if module.startswith("bench") and parts[:2] not in (
                ["tests", "support"],
                ["tests", "fixtures"],
            ):
                problems.append(f"{where} (bench uses tests.support only)")
                seen.add(line)
            elif any(p.startswith("test_") for p in parts):
                problems.append(f"{where} (a test module; move the helper to tests/support)")
                seen.add(line)
            elif parts[-1] == "conftest" and ".".join(parts[:-1]) != package:
                problems.append(f"{where} (another folder's conftest; use tests/support)")
                seen.add(line)
    return problems


def test_no_test_imports_another_test_module_or_a_foreign_conftest() -> None:
    assert violations(ROOT) == []


def test_the_check_sees_each_kind_of_violation(tmp_path: Path) -> None:
    (tmp_path / "tests" / "ui").mkdir(parents=True)
    (tmp_path / "tests" / "cli").mkdir()
    (tmp_path / "bench").mkdir()
    (tmp_path / "tests" / "ui" / "test_a.py").write_text(
        "from tests.ui.test_b import helper\n"
        "from .test_c import other\n"
        "from tests.ui import test_d\n"
        "from tests.cli.conftest import PASSPHRASE\n"
        "from tests.ui.conftest import grab\n"  # its own folder's conftest: allowed
        "from tests.support.ui import problems\n",  # allowed
        encoding="utf-8",
    )
    (tmp_path / "bench" / "bench_x.py").write_text(
        "from tests.integration.sync.county import CountyServer\n"
        "from tests.support.county import DISTRICT\n",
        encoding="utf-8",
    )
    found = violations(tmp_path)
    assert [f.split(" imports ")[1].split(" (")[0] for f in found] == [
        "tests.ui.test_b",
        "tests.ui.test_c",
        "tests.ui.test_d",
        "tests.cli.conftest",
        "tests.integration.sync.county",
    ]
