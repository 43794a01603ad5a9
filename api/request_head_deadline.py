"""A deadline for each request head, which uvicorn does not have.

uvicorn starts no timer when a connection opens, and its keep-alive timer is cancelled by any
byte: a client that opens connections and sends nothing, or a head a byte at a time, or one
byte of its next request every minute, holds each connection for good (slowloris). Thousands of
them cost the process its memory and file descriptors while it answers nobody else faster.

Here a connection must complete each request head within `seconds` of the connection opening
or of the first byte after the previous answer, and within `MAX_HEAD_BYTES`; otherwise it gets
408 (431) and is closed. The body
has its own deadlines (api/admission.py); the ingress limits connections per address
(docs/operations.md).

An answer given before the request's body was all read (a refusal of api/admission.py: a body
too slow, too many uploads at once) closes the connection as nginx's `lingering_close` does:
uvicorn closed it at once, and the bytes the client was still sending made the socket reset,
so a slow phone saw a network error instead of the answer's message."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from api.errors import ApiRefusal

#: A request head's bytes at most (nginx's default buffers take 32 KiB). uvicorn's httptools
#: protocol, the one it runs when httptools is installed, takes a head of any size: 8 MB of one
#: header line was answered 200, held in memory while it arrived. Counted per read, after the
#: parser has seen it: a head complete within one read (asyncio reads up to 256 KiB) passes.
MAX_HEAD_BYTES = 64 * 1024
#: After a refusal, what the client still sends is read and dropped this long before the close:
#: closed with its bytes unread, the socket resets and the client loses the answer.
LINGER_S = 2.0


def _answer(status: bytes, code: ApiRefusal) -> bytes:
    """Written as is: no request was parsed, so no response cycle exists to answer through."""
    body = json.dumps({"code": code.value, "message": code.message}, ensure_ascii=False).encode()
    head = b"HTTP/1.1 %s\r\ncontent-type: application/json; charset=utf-8\r\n" % status
    return head + b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body) + body


LATE_ANSWER = _answer(b"408 Request Timeout", ApiRefusal.HEAD_TIMEOUT)
TOO_LARGE_ANSWER = _answer(b"431 Request Header Fields Too Large", ApiRefusal.HEAD_TOO_LARGE)


class _HeadDeadline:
    """Mixed into uvicorn's HTTP protocol class (`with_head_deadline`)."""

    head_timeout_s: float
    transport: asyncio.Transport
    cycle: Any  # uvicorn's RequestResponseCycle of the current request, or None before one
    _head_timer: asyncio.TimerHandle | None
    _cycle_when_armed: Any
    _head_bytes: int
    _refused: bool

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.transport = cast(asyncio.Transport, _LingeringClose(transport, self))
        self._head_timer = None
        self._refused = False
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # dropped until the close
        if self._head_timer is None and self._between_requests():
            self._arm()  # the first byte of the next request on a kept-alive connection
        waiting = self._head_timer is not None
        super().data_received(data)  # type: ignore[misc]
        if not waiting or self._head_timer is None:
            return
        if self.cycle is not self._cycle_when_armed:
            self._disarm()  # the head is in: uvicorn started the request's cycle
            return
        self._head_bytes += len(data)  # counted after parsing: a chunk may end in the body
        if self._head_bytes > MAX_HEAD_BYTES:
            self._disarm()
            self._refuse(TOO_LARGE_ANSWER)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _between_requests(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _arm(self) -> None:
        self._cycle_when_armed = self.cycle
        self._head_bytes = 0
        loop = asyncio.get_running_loop()
        self._head_timer = loop.call_later(self.head_timeout_s, self._head_late)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        self._refuse(LATE_ANSWER)

    def _refuse(self, answer: bytes) -> None:
        if self.transport.is_closing():
            return
        self.transport.write(answer)
        self._linger()

    def _linger(self) -> None:
        """Our side is done: what the client still sends is dropped, the close waits for its
        own close or `LINGER_S`."""
        transport = cast(_LingeringClose, self.transport).raw
        self._refused = True
        if not transport.is_reading():
            transport.resume_reading()  # uvicorn pauses a body it has not consumed: drop it here
        if transport.can_write_eof():
            transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_S, transport.close)

    def _body_unread(self) -> bool:
        return self.cycle is not None and bool(getattr(self.cycle, "more_body", False))


class _LingeringClose:
    """The transport uvicorn is handed: its close lingers while the request's body is unread."""

    def __init__(self, raw: asyncio.Transport, protocol: _HeadDeadline):
        self.raw, self._protocol = raw, protocol

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def close(self) -> None:
        if self._protocol._refused or self.raw.is_closing():
            return
        if self._protocol._body_unread():
            self._protocol._linger()
        else:
            self.raw.close()


def with_head_deadline(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) with the deadline."""
    return type(
        "HeadDeadlineProtocol",
        (_HeadDeadline, AutoHTTPProtocol),
        {"head_timeout_s": seconds},
    )
