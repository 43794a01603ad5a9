"""Admission control: how many requests of each costly kind one API process works on at once.

On the morning a window opens most candidates arrive together and retry when something is slow.
Past a kind's limit a request is answered at once with 429 TOO_MANY_CONCURRENT and Retry-After,
before its body is read, so the requests already admitted finish in their usual time and every
other route keeps answering. An upload gives its slot back once its files are stored and the
workflow has accepted it (`release_slot`): the wait for the vision answer is the vision queue's
business. The limits are per process (settings `concurrent_*`); the rates per address, phone and
token are api/throttling.py's. Sizes: docs/capacity.md.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from contextvars import ContextVar
from enum import StrEnum

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.bearer import read_bearer
from api.errors import ApiError, ApiRefusal, retry_after_s, send_refusal
from domain.messages import AccessRefusal
from domain.roles import Role
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
#: How long an admitted request may take to send its body. The slot is taken before the body is
#: read, so without a deadline a few clients trickling bytes (slowloris) would hold every slot of
#: a kind: 4 connections and no examiner signs in. Sign-in bodies are a few hundred bytes; an
#: upload of the 48 MB multipart limit needs 300 s at 1.3 Mbit/s, a slow phone's uplink.
BODY_DEADLINE_S: dict[RequestKind, float] = {
    RequestKind.SIGN_IN: 10,
    RequestKind.STAFF_LOGIN: 10,
    RequestKind.UPLOAD: 300,
}

#: Every other request's body (JSON up to 64 KiB, the codec's up to 4 MiB: 25 s at 1.3 Mbit/s).
#: Such a request holds no slot, but a body trickled to it held its connection and task for as
#: long as the client kept sending, and the ingress only bounds the gap between two reads.
OTHER_BODY_DEADLINE_S = 30.0


class _BodyLate(Exception):
    pass


#: frees the slot of the request this context serves (set by AdmissionControl for admitted ones)
_slot_release: ContextVar[Callable[[], None] | None] = ContextVar("slot_release", default=None)


def release_slot() -> None:
    """Give back the current request's slot before it ends. An upload does once its files are
    stored and the workflow has accepted it: what it then waits for is the vision queue, which
    has its own line (api/vision_backpressure.py), and a slot held meanwhile would refuse other
    candidates' uploads (429) that the API could take at once."""
    release = _slot_release.get()
    if release is not None:
        release()


def kind_of(scope: Scope, upload_paths: re.Pattern[str] | None = None) -> RequestKind | None:
    """An upload is a multipart POST to one of `upload_paths` (every multipart POST without
    them). A multipart body sent elsewhere gets the JSON budget (api/body_limit.py), as a JSON
    body does, and no slot: it would otherwise hold one of the uploads' slots for their long
    deadline without being one."""
    if scope["method"] != "POST":
        return None
    path = scope["path"]
    if path in SIGN_IN_PATHS:
        return RequestKind.SIGN_IN
    if path in STAFF_LOGIN_PATHS:
        return RequestKind.STAFF_LOGIN
    if Headers(scope=scope).get("content-type", "").lower().startswith("multipart/") and (
        upload_paths is None or upload_paths.fullmatch(path)
    ):
        return RequestKind.UPLOAD
    return None


#: an upload's sender: the application of a valid candidate token, or why it has none
Uploader = Callable[[Scope], "str | ApiError"]
#: uploads one application may have in flight at once: the H5 sends one at a time (both ID-card
#: sides in one request); a second covers a retry while the first is still being read
UPLOADS_PER_APPLICATION = 2


def candidate_uploader(secret: str, ended: Callable[[str], bool] = lambda _sid: False) -> Uploader:
    """The token is checked as the route will check it (signature, expiry, role), before any byte
    of the body is read: the upload slots are few and a body may take `BODY_DEADLINE_S` to
    arrive. `ended` tells a sign-in ended as last read (without reading: this runs on the event
    loop); the route checks again in the database. A stolen phone signed out by 「退出所有设备」
    kept its token's 2 h and, trickling two bodies, held the application's slots against its
    owner."""

    def uploader(scope: Scope) -> str | ApiError:
        try:
            principal = read_bearer(secret, Headers(scope=scope).get("authorization", ""))
        except ApiError as refused:
            return refused
        if principal.role != Role.CANDIDATE:
            return ApiError(AccessRefusal.FORBIDDEN)
        if principal.sid and ended(principal.sid):
            return ApiError(AccessRefusal.AUTH_INVALID)
        return principal.sub

    return uploader


def limits_from(settings: Settings) -> dict[RequestKind, int]:
    return {
        RequestKind.SIGN_IN: settings.concurrent_sign_ins,
        RequestKind.UPLOAD: settings.concurrent_uploads,
        RequestKind.STAFF_LOGIN: settings.concurrent_staff_logins,
    }


class AdmissionControl:
    """ASGI middleware. The counts live on the process's one event loop: no lock needed."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: dict[RequestKind, int],
        upload_paths: re.Pattern[str] | None = None,
        uploader: Uploader | None = None,
    ) -> None:
        """With `uploader`, an upload takes a slot only for a candidate's token, and at most
        `UPLOADS_PER_APPLICATION` per application: anonymous clients trickling bodies to an
        upload route held every slot for `BODY_DEADLINE_S` (300 s), and no candidate could
        upload (docs/decisions.md, "An upload slot is a candidate's")."""
        self.app = app
        self.limits = limits
        self.upload_paths = upload_paths
        self.uploader = uploader
        self.in_flight = dict.fromkeys(RequestKind, 0)
        self.uploads_of: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = kind_of(scope, self.upload_paths)
        if kind is None:
            await _with_body_deadline(self.app, scope, receive, send, OTHER_BODY_DEADLINE_S)
            return
        sender = ""
        if kind is RequestKind.UPLOAD and self.uploader is not None:
            who = self.uploader(scope)
            if isinstance(who, ApiError):
                await send_refusal(send, who.status, who.body.model_dump(exclude_none=True))
                return
            if self.uploads_of.get(who, 0) >= UPLOADS_PER_APPLICATION:
                await _refuse(send, UPLOADS_PER_APPLICATION)
                return
            sender = who
        if self.in_flight[kind] >= self.limits[kind]:
            await _refuse(send, self.limits[kind])
            return
        self.in_flight[kind] += 1
        if sender:
            self.uploads_of[sender] = self.uploads_of.get(sender, 0) + 1
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held, self.in_flight[kind] = False, self.in_flight[kind] - 1
                if sender:
                    left = self.uploads_of.pop(sender) - 1
                    if left:
                        self.uploads_of[sender] = left

        async def send_then_free(message: Message) -> None:
            # Free the slot before the last byte of the answer leaves: a client that sends its
            # next request as soon as it has this answer must find it free, not racing the
            # app's tidying up (dependency teardown, background tasks) after the response.
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                release()
            await send(message)

        token = _slot_release.set(release)
        try:
            await _with_body_deadline(
                self.app, scope, receive, send_then_free, BODY_DEADLINE_S[kind]
            )
        finally:
            _slot_release.reset(token)
            release()


async def _with_body_deadline(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, seconds: float
) -> None:
    """The body must have arrived within `seconds`; then 408 BODY_TIMEOUT replaces whatever the
    app answers about the body it never got (FastAPI: a 400). Waiting for a disconnect once the
    body is in is not limited."""
    deadline = asyncio.get_running_loop().time() + seconds
    body_done = late = started = False

    async def timed_receive() -> Message:
        nonlocal body_done, late
        if body_done:
            return await receive()
        try:
            remaining = deadline - asyncio.get_running_loop().time()
            message = await asyncio.wait_for(receive(), max(remaining, 0))
        except TimeoutError:
            late = True
            raise _BodyLate from None
        body_done = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if late:
            if message["type"] == "http.response.start" and not started:
                started = True
                await _refuse_late(send)
            return
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, timed_receive, guarded_send)
    except _BodyLate:
        if not started:
            await _refuse_late(send)


async def _refuse_late(send: Send) -> None:
    code = ApiRefusal.BODY_TIMEOUT
    await send_refusal(send, 408, {"code": code.value, "message": code.message})


async def _refuse(send: Send, limit: int) -> None:
    code = ApiRefusal.TOO_MANY_CONCURRENT
    body = {"code": code.value, "message": code.message, "expected": limit}
    await send_refusal(send, 429, body, {"retry-after": retry_after_s(RETRY_AFTER_S)})
