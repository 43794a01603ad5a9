"""The limits counted in the database (infra/login_attempts.py) when two of them share a table
with different windows: the identity routes count a client address per minute and a phone per
10 minutes in one table, and the sweep of the short one must not free the long one's keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infra.db import ProbeAttempt
from infra.login_attempts import SharedThrottle


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_the_short_windows_sweep_keeps_the_long_windows_attempts(any_engine) -> None:
    clock = Clock()
    per_ip = SharedThrottle(any_engine, 5, 60, clock, table=ProbeAttempt, kept_s=600)
    per_phone = SharedThrottle(any_engine, 1, 600, clock, table=ProbeAttempt, kept_s=600)
    assert await per_ip.hit("ip:203.0.113.9") == 0  # its first sweep, of nothing yet
    assert await per_phone.hit("phone:13743011203") == 0
    clock.now += timedelta(seconds=120)
    assert await per_ip.hit("ip:203.0.113.9") == 0  # a window later: it may sweep again
    assert await per_phone.hit("phone:13743011203") == 480  # still 8 minutes to wait
    clock.now += timedelta(seconds=481)
    assert await per_phone.hit("phone:13743011203") == 0
