"""Which candidate sign-ins have ended, as this API process knows it: read from the database at
most every `poll_s` seconds, not per request.

A candidate access token (2 h) names its sign-in (`sid`). Logout, 「退出所有设备」 and a replaced
refresh token shown again end sign-ins (infra/refresh_sessions.py); their access tokens are then
refused here within `poll_s`, instead of living on to their 2 h. The set read is the sign-ins
ended within an access token's lifetime (older ones' tokens have expired), so it stays small, and
the read costs one indexed query per process per interval whatever the load.

If the database cannot be read, the last set stays in use (logged): candidate requests go on,
and sign-ins ended meanwhile are refused once it can be read again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from infra.kept import KeptInThreads
from infra.refresh_sessions import ended_since
from infra.tokens import CANDIDATE_TOKEN_TTL_S

log = logging.getLogger("ruji.security")

ACCESS_TOKEN_LIFE = timedelta(seconds=CANDIDATE_TOKEN_TTL_S)


class EndedSignIns:
    def __init__(
        self, engine: Engine, poll_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.engine = engine
        self._ended: frozenset[str] = frozenset()
        self.kept = KeptInThreads(self._read, poll_s, clock)

    def ended(self, sid: str) -> bool:
        """Tokens issued before access tokens named their sign-in have no `sid`: they expire."""
        return bool(sid) and sid in self.kept.get()

    def ended_as_read(self, sid: str) -> bool:
        """`ended` by the set last read, never reading: for the event loop, where a read would
        stall every request. The candidate requests that read keep the set fresh."""
        return bool(sid) and sid in self._ended

    def _read(self) -> frozenset[str]:
        since = datetime.now(UTC) - ACCESS_TOKEN_LIFE
        try:
            with Session(self.engine) as db:
                self._ended = frozenset(ended_since(db, since))
        except Exception:
            log.warning("ended sign-ins not read; the last set stays in use", exc_info=True)
        return self._ended
