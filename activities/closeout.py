"""The close-out's activity: tell every case of a period still SUBMITTED or RETURNED to end, and
every claimed one that it now leaves review only by a decision (domain/closeout.py); the count is
of the cases told to end. The read model finds them page by page in workflow-ID order; the last ID
signalled is the heartbeat, so a retried attempt resumes where the dead one stopped. A case that
moved on meanwhile ignores the signal (its handler checks the state again)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.closeout import (
    CLOSABLE,
    CLOSE_OUT_CASES,
    CLOSE_OUT_SIGNAL,
    TOLD,
    CloseOutInput,
    CloseOutNotice,
    CloseOutResult,
)
from infra.db import Application

log = logging.getLogger(__name__)


class CloseOutActivities:
    def __init__(self, engine: Engine, client: Client):
        self.engine = engine
        self.client = client

    def _page(self, inp: CloseOutInput, after: str) -> list[tuple[str, str]]:
        """(workflow ID, status) of the next page of cases to tell."""
        with Session(self.engine) as session:
            query = (
                select(Application.workflow_id, Application.status)
                .where(
                    Application.period_id == inp.period_id,
                    col(Application.status).in_([s.value for s in TOLD]),
                    col(Application.workflow_id) > after,
                )
                .order_by(col(Application.workflow_id))
                .limit(inp.page_size)
            )
            return [(workflow_id, status) for workflow_id, status in session.exec(query)]

    async def _signal(self, workflow_id: str, notice: CloseOutNotice) -> None:
        try:
            await self.client.get_workflow_handle(workflow_id).signal(CLOSE_OUT_SIGNAL, notice)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            log.warning("close-out for a workflow that no longer runs: %s", workflow_id)

    @activity.defn(name=CLOSE_OUT_CASES)
    async def close_out_cases(self, inp: CloseOutInput) -> CloseOutResult:
        progress = activity.info().heartbeat_details
        after, signalled = (str(progress[0]), int(progress[1])) if progress else ("", 0)
        notice = CloseOutNotice(period_id=inp.period_id)
        gate = asyncio.Semaphore(inp.concurrency)

        async def tell(workflow_id: str) -> None:
            async with gate:
                await self._signal(workflow_id, notice)

        while page := await asyncio.to_thread(self._page, inp, after):
            await asyncio.gather(*(tell(workflow_id) for workflow_id, _ in page))
            ending = sum(status in CLOSABLE for _, status in page)
            after, signalled = page[-1][0], signalled + ending
            activity.heartbeat(after, signalled)
        return CloseOutResult(signalled=signalled)
