"""Contracts of the read-model, SMS and ticket activities (task queue `ruji-enrollment`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.objects import StoredObject

PROJECT_APPLICATION = "project_application"
UPSERT_PERIOD = "upsert_period"
READ_PERIOD = "read_period"
SEND_SMS_CODE = "send_sms_code"
CHECK_SMS_CODE = "check_sms_code"
NOTIFY_CANDIDATE = "notify_candidate"
NUMBER_TICKET_PAGE = "number_ticket_page"
DELIVER_TICKETS = "deliver_tickets"


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    actor: str  # "candidate", "examiner:<account id>", "system", "chsi"
    action: str
    #: the Temporal update (or signal) that made the commit; "" for the workflow's own steps and
    #: for histories from before it was recorded
    update_id: str = ""


class DocumentEntry(BaseModel):
    kind: str
    file: StoredObject


class ApplicationSnapshot(BaseModel):
    workflow_id: str
    period_id: str
    version: int
    status: str
    identity_hash: str
    phone_hash: str
    id_masked: str
    phone_masked: str
    name_masked: str = ""
    # plaintext for the projection to encrypt (the workflow holds no keys); the payload itself
    # is encrypted by the codec on its way through Temporal
    id_number: str = ""
    name: str = ""
    region: str | None = None
    major: str | None = None
    level: str | None = None
    submitted_at: datetime | None = None
    needs_manual_review: bool = False
    claimed_by: str | None = None
    decision: str | None = None
    ticket_number: str | None = None
    audit: list[AuditEntry] = Field(default_factory=list)
    documents: list[DocumentEntry] = Field(default_factory=list)


class PeriodSnapshot(BaseModel):
    period_id: str
    year: int
    window: int
    opens_at: datetime
    closes_at: datetime
    review_deadline: datetime
    state: str


class SendCodeRequest(BaseModel):
    phone: str
    client_ip: str = ""


class SendCodeResult(BaseModel):
    resend_after_s: int


class CheckCodeRequest(BaseModel):
    phone: str
    code: str


class Notification(BaseModel):
    workflow_id: str
    event: str  # one message per (workflow, event): "decision:approved", "ticket"
    phone: str
    phone_hash: str
    text: str


class NumberPageInput(BaseModel):
    period_id: str
    year: int
    window: int
    page_size: int = 500


class TicketGrant(BaseModel):
    workflow_id: str
    number: str


class NumberPageResult(BaseModel):
    grants: list[TicketGrant] = Field(default_factory=list)


class DeliverTicketsInput(BaseModel):
    grants: list[TicketGrant]
    concurrency: int = 50


ISSUE_CHSI_CODES = "issue_chsi_codes"


class IssueChsiCodesInput(BaseModel):
    application_id: str
    id_number: str  # only its keyed digest leaves us (domain.chsi.subject_digest)


class ChsiCode(BaseModel):
    kind: str
    token: str
    content: str  # what the QR code encodes
    expires_at: datetime


class IssuedChsiCodes(BaseModel):
    codes: list[ChsiCode]
