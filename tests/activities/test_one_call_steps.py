"""Shape 3's merged local activities (activities/one_call_steps.py): each half does what the
activity it replaces did, in order, and a gateway down for good does not hold a decision."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import Session
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.one_call_steps import NOTIFY_ATTEMPTS, OneCallSteps
from activities.records import RecordActivities
from activities.sms import SmsActivities
from domain.messages import Notification
from domain.otp import CheckCodeRequest
from domain.read_model import CodeCheckWithProjection, ProjectionWithNotice
from infra.db import Application
from infra.otp import OtpService
from infra.sms import OutboxProvider
from infra.sms_provider import SmsUnavailable
from tests.activities.test_records import snap
from tests.stand_ins import pii_sealer

PHONE = "13900001234"


class GatewayDown:
    def send(self, phone: str, text: str, key: str) -> None:
        raise SmsUnavailable("gateway down")


def steps(engine, provider) -> OneCallSteps:
    otp = OtpService(engine, OutboxProvider(), "k")
    return OneCallSteps(
        RecordActivities(engine, pii_sealer()), SmsActivities(engine, provider, otp)
    )


def decision() -> ProjectionWithNotice:
    note = Notification(
        workflow_id="enroll-x-1", event="decision:approved:9", phone=PHONE, phone_hash="p" * 64,
        text="【湖南自考】审核通过",
    )  # fmt: skip
    return ProjectionWithNotice(snapshot=snap(9, "APPROVED", []), notification=note)


def status(engine) -> str:
    with Session(engine) as s:
        row = s.get(Application, "enroll-x-1")
    return "" if row is None else str(row.status)


async def test_a_gateway_down_is_retried_then_given_up_with_the_decision_projected(engine):
    one_call = steps(engine, GatewayDown())
    first = ActivityEnvironment()
    with pytest.raises(SmsUnavailable):
        await first.run(one_call.project_and_notify, decision())
    assert status(engine) == "APPROVED"  # the read model first, whatever the SMS does

    last = ActivityEnvironment()
    last.info = dataclasses.replace(last.info, attempt=NOTIFY_ATTEMPTS)
    assert await last.run(one_call.project_and_notify, decision()) is False


async def test_a_wrong_code_writes_nothing(engine):
    one_call = steps(engine, OutboxProvider())
    OtpService(engine, OutboxProvider(), "k").send_code(PHONE, "10.0.0.1")
    wrong = CodeCheckWithProjection(
        check=CheckCodeRequest(phone=PHONE, code="000000"), snapshot=snap(2, "ID_PENDING", [])
    )
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(one_call.check_code_and_project, wrong)
    assert refused.value.type == "SMS_CODE_WRONG"
    assert status(engine) == ""
