"""The signed-PUT load shared by the county benches (``bench_server``, ``bench_state``): real
``county-server serve`` processes on loopback and a raw HTTP/1.1 keep-alive load generator.

A *lane* is one device's PUTs in order (revisions of one period must arrive in order); lanes are
taken by ``connections`` concurrent connections spread evenly over the servers, as a proxy
would. The generator is a minimal client so that its CPU stays far below the server's (both
share this machine's cores).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

Request = tuple[str, bytes, dict[str, str]]
SERVE = (sys.executable, "-m", "county_server.cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc), children first."""
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            out.append(kid)
            out.extend(descendants(kid))
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Servers:
    """``count`` real ``county-server serve`` processes on loopback sharing one database."""

    def __init__(
        self,
        url: str,
        count: int,
        *,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.ports = [free_port() for _ in range(count)]
        environ = {**os.environ, **(env or {})}
        self.procs = [
            subprocess.Popen(
                [*SERVE, "--db", url, "serve", "--port", str(p), *extra],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=environ,
            )
            for p in self.ports
        ]
        try:
            for port, proc in zip(self.ports, self.procs, strict=True):
                deadline = time.monotonic() + 90
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError("county-server serve exited early")
                    try:
                        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/status", timeout=1)
                        if r.status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError("county-server serve did not start")
                    time.sleep(0.1)
        except BaseException:
            self.close()
            raise

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def close(self) -> None:
        """Stop the processes and what they started: a ``serve`` process's publication
        forkserver and build workers outlive it (a worker finishes its part for nobody) and
        would take CPU from whatever the bench measures next."""
        below = [kid for p in self.procs for kid in descendants(p.pid)]
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        for pid in below:
            if alive(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.1)


async def _send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: Request) -> int:
    path, body, headers = req
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        f"{head}\r\n".encode()
        + body
    )
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return int(status_line.split()[1])


def send_lanes(ports: list[int], lanes: list[list[Request]], connections: int = 16) -> float:
    """Send every lane over ``connections`` keep-alive connections spread evenly over
    ``ports``; returns the wall seconds. Raises when any answer is not 200."""
    total = sum(len(lane) for lane in lanes)

    async def worker(port: int, queue: list[list[Request]], bad: list[int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                for req in queue.pop():
                    status = await _send(reader, writer, req)
                    if status != 200:
                        bad.append(status)
        finally:
            writer.close()

    async def main() -> float:
        bad: list[int] = []
        queue = list(reversed(lanes))
        start = time.perf_counter()
        await asyncio.gather(
            *(worker(ports[i % len(ports)], queue, bad) for i in range(connections))
        )
        elapsed = time.perf_counter() - start
        if bad:
            raise RuntimeError(f"{len(bad)} of {total} PUTs were not 200 (e.g. {bad[0]})")
        return elapsed

    return asyncio.run(main())
