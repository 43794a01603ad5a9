"""The SMS activities run as local activities: when the worker dies after one ran but before its
workflow task completed, the workflow runs it again with the same identity. Found by the
worker-kill test (a candidate's correct code refused, then 60 s of cooldown). Both re-runs
answer as the first run did: SmsCode records which activity run sent and consumed a code."""

from __future__ import annotations

from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.sms import SmsActivities
from domain.otp import CheckCodeRequest, SendCodeRequest, code_in_message
from infra.db import SmsMessage
from infra.otp import OtpService
from infra.sms import OutboxProvider

PHONE = "13912345678"
SECRET = "otp-rerun-secret"


def activities(engine) -> SmsActivities:
    provider = OutboxProvider()
    return SmsActivities(engine, provider, OtpService(engine, provider, SECRET))


def test_check_run_again_after_a_lost_task_accepts_the_same_code(engine):
    sms, env = activities(engine), ActivityEnvironment()
    env.run(sms.send_sms_code, SendCodeRequest(phone=PHONE, client_ip="10.0.0.1"))
    with Session(engine) as s:
        text = s.exec(select(SmsMessage.text)).one()
    code = code_in_message(text)
    env.run(sms.check_sms_code, CheckCodeRequest(phone=PHONE, code=code))
    env.run(sms.check_sms_code, CheckCodeRequest(phone=PHONE, code=code))  # same run again


def test_send_run_again_after_a_lost_task_is_not_refused_by_the_cooldown(engine):
    sms, env = activities(engine), ActivityEnvironment()
    first = env.run(sms.send_sms_code, SendCodeRequest(phone=PHONE, client_ip="10.0.0.1"))
    try:
        again = env.run(sms.send_sms_code, SendCodeRequest(phone=PHONE, client_ip="10.0.0.1"))
    except ApplicationError as exc:
        raise AssertionError(f"re-run refused: {exc.type}") from exc
    assert again == first
    with Session(engine) as s:
        assert len(s.exec(select(SmsMessage)).all()) == 1  # and the phone got one message
