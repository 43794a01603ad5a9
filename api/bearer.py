"""Reading a request's token: the route dependencies (api/deps.py) and the upload admission
(api/admission.py), which must decide before the body is read, apply the same rules."""

from __future__ import annotations

from api.errors import ApiError
from domain.messages import AccessRefusal
from infra.tokens import CANDIDATE_REFRESH, Principal, TokenError, read_token


def read_principal(secret: str, token: str, audience: str = "") -> Principal:
    """A token of this audience: the codec cookie's token is no bearer token (it would give
    every operator route, the exports of names and ID numbers among them, to whoever copied the
    cookie), and a bearer token is no codec cookie."""
    try:
        principal = read_token(secret, token)
    except TokenError:
        raise ApiError(AccessRefusal.AUTH_INVALID) from None
    if principal.role == CANDIDATE_REFRESH:  # only POST /candidate/token/refresh takes these
        raise ApiError(AccessRefusal.AUTH_INVALID)
    if principal.aud != audience:
        raise ApiError(AccessRefusal.AUTH_INVALID)
    return principal


def read_bearer(secret: str, authorization: str) -> Principal:
    """The principal of an `Authorization: Bearer <token>` header's value."""
    if not authorization.lower().startswith("bearer "):
        raise ApiError(AccessRefusal.AUTH_REQUIRED)
    return read_principal(secret, authorization[7:].strip())
