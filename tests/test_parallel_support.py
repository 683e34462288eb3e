"""The suite runs on several cores (``scripts/check``: pytest-xdist on every core) and keeps its
guarantees there (``tests/support/parallel.py``): the docs' screenshot guard sees a write made in
any worker, and each worker's PostgreSQL tests get a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.parallel import make_worker_database, worker_database_url
from tests.support.postgres import pg_url

ROOT = Path(__file__).resolve().parents[1]

_CONFTEST = """
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.parallel import ScreenshotGuard, xdist_worker

def pytest_configure(config):
    if xdist_worker() is None:
        config.pluginmanager.register(ScreenshotGuard(Path(os.environ["GUARDED"])))
"""

_READS = """
import os
from pathlib import Path

def test_reads_only():
    assert Path(os.environ["GUARDED"], "kept.png").read_bytes() == b"png"
"""

_WRITES = """
import os
from pathlib import Path

def test_writes_pictures():
    assert os.environ["PYTEST_XDIST_WORKER"].startswith("gw")
    Path(os.environ["GUARDED"], "changed.png").write_bytes(b"another picture")
    Path(os.environ["GUARDED"], "added.png").write_bytes(b"a new picture")
"""


def test_the_screenshot_guard_fails_a_parallel_run_when_a_worker_writes(tmp_path: Path) -> None:
    guarded = tmp_path / "screenshots"
    guarded.mkdir()
    (guarded / "kept.png").write_bytes(b"png")
    (guarded / "changed.png").write_bytes(b"png")
    run = tmp_path / "run"
    run.mkdir()
    (run / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
    (run / "test_a.py").write_text(_READS, encoding="utf-8")
    (run / "test_b.py").write_text(_WRITES, encoding="utf-8")
    env = {
        **os.environ,
        "GUARDED": str(guarded),
        "PYTHONPATH": str(ROOT),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "xdist", "-p", "no:cacheprovider", "-n", "2"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout + done.stderr
    # The tests themselves pass (each in a worker); it is the guard that fails the run.
    assert "2 passed" in out, out
    assert done.returncode == 1, out
    assert "tests wrote into" in out and "['added.png', 'changed.png']" in out, out


def test_each_worker_names_its_own_database() -> None:
    url = "postgresql://postgres@/county_test?host=/tmp/cd-pg.x"
    assert (
        worker_database_url(url, "gw0")
        == "postgresql://postgres@/county_test_gw0?host=/tmp/cd-pg.x"
    )
    assert worker_database_url(url, "gw1") != worker_database_url(url, "gw0")


def test_a_worker_database_is_new_and_empty() -> None:
    import psycopg
    from psycopg import sql

    url = pg_url()
    if not url:
        pytest.skip("COUNTY_TEST_PG_URL not set (PostgreSQL tests run under scripts/check)")
    mine = make_worker_database(url, "probe")
    with psycopg.connect(mine, autocommit=True) as conn:
        conn.execute("CREATE TABLE left_behind (x int)")
    again = make_worker_database(url, "probe")  # a rerun starts from nothing
    assert again == mine != url
    with psycopg.connect(again, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('left_behind')").fetchone() == (None,)
        conn.execute("DROP SCHEMA public CASCADE")  # the worker's database, not the shared one
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regnamespace('public')").fetchone() != (None,)
        name = sql.Identifier(urlsplit(mine).path.lstrip("/"))
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
