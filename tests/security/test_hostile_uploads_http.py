"""Hostile uploads against the real routes over HTTP: each case answers 4xx with its code, no
object is stored, and the process's peak memory stays bounded — including a body far larger
than any limit, which the body-size middleware refuses before it is read.

Refusals happen before the workflow is asked, so no Temporal server is needed here."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from pathlib import Path

import pytest

from infra.tokens import issue_token
from tests.api.server import seed
from tests.infra.test_uploads import (
    PHOTO,
    _after_soi,
    _jpeg,
    _peak_rss_kib,
    _png,
    _png_bomb,
    _reset_peak_rss,
    _segment,
    _with_dimensions,
    _zip,
)
from tests.security.stack import API_SECRET, bearer, running_stack

MIB = 1024 * 1024
APP_ID = "enroll-2026-2-0123456789abcdef0123"

PHOTO_CASES = [
    ("oversize", "p.jpg", PHOTO + b"\0" * (21 * MIB), 413, "UPLOAD_TOO_LARGE"),
    ("zero bytes", "p.jpg", b"", 422, "UPLOAD_EMPTY"),
    ("wrong magic", "p.jpg", b"GIF89a" + b"\0" * 64, 422, "UPLOAD_BAD_TYPE"),
    ("png renamed .jpg", "p.jpg", _png(), 422, "UPLOAD_EXTENSION_MISMATCH"),
    ("polyglot jpeg+zip", "p.jpg", PHOTO + _zip(), 422, "UPLOAD_POLYGLOT"),
    ("polyglot jpeg+html", "p.jpg", PHOTO + b"<html><script>x</script>", 422, "UPLOAD_POLYGLOT"),
    ("jpeg bomb 60000²", "p.jpg", _with_dimensions(PHOTO, 60000, 60000), 422, "UPLOAD_BOMB"),
    ("truncated jpeg", "p.jpg", PHOTO[: len(PHOTO) * 2 // 3], 422, "UPLOAD_TRUNCATED"),
    ("cmyk", "p.jpg", _jpeg(mode="CMYK"), 422, "UPLOAD_CMYK"),
    (
        "huge exif",
        "p.jpg",
        _after_soi(PHOTO, *[_segment(0xE1, b"Exif\0\0" + b"\0" * 65000)] * 4),
        422,
        "UPLOAD_EXIF_TOO_LARGE",
    ),
]
DOCUMENT_CASES = [
    ("png bomb 20000²", "scan.png", _png_bomb(20000), 422, "UPLOAD_BOMB"),
    ("polyglot png+zip", "scan.png", _png() + _zip(), 422, "UPLOAD_POLYGLOT"),
    ("oversize document", "scan.jpg", PHOTO + b"\0" * (11 * MIB), 413, "UPLOAD_TOO_LARGE"),
    ("truncated png", "scan.png", _png()[:-400], 422, "UPLOAD_TRUNCATED"),
]


def _stored(root: Path) -> list[Path]:
    return [p for p in (root / "objects").rglob("*") if p.is_file()]


@pytest.fixture
async def api(engine, tmp_path):
    seed(engine, "2026-2")
    async with running_stack(None, engine, tmp_path) as (http, _settings, _sms):
        yield http, bearer(issue_token(API_SECRET, APP_ID, "candidate"))


async def test_hostile_corpus_refused_with_code_nothing_stored_memory_bounded(
    api, tmp_path
) -> None:
    http, me = api
    requests = [
        (f"photo: {name}", "/api/v1/me/photo", {"photo": (fn, data, "image/jpeg")}, status, code)
        for name, fn, data, status, code in PHOTO_CASES
    ]
    for name, fn, data, status, code in DOCUMENT_CASES:
        requests.append(
            (
                f"attachment: {name}",
                "/api/v1/me/attachments/DIPLOMA",
                {"file": (fn, data)},
                status,
                code,
            )
        )
        # the good front side must not stay behind when the back is refused
        requests.append(
            (
                f"id-card back: {name}",
                "/api/v1/me/id-card",
                {"front": ("f.jpg", PHOTO, "image/jpeg"), "back": (fn, data)},
                status,
                code,
            )
        )

    rss_tracked = _reset_peak_rss()
    rss_before = _peak_rss_kib()
    tracemalloc.start()
    try:
        for name, path, files, status, code in requests:
            r = await http.post(path, files=files, headers=me)
            assert (r.status_code, r.json()["code"]) == (status, code), f"{name}: {r.text}"
            assert r.json()["message"], name  # a Chinese sentence for the candidate
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    rss_growth_kib = (_peak_rss_kib() or 0) - (rss_before or 0)
    print(  # noqa: T201 - the figures the report quotes
        f"\n{len(requests)} hostile uploads: python peak {python_peak / MIB:.1f} MiB, "
        f"peak RSS growth {rss_growth_kib / 1024:.1f} MiB"
    )

    assert _stored(tmp_path) == []
    # the 11 MiB document and a 20000² PNG bomb (400 MB if decoded) pass through this
    assert python_peak < 48 * MIB
    if rss_tracked and rss_before is not None:
        assert rss_growth_kib < 128 * 1024


async def _raw_post(
    base_url: str, path: str, headers: dict, chunks, declared: int | None = None
) -> tuple[int, dict, int]:
    """POST a chunked body over a raw socket and stop sending as soon as the server answers
    (an HTTP client library would insist on writing all of it into a closed connection).
    Returns (status, JSON body, bytes of body sent)."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    framing = f"Content-Length: {declared}" if declared else "Transfer-Encoding: chunked"
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", framing]
    head += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    response = asyncio.create_task(reader.read(65536))
    sent = 0
    try:
        async for chunk in chunks:
            if response.done():
                break
            writer.write(chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent += len(chunk)
    except ConnectionError:
        pass  # the server answered and closed: what we want
    try:
        raw = await asyncio.wait_for(response, 30)
    except ConnectionResetError:
        # The server answered and closed with our bytes unread: the kernel may send a reset
        # that overtakes its answer. The caller retries; `sent` still shows where it stopped.
        writer.close()
        return 0, {}, sent
    writer.close()
    head_text, _, body = raw.partition(b"\r\n\r\n")
    return int(head_text.split()[1]), json.loads(body), sent


async def test_body_larger_than_any_limit_is_refused_unread(api, tmp_path) -> None:
    http, me = api

    async def endless_multipart():
        """200 MiB of multipart without Content-Length: counted as it arrives, not trusted."""
        yield (
            b'--b\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n"
        )
        chunk = b"\xff" * (256 * 1024)
        for _ in range(800):
            yield chunk

    headers = {**me, "content-type": "multipart/form-data; boundary=b"}
    tracemalloc.start()
    try:
        for _ in range(3):  # a reset may overtake the answer (see _raw_post): ask again
            status, body, sent = await _raw_post(
                str(http.base_url).rstrip("/"), "/api/v1/me/photo", headers, endless_multipart()
            )
            assert sent < 100 * MIB  # refused at the 48 MiB limit, long before the 200 MiB end
            if status:
                break
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (status, body["code"]) == (413, "UPLOAD_TOO_LARGE")
    assert python_peak < 16 * MIB

    async def spaces():
        for _ in range(20):
            yield b" " * (256 * 1024)

    for _ in range(3):  # as above: a reset may overtake the answer
        status, body, sent = await _raw_post(
            str(http.base_url).rstrip("/"),
            "/api/v1/candidate/login",
            {"content-type": "application/json"},
            spaces(),
            declared=5 * MIB,  # over the 4 MiB JSON limit: refused from the header alone
        )
        if status:
            break
    assert (status, body["code"]) == (413, "REQUEST_TOO_LARGE")
    assert _stored(tmp_path) == []
