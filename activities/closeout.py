"""The period's activities that tell its cases (domain/closeout.py). The close-out: every case
still SUBMITTED or RETURNED is told to end, and every claimed one that it now leaves review only
by a decision; the count is of the cases told to end. A window shortened while open: every case
its close still concerns is told the close. The read model finds them page by page in
workflow-ID order; the last ID signalled is the heartbeat, so a retried attempt resumes where
the dead one stopped. A case that moved on meanwhile ignores the signal (its handler checks the
state again)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.closeout import (
    CLOSABLE,
    CLOSE_OUT_CASES,
    CLOSE_OUT_SIGNAL,
    TELL_WINDOW_CLOSED,
    TOLD,
    WINDOW_CLOSED_SIGNAL,
    WINDOW_TOLD,
    CloseOutInput,
    CloseOutNotice,
    CloseOutResult,
    WindowClosedInput,
    WindowClosedNotice,
)
from domain.states import AppState
from infra.db import Application

log = logging.getLogger(__name__)


class CloseOutActivities:
    def __init__(self, engine: Engine, client: Client):
        self.engine = engine
        self.client = client

    def _page(
        self, period_id: str, states: tuple[AppState, ...], after: str, size: int
    ) -> list[tuple[str, str]]:
        """(workflow ID, status) of the next page of the period's cases in `states`."""
        with Session(self.engine) as session:
            query = (
                select(Application.workflow_id, Application.status)
                .where(
                    Application.period_id == period_id,
                    col(Application.status).in_([s.value for s in states]),
                    col(Application.workflow_id) > after,
                )
                .order_by(col(Application.workflow_id))
                .limit(size)
            )
            return [(workflow_id, status) for workflow_id, status in session.exec(query)]

    async def _signal(self, workflow_id: str, signal: str, notice: BaseModel) -> None:
        try:
            await self.client.get_workflow_handle(workflow_id).signal(signal, notice)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            log.warning("%s for a workflow that no longer runs: %s", signal, workflow_id)

    async def _tell_all(
        self,
        period_id: str,
        states: tuple[AppState, ...],
        signal: str,
        notice: BaseModel,
        *,
        page_size: int,
        concurrency: int,
        counted: Callable[[str], bool],
    ) -> int:
        """Signals every case of the period in `states`, page by page; the last ID signalled and
        the count so far are the heartbeat, so a retried attempt resumes where the dead one
        stopped. Returns how many `counted` statuses were told."""
        progress = activity.info().heartbeat_details
        after, told = (str(progress[0]), int(progress[1])) if progress else ("", 0)
        gate = asyncio.Semaphore(concurrency)

        async def tell(workflow_id: str) -> None:
            async with gate:
                await self._signal(workflow_id, signal, notice)

        while page := await asyncio.to_thread(self._page, period_id, states, after, page_size):
            await asyncio.gather(*(tell(workflow_id) for workflow_id, _ in page))
            after, told = page[-1][0], told + sum(counted(status) for _, status in page)
            activity.heartbeat(after, told)
        return told

    @activity.defn(name=CLOSE_OUT_CASES)
    async def close_out_cases(self, inp: CloseOutInput) -> CloseOutResult:
        ending = {s.value for s in CLOSABLE}
        signalled = await self._tell_all(
            inp.period_id,
            TOLD,
            CLOSE_OUT_SIGNAL,
            CloseOutNotice(period_id=inp.period_id),
            page_size=inp.page_size,
            concurrency=inp.concurrency,
            counted=lambda status: status in ending,
        )
        return CloseOutResult(signalled=signalled)

    @activity.defn(name=TELL_WINDOW_CLOSED)
    async def tell_window_closed(self, inp: WindowClosedInput) -> CloseOutResult:
        """Every case the window's close still concerns learns the close the period ended at."""
        told = await self._tell_all(
            inp.period_id,
            WINDOW_TOLD,
            WINDOW_CLOSED_SIGNAL,
            WindowClosedNotice(period_id=inp.period_id, closes_at=inp.closes_at),
            page_size=inp.page_size,
            concurrency=inp.concurrency,
            counted=lambda _: True,
        )
        return CloseOutResult(signalled=told)
