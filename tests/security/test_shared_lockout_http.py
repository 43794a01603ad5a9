"""The staff-login lockout holds across API processes: two app instances over one database share
the budget of wrong passwords per account and of attempts per client address (with N replicas
an attacker had N times the guesses)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest
from sqlmodel import Session, select

from infra.db import StaffLoginAttempt
from tests.security.stack import two_apis_over_one_database

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
async def two_apis(any_engine, tmp_path):
    async with two_apis_over_one_database(
        any_engine,
        tmp_path,
        staff_failures_per_account=5,
        staff_attempts_per_ip=12,
        concurrent_staff_logins=10,
    ) as apis:
        yield apis


def _login(http, username: str, password: str):
    return http.post("/api/v1/staff/login", json={"username": username, "password": password})


def _assert_locked(r) -> None:
    assert (r.status_code, r.json()["code"]) == (429, "LOGIN_LOCKED"), r.text
    assert int(r.headers["retry-after"]) > 0
    assert HAN.search(r.json()["message"])


async def test_wrong_passwords_on_two_processes_share_one_budget(two_apis) -> None:
    a, b = two_apis
    for i in range(3):
        assert (await _login(a, "examiner", f"wrong-a{i}")).json()["code"] == "LOGIN_FAILED"
    for i in range(2):
        assert (await _login(b, "examiner", f"wrong-b{i}")).json()["code"] == "LOGIN_FAILED"
    _assert_locked(await _login(a, "examiner", "pw-examiner"))
    _assert_locked(await _login(b, "examiner", "pw-examiner"))
    assert (await _login(b, "admin", "pw-admin")).status_code == 200


async def test_concurrent_guesses_on_two_processes_check_no_more_than_the_budget(two_apis) -> None:
    """Each guess takes its slot before argon2 runs, in the database both processes share."""
    a, b = two_apis
    guesses = [_login((a, b)[i % 2], "examiner", f"wrong-{i}") for i in range(10)]
    codes = Counter(r.json()["code"] for r in await asyncio.gather(*guesses))
    assert codes == {"LOGIN_FAILED": 5, "LOGIN_LOCKED": 5}, codes


async def test_a_right_password_gives_the_account_its_budget_back_everywhere(two_apis) -> None:
    a, b = two_apis
    for i in range(4):
        assert (await _login(a, "examiner", f"wrong-{i}")).json()["code"] == "LOGIN_FAILED"
    assert (await _login(b, "examiner", "pw-examiner")).status_code == 200
    for i in range(5):
        assert (await _login(a, "examiner", f"again-{i}")).json()["code"] == "LOGIN_FAILED"
    _assert_locked(await _login(b, "examiner", "pw-examiner"))


async def test_one_address_trying_many_accounts_on_two_processes_is_throttled(two_apis) -> None:
    a, b = two_apis
    answers = [await _login((a, b)[i % 2], f"guess-{i}", "123456") for i in range(13)]
    assert {r.json()["code"] for r in answers[:12]} == {"LOGIN_FAILED"}
    _assert_locked(answers[12])


async def test_a_long_name_that_lower_casing_lengthens_is_counted_like_any_other(two_apis) -> None:
    a, _b = two_apis
    r = await _login(a, "İ" * 60, "123456")
    assert (r.status_code, r.json()["code"]) == (401, "LOGIN_FAILED"), r.text


async def test_the_lockout_keeps_no_address_or_name_in_the_clear(two_apis, any_engine) -> None:
    """A staff client's address and the names tried are personal data (and a list of who was
    tried); the shared table keeps a keyed hash of each, as the candidate routes' limits do."""
    a, _b = two_apis
    assert (await _login(a, "examiner", "wrong")).json()["code"] == "LOGIN_FAILED"
    with Session(any_engine) as db:
        keys = [row.key for row in db.exec(select(StaffLoginAttempt))]
    assert sorted(k.partition(":")[0] for k in keys) == ["ip", "user"], keys
    assert all(re.fullmatch(r"(ip|user):[0-9a-f]{40}", k) for k in keys), keys
