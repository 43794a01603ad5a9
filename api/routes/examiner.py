"""Examiners: login, the queue with filters and counts, one case, claim and decisions. An
examiner acts only in his regions; admins everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from temporalio.workflow import UpdateMethodMultiParam

from api.applications import application_handle, run_query, run_update
from api.deadline_notes import return_deadline
from api.deps import (
    ExaminerDep,
    ServicesDep,
    SessionDep,
    StaffDep,
    authenticate_staff,
    run_db,
)
from api.errors import ApiError
from api.staff_names import named_accounts, staff_names
from api.text_fields import CleanText
from domain.enrollment import ApplicationView, CaseFile, ExaminerAction, ReviewItem
from domain.messages import AccessRefusal, CaseRefusal
from domain.roles import Role
from infra.db import Account, Application, AuditEvent
from infra.majors import name_on, names_in_periods
from infra.storage import sign_object_url
from infra.tokens import Principal, issue_token
from workflows.enrollment import EnrollmentWorkflow

router = APIRouter(prefix="/api/v1", tags=["examiner"])


class LoginRequest(BaseModel):
    username: str = Field(max_length=60, examples=["examiner"])
    password: str = Field(max_length=200)


class StaffSession(BaseModel):
    token: str
    role: str
    regions: list[str]


class QueueRow(BaseModel):
    application_id: str
    status: str
    region: str | None
    major: str | None
    #: the major as its period's code table names it now (empty for a code it does not have)
    major_name: str = ""
    level: str | None
    name: str
    id_number: str
    submitted_at: datetime | None
    needs_manual_review: bool
    claimed_by: str | None
    #: the last decision: "returned" on a waiting case means it came back after a return
    decision: str | None = None


class QueuePage(BaseModel):
    total: int
    counts: dict[str, int]
    page: int
    size: int
    rows: list[QueueRow]
    #: account id -> username of the rows' holders
    staff: dict[str, str] = Field(default_factory=dict)


class AuditRow(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str


class CaseView(BaseModel):
    case: CaseFile
    view: ApplicationView
    files: dict[str, str]  # document kind -> short-lived signed URL
    audit: list[AuditRow]
    #: account id -> username for the holder and the staff the trail names
    staff: dict[str, str] = Field(default_factory=dict)


class Decision(CleanText):
    items: list[ReviewItem] = Field(default_factory=list, max_length=100)


class Approval(CleanText):
    #: needed only when the checklist is not complete (CHECKLIST_INCOMPLETE otherwise)
    override_reason: str = Field(default="", max_length=500)


@router.post("/staff/login")
async def staff_login(
    body: LoginRequest, request: Request, services: ServicesDep, session: SessionDep
) -> StaffSession:
    account = await authenticate_staff(services, request, session, body.username, body.password)
    regions = account.region_codes
    token = issue_token(services.settings.secret_key, account.id, Role(account.role), regions)
    return StaffSession(token=token, role=account.role, regions=regions)


@router.post("/staff/logout", status_code=204)
def staff_logout(session: SessionDep, me: StaffDep) -> None:
    """「退出」: every token of the account issued until now is refused from its next request
    (this browser's, another device's, a Web UI codec cookie's); a new login works at once."""
    account = session.get(Account, me.sub)
    if account is not None:
        account.signed_out_at = datetime.now(UTC)
        session.add(account)
        session.commit()


#: 10k cases a page of 200 would be 50 pages; far beyond it an offset overflows the database's
#: integer (page=2**62 was a 500)
MAX_PAGE = 100_000


def _as_filter_time(value: datetime) -> datetime:
    """A filter time in UTC; a time without zone is taken as UTC. Year 1 at +14:00 is before any
    representable UTC time: refused, as it was a 500."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ApiError("INVALID_REQUEST", "时间超出范围") from None


def _in_scope(me: Principal, region: str | None) -> bool:
    return me.role == Role.ADMIN or (region is not None and region in me.regions)


@router.get("/examiner/applications")
def queue(
    session: SessionDep,
    me: ExaminerDep,
    status: str | None = None,
    region: str | None = None,
    major: str | None = None,
    level: str | None = None,
    manual: bool | None = None,
    submitted_from: datetime | None = None,
    submitted_to: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueuePage:
    """Paged and indexed (period, status, region, submitted_at), so 10k cases stay fast."""
    filters: list[ColumnElement[bool]] = [col(Application.submitted_at).is_not(None)]
    if me.role != Role.ADMIN:
        filters.append(col(Application.region).in_(me.regions))
    if region:
        if not _in_scope(me, region):
            raise ApiError(AccessRefusal.REGION_FORBIDDEN)
        filters.append(col(Application.region) == region)
    for column, value in ((Application.major, major), (Application.level, level)):
        if value:
            filters.append(col(column) == value)
    if manual is not None:
        filters.append(col(Application.needs_manual_review) == manual)
    if submitted_from:
        filters.append(col(Application.submitted_at) >= _as_filter_time(submitted_from))
    if submitted_to:
        filters.append(col(Application.submitted_at) < _as_filter_time(submitted_to))
    counts = dict(
        session.exec(
            select(Application.status, func.count()).where(*filters).group_by(Application.status)
        ).all()
    )
    if status:
        filters.append(col(Application.status) == status)
    total = session.exec(select(func.count()).select_from(Application).where(*filters)).one()
    rows = session.exec(
        select(Application)
        .where(*filters)
        .order_by(col(Application.submitted_at), col(Application.workflow_id))
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    names = names_in_periods(session, {r.period_id for r in rows})
    return QueuePage(
        total=total,
        counts=counts,
        page=page,
        size=size,
        rows=[
            QueueRow(
                application_id=r.workflow_id,
                status=r.status,
                region=r.region,
                major=r.major,
                major_name=name_on(names, r),
                level=r.level,
                name=r.name_masked,
                id_number=r.id_masked,
                submitted_at=r.submitted_at,
                needs_manual_review=r.needs_manual_review,
                claimed_by=r.claimed_by,
                decision=r.decision,
            )
            for r in rows
        ],
        staff=staff_names(session, {r.claimed_by for r in rows if r.claimed_by}),
    )


def _scoped_row(session: SessionDep, me: Principal, application_id: str) -> Application:
    row = session.get(Application, application_id)
    if row is None or row.submitted_at is None:
        raise ApiError(CaseRefusal.APPLICATION_NOT_FOUND)
    if not _in_scope(me, row.region):
        raise ApiError(AccessRefusal.REGION_FORBIDDEN)
    return row


@router.get("/examiner/applications/{application_id}")
async def case(
    application_id: str, services: ServicesDep, session: SessionDep, me: ExaminerDep
) -> CaseView:
    """Everything on one case: identity, OCR vs confirmed values, photo report, face scores, CHSI
    record or attachments, audit trail; images only through short-lived signed URLs."""
    await run_db(session, _scoped_row, me, application_id)
    handle = application_handle(services.client(), application_id)
    case_file: CaseFile = await run_query(handle, EnrollmentWorkflow.case_file)
    view: ApplicationView = await run_query(handle, EnrollmentWorkflow.view)
    s = case_file.state
    files = {}
    for kind, obj in (
        ("id_front", s.id_card.front),
        ("id_back", s.id_card.back),
        ("id_portrait", s.id_card.portrait),
        ("photo", s.photo.official),
        ("photo_original", s.photo.original),
        ("face_frame", s.face.best_frame),
    ):
        if obj:
            files[kind] = sign_object_url(services.settings.secret_key, obj.key)
    for code, objs in s.attachments.items():
        for i, obj in enumerate(objs):
            shown = obj.preview or obj  # a PDF proof is read as its rendered pages
            files[f"attachment:{code}:{i}"] = sign_object_url(
                services.settings.secret_key, shown.key
            )
    audit = await run_db(session, _audit_trail, application_id)
    named = named_accounts(s.review.examiner, ((a.actor, a.action) for a in audit))
    return CaseView(
        case=case_file,
        view=view,
        files=files,
        audit=[AuditRow(seq=a.seq, at=a.at, actor=a.actor, action=a.action) for a in audit],
        staff=await run_db(session, staff_names, named),
    )


def _audit_trail(session: SessionDep, application_id: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.workflow_id == application_id)
    return list(session.exec(query.order_by(col(AuditEvent.seq))))


async def _decide(
    services: ServicesDep,
    session: SessionDep,
    me: Principal,
    application_id: str,
    update: UpdateMethodMultiParam[[EnrollmentWorkflow, ExaminerAction], ApplicationView],
    items: list[ReviewItem],
    override_reason: str = "",
    resubmit_by: datetime | None = None,
) -> ApplicationView:
    await run_db(session, _scoped_row, me, application_id)
    handle = application_handle(services.client(), application_id)
    act = ExaminerAction(
        examiner=me.sub, items=items, override_reason=override_reason, resubmit_by=resubmit_by
    )
    return await run_update(handle, update, act)


@router.post("/examiner/applications/{application_id}/claim")
async def claim(
    application_id: str, services: ServicesDep, session: SessionDep, me: ExaminerDep
) -> ApplicationView:
    return await _decide(services, session, me, application_id, EnrollmentWorkflow.claim, [])


@router.post("/examiner/applications/{application_id}/approve")
async def approve(
    application_id: str,
    services: ServicesDep,
    session: SessionDep,
    me: ExaminerDep,
    body: Approval | None = None,
) -> ApplicationView:
    reason = body.override_reason if body else ""
    return await _decide(
        services, session, me, application_id, EnrollmentWorkflow.approve, [], reason
    )


@router.post("/examiner/applications/{application_id}/reject")
async def reject(
    application_id: str, body: Decision, services: ServicesDep, session: SessionDep, me: ExaminerDep
) -> ApplicationView:
    return await _decide(
        services, session, me, application_id, EnrollmentWorkflow.reject, body.items
    )


@router.post("/examiner/applications/{application_id}/return")
async def return_for_changes(
    application_id: str, body: Decision, services: ServicesDep, session: SessionDep, me: ExaminerDep
) -> ApplicationView:
    """The candidate is texted by when to go in again: the period's close-out."""
    row = await run_db(session, _scoped_row, me, application_id)
    by = await return_deadline(services, session, row.period_id)
    return await _decide(
        services,
        session,
        me,
        application_id,
        EnrollmentWorkflow.return_for_changes,
        body.items,
        resubmit_by=by,
    )
