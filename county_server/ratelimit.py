"""In-memory token buckets: ``allow(key)`` answers whether a request may proceed now.

One bucket per key (a device id, or a client address for enrollment and login). Thread-safe.
When refused, ``retry_after(key)`` gives the whole seconds until a token is available (the
``Retry-After`` header). Buckets live in the server process; behind several workers each keeps
its own (a load balancer's limit is the outer guard).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self, rate_per_second: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate_per_second
        self.burst = float(burst)
        self._mono = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take a token for ``key`` if one is available."""
        now = self._mono()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return True
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            return False

    def retry_after(self, key: str) -> int:
        with self._lock:
            tokens, _ = self._buckets.get(key, (self.burst, 0.0))
        if self.rate <= 0:
            return 3600
        return max(1, math.ceil((1.0 - tokens) / self.rate))
