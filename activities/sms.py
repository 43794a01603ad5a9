"""SMS activities: one-time codes for the registration step and notifications of decisions."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from domain.errors import RefusedError, to_application_error
from domain.messages import NOTIFY_CANDIDATE, Notification
from domain.otp import (
    CHECK_SMS_CODE,
    SEND_SMS_CODE,
    CheckCodeRequest,
    SendCodeRequest,
    SendCodeResult,
)
from infra.otp import OtpService
from infra.sms import send_once
from infra.sms_provider import SmsProvider


def _run_key() -> str:
    """Stable across re-runs of one activity: a local activity whose workflow task was lost runs
    again with the same workflow run and activity ID."""
    info = activity.info()
    return f"{info.workflow_id}:{info.workflow_run_id}:{info.activity_id}"


class SmsActivities:
    def __init__(self, engine: Engine, provider: SmsProvider, otp: OtpService):
        self.engine = engine
        self.provider = provider
        self.otp = otp

    @activity.defn(name=SEND_SMS_CODE)
    def send_sms_code(self, req: SendCodeRequest) -> SendCodeResult:
        try:
            return SendCodeResult(
                resend_after_s=self.otp.send_code(req.phone, req.client_ip, request_key=_run_key())
            )
        except RefusedError as exc:
            raise to_application_error(exc) from None

    @activity.defn(name=CHECK_SMS_CODE)
    def check_sms_code(self, req: CheckCodeRequest) -> None:
        try:
            self.otp.check_code(req.phone, req.code, request_key=_run_key())
        except RefusedError as exc:
            raise to_application_error(exc) from None

    @activity.defn(name=NOTIFY_CANDIDATE)
    def notify_candidate(self, note: Notification) -> bool:
        """One message per (workflow, event), however often the activity is retried."""
        key = f"{note.workflow_id}:{note.event}"
        try:
            with Session(self.engine) as session:
                return send_once(
                    session, self.provider, key, note.phone_hash, note.phone, note.text
                )
        except RefusedError as rejected:
            # The gateway will never take it (SmsUnavailable, by contrast, propagates and the
            # activity retries). The decision stands; the candidate sees it in the H5 client.
            activity.logger.warning("notification %s not deliverable: %s", key, rejected)
            return False
