"""Admins and operators: enrollment periods, the review deadline, supplementary ticket runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
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


@router.get("/periods")
def periods(session: SessionDep, _: OperatorDep) -> list[PeriodSnapshot]:
    return [p.snapshot() for p in session.exec(select(Period).order_by(col(Period.opens_at)))]


@router.post("/periods", status_code=201)
async def create_period(body: NewPeriod, services: ServicesDep, me: AdminDep) -> PeriodView:
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
        close_out_after=timedelta(days=services.settings.close_out_after_days),
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
    view = await run_update(
        _period(services, period_id), EnrollmentPeriodWorkflow.set_review_deadline, body
    )
    await _audit(services, me, "review_deadline_moved", period_id=period_id, **_times(body))
    return view


@router.put("/periods/{period_id}/window")
async def move_window(
    period_id: str, body: WindowChange, services: ServicesDep, me: AdminDep
) -> PeriodView:
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
