"""Shape 3's local activities (workflows/shape.py): a step's read-model write and the SMS call
that goes with it in one call, so the step records one marker instead of two. Each half is the
activity it replaces, and both are idempotent (the read model's version guard; one SMS per
event; a code sent or checked once per activity run), so a retry of the whole call repeats
neither half's effect."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.records import RecordActivities
from activities.sms import SmsActivities
from domain.otp import SendCodeResult
from domain.read_model import (
    CHECK_CODE_AND_PROJECT,
    PROJECT_AND_NOTIFY,
    PROJECT_AND_SEND_CODE,
    CodeCheckWithProjection,
    CodeSendWithProjection,
    ProjectionWithNotice,
)
from infra.sms_provider import SmsUnavailable
from workflows.support import SHORT_CALL_RETRY

NOTIFY_ATTEMPTS = SHORT_CALL_RETRY.maximum_attempts


class OneCallSteps:
    def __init__(self, records: RecordActivities, sms: SmsActivities):
        self.records = records
        self.sms = sms

    @activity.defn(name=PROJECT_AND_NOTIFY)
    async def project_and_notify(self, step: ProjectionWithNotice) -> bool:
        """A decision or the close-out, then its SMS. Retried as a projection is (until the read
        model has it); a gateway that stays down is given up after the attempts a notification
        had on its own, and the step goes on (the decision stands, the H5 shows it)."""
        await self.records.project_application(step.snapshot)
        try:
            return await asyncio.to_thread(self.sms.notify_candidate, step.notification)
        except SmsUnavailable:
            if activity.info().attempt < NOTIFY_ATTEMPTS:
                raise
            note = step.notification
            activity.logger.warning("notification %s:%s not sent", note.workflow_id, note.event)
            return False

    @activity.defn(name=PROJECT_AND_SEND_CODE)
    async def project_and_send_code(self, step: CodeSendWithProjection) -> SendCodeResult:
        """The registration, then its code: a refused send (cooldown, daily caps) leaves the
        registration in the read model, as the separate calls did."""
        await self.records.project_application(step.snapshot)
        return await asyncio.to_thread(self.sms.send_sms_code, step.send)

    @activity.defn(name=CHECK_CODE_AND_PROJECT)
    async def check_code_and_project(self, step: CodeCheckWithProjection) -> None:
        """The code, then the verified case: a wrong code writes nothing."""
        await asyncio.to_thread(self.sms.check_sms_code, step.check)
        await self.records.project_application(step.snapshot)
