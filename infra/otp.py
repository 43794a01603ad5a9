"""SMS one-time codes: issue and check against the DB, with every limit of domain/otp.py.

Used by the SMS activities (registration inside the workflow), which open a session of their
own, and by the API (login of a returning candidate), which passes the request's session: one
connection per request, and the code check in the request's transaction. Codes are stored
hashed only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, delete, func, insert, literal, select, union_all, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain import otp
from domain.errors import RefusedError, refuse
from domain.ids import keyed_hash
from domain.messages import SmsRefusal
from infra.db import SmsCode, SmsMessage, table_of
from infra.db import as_utc as _as_utc
from infra.sms import send_once
from infra.sms_provider import SmsProvider, SmsUnavailable

#: Core statements on the tables (no ORM unit of work): these run at every registration and
#: login, and the ORM's bookkeeping was most of their cost (docs/decisions.md)
CODES = table_of(SmsCode)
MESSAGES = table_of(SmsMessage)
#: what a code check reads of each live code
_CHECKED = tuple(
    CODES.c[name] for name in ("id", "code_hash", "expires_at", "attempts", "used", "used_by")
)


class OtpService:
    def __init__(self, engine: Engine, provider: SmsProvider, secret: str):
        self.engine = engine
        self.provider = provider
        self.secret = secret

    @contextmanager
    def _within(self, session: Session | None) -> Iterator[Session]:
        """The caller's session, left open; otherwise one of our own, closed after."""
        if session is not None:
            yield session
            return
        with Session(self.engine) as own:
            yield own

    def _code_hash(self, phone_hash: str, code: str) -> str:
        return hmac.new(
            self.secret.encode(), f"{phone_hash}:{code}".encode(), hashlib.sha256
        ).hexdigest()

    def send_code(
        self,
        phone: str,
        client_ip: str,
        now: datetime | None = None,
        request_key: str = "",
        session: Session | None = None,
    ) -> int:
        """Issue a new code and send it. Returns seconds until a resend is allowed.

        `request_key` names the calling activity run: the same key again answers as the first
        time (no second code, no cooldown refusal). The code is committed before it is sent, and
        the send holds the connection (`send_once`: a retry never texts twice)."""
        now = now or datetime.now(UTC)
        phone_hash = keyed_hash(self.secret, phone)
        day_start = now - timedelta(days=1)
        with self._within(session) as db:
            if request_key:
                earlier = db.execute(select(CODES.c.id).where(CODES.c.sent_for == request_key))
                earlier_id = earlier.scalar()
                if earlier_id is not None:
                    sent = select(MESSAGES.c.id).where(MESSAGES.c.dedupe_key == f"otp:{earlier_id}")
                    if db.execute(sent).first():  # this activity run already sent it
                        return int(otp.RESEND_COOLDOWN.total_seconds())
                    # The run died between the code and its text: only the code's hash is kept,
                    # so the retry issues a new one in its place (and it counts once).
                    db.execute(delete(CODES).where(CODES.c.id == earlier_id))
                    db.commit()
            # the newest code (cooldown) and the day's count (cap) of the phone, in one statement
            last_at, sent_phone = db.execute(
                select(
                    func.max(CODES.c.created_at),
                    func.count().filter(CODES.c.created_at >= day_start),
                ).where(CODES.c.phone_hash == phone_hash)
            ).one()
            if last_at is not None and now - _as_utc(last_at) < otp.RESEND_COOLDOWN:
                wait = otp.RESEND_COOLDOWN - (now - _as_utc(last_at))
                live = self._any_live(db, phone_hash, now)
                raise refuse(
                    SmsRefusal.SMS_COOLDOWN,
                    measured=int(wait.total_seconds()) + 1,
                    details={"code_live": live},
                )
            if sent_phone >= otp.DAILY_CAP_PER_PHONE:
                raise refuse(
                    SmsRefusal.SMS_DAILY_CAP, measured=sent_phone, expected=otp.DAILY_CAP_PER_PHONE
                )
            if client_ip:
                sent_ip = db.execute(
                    select(func.count()).where(
                        CODES.c.client_ip == client_ip, CODES.c.created_at >= day_start
                    )
                ).scalar_one()
                if sent_ip >= otp.DAILY_CAP_PER_IP:
                    raise refuse(
                        SmsRefusal.SMS_DAILY_CAP, measured=sent_ip, expected=otp.DAILY_CAP_PER_IP
                    )
            code = f"{secrets.randbelow(10**otp.CODE_DIGITS):0{otp.CODE_DIGITS}d}"
            code_id = db.execute(
                insert(CODES)
                .values(
                    phone_hash=phone_hash,
                    client_ip=client_ip,
                    code_hash=self._code_hash(phone_hash, code),
                    created_at=now,
                    expires_at=now + otp.CODE_TTL,
                    attempts=0,
                    used=False,
                    sent_for=request_key,
                    used_by="",
                )
                .returning(CODES.c.id)
            ).scalar_one()
            db.commit()
            text = otp.code_message(code)
            try:
                send_once(db, self.provider, f"otp:{code_id}", phone_hash, phone, text)
            except (SmsUnavailable, RefusedError) as failed:
                # Not sent: the code must not count against the cooldown or the daily cap, and
                # the person waiting on the phone gets an answer now rather than a retry loop.
                db.rollback()
                db.execute(delete(CODES).where(CODES.c.id == code_id))
                db.commit()
                if isinstance(failed, RefusedError):
                    raise
                raise refuse(SmsRefusal.SMS_UNAVAILABLE) from failed
        return int(otp.RESEND_COOLDOWN.total_seconds())

    def check_code(
        self,
        phone: str,
        code: str,
        now: datetime | None = None,
        request_key: str = "",
        session: Session | None = None,
    ) -> None:
        """Consume a live code of the phone if it matches: the newest registration code and the
        newest login code are both live (`_newest_of_each_kind`), so a login code asked on
        another tab does not void the registration's (or the reverse). A re-run of the activity
        that consumed it (same `request_key`) succeeds again.

        Each try first takes one try of every live code in a single conditional UPDATE
        (`attempts < MAX_WRONG_TRIES`), which holds the rows (Postgres) or the database (SQLite)
        until the transaction ends; only then is the code compared. The tries are shared: two
        live codes give no more wrong guesses than one, and concurrent tries queue on the rows
        and never compare more than five guesses against a code. A wrong try is committed before
        its refusal is raised, so it always counts. With the caller's `session` (the API's login)
        a right code is consumed in the caller's transaction, committed with the caller's
        lookups: a failure before that commit leaves the code usable and its tries as they were."""
        now = now or datetime.now(UTC)
        phone_hash = keyed_hash(self.secret, phone)
        with self._within(session) as db:
            newest = self._newest_of_each_kind(db, phone_hash)
            if request_key and any(r.used and r.used_by == request_key for r in newest):
                return
            unused = [r for r in newest if not r.used]
            if not unused:
                raise refuse(SmsRefusal.SMS_NO_CODE)
            fresh = [r for r in unused if now <= _as_utc(r.expires_at)]
            if not fresh:
                raise refuse(SmsRefusal.SMS_CODE_EXPIRED)
            if all(r.attempts >= otp.MAX_WRONG_TRIES for r in fresh):
                raise refuse(SmsRefusal.SMS_CODE_LOCKED)
            taken = db.execute(
                update(CODES)
                .where(
                    CODES.c.id.in_([r.id for r in fresh]),
                    CODES.c.attempts < otp.MAX_WRONG_TRIES,
                    CODES.c.used.is_(False),
                )
                .values(attempts=CODES.c.attempts + 1)
                .returning(CODES.c.id, CODES.c.attempts)
            )
            tried: dict[int, int] = {row[0]: row[1] for row in taken}
            if not tried:  # other tries took the last ones, or the code was just used
                raise refuse(SmsRefusal.SMS_CODE_LOCKED)
            live = [r for r in fresh if r.id in tried]
            try:
                right = self._matching(live, phone_hash, code)
                if right is None:
                    raise wrong_try(list(tried.values()))
                self._mark_used(db, right, live, request_key)
            except RefusedError:
                db.commit()  # the try counts, whatever the caller does next
                raise
            if session is None:
                db.commit()

    def _any_live(self, db: Session, phone_hash: str, now: datetime) -> bool:
        """Whether a code sent before can still be typed: the cooldown's answer says so, as a
        candidate told 「请查收」 would otherwise type a code already used or locked."""
        return any(
            not r.used and now <= _as_utc(r.expires_at) and r.attempts < otp.MAX_WRONG_TRIES
            for r in self._newest_of_each_kind(db, phone_hash)
        )

    @staticmethod
    def _newest_of_each_kind(db: Session, phone_hash: str) -> list[Row[Any]]:
        """The registration's code (sent by its workflow's activity, `sent_for` set) and the
        login's (sent by the API): a newer code of a kind replaces the older one of that kind.
        One statement, registration's first."""

        def newest(registration: bool) -> Select[Any]:
            kind = CODES.c.sent_for != "" if registration else CODES.c.sent_for == ""
            return (
                select(*_CHECKED, literal(0 if registration else 1).label("kind"))
                .where(CODES.c.phone_hash == phone_hash, kind)
                .order_by(CODES.c.created_at.desc())
                .limit(1)
            )

        both = union_all(select(newest(True).subquery()), select(newest(False).subquery()))
        return sorted(db.execute(both).all(), key=lambda row: row.kind)

    def _matching(self, rows: list[Row[Any]], phone_hash: str, code: str) -> Row[Any] | None:
        typed = self._code_hash(phone_hash, code.strip())
        return next((r for r in rows if hmac.compare_digest(r.code_hash, typed)), None)

    @staticmethod
    def _mark_used(session: Session, right: Row[Any], live: list[Row[Any]], key: str) -> None:
        """The right code is used; the try this took from every live code is given back (it was
        not a wrong guess)."""
        used = session.execute(
            update(CODES)
            .where(CODES.c.id == right.id, CODES.c.used.is_(False))
            .values(used=True, used_by=key)
            .returning(CODES.c.id)
        ).first()
        if used is None:  # a concurrent right try consumed it first
            raise refuse(SmsRefusal.SMS_NO_CODE)
        session.execute(
            update(CODES)
            .where(CODES.c.id.in_([r.id for r in live]))
            .values(attempts=CODES.c.attempts - 1)
        )


def wrong_try(attempts: list[int]) -> RefusedError:
    """A try that matched no live code: locked once it took the last try of each."""
    if all(n >= otp.MAX_WRONG_TRIES for n in attempts):
        return refuse(SmsRefusal.SMS_CODE_LOCKED)
    return refuse(SmsRefusal.SMS_CODE_WRONG, measured=max(attempts), expected=otp.MAX_WRONG_TRIES)
