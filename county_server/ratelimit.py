"""In-memory token buckets: ``allow(key)`` answers whether a request may proceed now.

One bucket per key (a device id, or a client address for enrollment and login). Thread-safe.
When refused, ``retry_after(key)`` gives the whole seconds until a token is available (the
``Retry-After`` header). Buckets live in the server process; behind several workers each keeps
its own (a load balancer's limit is the outer guard).

Memory is bounded: at most ``max_keys`` buckets are kept, in order of last use. When a new key
would exceed that, the least recently used buckets go first — they have had the longest to
refill, and a bucket that is full again carries no information — so flooding the limiter with
fresh keys never hands a key that is being refused a fresh burst.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    MAX_KEYS = 100_000

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.rate = rate_per_second
        self.burst = float(burst)
        self.max_keys = max_keys
        self._mono = monotonic
        # key -> (tokens, last refill); oldest use first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._buckets

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def allow(self, key: str) -> bool:
        """Take a token for ``key`` if one is available."""
        now = self._mono()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._store(key, tokens - 1.0, now)
                return True
            self._store(key, tokens, now)
            return False

    def retry_after(self, key: str) -> int:
        with self._lock:
            tokens, _ = self._buckets.get(key, (self.burst, 0.0))
        if self.rate <= 0:
            return 3600
        return max(1, math.ceil((1.0 - tokens) / self.rate))
