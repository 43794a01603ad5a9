"""A stolen phone after its owner pressed 「退出所有设备」: its access token (2 h) must not keep
the owner from his own case. Over HTTP against the real app; no Temporal needed, as every
answer here comes before the workflow is asked."""

from __future__ import annotations

from sqlmodel import Session

from domain.roles import Role
from infra.refresh_sessions import open_sign_in, sign_out_everywhere
from infra.tokens import issue_token, read_token
from tests.api.server import seed
from tests.security.stack import API_SECRET, bearer, running_stack
from tests.security.test_outsider_probe_http import _status, _trickling_upload

APP_ID = "enroll-2026-2-430112abcdef01234567"


def _signed_in(engine) -> dict[str, str]:
    """A device signed in by SMS: an access token naming its sign-in."""
    with Session(engine) as db:
        refresh = open_sign_in(db, API_SECRET, APP_ID)
        db.commit()
    sid = read_token(API_SECRET, refresh).sid
    return bearer(issue_token(API_SECRET, APP_ID, Role.CANDIDATE, sid=sid))


async def test_a_signed_out_phone_cannot_hold_the_owners_upload_slots(engine, tmp_path) -> None:
    """An application may have two uploads in flight (admission): the stolen phone, signed out,
    trickled two upload bodies (300 s each, again and again for its token's 2 h) and the
    owner's uploads were all refused 429 TOO_MANY_CONCURRENT. The admission now refuses a
    sign-in it has seen ended (the list every API process reads every 5 s)."""
    seed(engine, "2026-2")
    stolen = _signed_in(engine)
    with Session(engine) as db:
        sign_out_everywhere(db, APP_ID)
        db.commit()
    owner = _signed_in(engine)  # his new sign-in by SMS
    opened = []
    async with running_stack(None, engine, tmp_path, ended_sign_ins_poll_s=0) as (http, _, _sms):
        try:
            await http.get("/api/v1/me", headers=owner)  # his phone polls: the list is read
            opened += [await _trickling_upload(http, stolen) for _ in range(2)]
            thief = [await _status(w) for w in opened]
            assert all(a.startswith(b"HTTP/1.1 401") for a in thief), thief  # before: admitted
            opened.append(await _trickling_upload(http, owner))
            assert await _status(opened[-1]) == b"admitted"  # before: 429 TOO_MANY_CONCURRENT
        finally:
            for writer in opened:
                writer.answer.cancel()  # type: ignore[attr-defined]
                writer.close()
                await writer.wait_closed()
