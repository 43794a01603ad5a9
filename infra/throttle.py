"""Sliding-window request limits, kept in the API process's memory.

Used on the routes that can probe who is enrolled (candidate register, verify, login) and per
candidate token; the staff-login lockout is counted in the database (infra/login_attempts.py).
Per process: with N API replicas an address gets N times the budget, which still
turns "200 phones in 0.26 s" into minutes per phone; the SMS daily caps (infra/otp.py) are in
the database and hold across replicas.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

#: Keys held before the first sweep of those whose hits have all left the window. A sweep reads
#: the whole map, so the next one waits until it has doubled past what stayed: a spray of new
#: keys (an IPv6 /64 is 2**64 client addresses) costs amortised O(1) a request.
SWEEP_AT = 100_000


class Throttle:
    """At most `limit` hits per key within `window_s` seconds."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._sweep_at = SWEEP_AT
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Keys held: what the sweep bounds."""
        return len(self._hits)

    def _recent(self, key: str, now: float) -> deque[float]:
        if len(self._hits) >= self._sweep_at:
            self._sweep(now)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return hits

    def _sweep(self, now: float) -> None:
        """Forget every key whose last hit has left the window (or that was only asked about):
        it would be allowed again anyway. Before, only keys emptied by their own next request
        were dropped, so a spray of one-time keys stayed, and was scanned, for good."""
        cutoff = now - self.window_s
        self._hits = {k: hits for k, hits in self._hits.items() if hits and hits[-1] > cutoff}
        self._sweep_at = max(SWEEP_AT, 2 * len(self._hits))

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
