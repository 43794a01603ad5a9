"""The in-memory request limits under a spray of keys: an attacker with an IPv6 /64 comes from
a new address every request, so every key is new. Keys whose hits have left the window must be
forgotten, or the map grows without end and the clean-up scans it on every request (under the
lock, on the API's event loop): 3 s per 1000 requests at 120k stale addresses."""

from __future__ import annotations

from infra.throttle import SWEEP_AT, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sprayed(throttle: Throttle, count: int, net: str = "2001:db8:0:1") -> None:
    for i in range(count):
        throttle.hit(f"ip:{net}::{i:x}")


def test_a_spray_of_addresses_that_went_quiet_is_forgotten() -> None:
    clock = Clock()
    throttle = Throttle(5, 60, clock=clock)
    sprayed(throttle, SWEEP_AT + 1000)
    clock.now = 61.0  # every one of those hits has left the window
    sprayed(throttle, SWEEP_AT, net="2001:db8:0:2")
    assert len(throttle) <= SWEEP_AT + 1


def test_a_spray_does_not_free_a_key_that_is_at_its_limit() -> None:
    clock = Clock()
    throttle = Throttle(5, 60, clock=clock)
    for _ in range(5):
        assert throttle.hit("ip:192.0.2.1") == 0
    clock.now = 30.0
    sprayed(throttle, 2 * SWEEP_AT + 10)
    assert throttle.hit("ip:192.0.2.1") == 30  # still refused until its first hit is 60 s old
    clock.now = 60.5
    assert throttle.hit("ip:192.0.2.1") == 0


def test_a_key_asked_about_but_never_hit_is_not_kept() -> None:
    clock = Clock()
    throttle = Throttle(5, 60, clock=clock)
    for i in range(SWEEP_AT + 10):  # staff logins ask about every name typed
        assert throttle.retry_after(f"user:name-{i}") == 0
    assert len(throttle) <= SWEEP_AT
