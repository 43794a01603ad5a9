"""Admission control: how many requests of each costly kind one API process works on at once.

On the morning a window opens most candidates arrive together and retry when something is slow.
Past a kind's limit a request is answered at once with 429 TOO_MANY_CONCURRENT and Retry-After,
before its body is read, so the requests already admitted finish in their usual time and every
other route keeps answering. The limits are per process (settings `concurrent_*`); the rates per
address, phone and token are api/throttling.py's. Sizes: docs/capacity.md.
"""

from __future__ import annotations

from enum import StrEnum

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiRefusal, retry_after_s, send_refusal
from infra.config import Settings


class RequestKind(StrEnum):
    SIGN_IN = "sign_in"
    UPLOAD = "upload"
    STAFF_LOGIN = "staff_login"


#: the routes that answer only after Temporal or the SMS gateway did
SIGN_IN_PATHS = frozenset(
    {
        "/api/v1/candidate/register",
        "/api/v1/candidate/verify",
        "/api/v1/candidate/login",
        "/api/v1/candidate/login/code",
    }
)
#: both staff logins hash a password (argon2: 64 MiB each)
STAFF_LOGIN_PATHS = frozenset({"/api/v1/staff/login", "/api/v1/staff/codec-session"})
#: Retry-After of a refused request: admitted ones finish within about a second
RETRY_AFTER_S = 2


def kind_of(scope: Scope) -> RequestKind | None:
    """Every upload is a multipart POST, whatever its route: a new upload route is covered."""
    if scope["method"] != "POST":
        return None
    path = scope["path"]
    if path in SIGN_IN_PATHS:
        return RequestKind.SIGN_IN
    if path in STAFF_LOGIN_PATHS:
        return RequestKind.STAFF_LOGIN
    if Headers(scope=scope).get("content-type", "").lower().startswith("multipart/"):
        return RequestKind.UPLOAD
    return None


def limits_from(settings: Settings) -> dict[RequestKind, int]:
    return {
        RequestKind.SIGN_IN: settings.concurrent_sign_ins,
        RequestKind.UPLOAD: settings.concurrent_uploads,
        RequestKind.STAFF_LOGIN: settings.concurrent_staff_logins,
    }


class AdmissionControl:
    """ASGI middleware. The counts live on the process's one event loop: no lock needed."""

    def __init__(self, app: ASGIApp, *, limits: dict[RequestKind, int]) -> None:
        self.app = app
        self.limits = limits
        self.in_flight = dict.fromkeys(RequestKind, 0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = kind_of(scope) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        if self.in_flight[kind] >= self.limits[kind]:
            await _refuse(send, self.limits[kind])
            return
        self.in_flight[kind] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight[kind] -= 1


async def _refuse(send: Send, limit: int) -> None:
    code = ApiRefusal.TOO_MANY_CONCURRENT
    body = {"code": code.value, "message": code.message, "expected": limit}
    await send_refusal(send, 429, body, {"retry-after": retry_after_s(RETRY_AFTER_S)})
