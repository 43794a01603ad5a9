"""Refuse oversized request bodies before they are read.

FastAPI reads a JSON body whole into memory and Starlette spools multipart files to disk without
a total limit, so a client could make one request cost gigabytes. This ASGI middleware answers
413 from ``Content-Length`` alone, and counts the bytes of chunked bodies as they arrive: once the
limit is passed it stops handing them on, and whatever the app answers is replaced by the 413.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiRefusal, send_refusal
from domain.errors import RefusalCode
from infra.upload_structure import UploadRefusal


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        json_limit: int,
        multipart_limit: int,
        json_limit_by_prefix: dict[str, int] | None = None,
    ):
        self.app = app
        self.json_limit = json_limit
        self.multipart_limit = multipart_limit
        self.json_limit_by_prefix = json_limit_by_prefix or {}

    def _json_limit(self, path: str) -> int:
        for prefix, limit in self.json_limit_by_prefix.items():
            if path.startswith(prefix):
                return limit
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.multipart_limit if multipart else self._json_limit(scope.get("path", ""))
        code = UploadRefusal.UPLOAD_TOO_LARGE if multipart else ApiRefusal.REQUEST_TOO_LARGE
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, code, limit)
            return

        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app answered about a body it never fully got: ours instead
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(send, code, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not started:
                await _refuse(send, code, limit)


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB"


async def _refuse(send: Send, code: RefusalCode, limit: int) -> None:
    body = {
        "code": code.value,
        "message": code.message.format(limit=_size(limit)),
        "expected": f"≤ {_size(limit)}",
    }
    await send_refusal(send, 413, body)
