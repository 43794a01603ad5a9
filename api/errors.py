"""Every refusal leaves the API as `{code, message, ...}` with a Chinese message and a status
chosen by its code."""

from __future__ import annotations

import json
import logging
import random
import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Send
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.accounts import AccountRefusal
from domain.attachments import AttachmentRefusal
from domain.chsi import ChsiRefusal
from domain.errors import RefusalCode, RefusedError, refusal_of
from domain.identity import IdentityRefusal
from domain.identity_claims import ClaimRefusal
from domain.liveness import FaceRefusal
from domain.majors import MajorRefusal
from domain.messages import AccessRefusal, CaseRefusal, PeriodRefusal, SmsRefusal
from domain.notice import NoticeRefusal
from domain.office import OfficeRefusal
from domain.photo_spec import PhotoRefusal
from domain.text_limits import field_named
from domain.vision import IdImageRefusal
from infra.metrics import REFUSALS
from infra.upload_structure import UploadRefusal

log = logging.getLogger("ruji.api")
#: the shape of every refusal code of ours (PHOTO_BG_COLOR); exception class names are not codes
_STABLE_CODE = re.compile(r"[A-Z][A-Z0-9_]*")


class ApiRefusal(RefusalCode):
    """Refusals of the HTTP layer itself: a request it cannot take, a back end not answering."""

    INVALID_REQUEST = "INVALID_REQUEST", "请求数据不完整或格式不正确"
    FIELD_INVALID = "FIELD_INVALID", "填写内容过长或含有不允许的字符"
    REQUEST_REFUSED = "REQUEST_REFUSED", "请求无法处理，请检查后重试"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE", "请求内容过大"
    NOT_FOUND = "NOT_FOUND", "页面不存在"
    FACE_FRAMES = "FACE_FRAMES", "人脸核验画面数量不正确"
    STEP_FAILED = "STEP_FAILED", "处理失败，请稍后重试"
    STEP_TIMEOUT = "STEP_TIMEOUT", "处理超时，请稍后重试"
    UPLOAD_NOT_FOUND = "UPLOAD_NOT_FOUND", "没有找到这次上传的处理结果，请重新上传"
    IDEMPOTENCY_KEY_INVALID = (
        "IDEMPOTENCY_KEY_INVALID",
        "请求标识（Idempotency-Key）须为8至64位字母、数字、下划线或连字符",
    )
    TEMPORAL_UNAVAILABLE = "TEMPORAL_UNAVAILABLE", "服务暂不可用，请稍后重试"
    CODEC_BAD_PAYLOAD = "CODEC_BAD_PAYLOAD", "载荷不是合法的 base64 编码"
    CODEC_UNKNOWN_KEY = "CODEC_UNKNOWN_KEY", "载荷的密钥已不在密钥环中"
    CODEC_UNDECRYPTABLE = "CODEC_UNDECRYPTABLE", "载荷无法解密（密钥不符或内容被篡改）"
    HTTP_400 = "HTTP_400", "请求格式不正确"
    HTTP_404 = "HTTP_404", "请求的地址不存在"
    HTTP_405 = "HTTP_405", "不支持该请求方法"
    HTTP_ERROR = "HTTP_ERROR", "请求无法处理"
    CODEC_ENCODE_REFUSED = (
        "CODEC_ENCODE_REFUSED",
        "运维人员只能查看数据，不能通过编解码服务写入；请通过入籍系统办理",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        "该上传编号已用于另一个文件，请重新选择文件上传",
    )
    #: admission control: this API process already works on its limit of requests of this kind
    TOO_MANY_CONCURRENT = "TOO_MANY_CONCURRENT", "当前办理人数较多，请稍候几秒再试"
    #: admission control: an admitted request's body did not arrive in time (api/admission.py)
    BODY_TIMEOUT = "BODY_TIMEOUT", "网络较慢，请求未能及时发送完毕，请检查网络后重试"
    #: a request head not complete within `request_head_timeout_s` (api/request_head_deadline.py)
    HEAD_TIMEOUT = "HEAD_TIMEOUT", "网络较慢，请求未能及时发送，请检查网络后重试"
    #: a request head over `MAX_HEAD_BYTES` (api/request_head_deadline.py)
    HEAD_TOO_LARGE = "HEAD_TOO_LARGE", "请求头过大，请退出后重新登录再试"
    #: the database or Temporal is saturated (no pooled connection in time, too many clients)
    SERVICE_OVERLOADED = "SERVICE_OVERLOADED", "系统繁忙，请稍后重试"
    #: a fault of ours (its traceback is in the API's log): still the JSON every client reads
    INTERNAL_ERROR = "INTERNAL_ERROR", "系统出现异常，请稍后重试；如多次出现，请联系考试院"


#: The usual status of each concern's refusals: a rule broken by what was sent is 422.
_STATUS_BY_CONCERN: dict[type[RefusalCode], int] = {
    CaseRefusal: 422,
    PeriodRefusal: 422,
    AccessRefusal: 403,
    SmsRefusal: 422,
    IdentityRefusal: 422,
    ClaimRefusal: 409,
    IdImageRefusal: 422,
    PhotoRefusal: 422,
    FaceRefusal: 422,
    ChsiRefusal: 422,
    AttachmentRefusal: 422,
    UploadRefusal: 422,
    OfficeRefusal: 422,
    ApiRefusal: 422,
    AccountRefusal: 422,
    MajorRefusal: 422,
    NoticeRefusal: 409,
}
_STATUS_EXCEPTIONS: dict[RefusalCode, int] = {
    AccessRefusal.AUTH_REQUIRED: 401,
    AccessRefusal.AUTH_INVALID: 401,
    AccessRefusal.LOGIN_FAILED: 401,
    AccessRefusal.ACCOUNT_DISABLED: 401,
    CaseRefusal.WINDOW_CLOSED: 403,
    CaseRefusal.APPLICATION_NOT_FOUND: 404,
    CaseRefusal.ATTACHMENT_NOT_FOUND: 404,
    ApiRefusal.IDEMPOTENCY_KEY_REUSED: 409,
    ApiRefusal.TOO_MANY_CONCURRENT: 429,
    ApiRefusal.BODY_TIMEOUT: 408,
    ApiRefusal.HEAD_TIMEOUT: 408,
    ApiRefusal.HEAD_TOO_LARGE: 431,
    ApiRefusal.SERVICE_OVERLOADED: 503,
    ApiRefusal.INTERNAL_ERROR: 500,
    PeriodRefusal.PERIOD_NOT_FOUND: 404,
    SmsRefusal.SMS_COOLDOWN: 429,
    AccessRefusal.TOO_MANY_REQUESTS: 429,
    AccessRefusal.LOGIN_LOCKED: 429,
    SmsRefusal.SMS_DAILY_CAP: 429,
    SmsRefusal.SMS_CODE_LOCKED: 429,
    SmsRefusal.SMS_UNAVAILABLE: 503,
    CaseRefusal.WRONG_STATE: 409,
    CaseRefusal.APPLICATION_CONCLUDED: 409,
    CaseRefusal.ALREADY_CLAIMED: 409,
    CaseRefusal.REVIEW_CLOSED: 409,
    CaseRefusal.UNDER_REVIEW_LOCKED: 409,
    CaseRefusal.NOT_EDITABLE: 409,
    CaseRefusal.NOT_CLAIMED_BY_YOU: 409,
    OfficeRefusal.REASSIGN_SAME_EXAMINER: 409,
    CaseRefusal.CHSI_UNAVAILABLE: 503,
    UploadRefusal.UPLOAD_TOO_LARGE: 413,
    UploadRefusal.STORAGE_QUOTA: 413,
    ApiRefusal.REQUEST_TOO_LARGE: 413,
    ApiRefusal.NOT_FOUND: 404,
    ApiRefusal.STEP_FAILED: 503,
    ApiRefusal.STEP_TIMEOUT: 503,
    ApiRefusal.UPLOAD_NOT_FOUND: 404,
    ApiRefusal.TEMPORAL_UNAVAILABLE: 503,
    ApiRefusal.CODEC_BAD_PAYLOAD: 400,
    ApiRefusal.CODEC_ENCODE_REFUSED: 403,
    ApiRefusal.CODEC_UNKNOWN_KEY: 400,
    ApiRefusal.CODEC_UNDECRYPTABLE: 400,
    ApiRefusal.HTTP_400: 400,
    ApiRefusal.HTTP_404: 404,
    ApiRefusal.HTTP_405: 405,
    ChsiRefusal.CHSI_BAD_SIGNATURE: 401,
    ChsiRefusal.CHSI_CLOCK_SKEW: 401,
    ChsiRefusal.CHSI_REPLAY: 409,
    ChsiRefusal.CHSI_NO_CODE: 404,
    ChsiRefusal.CHSI_TOKEN_UNKNOWN: 404,
    ChsiRefusal.CHSI_TOKEN_EXPIRED: 410,
    ChsiRefusal.CHSI_TOKEN_USED: 409,
    ChsiRefusal.CHSI_TOKEN_SUPERSEDED: 410,
    ChsiRefusal.CHSI_TOKEN_WRONG_APPLICATION: 403,
    ChsiRefusal.CHSI_REGISTRATION_REFUSED: 503,
    AccountRefusal.ACCOUNT_NOT_FOUND: 404,
    AccountRefusal.ACCOUNT_EXISTS: 409,
    AccountRefusal.ACCOUNT_SELF_LOCKOUT: 409,
}
#: Every code of every concern with the HTTP status it answers with.
STATUS_BY_CODE: dict[str, int] = {
    code.value: _STATUS_EXCEPTIONS.get(code, status)
    for concern, status in _STATUS_BY_CONCERN.items()
    for code in concern
}
#: Every code's message, for a refusal that arrives as a bare code.
MESSAGE_BY_CODE: dict[str, str] = {
    code.value: code.message for concern in _STATUS_BY_CONCERN for code in concern
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
    """A refusal answered by the API; `message` replaces the code's own text when given."""

    def __init__(
        self,
        code: RefusalCode | str,
        message: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        text = message or (code.message if isinstance(code, RefusalCode) else MESSAGE_BY_CODE[code])
        self.body = ErrorBody(code=str(code), message=text, **extra)
        self.status = status or STATUS_BY_CODE.get(str(code), 422)
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
        return ApiError(ApiRefusal.REQUEST_REFUSED)
    refused = refusal_of(cause)
    if refused is None:
        return ApiError(ApiRefusal.STEP_FAILED)
    extra = {
        k: v for k in ("measured", "expected", "details") if (v := getattr(refused, k)) is not None
    }
    return ApiError(refused.code, refused.message, **extra)


#: A 503 says when to come back: in RETRY_AFTER_S to twice that, drawn per answer, so clients
#: refused in the same second do not all come back in the same second.
RETRY_AFTER_S = 3


def retry_after_s(base: int = RETRY_AFTER_S) -> str:
    return str(random.randint(base, 2 * base))


def _retry_headers(
    status: int, code: str, measured: Any, headers: dict[str, str] | None
) -> dict[str, str] | None:
    """Retry-After on every 503 and on a resend cooldown: the same request will work then. The
    throttles' 429s set their own; a daily cap or a locked code has no such time."""
    if headers and "Retry-After" in headers:
        return headers
    if code == SmsRefusal.SMS_COOLDOWN and isinstance(measured, int):
        return {**(headers or {}), "Retry-After": str(max(1, measured))}
    if status == 503:
        return {**(headers or {}), "Retry-After": retry_after_s()}
    return headers


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    REFUSALS.labels(exc.body.code).inc()
    headers = _retry_headers(exc.status, exc.body.code, exc.body.measured, exc.headers)
    return JSONResponse(
        exc.body.model_dump(exclude_none=True), status_code=exc.status, headers=headers
    )


async def fault_handler(request: Request, _exc: Exception) -> JSONResponse:
    """Any exception no other handler answered: Starlette's server-error middleware logs it
    with its traceback after this answer, which is a coded Chinese 500 instead of the plain-text
    「Internal Server Error」 the H5 and the console could not show."""
    return await api_error_handler(request, ApiError(ApiRefusal.INTERNAL_ERROR))


async def refused_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RefusedError)
    r = exc.refusal
    REFUSALS.labels(r.code).inc()
    status = STATUS_BY_CODE.get(r.code, 422)
    headers = _retry_headers(status, r.code, r.measured, None)
    return JSONResponse(r.model_dump(exclude_none=True), status_code=status, headers=headers)


async def send_refusal(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """A refusal answered by an ASGI middleware, outside the exception handlers. The connection
    closes after it: the request's body may still be arriving, unread."""
    content = json.dumps(body, ensure_ascii=False).encode()
    REFUSALS.labels(body["code"]).inc()
    raw = {"content-type": "application/json", "content-length": str(len(content))}
    raw |= (headers or {}) | {"connection": "close"}
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in raw.items()],
        }
    )
    await send({"type": "http.response.body", "body": content})


async def http_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """Framework errors (404 of an unknown path, 405, a body FastAPI cannot parse, the codec
    router's refusals) in the same `{code, message}` shape as ours."""
    assert isinstance(exc, HTTPException)
    detail = exc.detail
    if isinstance(detail, dict) and "code" in detail:
        body = ErrorBody(code=str(detail["code"]), message=str(detail.get("message", "")))
    else:
        code = ApiRefusal.parse(f"HTTP_{exc.status_code}") or ApiRefusal.HTTP_ERROR
        body = ErrorBody(code=code.value, message=code.message)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=exc.status_code, headers=exc.headers
    )


async def validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    unclean = next((e for e in exc.errors() if e["type"] == "field_invalid"), None)
    if unclean is not None:  # api/text_fields.CleanText: a value too long or with control chars
        body = ErrorBody(
            code=ApiRefusal.FIELD_INVALID,
            message=unclean["ctx"]["message"],
            details={"field": unclean["ctx"]["field"]},
        )
        REFUSALS.labels(body.code).inc()
        return JSONResponse(body.model_dump(exclude_none=True), status_code=422)
    errors = exc.errors()
    fields = [".".join(str(p) for p in e["loc"][1:]) for e in errors]
    # a body field by its Chinese name (the form's fields: what the person typed); a path or
    # query parameter by its own name (a path's `code` is a document's, not the SMS code)
    named = [
        field_named(f) if e["loc"][:1] == ("body",) else f
        for e, f in zip(errors, fields, strict=True)
    ]
    body = ErrorBody(
        code=ApiRefusal.INVALID_REQUEST,
        message=f"{ApiRefusal.INVALID_REQUEST.message}：" + "、".join(dict.fromkeys(named)),
        details=fields,
    )
    REFUSALS.labels(body.code).inc()
    return JSONResponse(body.model_dump(exclude_none=True), status_code=422)
