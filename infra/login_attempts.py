"""Sliding-window limits counted in the database every API process shares: staff-login
attempts, and the candidate identity routes' requests (api/throttling.py). In each process's
memory (infra/throttle.py) N replicas or uvicorn workers gave an attacker N times the password
or SMS-code guesses.

A hit is counted under a lock of its key held to the commit (a transaction-scoped advisory lock
on PostgreSQL; on SQLite the first statement is a write, so one writer at a time), so concurrent
guesses on any processes cannot all pass one read of the count."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from infra.db import Attempt, StaffLoginAttempt, as_utc

log = logging.getLogger("ruji.security")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SharedThrottle:
    """At most `limit` hits per key within `window_s` seconds, across every process, counted in
    `table`. Limits sharing a table keep their keys apart (a prefix each); `kept_s` is the longest
    window among them, as the sweep drops the attempts of every key of the table."""

    def __init__(
        self,
        engine: Engine,
        limit: int,
        window_s: float,
        clock: Callable[[], datetime] = _utcnow,
        table: type[Attempt] = StaffLoginAttempt,
        kept_s: float = 0,
    ) -> None:
        self.engine = engine
        self.limit = limit
        self.window = timedelta(seconds=window_s)
        self.kept = timedelta(seconds=max(kept_s, window_s))
        self.clock = clock
        self.table = table
        self._swept_at: datetime | None = None

    async def hit(self, key: str) -> int:
        """Count one attempt of `key`: 0 if it is allowed, otherwise the seconds until it would be
        (a refused attempt is not counted)."""
        return await asyncio.to_thread(self._hit, key)

    async def clear(self, key: str) -> None:
        await asyncio.to_thread(self._clear, key)

    def _hit(self, key: str) -> int:
        now = self.clock()
        with Session(self.engine) as db:
            self._lock(db, key)
            ours = col(self.table.key) == key
            db.exec(delete(self.table).where(ours, col(self.table.at) <= now - self.window))
            count, oldest = db.exec(select(func.count(), func.min(self.table.at)).where(ours)).one()
            if count >= self.limit and oldest is not None:
                db.commit()
                return max(1, math.ceil((as_utc(oldest) + self.window - now).total_seconds()))
            db.add(self.table(key=key, at=now))
            db.commit()
        self._sweep_now_and_then(now)
        return 0

    def _clear(self, key: str) -> None:
        with Session(self.engine) as db:
            self._lock(db, key)
            db.exec(delete(self.table).where(col(self.table.key) == key))
            db.commit()

    def _lock(self, db: Session, key: str) -> None:
        if self.engine.dialect.name == "postgresql":
            db.exec(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))

    def _sweep_now_and_then(self, now: datetime) -> None:
        """Once a window per process, the attempts of every key that have left it: names typed
        once (a spray of guesses) would otherwise stay for good. Its own transaction, after the
        key's lock is released; a failure only postpones it."""
        if self._swept_at is not None and now - self._swept_at < self.kept:
            return
        self._swept_at = now
        try:
            with Session(self.engine) as db:
                db.exec(delete(self.table).where(col(self.table.at) <= now - self.kept))
                db.commit()
        except Exception:
            log.warning("old attempts not swept: %s", self.table.__name__, exc_info=True)
