"""Short-lived signed bearer tokens (HMAC-SHA256). Candidate tokens are bound to one application;
staff tokens carry role and regions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from pydantic import BaseModel

from domain.roles import Role

CANDIDATE_TOKEN_TTL_S = 2 * 3600
STAFF_TOKEN_TTL_S = 30 * 60
#: A candidate keeps his place for a week without a new SMS code. A refresh token names its
#: sign-in (`sid`) and itself (`jti`); the server keeps which one works (infra/refresh_sessions.py).
CANDIDATE_REFRESH_TTL_S = 7 * 24 * 3600
CANDIDATE_REFRESH = Role.CANDIDATE_REFRESH


class Principal(BaseModel):
    sub: str  # candidate: application id; staff: account id
    role: Role
    regions: list[str] = []
    exp: int
    #: candidate tokens: the sign-in they belong to (an access token ends with it); refresh
    #: tokens also name which of the sign-in's tokens they are
    sid: str = ""
    jti: str = ""
    #: when it was issued (ms): a staff account's logout refuses the tokens issued until then
    iat_ms: int = 0
    #: where the token is good: "" for a bearer token; `CODEC_AUDIENCE` for the Web UI's codec
    #: cookie, which opens the codec endpoints and nothing else (api/deps.py)
    aud: str = ""


#: the audience of the codec-session cookie's token
CODEC_AUDIENCE = "codec"


class TokenError(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(
    secret: str,
    sub: str,
    role: Role,
    regions: list[str] | None = None,
    ttl_s: int | None = None,
    *,
    sid: str = "",
    jti: str = "",
    aud: str = "",
) -> str:
    ttl = (
        ttl_s
        if ttl_s is not None
        else (CANDIDATE_TOKEN_TTL_S if role == Role.CANDIDATE else STAFF_TOKEN_TTL_S)
    )
    now = time.time()
    body = Principal(
        sub=sub,
        role=role,
        regions=regions or [],
        exp=int(now) + ttl,
        sid=sid,
        jti=jti,
        iat_ms=int(now * 1000),
        aud=aud,
    )
    payload = _b64(body.model_dump_json(exclude_defaults=True).encode())  # no empty sid/jti
    sig = _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}"


def issue_refresh_token(secret: str, application_id: str, sid: str, jti: str) -> str:
    return issue_token(
        secret, application_id, CANDIDATE_REFRESH, ttl_s=CANDIDATE_REFRESH_TTL_S, sid=sid, jti=jti
    )


def read_token(secret: str, token: str, now: float | None = None) -> Principal:
    try:
        payload, sig = token.split(".")
        good = _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(good, sig):
            raise TokenError("bad signature")
        principal = Principal.model_validate(json.loads(_unb64(payload)))
    except (ValueError, TypeError) as exc:
        raise TokenError("malformed token") from exc
    if principal.exp < (now if now is not None else time.time()):
        raise TokenError("expired")
    return principal
