"""Contracts of the read-model activities: the snapshot a workflow projects after each commit,
and the period's row (task queue `ruji-enrollment`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from domain.catalogs import Level
from domain.messages import Notification
from domain.objects import StoredObject
from domain.otp import CheckCodeRequest, SendCodeRequest
from domain.period import PeriodPhase
from domain.states import AppState, Decision

PROJECT_APPLICATION = "project_application"
UPSERT_PERIOD = "upsert_period"
READ_PERIOD = "read_period"
#: shape 3: a commit and the SMS call that goes with it, in one local activity
PROJECT_AND_NOTIFY = "project_and_notify"
PROJECT_AND_SEND_CODE = "project_and_send_code"
CHECK_CODE_AND_PROJECT = "check_code_and_project"


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
    status: AppState
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
    level: Level | None = None
    submitted_at: datetime | None = None
    needs_manual_review: bool = False
    claimed_by: str | None = None
    decision: Decision | None = None
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
    state: PeriodPhase
    #: the close-out's distance from the review deadline, as the period was created with it;
    #: None from a period workflow that ran before it was sent
    close_out_after: timedelta | None = None


class ProjectionWithNotice(BaseModel):
    """A commit's snapshot and the SMS that tells the candidate of it, in one local activity: the
    read model first (it is what the SMS sends him to look at), then the message."""

    snapshot: ApplicationSnapshot
    notification: Notification


class CodeSendWithProjection(BaseModel):
    """The registration's snapshot, then its SMS code (the first contact)."""

    snapshot: ApplicationSnapshot
    send: SendCodeRequest


class CodeCheckWithProjection(BaseModel):
    """The phone's code, then the snapshot of the case it verifies (written only if right)."""

    check: CheckCodeRequest
    snapshot: ApplicationSnapshot
