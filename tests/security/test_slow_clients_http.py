"""Slow clients (slowloris) against the API as `ruji api` serves it (uvicorn with
ruji_cli/api.server_options), over raw sockets: a connection that sends nothing, a request head
trickled a byte at a time, the next request of a kept-alive connection trickled, a body
trickled to an ordinary route. uvicorn itself has no deadline for a request head: each of those
held its connection for good."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

import api.admission as admission
from tests.security.stack import api_only

HEAD_TIMEOUT_S = 1.0
#: a valid request head, trickled: 12 s at a byte every 50 ms
SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: ruji\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"


@pytest.fixture
async def api(engine, tmp_path):
    async with api_only(engine, tmp_path, request_head_timeout_s=HEAD_TIMEOUT_S) as http:
        yield str(http.base_url.host), int(http.base_url.port or 0)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent before closing; fails if it is still open after `seconds`."""
    got = b""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"still open after {seconds} s; got {got[:200]!r}"
        try:
            chunk = await asyncio.wait_for(reader.read(4096), left)
        except TimeoutError:
            raise AssertionError(f"still open after {seconds} s; got {got[:200]!r}") from None
        if not chunk:
            return got
        got += chunk


async def _trickle(writer: asyncio.StreamWriter, data: bytes, every_s: float) -> None:
    try:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every_s)
    except ConnectionError:
        return  # the server closed it: what the test wants


async def test_a_connection_that_sends_nothing_is_closed(api) -> None:
    reader, writer = await asyncio.open_connection(*api)
    started = time.monotonic()
    got = await _closed_within(reader, HEAD_TIMEOUT_S + 2)
    assert time.monotonic() - started >= HEAD_TIMEOUT_S * 0.9
    assert got == b"" or got.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_a_request_head_trickled_byte_by_byte_is_cut_off(api) -> None:
    reader, writer = await asyncio.open_connection(*api)
    trickle = asyncio.create_task(_trickle(writer, SLOW_HEAD, 0.05))  # 12 s for the whole head
    got = await _closed_within(reader, HEAD_TIMEOUT_S + 2)
    assert got == b"" or got.startswith(b"HTTP/1.1 408")
    trickle.cancel()
    writer.close()


async def test_the_next_request_of_a_kept_alive_connection_trickled_is_cut_off(api) -> None:
    reader, writer = await asyncio.open_connection(*api)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: ruji\r\n\r\n")
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    assert status.startswith(b"HTTP/1.1 200"), status  # a prompt client is served
    await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    trickle = asyncio.create_task(_trickle(writer, SLOW_HEAD, 0.05))
    await _closed_within(reader, HEAD_TIMEOUT_S + 3)  # the rest of the first answer, then EOF
    trickle.cancel()
    writer.close()


async def test_a_body_trickled_to_an_ordinary_route_is_refused(api, monkeypatch) -> None:
    """Not a sign-in, login or upload (those have admission slots and deadlines of their own):
    logout reads a JSON body, and its body got no deadline at all."""
    monkeypatch.setattr(admission, "OTHER_BODY_DEADLINE_S", 1.0)
    reader, writer = await asyncio.open_connection(*api)
    body = json.dumps({"refresh_token": "x" * 200}).encode()
    writer.write(
        b"POST /api/v1/candidate/logout HTTP/1.1\r\nHost: ruji\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    await writer.drain()
    trickle = asyncio.create_task(_trickle(writer, body, 0.05))  # 10 s for the whole body
    # read late, as a busy phone does: bytes sent after the answer reset a socket closed at once
    # (nginx's lingering close), and the client lost the answer to ECONNRESET
    await asyncio.sleep(1.6)
    got = await _closed_within(reader, 3)
    assert got.startswith(b"HTTP/1.1 408"), got[:300]
    answer = json.loads(got.split(b"\r\n\r\n", 1)[1])
    assert answer["code"] == "BODY_TIMEOUT" and "网络" in answer["message"]
    trickle.cancel()
    writer.close()


async def test_a_huge_request_head_is_refused_before_it_is_all_held(api) -> None:
    """httptools (what uvicorn runs when it is installed) takes a head of any size: 8 MB of
    one header line was answered 200, all of it held in memory while it arrived."""
    reader, writer = await asyncio.open_connection(*api)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: ruji\r\nX-Big: " + b"a" * 1_000_000)
    try:
        await writer.drain()
    except ConnectionError:
        pass  # closed while we were still sending: what the test wants
    got = await _closed_within(reader, 5)
    assert got.startswith(b"HTTP/1.1 431"), got[:200]
    answer = json.loads(got.split(b"\r\n\r\n", 1)[1])
    assert answer["code"] == "HEAD_TOO_LARGE" and "请求" in answer["message"]
    writer.close()


async def test_the_server_does_not_name_itself(api) -> None:
    """`server: uvicorn` told a prober which parser and which of its bugs to try."""
    reader, writer = await asyncio.open_connection(*api)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: ruji\r\nConnection: close\r\n\r\n")
    await writer.drain()
    head = (await asyncio.wait_for(reader.read(), 5)).split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200") and b"\r\nserver:" not in head, head
    writer.close()


def test_ruji_api_runs_uvicorn_with_these_options(monkeypatch) -> None:
    """The tests above serve the app with `server_options`; `ruji api` must pass the same."""
    import ruji_cli.api
    from infra.config import get_settings

    seen: dict = {}
    monkeypatch.setattr(ruji_cli.api.uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("RUJI_REQUEST_HEAD_TIMEOUT_S", "7")
    get_settings.cache_clear()
    try:
        ruji_cli.api.main([])
    finally:
        get_settings.cache_clear()
    assert seen["http"].head_timeout_s == 7
    assert seen["server_header"] is False
