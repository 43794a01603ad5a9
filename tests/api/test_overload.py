"""A saturated back end answers at once with 503 and Retry-After, in Chinese, instead of a 500 or
a request that hangs; a candidate's retry loop meets its own 429."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiRefusal
from api.overload import is_load
from domain.roles import Role
from infra.refresh_sessions import open_sign_in
from infra.tokens import issue_token
from tests.api.peak_stack import SlowTemporal, add_application, peak_api, small_pool
from tests.api.server import seed
from tests.security.stack import API_SECRET


async def test_a_pool_timeout_answers_503_with_retry_after(engine, tmp_path) -> None:
    seed(engine, "2026-2")
    one = small_pool(engine, 1, timeout_s=0.2)
    async with peak_api(one, tmp_path, SlowTemporal()) as peak:
        with one.connect():  # another request holds the only connection
            r = await peak.http.get("/api/v1/period")
        after = await peak.http.get("/api/v1/period")
    one.dispose()
    assert r.status_code == 503, r.text
    assert r.json() == {
        "code": ApiRefusal.SERVICE_OVERLOADED.value,
        "message": "系统繁忙，请稍后重试",
    }
    assert 3 <= int(r.headers["retry-after"]) <= 6
    assert after.status_code == 200, after.text


async def test_a_candidate_retrying_in_a_loop_is_held_back(engine, tmp_path) -> None:
    mine, other = add_application(engine, "13900005555"), add_application(engine, "13900004444")

    def me(application: str) -> dict[str, str]:
        return {"authorization": f"Bearer {issue_token(API_SECRET, application, Role.CANDIDATE)}"}

    async with peak_api(engine, tmp_path, SlowTemporal(), candidate_requests_per_minute=3) as peak:
        answers = [await peak.http.get("/api/v1/me", headers=me(mine)) for _ in range(4)]
        others = await peak.http.get("/api/v1/me", headers=me(other))
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(answers[-1].headers["retry-after"]) <= 60
    assert others.status_code == 200


async def test_refreshing_in_a_loop_is_held_back_like_the_candidates_other_requests(
    engine, tmp_path
) -> None:
    mine = add_application(engine, "13900006666")
    with Session(engine) as db:
        token = open_sign_in(db, API_SECRET, mine)
        db.commit()
    codes = []
    async with peak_api(engine, tmp_path, SlowTemporal(), candidate_requests_per_minute=3) as peak:
        for _ in range(4):
            r = await peak.http.post(
                "/api/v1/candidate/token/refresh", json={"refresh_token": token}
            )
            codes.append(r.status_code)
            token = r.json().get("refresh_token", token)
    assert codes == [200, 200, 200, 429]


async def test_a_resend_too_soon_says_when_in_retry_after(engine, tmp_path) -> None:
    async with peak_api(engine, tmp_path, SlowTemporal()) as peak:
        first = await peak.http.post("/api/v1/candidate/login/code", json={"phone": "13900002222"})
        again = await peak.http.post("/api/v1/candidate/login/code", json={"phone": "13900002222"})
    assert first.status_code == 200
    assert (again.status_code, again.json()["code"]) == (429, "SMS_COOLDOWN")
    assert again.headers["retry-after"] == str(again.json()["measured"])


class _PgError(Exception):
    """What psycopg raises: an error carrying its SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


#: what the dev server answers a query to a workflow whose task queue has no worker
NO_WORKER_MESSAGE = "no poller seen for task queue recently, worker may be down"


@pytest.mark.parametrize(
    ("error", "load"),
    [
        (PoolTimeout("QueuePool limit of size 5 overflow 10 reached"), True),
        (OperationalError("SELECT 1", {}, _PgError("53300")), True),  # too many clients
        (OperationalError("SELECT 1", {}, _PgError("57P03")), True),  # not accepting yet
        (OperationalError("SELECT 1", {}, _PgError("40P01")), True),  # deadlock: try again
        (OperationalError("SELECT 1", {}, _PgError("XX000")), False),  # internal error
        (OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), True),
        (OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x")), False),
        (RPCError("busy", RPCStatusCode.RESOURCE_EXHAUSTED, b""), True),
        (RPCError("bad", RPCStatusCode.INVALID_ARGUMENT, b""), False),
        (RPCError(NO_WORKER_MESSAGE, RPCStatusCode.FAILED_PRECONDITION, b""), True),
        (RPCError("not running", RPCStatusCode.FAILED_PRECONDITION, b""), False),
    ],
)
def test_only_load_is_called_load(error: Exception, load: bool) -> None:
    """A fault (a missing table, a bad request) stays a 500 with its traceback."""
    assert is_load(error) is load
