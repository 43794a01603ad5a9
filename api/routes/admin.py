"""Admins and operators: enrollment periods, the review deadline, supplementary ticket runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel import col, select
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from api.applications import run_query, run_update
from api.deps import AdminDep, OperatorDep, ServicesDep, SessionDep
from api.errors import ApiError
from domain.ids import PERIOD_ID_PATTERN, period_workflow_id
from domain.messages import PeriodRefusal
from domain.period import DeadlineChange, PeriodConfig, PeriodInput, PeriodView, WindowChange
from domain.read_model import PeriodSnapshot
from infra.admin_audit import audit_done
from infra.awaiting_tickets import count_awaiting
from infra.db import Period
from infra.tokens import Principal
from workflows.period import EnrollmentPeriodWorkflow

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class NewPeriod(BaseModel):
    #: `<year>-<window>`, optionally with a label for an extra window (e.g. a demo or a re-run)
    period_id: str = Field(pattern=PERIOD_ID_PATTERN, examples=["2026-2"])
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    review_deadline: AwareDatetime


class PeriodRow(PeriodSnapshot):
    #: approved without a 准考证号 yet: after the deadline, what a supplementary run would number
    awaiting_tickets: int = 0


@router.get("/periods")
def periods(session: SessionDep, _: OperatorDep) -> list[PeriodRow]:
    return [
        PeriodRow(**p.snapshot().model_dump(), awaiting_tickets=count_awaiting(session, p.id))
        for p in session.exec(select(Period).order_by(col(Period.opens_at)))
    ]


#: How far ahead a period's times may lie. A period is planned months ahead, never years; a time
#: such as 9999-12-31 was accepted, then its close-out (review deadline + `close_out_after`) was
#: past the last representable time and the read model's upsert failed for good, with the
#: period's id taken.
PERIOD_HORIZON = timedelta(days=5 * 365)
OUT_OF_RANGE = "考期时间超出范围：须注明时区，且各时间（含审核截止后的关闭期）不能晚于五年之后"


def _refuse_out_of_range(close_out_after: timedelta, *times: datetime | None) -> None:
    """Each time given must carry a zone, convert to UTC, and, with the close-out after it, lie
    within PERIOD_HORIZON: checked for every time, as each may become the period's latest."""
    latest = datetime.now(UTC) + PERIOD_HORIZON
    for at in times:
        if at is not None and not _within(at, close_out_after, latest):
            raise ApiError(PeriodRefusal.PERIOD_INVALID, OUT_OF_RANGE)


def _within(at: datetime, close_out_after: timedelta, latest: datetime) -> bool:
    if at.utcoffset() is None:
        return False  # a time without zone would be read in the server's
    try:
        return at.astimezone(UTC) + close_out_after <= latest
    except OverflowError:  # 9999-12-31T23:59:59-14:00, 0001-01-01T00:00:00+14:00
        return False


def _close_out_after(services: ServicesDep) -> timedelta:
    return timedelta(days=services.settings.close_out_after_days)


@router.post("/periods", status_code=201)
async def create_period(body: NewPeriod, services: ServicesDep, me: AdminDep) -> PeriodView:
    close_out_after = _close_out_after(services)
    _refuse_out_of_range(close_out_after, body.opens_at, body.closes_at, body.review_deadline)
    if not body.opens_at < body.closes_at <= body.review_deadline:
        raise ApiError(PeriodRefusal.PERIOD_INVALID)
    year, window = body.period_id.split("-")[:2]
    cfg = PeriodConfig(
        period_id=body.period_id,
        year=int(year),
        window=int(window),
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        review_deadline=body.review_deadline,
        close_out_after=close_out_after,
    )
    handle = await services.client().start_workflow(
        EnrollmentPeriodWorkflow.run,
        PeriodInput(config=cfg),
        id=period_workflow_id(body.period_id),
        task_queue=services.settings.enrollment_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    view = await run_query(handle, EnrollmentPeriodWorkflow.view)
    await _audit(services, me, "period_created", period_id=body.period_id)
    return view


def _period(services: ServicesDep, period_id: str) -> WorkflowHandle[Any, Any]:
    return services.client().get_workflow_handle(period_workflow_id(period_id))


async def _audit(services: ServicesDep, me: Principal, action: str, **what: object) -> None:
    await asyncio.to_thread(audit_done, services.engine, me.sub, action, **what)


@router.get("/periods/{period_id}")
async def period(period_id: str, services: ServicesDep, _: OperatorDep) -> PeriodView:
    return await run_query(_period(services, period_id), EnrollmentPeriodWorkflow.view)


@router.put("/periods/{period_id}/review-deadline")
async def move_review_deadline(
    period_id: str, body: DeadlineChange, services: ServicesDep, me: OperatorDep
) -> PeriodView:
    """Extend (or bring forward) the review deadline, without a redeploy."""
    _refuse_out_of_range(_close_out_after(services), body.review_deadline)
    view = await run_update(
        _period(services, period_id), EnrollmentPeriodWorkflow.set_review_deadline, body
    )
    await _audit(services, me, "review_deadline_moved", period_id=period_id, **_times(body))
    return view


@router.put("/periods/{period_id}/window")
async def move_window(
    period_id: str, body: WindowChange, services: ServicesDep, me: AdminDep
) -> PeriodView:
    _refuse_out_of_range(_close_out_after(services), body.opens_at, body.closes_at)
    view = await run_update(_period(services, period_id), EnrollmentPeriodWorkflow.set_window, body)
    await _audit(services, me, "window_moved", period_id=period_id, **_times(body))
    return view


@router.post("/periods/{period_id}/supplementary-issuing")
async def supplementary_issuing(
    period_id: str, services: ServicesDep, me: OperatorDep
) -> PeriodView:
    """Numbers for applications approved after the deadline."""
    view = await run_update(
        _period(services, period_id), EnrollmentPeriodWorkflow.start_supplementary_issuing
    )
    await _audit(services, me, "supplementary_issuing", period_id=period_id)
    return view


def _times(change: DeadlineChange | WindowChange) -> dict[str, str]:
    return {k: v.isoformat() for k, v in change.model_dump(exclude_none=True).items()}
