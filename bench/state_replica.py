"""Dashboards on a PostgreSQL streaming replica (issue 23, decision 0154), measured on this machine:
``python -m bench.state_replica [--quick]`` (not part of ``python -m bench``: it makes a second
cluster). Needs ``COUNTY_TEST_PG_URL`` and ``PG_BINDIR`` from ``scripts/_postgres.sh``
(``start_test_postgres``); the primary's public schema is wiped.

The 1,000-district shape of ``state_wide`` (one school and laptop each; 5 months with
``--quick``, else 17) is loaded into the primary through two ``serve`` processes and its cube
built; then ``pg_basebackup -R`` makes a hot standby in a private cluster beside it, streaming
from the primary. One writing ``serve`` runs on the primary (its refresher on) and one
``serve --read-only --primary …`` on the standby. Figures (``replica_*``):

* ``replica_page_p95_ms_<page>`` / ``primary_page_p95_ms_<page>``: the five wide pages on each
  server, idle and ``_during_ingest`` (a thread keeps every laptop re-sending its latest month to
  the primary's serve, as ``state_wide`` does), the two servers' rounds interleaved page by page;
* ``replica_serve_cpu_ms_<page>`` / ``replica_pg_cpu_ms_<page>``: CPU per page request of the
  read-only serve and of the standby's backends — the work that moves off the primary;
* ``replica_primary_serve_cpu_s_during`` / ``replica_primary_pg_cpu_s_during``: what the primary
  spent meanwhile (its ingest and refresher, the primary-side page rounds, and the replica's
  session look-ups, which read the primary: ``Database.read_own_writes``);
* ``replica_lag_ms``: the standby's replay delay behind the primary at the end of the load;
* ``replica_publication_same``: 1 when the standby's publication state row equals the primary's
  after the load (the replica shows what the primary published).

Both clusters and all servers share this machine's 2 cores with the load generator (and whatever
else runs): the p95s are the machine's, the CPU figures are the servers'.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from bench.signed_load import Servers, cpu_seconds, free_port
from bench.state_data import WIDE_MONTHS, Row, generate, signed_lanes
from bench.state_load import INSECURE, PASSWORD, cli, fresh, page_p95, pg_backends, send_all
from bench.state_wide import Background, wide_pages
from county_server import auth


class ReadOnlyServe:
    """One ``serve --read-only`` process (its API answers 503, so readiness is the sign-in
    page)."""

    def __init__(self, url: str, primary: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "county_server.cli",
                "--db",
                url,
                "serve",
                "--port",
                str(self.port),
                "--read-only",
                "--primary",
                primary,
                *INSECURE,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode()[-300:] if self.proc.stderr else ""
                raise RuntimeError(f"serve --read-only exited early: {err}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("serve --read-only did not start")
            time.sleep(0.1)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


class Standby:
    """A hot standby of the test cluster in a private folder, streaming from it."""

    def __init__(self, primary: str) -> None:
        bindir = Path(os.environ["PG_BINDIR"])
        host = parse_qs(urlsplit(primary).query)["host"][0]
        self.dir = Path(tempfile.mkdtemp(prefix="cd-pg-standby."))
        self.runas = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.runas:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = 5433
        self.ctl = [*self.runas, str(bindir / "pg_ctl"), "-D", str(self.dir / "data")]
        copy = ["-D", str(self.dir / "data"), "-R", "-X", "stream", "-c", "fast"]
        subprocess.run(
            [*self.runas, str(bindir / "pg_basebackup"), "-h", host, "-U", "postgres", *copy],
            check=True,
            capture_output=True,
        )
        opts = f"-k {self.dir} -c listen_addresses='' -p {self.port} -c hot_standby=on"
        subprocess.run(
            [*self.ctl, "-l", str(self.dir / "log"), "-w", "-o", opts, "start"],
            check=True,
            capture_output=True,
        )
        self.url = f"postgresql://postgres@/county_test?host={self.dir}&port={self.port}"

    def close(self) -> None:
        subprocess.run([*self.ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def _scalar(url: str, sql: str) -> object:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    return row[0] if row else None


def _wait_caught_up(primary: str, replica: str, timeout: float = 120.0) -> None:
    lsn = _scalar(primary, "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _scalar(replica, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")
        if done:
            return
        time.sleep(0.2)
    raise RuntimeError("the standby did not catch up")


def _pages_both(
    primary_port: int, replica: ReadOnlyServe, pages: dict[str, str], rows: list[Row], suffix: str
) -> None:
    """Each page on the replica then the primary (interleaved page by page), with the CPU of
    the read-only serve and of the standby's backends per replica request."""
    for name, path in pages.items():
        one = {name: path}
        cpu: dict[str, float] = {}
        pg0 = pg_backends(REPLICA_URL[0])
        got = page_p95(replica.port, one, servers=replica, cpu_ms=cpu)  # type: ignore[arg-type]
        pg1 = pg_backends(REPLICA_URL[0])
        pg_ms = 1000 * sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items()) / 21
        rows.append((f"replica_page_p95_ms_{name}{suffix}", got[name], "ms", None))
        rows.append((f"replica_serve_cpu_ms_{name}{suffix}", cpu[name], "ms", None))
        rows.append((f"replica_pg_cpu_ms_{name}{suffix}", pg_ms, "ms", None))
        prim = page_p95(primary_port, one)
        rows.append((f"primary_page_p95_ms_{name}{suffix}", prim[name], "ms", None))


REPLICA_URL: list[str] = []


def measure(primary: str, quick: bool) -> list[Row]:
    rows: list[Row] = [("replica_load_avg_start", os.getloadavg()[0], "load", None)]
    now = datetime.now(UTC)
    db = fresh(primary)
    months = WIDE_MONTHS[-5:] if quick else WIDE_MONTHS
    state = generate(db, scale=1.0, now=now, months=months, shape=(1000, 1000, 1000))
    auth.add_user(
        db, "bench", "admin", PASSWORD, [], now=now, actor="bench", memory_kib=8192, iterations=1
    )
    db.close()
    two = Servers(primary, 2, extra=INSECURE)
    try:
        send_all(primary, two, signed_lanes(state, state.devices))
    finally:
        two.close()
    cli(primary, "rebuild-publication")
    standby = Standby(primary)
    REPLICA_URL[:] = [standby.url]
    try:
        _wait_caught_up(primary, standby.url)
        writer = Servers(primary, 1, extra=INSECURE)
        replica = ReadOnlyServe(standby.url, primary)
        try:
            pages = wide_pages(state)
            _pages_both(writer.ports[0], replica, pages, rows, "")
            load = Background(state, writer.ports, 2)
            try:
                prim_pg0 = pg_backends(primary)
                prim0 = writer.cpu()
                _pages_both(writer.ports[0], replica, pages, rows, "_during_ingest")
            finally:
                load.stop()
            if load.seconds:
                rows.append(("replica_ingest_puts_per_s", load.puts / load.seconds, "PUT/s", None))
            rows.append(("replica_primary_serve_cpu_s_during", writer.cpu() - prim0, "s", None))
            prim_pg1 = pg_backends(primary)
            rows.append(
                (
                    "replica_primary_pg_cpu_s_during",
                    sum(v - prim_pg0.get(p, 0.0) for p, v in prim_pg1.items()),
                    "s",
                    None,
                )
            )
            lag = _scalar(
                standby.url,
                "SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)",
            )
            rows.append(("replica_lag_ms", 1000 * float(str(lag)), "ms", None))
        finally:
            replica.close()
            writer.close()
        _wait_caught_up(primary, standby.url)
        state_sql = "SELECT built_at || source FROM publication_state WHERE id = 1"
        same = _scalar(primary, state_sql) == _scalar(standby.url, state_sql)
        rows.append(("replica_publication_same", 1.0 if same else 0.0, "bool", None))
    finally:
        standby.close()
    rows.append(("replica_load_avg_end", os.getloadavg()[0], "load", None))
    return rows


def main() -> int:
    url = os.environ.get("COUNTY_TEST_PG_URL")
    if not url or not os.environ.get("PG_BINDIR"):
        print("needs COUNTY_TEST_PG_URL and PG_BINDIR (scripts/_postgres.sh)")
        return 2
    for name, value, unit, _ in measure(url, "--quick" in sys.argv[1:]):
        print(f"{name} {value:.4g} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
