"""Measuring tools of ``bench_state``: the signed-PUT load with the CPU it costs the ``serve``
processes and their PostgreSQL backends, ``county-server`` commands and ``cube.refresh`` timed
in processes of their own, the signed-in page p95, the stored table sizes."""

from __future__ import annotations

import math
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from bench.signed_load import Request, Servers, cpu_seconds, send_lanes
from bench.state_data import Row
from county_server.db import Database

PASSWORD = "bench fictional password"
INSECURE = ("--insecure-cookies",)  # the pages are signed into over plain HTTP


def pg_backends(url: str) -> dict[int, float]:
    """CPU seconds of every other client backend of this database (the servers' pools)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            int(r[0])
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
    return {pid: cpu_seconds(pid) for pid in pids}


@dataclass
class LoadResult:
    puts: int
    seconds: float
    server_cpu_ms: float
    pg_cpu_ms: float

    @property
    def rate(self) -> float:
        return self.puts / self.seconds


def send_all(
    url: str, servers: Servers, lanes: list[list[Request]], connections: int = 16
) -> LoadResult:
    """Send every lane (a device's PUTs in order) over ``connections`` keep-alive connections
    spread evenly over the servers; every answer must be 200."""
    total = sum(len(lane) for lane in lanes)
    pg0 = pg_backends(url)
    cpu0 = servers.cpu()
    elapsed = send_lanes(servers.ports, lanes, connections)
    cpu1 = servers.cpu()
    pg1 = pg_backends(url)
    pg_cpu = sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items())
    return LoadResult(total, elapsed, 1000 * (cpu1 - cpu0) / total, 1000 * pg_cpu / total)


def cli(url: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a ``county-server`` command in its own process; (wall seconds, CPU seconds of the
    process and the children it waited for — on a shared machine the honest figure —, stdout).
    Worker processes started through a forkserver are not among those children (and outlive
    the command), so the command builds every part in its own process
    (``COUNTY_PUBLICATION_WORKERS=1``) unless ``env`` says otherwise."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "county_server.cli", "--db", url, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COUNTY_PUBLICATION_WORKERS": "1", **(env or {})},
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(
            f"county-server {args[0]} failed ({done.returncode}): {done.stderr.strip()[-300:]}"
        )
    return elapsed, cpu, done.stdout


REFRESH = """
import sys, time
from county_server.db import Database
from county_server.publication import cube
from county_server.settings import system_now
db = Database.open(sys.argv[1], migrate=False)
now = system_now()
with db.read() as tx:
    todo, everything = cube.stale_parts(tx, cube.Window.at(now))
t0, c0 = time.perf_counter(), time.process_time()
cube.refresh(db, now)
print(time.perf_counter() - t0, time.process_time() - c0, len(todo), int(everything))
"""


def timed_refresh(url: str) -> tuple[float, float, int, bool]:
    """``cube.refresh`` in its own process, as a serve process's refresher runs it after a sync
    round: (wall and CPU seconds of the refresh call, parts rebuilt, whether that was all of
    them). Interpreter start and imports are outside the timing; one stale part is built in
    the process itself, so its CPU time is the whole cost."""
    done = subprocess.run(
        [sys.executable, "-c", REFRESH, url], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"refresh failed: {done.stderr.strip()[-300:]}")
    wall, cpu, parts, everything = done.stdout.split()
    return float(wall), float(cpu), int(parts), everything == "1"


def wait_quiet(servers: Servers, timeout: float = 300.0) -> float:
    """Wait until the ``serve`` processes use under 5 % of a core over a second (a started
    process's refresher first proves the cube fresh: digests of every snapshot); returns the
    seconds waited. "Idle" page figures are taken after this."""
    t0 = time.perf_counter()
    before = servers.cpu()
    while time.perf_counter() - t0 < timeout:
        time.sleep(1.0)
        now = servers.cpu()
        if now - before < 0.05:
            break
        before = now
    return time.perf_counter() - t0


def page_p95(
    port: int,
    paths: dict[str, str],
    rounds: int = 20,
    servers: Servers | None = None,
    cpu_ms: dict[str, float] | None = None,
) -> dict[str, float]:
    """p95 (ms) of ``rounds`` signed-in requests per page; with ``servers`` and ``cpu_ms``, also
    the ``serve`` processes' CPU per request (ms) — the figure a loaded machine does not
    stretch."""
    base = f"http://127.0.0.1:{port}"
    out: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=120) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        if token is None:
            raise RuntimeError("no sign-in form")
        r = c.post(
            "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        if r.status_code not in (200, 303):
            raise RuntimeError(f"sign-in failed ({r.status_code})")
        for name, path in paths.items():
            warm = c.get(path)
            if warm.status_code != 200:
                raise RuntimeError(f"{path}: {warm.status_code}")
            times = []
            cpu0 = servers.cpu() if servers is not None else 0.0
            for _ in range(rounds):
                t = time.perf_counter()
                r = c.get(path)
                times.append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code}")
            if servers is not None and cpu_ms is not None:
                cpu_ms[name] = 1000 * (servers.cpu() - cpu0) / rounds
            times.sort()
            out[name] = 1000 * times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return out


def sizes(url: str, scale: float) -> list[Row]:
    """Stored size of the snapshot tables, measured and scaled to the full state."""
    import psycopg

    out: list[Row] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("snapshots", "snapshot_history", "cells"):
            row = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (table,)).fetchone()
            mb = (row[0] if row else 0) / 1e6
            out.append((f"state_{table}_mb", mb, "MB", None))
            out.append((f"state_{table}_full_est_mb", mb / scale, "MB", None))
    return out


def fresh(url: str) -> Database:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return Database.open(url)


class Rows(list[Row]):
    """Rows that are also echoed as ``#`` comment lines as they come (a long run that is cut
    short still shows what it measured)."""

    def append(self, row: Row) -> None:
        super().append(row)
        print(f"# {row[0]} {row[1]:.4g} {row[2]}", flush=True)
