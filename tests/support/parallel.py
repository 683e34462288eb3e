"""What the suite needs to run on several cores (pytest-xdist, ``-n``; ``scripts/check`` uses
every core): each worker keeps its own PostgreSQL database, and the docs' screenshot guard runs
once, in the process that sees the whole run.

- **PostgreSQL.** ``scripts/_postgres.sh`` starts one throw-away cluster and exports
  ``COUNTY_TEST_PG_URL`` (database ``county_test``). The PostgreSQL tests rebuild the ``public``
  schema and truncate every table per test, so two workers on one database would wipe each
  other's rows. Each worker therefore makes its own database ``<name>_<worker>`` (``gw0``,
  ``gw1``…) in that cluster at start-up and points ``COUNTY_TEST_PG_URL`` at it, before any test
  module is imported; subprocesses (the CLI, a county server) inherit it. A serial run uses the
  URL as it is.
- **docs/screenshots.** A test run writes nothing there unless asked
  (``tests.support.ui.screenshots_dir``). ``ScreenshotGuard`` takes each file's size and
  modification time when the session starts and compares at its end; it is registered only in
  the controlling process (the only one in a serial run), whose session spans every worker's,
  and a change fails the run.
- **Scheduling.** ``--dist worksteal`` (``pyproject.toml``) gives each worker a contiguous run
  of the collection and moves tests from the end of one worker's queue to an idle one, so a
  module's tests mostly stay on one worker (a module-scoped fixture is built again only where a
  steal splits its module). The group schedulers (``loadgroup``, ``loadscope``, ``loadfile``)
  are not used: they hand tests out by node id, and schemathesis gives all cases of one test the
  same id, so all but the first case would silently not run; and with pytest 9.2 xdist 3.8's
  ``xdist_group`` no longer groups anything (it renames ``item._nodeid``, which pytest no
  longer reads).

Nothing here needs Qt or the project's packages, so the guard is tested in a small pytest run of
its own (``tests/test_parallel_support.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_ENV = "COUNTY_TEST_PG_URL"
# One CREATE DATABASE at a time: each copies template1, and a copy fails while another session
# is connected to it.
_PG_CREATE_LOCK = 0x43445047  # "CDPG"


def xdist_worker() -> str | None:
    """This process's pytest-xdist worker id (``gw0``…), None in the controller or a serial
    run. xdist sets the variable before the worker reads any conftest."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def worker_database_url(url: str, worker: str) -> str:
    """``url`` with its database name suffixed by the worker id (``county_test_gw1``)."""
    parts = urlsplit(url)
    base = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path=f"/{base}_{worker}"))


def make_worker_database(url: str, worker: str) -> str:
    """Create (anew) this worker's database in the cluster of ``url``; its URL."""
    import psycopg
    from psycopg import sql

    mine = worker_database_url(url, worker)
    name = urlsplit(mine).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_PG_CREATE_LOCK,))
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return mine


def isolate_worker_postgres() -> None:
    """In an xdist worker with ``COUNTY_TEST_PG_URL`` set: point it at the worker's own database."""
    worker = xdist_worker()
    url = os.environ.get(PG_ENV)
    if worker and url:
        os.environ[PG_ENV] = make_worker_database(url, worker)


Snapshot = dict[str, tuple[int, int]]


class ScreenshotGuard:
    """Fails the run when any file under ``folder`` appeared, changed or vanished during it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.before: Snapshot = {}
        self.changed: list[str] = []

    def snapshot(self) -> Snapshot:
        return {
            str(p.relative_to(self.folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in self.folder.rglob("*")
            if p.is_file()
        }

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.before = self.snapshot()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        after = self.snapshot()
        before = self.before
        self.changed = sorted(
            k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
        )
        if self.changed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.changed:
            terminalreporter.section("screenshot guard", sep="=", red=True, bold=True)
            terminalreporter.line(
                f"FAILED: tests wrote into {self.folder}: {self.changed} "
                "(save pictures with tests.support.ui.screenshots_dir())",
                red=True,
            )
