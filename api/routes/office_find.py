"""Finding a case in the back office: by ID number, phone, name or ticket number (exact, through
the read model's keyed hashes: nothing searchable is stored in clear), in a period, or the cases
I hold; a read-only case view for every staff role with a link to the workflow in the Temporal
Web UI; a claim given back by its holder or moved by an admin. Searches and views are audited
(`StaffAudit`), claim moves in the case's own trail (they are workflow updates)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select
from temporalio.service import RPCError

from api.applications import application_handle, run_query, run_update
from api.deps import AdminDep, ExaminerDep, ServicesDep, SessionDep, StaffDep
from api.errors import ApiError
from api.routes.catalogs import MajorEntry, major_entry
from api.staff_names import named_accounts, staff_names
from domain.enrollment import PHONE_RE, ApplicationView, ExaminerAction, Reassignment
from domain.identity import IdType, normalize_id_number
from domain.ids import PERIOD_ID_PATTERN, identity_hash, keyed_hash
from domain.messages import AccessRefusal, CaseRefusal
from domain.office import TICKET_RE, OfficeRefusal, normalize_name
from domain.roles import Role
from domain.states import STATE_LABELS, AppState
from infra.config import Settings
from infra.db import Account, Application, AuditEvent, Ticket
from infra.majors import majors_of_every_period, name_on, names_in_periods
from infra.pii import id_number_lookup_hash, name_search_hashes
from infra.staff_audit import record
from infra.tokens import Principal
from workflows.enrollment import EnrollmentWorkflow

log = logging.getLogger("ruji.api")
router = APIRouter(prefix="/api/v1/office", tags=["office"])

ID_NUMBER_RE = re.compile(r"^[0-9A-Z]{5,30}$")


class CaseRow(BaseModel):
    application_id: str
    period_id: str
    status: str
    status_label: str
    region: str | None
    major: str | None
    #: the major as its period's code table names it now (empty for a code it does not have)
    major_name: str = ""
    level: str | None
    name: str  # masked
    id_number: str  # masked
    phone: str  # masked
    submitted_at: datetime | None
    claimed_by: str | None
    ticket_number: str | None


class CasePage(BaseModel):
    total: int
    page: int
    size: int
    rows: list[CaseRow]
    #: account id -> username of the rows' holders
    staff: dict[str, str] = Field(default_factory=dict)


class TrailRow(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str


class OfficeCase(BaseModel):
    """What any staff role may see of a case: masked, no images."""

    row: CaseRow
    #: the workflow's own (masked) view; absent when Temporal cannot answer (run gone, outage)
    view: ApplicationView | None
    audit: list[TrailRow]
    web_ui_url: str
    #: account id -> username for the holder and the staff the trail names
    staff: dict[str, str] = Field(default_factory=dict)


class NewHolder(BaseModel):
    examiner: str = Field(min_length=1, max_length=40, description="account id")


def case_row(row: Application, major_names: Mapping[tuple[str, str], str]) -> CaseRow:
    """`major_names`: `names_in_periods` of the row's period (of the page's periods)."""
    return CaseRow(
        application_id=row.workflow_id,
        period_id=row.period_id,
        status=row.status,
        status_label=STATE_LABELS[AppState(row.status)],
        region=row.region,
        major=row.major,
        major_name=name_on(major_names, row),
        level=row.level,
        name=row.name_masked,
        id_number=row.id_masked,
        phone=row.phone_masked,
        submitted_at=row.submitted_at,
        claimed_by=row.claimed_by,
        ticket_number=row.ticket_number,
    )


@router.get("/majors")
def every_periods_majors(session: SessionDep, _: StaffDep) -> list[MajorEntry]:
    """The majors the office's lists filter by: every period's, as the newest period names them
    (a major added this period too, which the public catalog's seed table does not have)."""
    return [major_entry(m) for m in majors_of_every_period(session)]


def web_ui_url(settings: Settings, workflow_id: str) -> str:
    """The case's workflow in the Temporal Web UI (`RUJI_UI_ORIGIN`, the codec's origin too)."""
    namespace = quote(settings.temporal_namespace, safe="")
    return f"{settings.ui_origin}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"


def _invalid(field: str) -> ApiError:
    return ApiError(OfficeRefusal.SEARCH_KEY_INVALID, details={"field": field})


def key_filters(
    settings: Settings,
    *,
    id_number: str | None,
    phone: str | None,
    name: str | None,
    ticket: str | None,
) -> dict[str, ColumnElement[bool]]:
    """Search key kind -> its filter. Values are checked and hashed here, never kept."""
    secret = settings.identity_hmac_key
    found: dict[str, ColumnElement[bool]] = {}
    if id_number:
        number = normalize_id_number(id_number)
        if not ID_NUMBER_RE.match(number):
            raise _invalid("id_number")
        # id_number_hash is type-free; id_hash (type:number) also covers rows from before it
        per_type = [identity_hash(secret, t, number) for t in IdType]
        found["id_number"] = or_(
            col(Application.id_number_hash) == id_number_lookup_hash(number, secret),
            col(Application.id_hash).in_(per_type),
        )
    if phone:
        digits = re.sub(r"[\s-]", "", phone)
        if not PHONE_RE.match(digits):
            raise _invalid("phone")
        found["phone"] = col(Application.phone_hash) == keyed_hash(secret, digits)
    if name:
        if not 0 < len(normalize_name(name)) <= 40:
            raise _invalid("name")
        found["name"] = col(Application.name_hash).in_(name_search_hashes(name, secret))
    if ticket:
        if not TICKET_RE.match(ticket.strip()):
            raise _invalid("ticket")
        numbered = select(Ticket.workflow_id).where(Ticket.number == ticket.strip())
        found["ticket"] = col(Application.workflow_id).in_(numbered)
    return found


def _scope(me: Principal) -> list[ColumnElement[bool]]:
    """Examiners find submitted cases of their regions; admins and operators every case (an
    operator looks for the stuck one, often before submission)."""
    if me.role != Role.EXAMINER:
        return []
    return [col(Application.submitted_at).is_not(None), col(Application.region).in_(me.regions)]


@router.get("/cases")
def find_cases(
    services: ServicesDep,
    session: SessionDep,
    me: StaffDep,
    id_number: Annotated[str | None, Query(max_length=40)] = None,
    phone: Annotated[str | None, Query(max_length=20)] = None,
    name: Annotated[str | None, Query(max_length=60)] = None,
    ticket: Annotated[str | None, Query(max_length=20)] = None,
    # a period ID only: the filters go into the staff audit, a typed ID number must not
    period: Annotated[str | None, Query(pattern=PERIOD_ID_PATTERN)] = None,
    status: AppState | None = None,
    mine: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """Exact matches only: a name finds every case of that exact (normalised) name."""
    keys = key_filters(
        services.settings, id_number=id_number, phone=phone, name=name, ticket=ticket
    )
    if not keys and not mine:
        raise ApiError(OfficeRefusal.SEARCH_KEY_REQUIRED)
    filters = [*keys.values(), *_scope(me)]
    if mine:
        filters.append(col(Application.claimed_by) == me.sub)
    if period:
        filters.append(col(Application.period_id) == period)
    if status:
        filters.append(col(Application.status) == status.value)
    total = session.exec(select(func.count()).select_from(Application).where(*filters)).one()
    rows = session.exec(
        select(Application)
        .where(*filters)
        .order_by(col(Application.updated_at).desc(), col(Application.workflow_id))
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    by = sorted(keys)
    audit = {"by": by, "period": period, "status": status, "mine": mine, "page": page}
    record(services.engine, me.sub, "search", audit, total)
    holders = {r.claimed_by for r in rows if r.claimed_by}
    names = names_in_periods(session, {r.period_id for r in rows})
    return CasePage(
        total=total,
        page=page,
        size=size,
        rows=[case_row(r, names) for r in rows],
        staff=staff_names(session, holders),
    )


def scoped_case(session: Session, me: Principal, application_id: str) -> Application:
    row = session.get(Application, application_id)
    if row is None or (me.role == Role.EXAMINER and row.submitted_at is None):
        raise ApiError(CaseRefusal.APPLICATION_NOT_FOUND)
    if me.role == Role.EXAMINER and row.region not in me.regions:
        raise ApiError(AccessRefusal.REGION_FORBIDDEN)
    return row


@router.get("/cases/{application_id}")
async def office_case(
    application_id: str, services: ServicesDep, session: SessionDep, me: StaffDep
) -> OfficeCase:
    """Read-only for every role: operators watch and unstick cases, they never decide them."""
    row = await asyncio.to_thread(scoped_case, session, me, application_id)
    view: ApplicationView | None = None
    try:
        handle = application_handle(services.client(), application_id)
        view = await run_query(handle, EnrollmentWorkflow.view)
    except (ApiError, RPCError) as exc:
        # the page an operator opens when something is wrong: the row and trail still show
        log.warning("case view of %s without the workflow's view: %s", application_id, exc)
    trail = await asyncio.to_thread(_trail, session, application_id)
    await asyncio.to_thread(record, services.engine, me.sub, "view", {"case": application_id}, 1)
    named = named_accounts(row.claimed_by, ((a.actor, a.action) for a in trail))
    return OfficeCase(
        row=case_row(row, await asyncio.to_thread(names_in_periods, session, [row.period_id])),
        view=view,
        audit=[TrailRow(seq=a.seq, at=a.at, actor=a.actor, action=a.action) for a in trail],
        web_ui_url=web_ui_url(services.settings, application_id),
        staff=await asyncio.to_thread(staff_names, session, named),
    )


def _trail(session: Session, application_id: str) -> Sequence[AuditEvent]:
    return session.exec(
        select(AuditEvent)
        .where(AuditEvent.workflow_id == application_id)
        .order_by(col(AuditEvent.seq))
    ).all()


@router.post("/cases/{application_id}/release")
async def release_claim(
    application_id: str, services: ServicesDep, session: SessionDep, me: ExaminerDep
) -> ApplicationView:
    """Only the holder gives a claim back; the case returns to the queue as SUBMITTED."""
    await asyncio.to_thread(scoped_case, session, me, application_id)
    handle = application_handle(services.client(), application_id)
    act = ExaminerAction(examiner=me.sub)
    return await run_update(handle, EnrollmentWorkflow.release_claim, act)


def _may_review(account: Account | None, region: str | None) -> bool:
    if account is None or not account.active:
        return False
    if account.role == Role.ADMIN:
        return True
    return account.role == Role.EXAMINER and region in account.region_codes


@router.post("/cases/{application_id}/reassign")
async def reassign_claim(
    application_id: str,
    body: NewHolder,
    services: ServicesDep,
    session: SessionDep,
    me: AdminDep,
) -> ApplicationView:
    """To an active examiner of the case's region (or an admin); recorded in the case's trail
    as `claim_reassigned:<account>` by `admin:<id>`."""
    row = await asyncio.to_thread(scoped_case, session, me, application_id)
    target = await asyncio.to_thread(session.get, Account, body.examiner)
    if not _may_review(target, row.region):
        raise ApiError(OfficeRefusal.REASSIGN_TARGET_INVALID)
    handle = application_handle(services.client(), application_id)
    move = Reassignment(admin=me.sub, examiner=body.examiner)
    return await run_update(handle, EnrollmentWorkflow.reassign_claim, move)
