"""Refresh tokens that rotate and can end (infra/refresh_sessions.py), on both databases: each
refresh replaces the token, a replaced token shown again ends the sign-in for every holder
(except the phone's own retry of a lost answer, within the grace), logout ends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from infra.db import RefreshSession
from infra.refresh_sessions import (
    REFRESH_TTL,
    REUSE_GRACE,
    RefreshRefused,
    open_sign_in,
    rotate,
    sign_out,
    sign_out_everywhere,
)
from infra.tokens import Principal, read_token

KEY = "refresh-test-key"
APP = "enroll-2026-2-mine"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _open(engine: Engine, now: datetime = T0, app: str = APP) -> str:
    with Session(engine) as db:
        token = open_sign_in(db, KEY, app, now)
        db.commit()
    return token


def _rotate(engine: Engine, token: str, now: datetime) -> str:
    """As the refresh route does: the caller's transaction, rolled back when it raises."""
    with Session(engine) as db:
        try:
            new = rotate(db, KEY, read_token(KEY, token, now=now.timestamp()), now)
        except BaseException:
            db.rollback()
            raise
        db.commit()
    return new


def _row(engine: Engine, token: str) -> RefreshSession:
    with Session(engine) as db:
        row = db.get(RefreshSession, read_token(KEY, token).sid)
        assert row is not None
        return row


def test_a_refresh_replaces_the_token_and_keeps_the_sign_in(any_engine: Engine) -> None:
    first = _open(any_engine)
    second = _rotate(any_engine, first, T0 + timedelta(hours=3))
    assert second != first
    assert read_token(KEY, second).sid == read_token(KEY, first).sid
    third = _rotate(any_engine, second, T0 + timedelta(days=6))
    # each refresh starts the week again: a candidate who keeps coming back keeps his place
    assert (
        _row(any_engine, third).expires_at.replace(tzinfo=UTC)
        == T0 + timedelta(days=6) + REFRESH_TTL
    )


def test_a_replaced_token_shown_again_ends_the_sign_in_for_both_holders(
    any_engine: Engine,
) -> None:
    stolen = _open(any_engine)
    owners = _rotate(any_engine, stolen, T0 + timedelta(hours=3))
    later = T0 + timedelta(hours=3) + REUSE_GRACE + timedelta(seconds=1)
    with pytest.raises(RefreshRefused):
        _rotate(any_engine, stolen, later)
    # the refusal's revocation was committed although the caller rolled back
    assert _row(any_engine, owners).revoked_why == "reused"
    with pytest.raises(RefreshRefused):
        _rotate(any_engine, owners, later)


def test_the_phones_retry_of_a_lost_answer_is_answered_within_the_grace(
    any_engine: Engine,
) -> None:
    sent = _open(any_engine)
    rotated_at = T0 + timedelta(hours=3)
    _lost = _rotate(any_engine, sent, rotated_at)
    retried = _rotate(any_engine, sent, rotated_at + REUSE_GRACE - timedelta(seconds=1))
    # the retry's token is the one that works now
    after = _rotate(any_engine, retried, rotated_at + timedelta(hours=1))
    assert _row(any_engine, after).revoked_at is None


def test_the_grace_counts_from_the_rotation_not_from_a_retry(any_engine: Engine) -> None:
    sent = _open(any_engine)
    rotated_at = T0 + timedelta(hours=3)
    _rotate(any_engine, sent, rotated_at)
    _rotate(any_engine, sent, rotated_at + REUSE_GRACE - timedelta(seconds=10))
    # 11 s after the retry but past the grace of the rotation: a copy, not the phone
    with pytest.raises(RefreshRefused):
        _rotate(any_engine, sent, rotated_at + REUSE_GRACE + timedelta(seconds=1))
    assert _row(any_engine, sent).revoked_why == "reused"


def test_logout_ends_the_sign_in(any_engine: Engine) -> None:
    token = _open(any_engine)
    with Session(any_engine) as db:
        sign_out(db, KEY, token)
        sign_out(db, KEY, "not.a-token")  # answered alike, nothing to end
        db.commit()
    assert _row(any_engine, token).revoked_why == "logout"
    with pytest.raises(RefreshRefused):
        _rotate(any_engine, token, T0 + timedelta(minutes=1))


def test_logout_everywhere_ends_every_sign_in_of_the_application_and_no_other(
    any_engine: Engine,
) -> None:
    phone, tablet = _open(any_engine), _open(any_engine)
    renewed = _rotate(any_engine, tablet, T0 + timedelta(minutes=5))  # the tablet in use
    neighbour = _open(any_engine, app="enroll-2026-2-other")
    with Session(any_engine) as db:
        assert sign_out_everywhere(db, APP, T0 + timedelta(minutes=10)) == 2
        db.commit()
    for token in (phone, renewed):
        with pytest.raises(RefreshRefused):
            _rotate(any_engine, token, T0 + timedelta(minutes=11))
    assert _row(any_engine, phone).revoked_why == "logout_everywhere"
    _rotate(any_engine, neighbour, T0 + timedelta(minutes=11))  # another candidate's goes on


def test_an_expired_sign_in_or_a_token_from_before_sign_ins_were_kept_is_refused(
    any_engine: Engine,
) -> None:
    token = _open(any_engine)
    with pytest.raises(RefreshRefused):
        _rotate(any_engine, token, T0 + REFRESH_TTL + timedelta(seconds=1))
    unnamed = Principal(sub=APP, role="candidate_refresh", exp=int(T0.timestamp()) + 60)
    with Session(any_engine) as db, pytest.raises(RefreshRefused):
        rotate(db, KEY, unnamed, T0)


def test_a_token_names_its_application(any_engine: Engine) -> None:
    """A sign-in's id under another application's name (a forged pairing) is refused."""
    token = _open(any_engine)
    principal = read_token(KEY, token, now=T0.timestamp())
    other = principal.model_copy(update={"sub": "enroll-2026-2-other"})
    with Session(any_engine) as db, pytest.raises(RefreshRefused):
        rotate(db, KEY, other, T0 + timedelta(minutes=1))
