"""A Temporal too busy to answer is a 503 with Retry-After, like a saturated database; a fault
stays a fault (500). Every 503 says when to come back."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from tests.routes.conftest import CALLERS

CANDIDATE = CALLERS["candidate"]


@pytest.mark.parametrize(
    "status",
    [
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.CANCELLED,  # "context canceled": the frontend gave up on a busy worker
    ],
)
def test_a_temporal_too_busy_to_answer_is_a_503_with_retry_after(http, temporal, status):
    temporal.answer = RPCError("busy", status, b"")
    r = http.get("/api/v1/me", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (
        503,
        {"code": "SERVICE_OVERLOADED", "message": "系统繁忙，请稍后重试"},
    )
    assert 3 <= int(r.headers["retry-after"]) <= 6


def test_a_temporal_fault_is_not_called_load(http, temporal):
    temporal.answer = RPCError("bad request", RPCStatusCode.INVALID_ARGUMENT, b"")
    with pytest.raises(RPCError):  # the test client re-raises what became the 500
        http.post("/api/v1/me/submit", headers=CANDIDATE)


def test_a_fault_answers_a_coded_chinese_500_and_is_still_raised(http, temporal):
    """What the H5 and the console can show (they read `{code, message}`), not Starlette's
    plain-text 「Internal Server Error」; the exception still reaches the server's log."""
    temporal.answer = RPCError("bad request", RPCStatusCode.INVALID_ARGUMENT, b"")
    with TestClient(http.app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/me", headers=CANDIDATE)
    assert r.status_code == 500 and r.headers["content-type"] == "application/json", r.text
    assert r.json() == {
        "code": "INTERNAL_ERROR",
        "message": "系统出现异常，请稍后重试；如多次出现，请联系考试院",
    }


def test_every_503_says_when_to_come_back(http, temporal):
    temporal.answer = WorkflowUpdateRPCTimeoutOrCancelledError()
    r = http.post("/api/v1/me/liveness/challenge", headers=CANDIDATE)
    assert (r.status_code, r.json()["code"]) == (503, "STEP_TIMEOUT")
    assert 3 <= int(r.headers["retry-after"]) <= 6
