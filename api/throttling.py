"""The API's request limits as the routes use them: 429 TOO_MANY_REQUESTS with Retry-After, and
the staff-login lockout (429 LOGIN_LOCKED). Rates per client IP and per phone or application on
the routes that can probe who is enrolled or guess an SMS code, per candidate token on the rest;
how many requests run at once is api/admission.py's. Every figure is a setting
(docs/capacity.md).

The limits against guessing (staff passwords, SMS codes, who is enrolled) are counted in the
database every API process shares (infra/login_attempts.py): in memory, N replicas gave N times
the guesses. The per-token rate of ordinary requests stays in memory (infra/throttle.py): it
guards capacity, not a secret, and a write per request would cost more than it saves."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from fastapi import Request
from sqlalchemy.engine import Engine

from api.errors import ApiError
from domain.messages import AccessRefusal
from infra.config import Settings
from infra.db import ProbeAttempt
from infra.login_attempts import SharedThrottle
from infra.throttle import Throttle

PROBE_WINDOW_S = 60
PHONE_WINDOW_S = 600
CANDIDATE_WINDOW_S = 60


def client_ip(request: Request) -> str:
    """The client as the limits count it: the peer as uvicorn reports it (X-Forwarded-For only
    counts from the proxies named in `forwarded_allow_ips`, never from any local peer), an IPv6
    peer as its /64. One subscriber is given a whole /64 and can send each request from a new
    address of it; per address, no limit would hold him."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an address (a test client's name)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return host


class ProbeLimit:
    """A limit of the identity routes: this process's memory first, so a flood past the budget
    is refused without touching the database; then the count all processes share. The database
    keeps the key's kind and a keyed hash of the rest: a phone number or a candidate's address
    is personal data, and the read model holds none in the clear (tests/security/test_at_rest)."""

    def __init__(self, engine: Engine, secret: str, limit: int, window_s: int) -> None:
        self.secret = secret
        self.here = Throttle(limit, window_s)
        self.everywhere = SharedThrottle(
            engine, limit, window_s, table=ProbeAttempt, kept_s=PHONE_WINDOW_S
        )

    async def hit(self, key: str) -> int:
        return self.here.hit(key) or await self.everywhere.hit(stored_key(self.secret, key))


def stored_key(secret: str, key: str) -> str:
    """A limit's key as the database keeps it: its kind (`ip`, `phone`, `user` …) and a keyed
    hash of the rest, so the attempt tables hold no client address, phone or name in the clear."""
    kind = key.partition(":")[0]
    digest = hmac.new(secret.encode(), f"probe-limit|{key}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:40]}"


class Limits:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        key = self.secret = settings.secret_key
        self.probe_ip = ProbeLimit(engine, key, settings.probe_limit_per_ip, PROBE_WINDOW_S)
        self.probe_phone = ProbeLimit(engine, key, settings.probe_limit_per_phone, PHONE_WINDOW_S)
        lockout_s = settings.staff_lockout_s
        self.staff_ip = SharedThrottle(engine, settings.staff_attempts_per_ip, lockout_s)
        self.staff_account = SharedThrottle(engine, settings.staff_failures_per_account, lockout_s)
        self.candidate = Throttle(settings.candidate_requests_per_minute, CANDIDATE_WINDOW_S)

    async def probe(self, request: Request, *subjects: str) -> None:
        """One request of a route that can tell who is enrolled or try an SMS code: counted per
        client IP and per phone or application named in it (keys `phone:`, `application:`)."""
        by_ip = await self.probe_ip.hit(f"ip:{client_ip(request)}")
        _refuse_if(by_ip, AccessRefusal.TOO_MANY_REQUESTS)
        for subject in subjects:
            _refuse_if(await self.probe_phone.hit(subject), AccessRefusal.TOO_MANY_REQUESTS)

    def candidate_request(self, application_id: str) -> None:
        """One request of a candidate's token: keyed by the application, not the address, as
        many phones share one carrier address."""
        _refuse_if(self.candidate.hit(f"app:{application_id}"), AccessRefusal.TOO_MANY_REQUESTS)

    async def staff_attempt(self, request: Request, username: str) -> None:
        """Before checking a staff password: the IP's budget, then one of the account's failure
        slots, taken (under the key's lock in the database) before argon2 runs. A wrong password
        keeps its slot and a right one gives the count back (`staff_succeeded`). Counting only
        after the check let every concurrent guess pass the same read: 4 at a time checked 8."""
        by_ip = await self.staff_ip.hit(stored_key(self.secret, f"ip:{client_ip(request)}"))
        _refuse_if(by_ip, AccessRefusal.LOGIN_LOCKED)
        by_account = await self.staff_account.hit(self._account_key(username))
        _refuse_if(by_account, AccessRefusal.LOGIN_LOCKED)

    async def staff_succeeded(self, username: str) -> None:
        await self.staff_account.clear(self._account_key(username))

    def _account_key(self, username: str) -> str:
        return stored_key(self.secret, f"user:{username.lower()}")


def _refuse_if(retry_after: int, code: AccessRefusal) -> None:
    if retry_after:
        raise ApiError(code, headers={"Retry-After": str(retry_after)}, measured=retry_after)
