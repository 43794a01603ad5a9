"""Shape 3's local activity for a commit told by SMS (workflows/shape.py): the projection and
the message in one call, so the step records one marker instead of two. Each half is the
activity it replaces; both are idempotent (the read model's version guard, one SMS per event),
so a retry of the whole call repeats neither. The call is retried as a projection is (until the
read model has it); a gateway that stays down is given up after the attempts a notification
had on its own, and the step goes on (the decision stands, the H5 shows it)."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.records import RecordActivities
from activities.sms import SmsActivities
from domain.read_model import PROJECT_AND_NOTIFY, ProjectionWithNotice
from infra.sms_provider import SmsUnavailable
from workflows.support import SHORT_CALL_RETRY

NOTIFY_ATTEMPTS = SHORT_CALL_RETRY.maximum_attempts


class ProjectAndNotify:
    def __init__(self, records: RecordActivities, sms: SmsActivities):
        self.records = records
        self.sms = sms

    @activity.defn(name=PROJECT_AND_NOTIFY)
    async def project_and_notify(self, step: ProjectionWithNotice) -> bool:
        await self.records.project_application(step.snapshot)
        try:
            return await asyncio.to_thread(self.sms.notify_candidate, step.notification)
        except SmsUnavailable:
            if activity.info().attempt < NOTIFY_ATTEMPTS:
                raise
            note = step.notification
            activity.logger.warning("notification %s:%s not sent", note.workflow_id, note.event)
            return False
