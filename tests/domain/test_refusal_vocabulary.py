"""The one refusal vocabulary: every code of every concern has a Chinese message and an HTTP
status, no code is declared twice, and a refusal survives the trip through Temporal."""

from __future__ import annotations

import re

from temporalio.exceptions import ActivityError, ApplicationError, RetryState

import api.errors  # noqa: F401 - declares the API's own concern and the status table
import workflows.support  # noqa: F401 - everything the workflows refuse with
from api.errors import STATUS_BY_CODE, ApiRefusal
from domain.errors import Refusal, RefusalCode, refusal_of, refuse, to_application_error
from domain.messages import CaseRefusal

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _concerns(base: type[RefusalCode] = RefusalCode) -> list[type[RefusalCode]]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *_concerns(sub)]
    return found


def test_every_code_has_a_chinese_message_and_a_status():
    codes = [code for concern in _concerns() for code in concern]
    assert len(codes) > 140
    for code in codes:
        assert CHINESE.search(code.message), code
        assert code.value in STATUS_BY_CODE, f"{code!r} has no HTTP status"
        assert 400 <= STATUS_BY_CODE[code.value] < 600


def test_no_code_is_declared_by_two_concerns():
    values = [code.value for concern in _concerns() for code in concern]
    assert len(values) == len(set(values))


def test_a_refusal_crosses_temporal_and_back():
    refused = refuse(CaseRefusal.ATTACHMENTS_MISSING, "毕业证书", measured=["DIPLOMA"])
    error = to_application_error(refused)
    assert (error.type, error.non_retryable) == ("ATTACHMENTS_MISSING", True)
    via_activity = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="worker",
        activity_type="check",
        activity_id="1",
        retry_state=RetryState.NON_RETRYABLE_FAILURE,
    )
    via_activity.__cause__ = error
    for carried in (error, via_activity):
        assert refusal_of(carried) == Refusal(
            code="ATTACHMENTS_MISSING", message="请上传以下材料：毕业证书", measured=["DIPLOMA"]
        )


def test_a_fault_is_not_a_refusal():
    """A retryable error or a crash must not reach the candidate as if it were an answer."""
    assert refusal_of(ApplicationError("db down", type="OperationalError")) is None
    assert refusal_of(RuntimeError("boom")) is None
    assert ApiRefusal.STEP_FAILED.value in STATUS_BY_CODE
