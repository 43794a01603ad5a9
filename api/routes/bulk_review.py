"""Approving many clean cases in one action. Each case is still its own claim and approval (two
updates of its workflow, two rows of its audit trail, its own SMS); the answer streams one JSON
line per case as it is decided (NDJSON), so the console shows progress and lists every failure
with its code and Chinese message. Cleanliness is checked on the case itself
(domain/bulk_review.py), before the claim and again once the claim has locked it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.applications import application_handle, run_query, run_update
from api.deps import ExaminerDep, Services, ServicesDep
from api.errors import ApiError, ApiRefusal
from api.routes.office_find import scoped_case
from domain.bulk_review import reasons_not_clean
from domain.enrollment import ExaminerAction
from domain.ids import ENROLLMENT_ID_PATTERN
from domain.office import BULK_MAX_CASES, OfficeRefusal
from domain.states import AppState
from infra.staff_audit import finish, record
from infra.tokens import Principal
from workflows.enrollment import EnrollmentWorkflow

log = logging.getLogger("ruji.api")
router = APIRouter(prefix="/api/v1/office", tags=["office"])

#: cases decided at once: each is two updates and a query; more would only queue on the worker
CONCURRENCY = 4


class BulkApproval(BaseModel):
    application_ids: list[Annotated[str, Field(pattern=ENROLLMENT_ID_PATTERN)]] = Field(
        min_length=1, max_length=1000
    )


class BulkOutcome(BaseModel):
    application_id: str
    ok: bool
    state: str | None = None
    code: str | None = None
    message: str | None = None


def _not_clean(reasons: list[str]) -> ApiError:
    return ApiError(
        OfficeRefusal.NOT_CLEAN, f"{OfficeRefusal.NOT_CLEAN.message}：{'；'.join(reasons)}"
    )


async def approve_clean(services: Services, me: Principal, application_id: str) -> BulkOutcome:
    try:
        with Session(services.engine) as session:
            await asyncio.to_thread(scoped_case, session, me, application_id)
        handle = application_handle(services.client(), application_id)
        act = ExaminerAction(examiner=me.sub)
        case = await run_query(handle, EnrollmentWorkflow.case_file)
        if reasons := reasons_not_clean(case.state, me.sub, datetime.now(UTC)):
            raise _not_clean(reasons)
        if case.state.state == AppState.SUBMITTED:
            await run_update(handle, EnrollmentWorkflow.claim, act)
            # the candidate may have changed the case between the look and the claim
            case = await run_query(handle, EnrollmentWorkflow.case_file)
            if reasons := reasons_not_clean(case.state, me.sub, datetime.now(UTC)):
                await run_update(handle, EnrollmentWorkflow.release_claim, act)
                raise _not_clean(reasons)
        view = await run_update(handle, EnrollmentWorkflow.approve, act)
        return BulkOutcome(application_id=application_id, ok=True, state=view.state.value)
    except ApiError as refused:
        body = refused.body
        return BulkOutcome(
            application_id=application_id, ok=False, code=body.code, message=body.message
        )
    except Exception:
        # one case's fault is that case's line; the others are still decided
        log.exception("bulk approval of %s failed", application_id)
        failed = ApiRefusal.STEP_FAILED
        return BulkOutcome(
            application_id=application_id, ok=False, code=failed.value, message=failed.message
        )


async def _outcomes(
    services: Services, me: Principal, ids: list[str], audit_id: int
) -> AsyncIterator[bytes]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(application_id: str) -> BulkOutcome:
        async with gate:
            return await approve_clean(services, me, application_id)

    tasks = [asyncio.create_task(one(i)) for i in ids]
    approved, complete = 0, False
    try:
        for done in asyncio.as_completed(tasks):
            outcome = await done
            approved += outcome.ok
            yield (outcome.model_dump_json(exclude_none=True) + "\n").encode()
        summary = {"done": True, "approved": approved, "failed": len(ids) - approved}
        yield (json.dumps(summary) + "\n").encode()
        complete = True
    finally:
        for task in tasks:
            task.cancel()  # the client left: the cases not yet decided stay as they are
        await asyncio.to_thread(finish, services.engine, audit_id, approved, complete=complete)


@router.post("/bulk-approve", response_class=StreamingResponse)
async def bulk_approve(
    body: BulkApproval, services: ServicesDep, me: ExaminerDep
) -> StreamingResponse:
    """One line per case (`{application_id, ok, state | code, message}`), then
    `{done, approved, failed}`. Cases are those the caller may review; others fail by line."""
    ids = list(dict.fromkeys(body.application_ids))
    if len(ids) > BULK_MAX_CASES:
        raise ApiError(OfficeRefusal.BULK_TOO_MANY, measured=len(ids), expected=BULK_MAX_CASES)
    services.client()  # Temporal unavailable: refused as a whole, before any line
    audit_id = await asyncio.to_thread(
        record, services.engine, me.sub, "bulk_approve", {"cases": len(ids)}, finished=False
    )
    return StreamingResponse(
        _outcomes(services, me, ids, audit_id),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-store"},
    )
