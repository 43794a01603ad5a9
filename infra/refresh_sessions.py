"""Candidate sign-ins and their refresh tokens, kept server-side so that they can end.

Each refresh replaces the token it was given (rotation); a replaced token presented again means
a copy is in other hands, and ends the whole sign-in for both holders; logout ends it at once.
A phone that lost the answer to its refresh (a dropped connection) sends the replaced token once
more: within `REUSE_GRACE` of that rotation it gets a new token instead of being signed out.
Access tokens (2 hours) name their sign-in too. A request that changes something looks its
sign-in up (`has_ended`), so a token of an ended sign-in changes nothing from that moment; reads
are not looked up per request: each API process reads the sign-ins ended within an access
token's lifetime every few seconds (`ended_since`, api/ended_sign_ins.py).

Functions take the caller's session and leave the commit to it, except where a refusal must
stick: `rotate` commits the revocation before it raises (the caller rolls back on errors)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Update, update
from sqlmodel import Session, col, select

from infra.db import RefreshSession, as_utc
from infra.tokens import (
    CANDIDATE_REFRESH,
    CANDIDATE_REFRESH_TTL_S,
    Principal,
    TokenError,
    issue_refresh_token,
    read_token,
)

REFRESH_TTL = timedelta(seconds=CANDIDATE_REFRESH_TTL_S)
#: how long after a rotation the token it replaced still gets an answer (a lost answer retried)
REUSE_GRACE = timedelta(seconds=60)


class RefreshRefused(Exception):
    """The refresh token no longer works. The reason is for logs; the caller answers
    AUTH_INVALID whatever it is, so a prober learns nothing from it."""


def _new_id() -> str:
    return secrets.token_hex(16)


def _changed(db: Session, statement: Update) -> int:
    return db.exec(statement).rowcount or 0


def open_sign_in(db: Session, secret: str, application_id: str, now: datetime | None = None) -> str:
    """A new sign-in of `application_id` (after an SMS code): its first refresh token."""
    now = now or datetime.now(UTC)
    sid, jti = _new_id(), _new_id()
    db.add(
        RefreshSession(
            id=sid,
            application_id=application_id,
            token_id=jti,
            rotated_at=now,
            expires_at=now + REFRESH_TTL,
        )
    )
    return issue_refresh_token(secret, application_id, sid, jti)


def rotate(db: Session, secret: str, principal: Principal, now: datetime | None = None) -> str:
    """The refresh token that replaces `principal`'s (a refresh token already read and checked
    for its role); `RefreshRefused` if it no longer works."""
    now = now or datetime.now(UTC)
    if not (principal.sid and principal.jti):
        raise RefreshRefused("issued before sign-ins were kept")
    sid, new = principal.sid, _new_id()
    live = (
        col(RefreshSession.id) == sid,
        col(RefreshSession.application_id) == principal.sub,
        col(RefreshSession.revoked_at).is_(None),
        col(RefreshSession.expires_at) > now,
    )
    moved = _changed(
        db,
        update(RefreshSession)
        .where(*live, col(RefreshSession.token_id) == principal.jti)
        .values(
            token_id=new, previous_id=principal.jti, rotated_at=now, expires_at=now + REFRESH_TTL
        ),
    )
    if moved:
        return issue_refresh_token(secret, principal.sub, sid, new)
    row = db.get(RefreshSession, sid)
    if row is None or row.application_id != principal.sub or row.revoked_at is not None:
        raise RefreshRefused("no such sign-in, or it has ended")
    if as_utc(row.expires_at) <= now:
        raise RefreshRefused("the sign-in has expired")
    if row.previous_id == principal.jti and now - as_utc(row.rotated_at) <= REUSE_GRACE:
        # The same phone again: a new token in place of the one whose answer was lost. The
        # rotation time is kept, so the grace cannot be stretched by asking again and again.
        retried = _changed(
            db,
            update(RefreshSession)
            .where(*live, col(RefreshSession.token_id) == row.token_id)
            .values(token_id=new),
        )
        if retried:
            return issue_refresh_token(secret, principal.sub, sid, new)
        raise RefreshRefused("another refresh of the sign-in came first")
    revoke(db, sid, "reused", now)
    db.commit()  # the caller rolls back on the refusal; the sign-in must stay ended
    raise RefreshRefused("a replaced refresh token was presented again")


def revoke(db: Session, sid: str, why: str, now: datetime | None = None) -> None:
    """End the sign-in `sid` (once: a later reason does not overwrite the first)."""
    _changed(
        db,
        update(RefreshSession)
        .where(col(RefreshSession.id) == sid, col(RefreshSession.revoked_at).is_(None))
        .values(revoked_at=now or datetime.now(UTC), revoked_why=why),
    )


def sign_out_everywhere(
    db: Session, application_id: str, now: datetime | None = None, why: str = "logout_everywhere"
) -> int:
    """End every sign-in of the application: the copies on a lost or shared phone stop renewing
    (they otherwise slide on week after week). How many were open. Also when a new run starts
    where the application's ended run stood (`why` "new_run", api/applications.py)."""
    return _changed(
        db,
        update(RefreshSession)
        .where(
            col(RefreshSession.application_id) == application_id,
            col(RefreshSession.revoked_at).is_(None),
        )
        .values(revoked_at=now or datetime.now(UTC), revoked_why=why),
    )


def has_ended(db: Session, sid: str) -> bool:
    """Whether the sign-in `sid` has ended, read now (a primary-key lookup): for the requests
    that change a case, which must not wait for the list read every few seconds. A sign-in no
    longer kept (the retention run removed it) counts as ended: its token is signed, so it was
    real, and whatever it was it is over."""
    row = db.get(RefreshSession, sid)
    return row is None or row.revoked_at is not None


def ended_since(db: Session, since: datetime) -> set[str]:
    """The ids of the sign-ins ended (logout, reuse, everywhere) at or after `since`."""
    ended = select(RefreshSession.id).where(col(RefreshSession.revoked_at) >= since)
    return set(db.exec(ended))


def sign_out(db: Session, secret: str, refresh_token: str) -> None:
    """Logout: end the sign-in this refresh token belongs to. Any token, even a bad one, is
    answered alike, so logout tells nobody anything."""
    try:
        principal = read_token(secret, refresh_token)
    except TokenError:
        return
    if principal.role == CANDIDATE_REFRESH and principal.sid:
        revoke(db, principal.sid, "logout")
