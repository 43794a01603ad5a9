"""What a client reads when something goes wrong: every refusal as `{code, message, ...}` with a
Chinese message and the status its code calls for, whether the workflow refused the step, the
step failed unexpectedly, the request was malformed or the path does not exist."""

from __future__ import annotations

import re

import pytest
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import STATUS_BY_CODE
from tests.routes.conftest import CALLERS, MINE
from tests.routes.temporal_double import refused

CANDIDATE = CALLERS["candidate"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(STATUS_BY_CODE))
def test_a_refused_step_answers_with_its_codes_status(http, temporal, code):
    temporal.answer = refused(code, "当前状态不能提交")
    r = http.post("/api/v1/me/submit", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (
        STATUS_BY_CODE[code],
        {"code": code, "message": "当前状态不能提交"},
    )
    assert [(c.workflow_id, c.name) for c in temporal.calls] == [(MINE, "submit")]


def test_a_refusal_keeps_what_was_measured_and_expected(http, temporal):
    """The photo rule's numbers reach the candidate, so the H5 client can show them."""
    temporal.answer = refused(
        "PHOTO_BG_COLOR",
        "背景颜色应为浅蓝色",
        measured={"rgb": [250, 250, 250]},
        expected={"rgb": [67, 142, 219]},
        details=None,
    )
    r = http.post("/api/v1/me/photo/accept-fix", headers=CANDIDATE)
    assert r.status_code == 422  # a code outside the status table: the request is refused
    assert r.json() == {
        "code": "PHOTO_BG_COLOR",
        "message": "背景颜色应为浅蓝色",
        "measured": {"rgb": [250, 250, 250]},
        "expected": {"rgb": [67, 142, 219]},
    }


def test_a_refusal_lists_its_details(http, temporal):
    missing = ["CHSI_MANUAL_PROOF"]
    temporal.answer = refused("ATTACHMENTS_MISSING", "请上传所需材料", details=missing)
    r = http.post("/api/v1/me/submit", headers=CANDIDATE)
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "ATTACHMENTS_MISSING",
        missing,
    )


def test_a_refusal_without_payload_keeps_the_workflows_message(http, temporal):
    cause = ApplicationError(
        "该申请正在审核中，不能修改", type="UNDER_REVIEW_LOCKED", non_retryable=True
    )
    temporal.answer = WorkflowUpdateFailedError(cause)
    r = http.post("/api/v1/me/withdraw", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (
        409,
        {"code": "UNDER_REVIEW_LOCKED", "message": "该申请正在审核中，不能修改"},
    )


@pytest.mark.parametrize(
    "cause",
    [
        ApplicationError("KeyError: 'portrait' in step", non_retryable=True),  # no type
        RuntimeError("worker crashed with a traceback"),
    ],
    ids=["untyped-application-error", "other-failure"],
)
def test_an_unexpected_step_failure_is_a_503_that_hides_the_cause(http, temporal, cause):
    temporal.answer = WorkflowUpdateFailedError(cause)
    r = http.post("/api/v1/me/notice/accept", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (
        503,
        {"code": "STEP_FAILED", "message": "处理失败，请稍后重试"},
    )


def test_a_step_that_does_not_answer_in_time_is_a_503(http, temporal):
    temporal.answer = WorkflowUpdateRPCTimeoutOrCancelledError()
    r = http.post("/api/v1/me/liveness/challenge", headers=CANDIDATE)
    assert (r.status_code, r.json()["code"]) == (503, "STEP_TIMEOUT")
    assert CHINESE.search(r.json()["message"])


def test_a_step_on_a_finished_application_is_refused_and_a_read_not_found(http, temporal):
    temporal.answer = RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
    r = http.post("/api/v1/me/submit", headers=CANDIDATE)
    assert (r.status_code, r.json()["code"]) == (409, "WRONG_STATE")
    assert CHINESE.search(r.json()["message"])
    r = http.get("/api/v1/me", headers=CANDIDATE)
    assert (r.status_code, r.json()["code"]) == (404, "APPLICATION_NOT_FOUND")
    assert CHINESE.search(r.json()["message"])


def test_without_temporal_the_api_answers_503(app_services):
    http, services = app_services
    assert services.temporal is None
    r = http.get("/api/v1/me", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (
        503,
        {"code": "TEMPORAL_UNAVAILABLE", "message": "服务暂不可用，请稍后重试"},
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "fields", "named"),
    [
        (
            "POST",
            "/api/v1/candidate/verify",
            {"application_id": "x", "code": "1"},
            ["application_id"],
            "申请编号",
        ),
        ("POST", "/api/v1/candidate/verify", {}, ["application_id", "code"], "申请编号、验证码"),
        ("POST", "/api/v1/candidate/register", {"phone": "13900001111"}, ["id_number"], "证件号码"),
        (
            "PUT",
            "/api/v1/me/form",
            {"postal_code": "410000", "social_insurance_months": "three"},
            [
                "household_type",
                "household_province",
                "occupation",
                "political_status",
                "contact_phone",
                "region",
                "major",
                "social_insurance_months",
            ],
            "户口类型、户籍所在省份、职业、政治面貌、联系电话、入籍地区、入籍专业、在我省缴纳社保的月数",
        ),
    ],
)
def test_a_malformed_request_names_its_fields_and_reaches_no_workflow(
    http, temporal, method, path, body, fields, named
):
    """The message is for the person: a body field by its Chinese name (it read English keys,
    「请求数据不完整或格式不正确：household_type、household_province…」); `details` keeps the
    keys."""
    r = http.request(method, path, json=body, headers=CANDIDATE)
    assert r.status_code == 422
    got = r.json()
    assert (got["code"], got["details"]) == ("INVALID_REQUEST", fields)
    assert got["message"] == "请求数据不完整或格式不正确：" + named
    assert temporal.calls == []


def test_a_malformed_query_parameter_is_invalid_request(http, temporal):
    r = http.get("/api/v1/examiner/applications?page=0", headers=CALLERS["ex-changsha"])
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "INVALID_REQUEST",
        ["page"],
    )
    assert temporal.calls == []


def test_an_unknown_path_and_a_wrong_method_answer_in_the_same_shape(http):
    r = http.get("/api/v1/no-such-route", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (404, {"code": "HTTP_404", "message": "请求的地址不存在"})
    r = http.get("/api/v1/me/submit", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (405, {"code": "HTTP_405", "message": "不支持该请求方法"})


def test_a_refusal_of_the_api_itself_reaches_no_workflow(http, temporal):
    r = http.post(
        "/api/v1/candidate/register", json={"id_number": "430104199903120012", "phone": "12"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "PHONE_INVALID")
    assert CHINESE.search(r.json()["message"])
    assert temporal.calls == []
