"""Every refusal leaves the API as `{code, message, ...}` with a Chinese message and a status
chosen by its code."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.errors import RefusedError
from domain.messages import MESSAGES
from infra.metrics import REFUSALS

log = logging.getLogger("ruji.api")
#: the shape of every refusal code of ours (PHOTO_BG_COLOR); exception class names are not codes
_STABLE_CODE = re.compile(r"[A-Z][A-Z0-9_]*")

STATUS_BY_CODE = {
    "AUTH_REQUIRED": 401,
    "AUTH_INVALID": 401,
    "LOGIN_FAILED": 401,
    "ACCOUNT_DISABLED": 401,
    "FORBIDDEN": 403,
    "REGION_FORBIDDEN": 403,
    "WINDOW_CLOSED": 403,
    "APPLICATION_NOT_FOUND": 404,
    "PERIOD_NOT_FOUND": 404,
    "SMS_COOLDOWN": 429,
    "TOO_MANY_REQUESTS": 429,
    "LOGIN_LOCKED": 429,
    "SMS_UNAVAILABLE": 503,
    "SMS_REJECTED": 422,
    "SMS_DAILY_CAP": 429,
    "SMS_CODE_LOCKED": 429,
    "WRONG_STATE": 409,
    "ALREADY_CLAIMED": 409,
    "UNDER_REVIEW_LOCKED": 409,
    "NOT_EDITABLE": 409,
    "NOT_CLAIMED_BY_YOU": 409,
    "UPLOAD_TOO_LARGE": 413,
    "FIELD_INVALID": 422,
    "STORAGE_QUOTA": 413,
    "REQUEST_TOO_LARGE": 413,
    "CHSI_UNAVAILABLE": 503,
    "CHSI_BAD_SIGNATURE": 401,
    "CHSI_CLOCK_SKEW": 401,
    "CHSI_REPLAY": 409,
    "CHSI_TOKEN_UNKNOWN": 404,
    "CHSI_TOKEN_EXPIRED": 410,
    "CHSI_TOKEN_USED": 409,
    "CHSI_TOKEN_SUPERSEDED": 410,
    "CHSI_TOKEN_WRONG_APPLICATION": 403,
}


class ErrorBody(BaseModel):
    code: str
    message: str
    measured: Any = None
    expected: Any = None
    details: Any = None


#: documented on every route, so clients (and schemathesis) know the shape of every refusal
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused: `{code, message}`, message in Chinese"},
    "5XX": {"model": ErrorBody, "description": "Temporarily unavailable (Temporal, timeouts)"},
}


class ApiError(Exception):
    def __init__(
        self,
        code: str,
        message: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        self.body = ErrorBody(code=code, message=message or MESSAGES.get(code, code), **extra)
        self.status = status or STATUS_BY_CODE.get(code, 422)
        self.headers = headers


def from_update_failure(exc: WorkflowUpdateFailedError) -> ApiError:
    cause = exc.cause
    if (
        isinstance(cause, ApplicationError)
        and cause.type
        and not _STABLE_CODE.fullmatch(cause.type)
    ):
        # not a refusal of ours: a Python error in a handler or the SDK's own (an unknown update
        # lists the workflow's update names). Its text is for the logs, not the caller.
        log.warning("update failed with %s: %s", cause.type, cause.message)
        return ApiError("REQUEST_REFUSED")
    if isinstance(cause, ApplicationError) and cause.type:
        payload = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        extra = {
            k: payload.get(k)
            for k in ("measured", "expected", "details")
            if payload.get(k) is not None
        }
        return ApiError(cause.type, payload.get("message") or cause.message, **extra)
    return ApiError("STEP_FAILED", "处理失败，请稍后重试", status=503)


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    REFUSALS.labels(exc.body.code).inc()
    return JSONResponse(
        exc.body.model_dump(exclude_none=True), status_code=exc.status, headers=exc.headers
    )


async def refused_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RefusedError)
    r = exc.refusal
    REFUSALS.labels(r.code).inc()
    status = STATUS_BY_CODE.get(r.code, 413 if r.code == "UPLOAD_TOO_LARGE" else 422)
    return JSONResponse(r.model_dump(exclude_none=True), status_code=status)


async def http_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """Framework errors (404 of an unknown path, 405, a body FastAPI cannot parse, the codec
    router's refusals) in the same `{code, message}` shape as ours."""
    assert isinstance(exc, HTTPException)
    detail = exc.detail
    if isinstance(detail, dict) and "code" in detail:
        body = ErrorBody(code=str(detail["code"]), message=str(detail.get("message", "")))
    else:
        body = ErrorBody(
            code=f"HTTP_{exc.status_code}",
            message=_HTTP_MESSAGES.get(exc.status_code, "请求无法处理"),
        )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=exc.status_code, headers=exc.headers
    )


_HTTP_MESSAGES = {
    400: "请求格式不正确",
    404: "请求的地址不存在",
    405: "不支持该请求方法",
}


async def validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    unclean = next((e for e in exc.errors() if e["type"] == "field_invalid"), None)
    if unclean is not None:  # api/text_fields.CleanText: a value too long or with control chars
        body = ErrorBody(
            code="FIELD_INVALID",
            message=unclean["ctx"]["message"],
            details={"field": unclean["ctx"]["field"]},
        )
        REFUSALS.labels(body.code).inc()
        return JSONResponse(body.model_dump(exclude_none=True), status_code=422)
    fields = [".".join(str(p) for p in e["loc"][1:]) for e in exc.errors()]
    body = ErrorBody(
        code="INVALID_REQUEST",
        message="请求数据不完整或格式不正确：" + "、".join(fields),
        details=fields,
    )
    REFUSALS.labels(body.code).inc()
    return JSONResponse(body.model_dump(exclude_none=True), status_code=422)
