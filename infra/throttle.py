"""Sliding-window request limits, kept in the API process's memory.

Used on the routes that can probe who is enrolled (candidate register, verify, login) and on
staff logins. Per process: with N API replicas an address gets N times the budget, which still
turns "200 phones in 0.26 s" into minutes per phone; the SMS daily caps (infra/otp.py) are in
the database and hold across replicas.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class Throttle:
    """At most `limit` hits per key within `window_s` seconds."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(self._hits) > 100_000:  # bound memory under a spray of keys: drop idle ones
            for k in [k for k, v in self._hits.items() if not v and k != key]:
                del self._hits[k]
        return hits

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 if it may now (without counting a hit)."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                return 0
            return max(1, math.ceil(hits[0] + self.window_s - now))

    def hit(self, key: str) -> int:
        """Count one request of `key`. Returns 0 if it is allowed, otherwise the seconds until
        it would be (the refused request is not counted)."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window_s - now))
            hits.append(now)
            return 0

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
