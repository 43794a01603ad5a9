"""SMS one-time codes against the read model, on SQLite and Postgres: every DESIGN.md limit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from domain import otp
from domain.errors import RefusedError
from domain.ids import keyed_hash
from domain.otp import code_in_message
from infra.db import SmsCode
from infra.otp import OtpService
from infra.retention import run_retention
from infra.sms import OutboxProvider, last_outbox_text
from infra.storage import LocalObjectStore

SECRET = "otp-test"
PHONE = "13912345678"


@pytest.fixture
def service(any_engine) -> OtpService:
    return OtpService(any_engine, OutboxProvider(), SECRET)


def last_code(service: OtpService, phone: str = PHONE) -> str:
    return code_in_message(last_outbox_text(service.engine, keyed_hash(SECRET, phone)))


def code_of(exc: pytest.ExceptionInfo[RefusedError]) -> str:
    return exc.value.refusal.code


def test_right_code_passes_once(service):
    now = datetime.now(UTC)
    service.send_code(PHONE, "1.1.1.1", now=now)
    code = last_code(service)
    service.check_code(PHONE, code, now=now)
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, code, now=now)
    assert code_of(err) == "SMS_NO_CODE"


def test_sixth_try_fails_even_when_right(service):
    now = datetime.now(UTC)
    service.send_code(PHONE, "", now=now)
    code = last_code(service)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for attempt in range(1, otp.MAX_WRONG_TRIES + 1):
        with pytest.raises(RefusedError) as err:
            service.check_code(PHONE, wrong, now=now)
        assert code_of(err) == (
            "SMS_CODE_LOCKED" if attempt == otp.MAX_WRONG_TRIES else "SMS_CODE_WRONG"
        )
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, code, now=now)
    assert code_of(err) == "SMS_CODE_LOCKED"


def test_a_registration_and_a_login_code_are_both_live_and_share_their_tries(service):
    """The registration's code (sent by its workflow's activity) and a login code asked on
    another tab are both live: each works where it is typed. Their wrong tries are shared, so
    two live codes give no more wrong guesses than one; the right code gives its try back."""
    now = datetime.now(UTC)
    service.send_code(PHONE, "", now=now, request_key="register-run")
    registration = last_code(service)
    later = now + otp.RESEND_COOLDOWN
    service.send_code(PHONE, "", now=later)
    login = last_code(service)
    wrong = next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in (registration, login))
    for _ in range(otp.MAX_WRONG_TRIES - 1):
        with pytest.raises(RefusedError) as err:
            service.check_code(PHONE, wrong, now=later)
        assert code_of(err) == "SMS_CODE_WRONG"
    service.check_code(PHONE, registration, now=later, request_key="verify-run")
    service.check_code(PHONE, registration, now=later, request_key="verify-run")  # its re-run
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, wrong, now=later)
    assert code_of(err) == "SMS_CODE_LOCKED"  # the fifth wrong try, shared with the login code
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, login, now=later)
    assert code_of(err) == "SMS_CODE_LOCKED"


def test_code_expires_after_ten_minutes(service):
    now = datetime.now(UTC)
    service.send_code(PHONE, "", now=now)
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, last_code(service), now=now + otp.CODE_TTL + timedelta(seconds=1))
    assert code_of(err) == "SMS_CODE_EXPIRED"


def test_resend_cooldown_and_daily_caps(service):
    now = datetime.now(UTC)
    service.send_code(PHONE, "2.2.2.2", now=now)
    with pytest.raises(RefusedError) as err:
        service.send_code(PHONE, "2.2.2.2", now=now + timedelta(seconds=59))
    assert code_of(err) == "SMS_COOLDOWN" and err.value.refusal.measured >= 1
    for i in range(1, otp.DAILY_CAP_PER_PHONE):
        service.send_code(PHONE, "2.2.2.2", now=now + timedelta(minutes=2 * i))
    with pytest.raises(RefusedError) as err:
        service.send_code(PHONE, "2.2.2.2", now=now + timedelta(hours=23))
    assert code_of(err) == "SMS_DAILY_CAP"
    service.send_code(PHONE, "2.2.2.2", now=now + timedelta(hours=25))  # a new day


def test_daily_cap_per_client_ip(service):
    now = datetime.now(UTC)
    for i in range(otp.DAILY_CAP_PER_IP):
        service.send_code(f"1380000{i:04d}", "3.3.3.3", now=now)
    with pytest.raises(RefusedError) as err:
        service.send_code("13999999999", "3.3.3.3", now=now)
    assert code_of(err) == "SMS_DAILY_CAP"


def test_codes_are_stored_hashed_only(service):
    service.send_code(PHONE, "", now=datetime.now(UTC))
    code = last_code(service)
    with Session(service.engine) as s:
        row = s.exec(select(SmsCode)).one()
    assert code not in row.code_hash and PHONE not in row.phone_hash


class CountingOtp(OtpService):
    """Counts the codes actually compared; each comparison takes a moment, as under load, so
    concurrent tries overlap."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.compared = 0
        self._lock = threading.Lock()
        self.counting = False

    def _code_hash(self, phone_hash: str, code: str) -> str:
        if self.counting:
            with self._lock:
                self.compared += 1
            time.sleep(0.02)
        return super()._code_hash(phone_hash, code)


@pytest.mark.parametrize("callers_session", [False, True], ids=["own", "callers"])
def test_thirty_concurrent_wrong_codes_check_at_most_five(any_engine, callers_session):
    """In sessions of its own (the SMS activity) or each in the caller's (the API's login)."""
    service = CountingOtp(any_engine, OutboxProvider(), SECRET)
    now = datetime.now(UTC)
    service.send_code(PHONE, "1.1.1.1", now=now)
    right = last_code(service)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    service.counting = True

    def attempt(_: int) -> str:
        try:
            if callers_session:
                with Session(any_engine) as session:
                    service.check_code(PHONE, wrong, now=now, session=session)
                    session.commit()
            else:
                service.check_code(PHONE, wrong, now=now)
        except RefusedError as exc:
            return exc.refusal.code
        return "PASSED"

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(attempt, range(30)))
    assert service.compared <= otp.MAX_WRONG_TRIES, codes
    assert set(codes) <= {"SMS_CODE_WRONG", "SMS_CODE_LOCKED"}
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, right, now=now)
    assert code_of(err) == "SMS_CODE_LOCKED"


def test_in_the_callers_session_a_right_code_is_consumed_by_the_callers_commit(service):
    """A login that fails after the check (its lookup, its connection) keeps the code usable."""
    now = datetime.now(UTC)
    service.send_code(PHONE, "", now=now)
    code = last_code(service)
    with Session(service.engine) as session:
        service.check_code(PHONE, code, now=now, session=session)
        session.rollback()
    with Session(service.engine) as session:
        service.check_code(PHONE, code, now=now, session=session)
        session.commit()
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, code, now=now)
    assert code_of(err) == "SMS_NO_CODE"


def test_in_the_callers_session_a_wrong_try_counts_whatever_the_caller_does(service):
    now = datetime.now(UTC)
    service.send_code(PHONE, "", now=now)
    code = last_code(service)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(otp.MAX_WRONG_TRIES):
        with Session(service.engine) as session:
            with pytest.raises(RefusedError):
                service.check_code(PHONE, wrong, now=now, session=session)
            session.rollback()
    with pytest.raises(RefusedError) as err:
        service.check_code(PHONE, code, now=now)
    assert code_of(err) == "SMS_CODE_LOCKED"


def test_a_code_is_sent_in_the_callers_session(service):
    with Session(service.engine) as session:
        assert service.send_code(PHONE, "1.1.1.1", session=session) == 60
    service.check_code(PHONE, last_code(service))


class DiesWhileSending(OutboxProvider):
    """The worker process killed while the gateway call is in flight (found by the fault test:
    a code kept without its text, and the retry answered "already sent")."""

    def send(self, phone: str, text: str, dedupe_key: str) -> None:
        raise SystemExit("SIGKILL")


def test_a_run_killed_between_the_code_and_its_text_sends_a_code_on_retry(any_engine):
    now = datetime.now(UTC)
    with pytest.raises(SystemExit):
        OtpService(any_engine, DiesWhileSending(), SECRET).send_code(
            PHONE, "", now=now, request_key="run-1"
        )
    service = OtpService(any_engine, OutboxProvider(), SECRET)
    service.send_code(PHONE, "", now=now, request_key="run-1")
    service.check_code(PHONE, last_code(service), now=now)
    with Session(any_engine) as s:
        assert len(s.exec(select(SmsCode)).all()) == 1  # the one whose text went out


def test_a_code_is_sent_after_the_retention_run_dropped_the_old_ones(service, tmp_path):
    """The retention run deleted every old code; SQLite then gave the next code the id of a
    deleted one, and its text's key (`otp:{id}`) met the old text still kept: the API answered
    「验证码已发送」 and no text left. On PostgreSQL ids are never reused."""
    then = datetime.now(UTC) - timedelta(days=3)
    service.send_code(PHONE, "1.1.1.1", now=then)
    run_retention(
        service.engine,
        LocalObjectStore(tmp_path),
        retention_days=1,
        now=then + timedelta(days=2),
        actor="test",
    )
    other = "13912340000"
    service.send_code(other, "1.1.1.1")
    assert last_outbox_text(service.engine, keyed_hash(SECRET, other)) is not None
    # and the phone the old text was sent to is not kept past the retention either
    assert last_outbox_text(service.engine, keyed_hash(SECRET, PHONE)) is None
