"""What every request handler needs: the database, settings, taxonomy and rate limiters.

``run_db`` runs blocking database work on the thread pool so the event loop never waits on
SQLite or PostgreSQL I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from county_server.db import Database
from county_server.ratelimit import RateLimiter
from county_server.settings import ServerSettings
from county_server.taxonomy import ServerTaxonomy, load_server_taxonomy

T = TypeVar("T")


@dataclass
class ServerContext:
    db: Database
    settings: ServerSettings
    taxonomy: ServerTaxonomy = field(default_factory=load_server_taxonomy)
    device_limiter: RateLimiter = field(init=False)
    client_limiter: RateLimiter = field(init=False)
    enroll_limiter: RateLimiter = field(init=False)
    login_limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.device_limiter = RateLimiter(s.device_rate_per_second, s.device_burst)
        self.client_limiter = RateLimiter(s.client_rate_per_second, s.client_burst)
        self.enroll_limiter = RateLimiter(s.enroll_rate_per_second, s.enroll_burst)
        self.login_limiter = RateLimiter(s.login_rate_per_second, s.login_burst)

    async def run_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await run_in_threadpool(fn, *args)
