"""M6: staff logins (the console's and the codec session's) lock an account after repeated wrong
passwords, limit attempts per client address, and leave an audit line for each failure."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter

import pytest

from tests.security.stack import api_only

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
async def api(engine, tmp_path):
    async with api_only(
        engine, tmp_path, staff_failures_per_account=5, staff_attempts_per_ip=12
    ) as http:
        yield http


def _console(http, username: str, password: str):
    return http.post("/api/v1/staff/login", json={"username": username, "password": password})


def _codec(http, username: str, password: str):
    return http.post(
        "/api/v1/staff/codec-session", data={"username": username, "password": password}
    )


def _assert_locked(r) -> None:
    assert (r.status_code, r.json()["code"]) == (429, "LOGIN_LOCKED"), r.text
    assert int(r.headers["retry-after"]) > 0
    assert HAN.search(r.json()["message"])


async def test_account_locks_after_five_wrong_passwords_on_either_login(api, caplog) -> None:
    http = api
    caplog.set_level(logging.INFO, logger="ruji.security")
    for i in range(3):
        assert (await _console(http, "examiner", f"wrong-{i}")).json()["code"] == "LOGIN_FAILED"
    for i in range(2):
        assert (await _codec(http, "examiner", f"wrong-{i}")).json()["code"] == "LOGIN_FAILED"
    # locked now: even the right password is refused, on both doors
    _assert_locked(await _console(http, "examiner", "pw-examiner"))
    _assert_locked(await _codec(http, "examiner", "pw-examiner"))
    # another account is not locked by it
    assert (await _console(http, "admin", "pw-admin")).status_code == 200
    failures = [r for r in caplog.records if "staff login failed" in r.getMessage()]
    assert len(failures) == 5 and all("examiner" in r.getMessage() for r in failures)
    assert any("staff login locked" in r.getMessage() for r in caplog.records)


async def test_one_address_trying_many_accounts_is_throttled(api) -> None:
    http = api
    answers = [await _console(http, f"guess-{i}", "123456") for i in range(13)]
    assert {r.json()["code"] for r in answers[:12]} == {"LOGIN_FAILED"}
    _assert_locked(answers[12])


@pytest.fixture
async def all_admitted(engine, tmp_path):
    """Ten logins at once all admitted (not answered TOO_MANY_CONCURRENT), so they race."""
    async with api_only(
        engine,
        tmp_path,
        staff_failures_per_account=5,
        staff_attempts_per_ip=30,
        concurrent_staff_logins=10,
    ) as http:
        yield http


async def test_concurrent_wrong_passwords_check_no_more_than_the_budget(all_admitted) -> None:
    """Each attempt takes its failure slot before argon2 runs: counted only after the check,
    four rounds of four concurrent guesses had eight passwords checked."""
    http = all_admitted
    answers = await asyncio.gather(*(_console(http, "examiner", f"wrong-{i}") for i in range(10)))
    codes = Counter(r.json()["code"] for r in answers)
    assert codes == {"LOGIN_FAILED": 5, "LOGIN_LOCKED": 5}, codes
    _assert_locked(await _console(http, "examiner", "pw-examiner"))


async def test_right_passwords_use_none_of_the_failure_budget(api) -> None:
    for _ in range(7):
        assert (await _console(api, "examiner", "pw-examiner")).status_code == 200
    for i in range(5):
        assert (await _console(api, "examiner", f"wrong-{i}")).json()["code"] == "LOGIN_FAILED"
    _assert_locked(await _console(api, "examiner", "pw-examiner"))
