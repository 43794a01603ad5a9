"""The limits that stop guessing on the candidate identity routes (SMS codes tried per phone or
application, phones and ID numbers probed per client address) hold across API processes: two
app instances over one database share each budget. In each process's memory, N replicas gave an
attacker N times the guesses. Phones of 1374301120x/1374301121x (area 430112's helper)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from tests.security.stack import two_apis_over_one_database

HAN = re.compile(r"[\u4e00-\u9fff]")
PER_IP = 6
PER_PHONE = 3


@pytest.fixture
async def two_apis(any_engine, tmp_path):
    async with two_apis_over_one_database(
        any_engine, tmp_path, probe_limit_per_ip=PER_IP, probe_limit_per_phone=PER_PHONE
    ) as apis:
        yield apis


def _guess(http, phone: str, code: str):
    return http.post("/api/v1/candidate/login", json={"phone": phone, "code": code})


def _throttled(r) -> bool:
    if (r.status_code, r.json().get("code")) != (429, "TOO_MANY_REQUESTS"):
        return False
    assert int(r.headers["retry-after"]) > 0
    assert HAN.search(r.json()["message"])
    return True


async def test_codes_guessed_for_one_phone_on_two_processes_share_one_budget(two_apis) -> None:
    answers = [await _guess(two_apis[i % 2], "13743011201", f"{i:06d}") for i in range(6)]
    assert [_throttled(r) for r in answers] == [False] * PER_PHONE + [True] * 3


async def test_verify_guesses_for_one_application_share_one_budget(two_apis) -> None:
    body = {"application_id": "enroll-2026-2-0123456789abcdef0112"}
    answers = [
        await two_apis[i % 2].post("/api/v1/candidate/verify", json={**body, "code": f"{i:06d}"})
        for i in range(5)
    ]
    assert [_throttled(r) for r in answers] == [False] * PER_PHONE + [True] * 2


async def test_phones_probed_from_one_address_on_two_processes_share_one_budget(two_apis) -> None:
    answers = [
        await two_apis[i % 2].post(
            "/api/v1/candidate/login/code", json={"phone": f"137430112{i:02d}"}
        )
        for i in range(PER_IP + 2)
    ]
    assert [_throttled(r) for r in answers] == [False] * PER_IP + [True] * 2


async def test_concurrent_guesses_on_two_processes_get_no_more_than_the_budget(two_apis) -> None:
    guesses = [_guess(two_apis[i % 2], "13743011202", f"{i:06d}") for i in range(8)]
    throttled = Counter(_throttled(r) for r in await asyncio.gather(*guesses))
    assert throttled == {False: PER_PHONE, True: 8 - PER_PHONE}, throttled
