"""Refuse oversized request bodies before they are read.

FastAPI reads a JSON body whole into memory and Starlette spools multipart files to disk without
a total limit, so a client could make one request cost gigabytes. This ASGI middleware answers
413 from ``Content-Length`` alone, and counts the bytes of chunked bodies as they arrive: once the
limit is passed it stops handing them on, and whatever the app answers is replaced by the 413.

The multipart budget is for the upload routes only (``upload_paths``): any other route reads a
body labelled multipart whole into memory too (FastAPI's JSON routes call ``request.body()``
whatever the content type, before a token or signature is checked), so the label alone must not
raise its budget from kilobytes to the uploads' megabytes.
"""

from __future__ import annotations

import re

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
        upload_paths: re.Pattern[str],
        json_limit_by_prefix: dict[str, int] | None = None,
    ):
        self.app = app
        self.json_limit = json_limit
        self.multipart_limit = multipart_limit
        self.upload_paths = upload_paths
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
        path = scope.get("path", "")
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        upload = multipart and self.upload_paths.fullmatch(path) is not None
        limit = self.multipart_limit if upload else self._json_limit(path)
        code = UploadRefusal.UPLOAD_TOO_LARGE if upload else ApiRefusal.REQUEST_TOO_LARGE
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
