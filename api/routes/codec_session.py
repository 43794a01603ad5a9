"""Operators in the Temporal Web UI: a login that sets the codec cookie.

The UI calls ``/codec/decode`` from the browser with ``credentials: include`` and cannot add our
bearer token, so an operator signs in here once. The cookie is HttpOnly (no script reads it),
SameSite=Lax (127.0.0.1:8233 → :8000 is same-site, other sites never send it) and scoped to
``/codec``, so it is never sent to, or accepted by, any route that acts on a case.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import (
    CODEC_COOKIE,
    CODEC_COOKIE_PATH,
    OPERATOR_ROLES,
    ServicesDep,
    SessionDep,
    authenticate_staff,
)
from api.errors import ApiError
from domain.messages import AccessRefusal
from domain.roles import Role
from infra.tokens import CODEC_AUDIENCE, STAFF_TOKEN_TTL_S, issue_token

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

_LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>ruji 运维登录（Temporal 解码）</title></head>
<body>
<h1>运维人员登录</h1>
<p>登录后，Temporal Web UI 可解密显示工作流数据（30 分钟内有效）。</p>
<form method="post" action="/api/v1/staff/codec-session">
  <label>用户名 <input name="username" autocomplete="username" required></label><br>
  <label>密码 <input name="password" type="password" autocomplete="current-password"
  required></label><br>
  <button type="submit">登录</button>
</form>
</body></html>
"""


class CodecSession(BaseModel):
    role: str
    expires_at: datetime


@router.get("/codec-session", response_class=HTMLResponse)
def codec_login_page() -> str:
    """A bare form, so an operator can sign in from the browser that runs the Web UI."""
    return _LOGIN_PAGE


@router.post("/codec-session")
async def open_codec_session(
    username: Annotated[str, Form(max_length=60)],
    password: Annotated[str, Form(max_length=200)],
    request: Request,
    response: Response,
    services: ServicesDep,
    session: SessionDep,
) -> CodecSession:
    """Only operators and admins: decrypted histories hold ID numbers and faces."""
    account = await authenticate_staff(services, request, session, username, password)
    if account.role not in OPERATOR_ROLES:
        raise ApiError(AccessRefusal.FORBIDDEN)
    token = issue_token(
        services.settings.secret_key, account.id, Role(account.role), aud=CODEC_AUDIENCE
    )
    response.set_cookie(
        CODEC_COOKIE,
        token,
        max_age=STAFF_TOKEN_TTL_S,
        path=CODEC_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=services.settings.api_base_url.startswith("https://"),
    )
    return CodecSession(
        role=account.role, expires_at=datetime.now(UTC) + timedelta(seconds=STAFF_TOKEN_TTL_S)
    )


@router.delete("/codec-session", status_code=204)
def close_codec_session(response: Response) -> Response:
    response.delete_cookie(CODEC_COOKIE, path=CODEC_COOKIE_PATH, httponly=True, samesite="lax")
    response.status_code = 204
    return response
