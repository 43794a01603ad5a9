"""The API process's list of ended candidate sign-ins (api/ended_sign_ins.py), on both databases:
read at the first request, then at most once per interval; a sign-in ended longer ago than an
access token lives is not in it; a database that cannot be read leaves the last list in use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

import api.ended_sign_ins as module
from api.ended_sign_ins import ACCESS_TOKEN_LIFE, EndedSignIns
from infra.refresh_sessions import open_sign_in, revoke
from infra.tokens import read_token

KEY = "ended-test-key"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sign_in(engine: Engine, ended_at: datetime | None = None) -> str:
    with Session(engine) as db:
        sid = read_token(KEY, open_sign_in(db, KEY, "enroll-2026-2-mine")).sid
        if ended_at is not None:
            revoke(db, sid, "logout", ended_at)
        db.commit()
    return sid


def _reads(engine: Engine) -> list[str]:
    """The queries of the list (not the test's own writes), as they run."""
    seen: list[str] = []

    def read(conn, cursor, statement: str, *args: object) -> None:
        if statement.startswith("SELECT") and "revoked_at >=" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", read)
    return seen


def test_ended_sign_ins_are_read_once_per_interval(any_engine: Engine) -> None:
    clock, now = Clock(), datetime.now(UTC)
    ended, open_, long_ago = (
        _sign_in(any_engine, now),
        _sign_in(any_engine),
        _sign_in(any_engine, now - ACCESS_TOKEN_LIFE - timedelta(minutes=1)),
    )
    ended_sign_ins = EndedSignIns(any_engine, poll_s=5.0, clock=clock)
    reads = _reads(any_engine)

    assert ended_sign_ins.ended(ended)  # the first request waits for the first read
    assert not ended_sign_ins.ended(open_)
    assert not ended_sign_ins.ended(long_ago)  # its access tokens have all expired
    assert not ended_sign_ins.ended("")  # a token from before tokens named their sign-in
    assert len(reads) == 1

    later = _sign_in(any_engine, now)
    clock.now += 4.9
    assert not ended_sign_ins.ended(later) and len(reads) == 1  # within the interval: no query
    clock.now += 0.2
    assert ended_sign_ins.ended(later) and len(reads) == 2


def test_a_database_that_cannot_be_read_leaves_the_last_list(
    any_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    ended = _sign_in(any_engine, datetime.now(UTC))
    ended_sign_ins = EndedSignIns(any_engine, poll_s=5.0, clock=clock)
    assert ended_sign_ins.ended(ended)

    def unreachable(*args: object) -> set[str]:
        raise OSError("database unreachable")

    monkeypatch.setattr(module, "ended_since", unreachable)
    clock.now += 10
    assert ended_sign_ins.ended(ended)  # still refused; candidate requests go on
