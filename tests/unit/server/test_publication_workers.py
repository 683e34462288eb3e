"""A stopped ``serve`` leaves no publication worker behind (``store.stop_workers``).

The state bench found the part workers and their forkserver still running after a ``serve``
process ended, one of them still building a part for nobody.
"""

from __future__ import annotations

import os
import time
from multiprocessing import forkserver
from pathlib import Path

import pytest

from county_server.publication import store


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def _gone(pids: set[int], seconds: float = 10.0) -> set[int]:
    end = time.monotonic() + seconds
    left = {p for p in pids if _alive(p)}
    while left and time.monotonic() < end:
        time.sleep(0.05)
        left = {p for p in left if _alive(p)}
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_stop_workers_ends_the_workers_and_their_forkserver() -> None:
    store.stop_workers()  # whatever an earlier test left
    pool = store._pool(2)
    workers = {pool.submit(os.getpid).result() for _ in range(6)}
    server = forkserver._forkserver._forkserver_pid
    assert workers and server and os.getpid() not in workers

    store.stop_workers()

    assert _gone(workers | {server}) == set()
    assert store._POOL is None
    # the next rebuild starts new ones
    again = store._pool(2).submit(os.getpid).result()
    assert again not in workers
    store.stop_workers()
    assert _gone({again}) == set()


def test_stop_workers_without_a_pool_is_harmless() -> None:
    store.stop_workers()
    store.stop_workers()
    assert store._POOL is None
