"""Findings of the outsider probe of 2026-12-01 (docs/decisions.md, "security probe"), each over
HTTP against the real app and the real enrollment workflow. Identities of area 431302, which no
other test module uses."""

from __future__ import annotations

import asyncio

import pytest

from domain.roles import Role
from infra.tokens import issue_token
from tests.api.server import seed
from tests.api.test_http_flow import age_codes
from tests.security.stack import (
    API_SECRET,
    bearer,
    register,
    running_stack,
    seeded_database,
    staff_token,
)
from tests.workflows.harness import valid_id_number

AREA = "431302"
APP_PREFIX = "enroll-2026-2-431302abcdef0123456"


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("outsider")
    engine = seeded_database(tmp_path)
    # ended sign-ins are read at every request here, not every 5 s
    stack = running_stack(
        dev_env.client, engine, tmp_path, probe_limit_per_ip=100, ended_sign_ins_poll_s=0
    )
    async with stack as (http, _settings, sms):
        yield http, sms, engine


async def _signed_in(http, sms, number: str, phone: str) -> dict:
    """Registration and SMS verification; the session answered (tokens and application)."""
    r = await http.post("/api/v1/candidate/register", json={"id_number": number, "phone": phone})
    assert r.status_code == 201, r.text
    r = await http.post(
        "/api/v1/candidate/verify",
        json={"application_id": r.json()["application_id"], "code": sms.last_code(phone)},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_token_of_a_withdrawn_application_acts_on_nothing_of_the_next_one(world) -> None:
    """The seat of an ID number is started again by the next registration of the number when its
    run was withdrawn or expired, from any phone. The first phone's tokens named the workflow
    ID, so they read the next person's application (its unmasked card, its photos) and could
    withdraw it; now the sign-ins of the ended run end before the new run starts."""
    http, sms, _engine = world
    number = valid_id_number(1, area=AREA)
    first = await _signed_in(http, sms, number, "13731300001")
    first_me = bearer(first["token"])
    assert (await http.post("/api/v1/me/withdraw", headers=first_me)).status_code == 200

    second_id, second_me = await register(http, sms, number, "13731300002")
    assert second_id == first["application"]["application_id"]  # the seat, started again

    r = await http.get("/api/v1/me", headers=first_me)
    assert (r.status_code, r.json()["code"]) == (401, "AUTH_INVALID"), r.text
    assert (await http.post("/api/v1/me/withdraw", headers=first_me)).status_code == 401
    r = await http.post(
        "/api/v1/candidate/token/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert r.status_code == 401, r.text
    # the second phone's application went on untouched
    r = await http.get("/api/v1/me", headers=second_me)
    assert (r.status_code, r.json()["state"]) == (200, "ID_PENDING"), r.text


async def test_the_same_phone_registering_again_after_withdrawing_signs_in_anew(world) -> None:
    http, sms, engine = world
    number = valid_id_number(2, area=AREA)
    app_id, me = await register(http, sms, number, "13731300003")
    assert (await http.post("/api/v1/me/withdraw", headers=me)).status_code == 200
    age_codes(engine, 2)  # past the phone's resend cooldown
    again_id, again = await register(http, sms, number, "13731300003")
    assert again_id == app_id
    assert (await http.get("/api/v1/me", headers=again)).json()["state"] == "ID_PENDING"
    assert (await http.get("/api/v1/me", headers=me)).status_code == 401


async def _trickling_upload(http, headers: dict[str, str]) -> asyncio.StreamWriter:
    """An upload whose body never arrives (slowloris): its headers and nothing more."""
    reader, writer = await asyncio.open_connection(http.base_url.host, http.base_url.port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        f"POST /api/v1/me/photo HTTP/1.1\r\nHost: t\r\n{head}Content-Length: 1000000\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n\r\n".encode()
    )
    await writer.drain()
    writer.answer = asyncio.ensure_future(reader.readline())  # type: ignore[attr-defined]
    return writer


async def _status(writer: asyncio.StreamWriter) -> bytes:
    """The status line if the request was answered at once; admitted, it waits for its body."""
    try:
        return await asyncio.wait_for(asyncio.shield(writer.answer), 2)  # type: ignore[attr-defined]
    except TimeoutError:
        return b"admitted"


async def test_an_upload_slot_is_held_only_by_a_candidate_and_two_per_application(
    engine, tmp_path
) -> None:
    """Anonymous clients trickling bodies to an upload route held every upload slot of the
    process for the uploads' body deadline (300 s): no candidate could upload. Now an upload
    takes a slot only with a candidate's token, at most two per application."""
    seed(engine, "2026-2")
    mine = bearer(issue_token(API_SECRET, f"{APP_PREFIX}1", Role.CANDIDATE))
    other = bearer(issue_token(API_SECRET, f"{APP_PREFIX}2", Role.CANDIDATE))
    photo = {"photo": ("p.jpg", b"\xff\xd8\xff not really a picture", "image/jpeg")}
    opened: list[asyncio.StreamWriter] = []
    async with running_stack(None, engine, tmp_path, concurrent_uploads=3) as (http, _s, _sms):
        try:
            opened += [await _trickling_upload(http, {}) for _ in range(3)]
            assert [(await _status(w))[:12] for w in opened] == [b"HTTP/1.1 401"] * 3
            r = await http.post("/api/v1/me/photo", files=photo, headers=mine)
            assert r.status_code == 422, r.text  # admitted, and refused for what it is

            opened += [await _trickling_upload(http, mine) for _ in range(3)]
            assert [(await _status(w))[:12] for w in opened[3:]] == [
                b"admitted",
                b"admitted",
                b"HTTP/1.1 429",
            ]
            r = await http.post("/api/v1/me/photo", files=photo, headers=other)
            assert r.status_code == 422, r.text  # another application's upload gets a slot
        finally:
            for writer in opened:  # the server stops only once its connections are gone
                writer.answer.cancel()  # type: ignore[attr-defined]
                writer.close()
                await writer.wait_closed()


async def test_the_codec_cookies_token_opens_the_codec_and_nothing_else(engine, tmp_path) -> None:
    """The Web UI's codec cookie held an ordinary operator token: copied into a bearer header it
    downloaded the export of names and ID numbers and every other operator route. Its token now
    names its audience; a console token does not open the codec as a cookie either."""
    seed(engine, "2026-2")
    async with running_stack(None, engine, tmp_path) as (http, _settings, _sms):
        login = {"username": "operator", "password": "pw-operator"}
        r = await http.post("/api/v1/staff/codec-session", data=login)
        assert r.status_code == 200, r.text
        cookie = r.cookies["ruji_codec"]
        empty = {"payloads": []}
        r = await http.post("/codec/decode", json=empty)  # the cookie, as the Web UI sends it
        assert r.status_code == 200, r.text
        for path in ("/api/v1/office/exports/approved.csv", "/api/v1/admin/periods"):
            r = await http.get(path, headers=bearer(cookie))
            assert r.status_code == 401, (path, r.status_code, r.text[:80])
            assert r.json()["code"] == "AUTH_INVALID"
        console = await staff_token(http, "operator")
        assert (await http.get("/api/v1/admin/periods", headers=bearer(console))).status_code == 200
        r = await http.post("/codec/decode", json=empty, headers=bearer(console))
        assert r.status_code == 200  # scripts and the CLI call the codec with a bearer token
        http.cookies.clear()
        http.cookies.set("ruji_codec", console)
        r = await http.post("/codec/decode", json=empty)
        assert (r.status_code, r.json()["code"]) == (401, "AUTH_INVALID"), r.text


async def test_the_codec_reads_no_body_of_a_caller_it_has_not_authenticated(
    engine, tmp_path
) -> None:
    """/codec takes JSON bodies of up to 4 MiB, and FastAPI read and parsed a body parameter
    before the operator dependency ran: 16 anonymous bodies of `{}`s at once took the API from
    230 MB to 1.46 GB. Now a caller without an operator's credential is answered at once, before
    his body has even arrived; an operator's body is read and checked as before."""
    seed(engine, "2026-2")
    async with running_stack(None, engine, tmp_path) as (http, _settings, _sms):
        reader, writer = await asyncio.open_connection(http.base_url.host, http.base_url.port)
        try:
            writer.write(
                b"POST /codec/decode HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Content-Length: 4000000\r\n\r\n" + b'{"payloads": [{}, {}, '
            )
            await writer.drain()
            answer = await asyncio.wait_for(reader.readline(), 3)
        except TimeoutError:
            answer = b"(no answer: the body is awaited before the caller is known)"
        finally:
            writer.close()
            await writer.wait_closed()
        assert answer.startswith(b"HTTP/1.1 401"), answer
        operator = bearer(await staff_token(http, "operator"))
        r = await http.post("/codec/decode", json={"payloads": [{}]}, headers=operator)
        assert (r.status_code, r.json()) == (200, {"payloads": [{"metadata": {}, "data": ""}]})
        r = await http.post("/codec/decode", json={"payloads": "x"}, headers=operator)
        assert (r.status_code, r.json()["code"]) == (422, "INVALID_REQUEST"), r.text
        assert r.json()["details"] == ["payloads"]
