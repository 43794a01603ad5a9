"""Client-supplied update IDs: the phone names each step it sends (`Idempotency-Key` header, the
IETF draft's name) and sends the same name again when it retries after a dropped connection. The
key becomes the Temporal update's ID, so the server answers the retry with the first attempt's
outcome instead of running the step twice (a second SMS, a second examiner decision).

Temporal keeps update IDs per workflow run, so a key only has to be unique among one
application's steps; the update's name is part of the ID, so a key reused for another step is a
new update, not someone else's answer. Photo and ID-card uploads keep IDs of their own
(api/applications.py): their retry stores new files, which the workflow must judge afresh. An
attachment's key also names its stored file (api/routes/attachments.py), so its retry is the
same file and the same update.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ApiError, ApiRefusal

HEADER = b"idempotency-key"
#: also what the attachment route checks its key against (api/routes/attachments.py)
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
_KEY = re.compile(KEY_PATTERN)
_request_key: ContextVar[str | None] = ContextVar("ruji_idempotency_key", default=None)


class IdempotencyKey:
    """ASGI middleware: the request's key, for `client_update_id` in the same task."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope.get("headers", ()) if k == HEADER), None)
        token = _request_key.set(raw.decode("latin-1") if raw is not None else None)
        try:
            await self.app(scope, receive, send)
        finally:
            _request_key.reset(token)


def request_key() -> str | None:
    """The step's key as the phone sent it (checked), or None."""
    key = _request_key.get()
    if key is not None and not _KEY.match(key):
        raise ApiError(ApiRefusal.IDEMPOTENCY_KEY_INVALID)
    return key


def client_update_id(update: Callable[..., Any], bound_to: str = "") -> str | None:
    """The update ID the phone chose for this step, or None (the SDK then makes one up).

    `bound_to` ends the ID with a tag of what only the rightful caller knows (`secret_tag`). A
    completed update's answer goes to anyone who sends its ID again, and IDs are in the clear in
    the case's history (Web UI, gRPC): a step whose answer is a session (SMS verification) must
    not be answered to someone who read the key there but does not know the code."""
    key = request_key()
    if key is None:
        return None
    return f"{update.__name__}:{key}:{bound_to}" if bound_to else f"{update.__name__}:{key}"


def secret_tag(secret: str, *parts: str) -> str:
    """A keyed tag of `parts` for `client_update_id`: an SMS code has a million values, so a bare
    hash in a readable update ID would give the code away."""
    message = "\x1f".join(("update-id", *parts)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:24]
