"""An answer read once and kept for a few seconds, so that how often something is read does not
follow how often it is asked for: the vision queue's length (per upload), the API's readiness and
metrics (per request of whoever reaches the port), the candidate sign-ins ended lately (per
candidate request). What to do when a read fails is the reader's: each returns its own answer
for it (the last one, or "down")."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    """`await kept.get()`: the answer of `ask`, asked again once it is `ttl_s` old; callers that
    come while it is asked wait for that one answer."""

    def __init__(
        self,
        ask: Callable[[], Awaitable[T]],
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ask, self.ttl_s, self.clock = ask, ttl_s, clock
        self._answer: T | None = None
        self._at = -math.inf
        self._asking = asyncio.Lock()

    async def get(self) -> T:
        async with self._asking:
            if self.clock() - self._at >= self.ttl_s:
                self._answer = await self.ask()
                self._at = self.clock()
            return self._answer  # type: ignore[return-value]  # set by the first ask


class KeptInThreads(Generic[T]):
    """`kept.get()` from any thread: the answer of `read`, read again once it is `ttl_s` old.
    Only the first read is waited for; later, one caller reads while the others take the answer
    there is, so nobody queues behind the read (a database slow to answer included)."""

    def __init__(
        self, read: Callable[[], T], ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.read, self.ttl_s, self.clock = read, ttl_s, clock
        self._answer: T | None = None
        self._at = -math.inf
        self._reading = threading.Lock()

    def get(self) -> T:
        if self.clock() - self._at >= self.ttl_s:
            if self._reading.acquire(blocking=self._at == -math.inf):
                try:
                    if self.clock() - self._at >= self.ttl_s:  # not read while we waited
                        self._answer = self.read()
                        self._at = self.clock()
                finally:
                    self._reading.release()
        return self._answer  # type: ignore[return-value]  # set by the first read
