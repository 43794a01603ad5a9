"""The morning a window opens: many candidates log in at once through a pool of far fewer
connections than requests, while Temporal answers slowly. No 5xx, and the OTP limits hold.

On SQLite (what `ruji dev` runs) and PostgreSQL, through real HTTP with real concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.errors import STATUS_BY_CODE
from domain import otp
from domain.roles import Role
from infra.tokens import issue_token
from tests.api.peak_stack import SlowTemporal, add_application, peak_api, small_pool, until_waiting
from tests.api.server import seed
from tests.infra.test_otp import CountingOtp
from tests.security.stack import API_SECRET

#: connections of the app's pool: far fewer than the requests at once
POOL = 4
#: how long a request waits for a connection before it is answered 503
POOL_WAIT_S = 2.0
#: how long a loaded enrollment worker takes to answer the view query: longer than the wait for
#: a connection, so a login that held its connection through the query (as it did) starves the
#: logins behind it
QUERY_S = 4.0
#: every probe route counts per address, and the tests send from one address
ONE_ADDRESS = {"probe_limit_per_ip": 1000}


def assert_vocabulary(answers: list[httpx.Response]) -> None:
    """No 5xx; every refusal a code of ours with the status the code maps to."""
    assert all(r.status_code < 500 for r in answers), [(r.status_code, r.text) for r in answers]
    for r in answers:
        if r.status_code != 200:
            assert STATUS_BY_CODE[r.json()["code"]] == r.status_code, r.text
            assert r.json()["message"]


async def test_thirty_phones_log_in_at_once(any_engine, tmp_path) -> None:
    phones = [f"1390000{i:04d}" for i in range(30)]
    applications = {phone: add_application(any_engine, phone) for phone in phones}
    engine = small_pool(any_engine, POOL, POOL_WAIT_S)
    async with peak_api(engine, tmp_path, SlowTemporal(delay_s=QUERY_S), **ONE_ADDRESS) as peak:
        sent = await asyncio.gather(
            *(peak.http.post("/api/v1/candidate/login/code", json={"phone": p}) for p in phones)
        )
        assert_vocabulary(sent)
        assert {r.status_code for r in sent} == {200}
        answers = await asyncio.gather(
            *(
                peak.http.post(
                    "/api/v1/candidate/login",
                    json={"phone": phone, "code": peak.sms.last_code(phone)},
                )
                for phone in phones
            )
        )
    engine.dispose()
    assert_vocabulary(answers)
    assert [r.status_code for r in answers] == [200] * len(phones), [r.text for r in answers]
    for phone, r in zip(phones, answers, strict=True):
        assert r.json()["applications"] == [applications[phone]]
        assert r.json()["application"]["application_id"] == applications[phone]


async def test_thirty_tries_of_one_phone_compare_at_most_five_codes(any_engine, tmp_path) -> None:
    phone = "13900009999"
    add_application(any_engine, phone)
    engine = small_pool(any_engine, POOL, POOL_WAIT_S)
    temporal = SlowTemporal(delay_s=QUERY_S)
    # the per-phone rate set aside: the tries reach the code's own limit, kept in the database
    limits = ONE_ADDRESS | {"probe_limit_per_phone": 1000}
    async with peak_api(engine, tmp_path, temporal, otp=CountingOtp, **limits) as peak:
        r = await peak.http.post("/api/v1/candidate/login/code", json={"phone": phone})
        assert r.status_code == 200, r.text
        right = peak.sms.last_code(phone)
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        codes = [wrong] * 29
        codes.insert(15, right)
        counting = peak.services.otp
        assert isinstance(counting, CountingOtp)
        counting.counting = True
        answers = await asyncio.gather(
            *(
                peak.http.post("/api/v1/candidate/login", json={"phone": phone, "code": code})
                for code in codes
            )
        )
    engine.dispose()
    assert_vocabulary(answers)
    assert counting.compared <= otp.MAX_WRONG_TRIES
    refused = {r.json()["code"] for r in answers if r.status_code != 200}
    assert refused <= {"SMS_CODE_WRONG", "SMS_CODE_LOCKED", "SMS_NO_CODE"}, refused
    assert sum(r.status_code == 200 for r in answers) <= 1


async def test_the_phone_limit_answers_429_with_retry_after(any_engine, tmp_path) -> None:
    phone = "13900008888"
    add_application(any_engine, phone)
    async with peak_api(any_engine, tmp_path, SlowTemporal(), **ONE_ADDRESS) as peak:
        answers = await asyncio.gather(
            *(
                peak.http.post("/api/v1/candidate/login", json={"phone": phone, "code": "000000"})
                for _ in range(30)
            )
        )
        limit = peak.services.settings.probe_limit_per_phone
    assert_vocabulary(answers)
    throttled = [r for r in answers if r.json()["code"] == "TOO_MANY_REQUESTS"]
    assert len(throttled) == len(answers) - limit
    assert all(r.status_code == 429 and int(r.headers["retry-after"]) > 0 for r in throttled)


@pytest.mark.parametrize("route", ["login", "register", "examiner claim"])
async def test_a_request_waiting_on_temporal_holds_no_connection(
    route: str, engine, tmp_path
) -> None:
    """One connection in the pool: while one request waits for Temporal, another request that
    needs the database is answered at once."""
    seed(engine, "2026-2")
    phone = "13900007777"
    application = add_application(engine, phone, submitted=True)
    one = small_pool(engine, 1, timeout_s=1)
    temporal = SlowTemporal()
    temporal.gate.clear()
    async with peak_api(one, tmp_path, temporal) as peak:
        if route == "login":
            await peak.http.post("/api/v1/candidate/login/code", json={"phone": phone})
            waiting = peak.http.post(
                "/api/v1/candidate/login", json={"phone": phone, "code": peak.sms.last_code(phone)}
            )
        elif route == "register":
            waiting = peak.http.post(
                "/api/v1/candidate/register",
                json={"id_number": "430104199903120014", "phone": "13900006666"},
            )
        else:
            token = issue_token(API_SECRET, "ex-changsha", Role.EXAMINER, ["01"])
            waiting = peak.http.post(
                f"/api/v1/examiner/applications/{application}/claim",
                headers={"authorization": f"Bearer {token}"},
            )
        first = asyncio.ensure_future(waiting)
        await until_waiting(temporal, first)
        meanwhile = await peak.http.get("/api/v1/period")
        temporal.gate.set()
        answered = await first
    one.dispose()
    assert meanwhile.status_code == 200, meanwhile.text
    assert answered.status_code in (200, 201), answered.text
