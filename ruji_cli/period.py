"""`ruji period ensure`: start the EnrollmentPeriodWorkflow of the current default period unless
it already runs, so `make dev` always has an open window to register in.

The start uses `WorkflowIDConflictPolicy.USE_EXISTING`: a restart (or two racing starts) gets
the running workflow back unchanged; its dates are only chosen on the very first start. Dates of
a running period are changed by the workflow's own updates, not here.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy

from domain import search
from domain.ids import period_workflow_id
from domain.period import PeriodConfig, PeriodInput
from infra.config import Settings, get_settings
from infra.temporal import connect
from workflows.period import EnrollmentPeriodWorkflow

#: Dev defaults: open since an hour ago, so registration works at once.
OPENED_AGO = timedelta(hours=1)
OPEN_FOR = timedelta(days=30)
REVIEW_DEADLINE_AFTER = timedelta(days=45)


class EnsuredPeriod(BaseModel):
    workflow_id: str
    run_id: str
    config: PeriodConfig


def default_period(now: datetime) -> PeriodConfig:
    """Window 1 in the first half of the year (the April exam), window 2 in the second."""
    window = 1 if now.month <= 6 else 2
    return PeriodConfig(
        period_id=f"{now.year}-{window}",
        year=now.year,
        window=window,
        opens_at=now - OPENED_AGO,
        closes_at=now + OPEN_FOR,
        review_deadline=now + REVIEW_DEADLINE_AFTER,
    )


async def ensure(settings: Settings, config: PeriodConfig) -> EnsuredPeriod:
    client = await connect(settings, signs_as="cli")
    handle = await client.start_workflow(
        EnrollmentPeriodWorkflow.run,
        PeriodInput(config=config),
        id=period_workflow_id(config.period_id),
        task_queue=settings.enrollment_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(search.PERIOD, config.period_id)]
        ),
    )
    running = await started_with(client, handle)
    return EnsuredPeriod(workflow_id=handle.id, run_id=handle.result_run_id or "", config=running)


def wait_until_projected(engine: Engine, period_id: str, timeout_s: float = 60.0) -> str:
    """The API answers from the read model: until the period workflow has run (the enrollment
    worker is up) and projected itself, 「非新生入籍时间」 would greet the first visitor. Returns
    the state the read model shows."""
    import time

    from sqlmodel import Session

    from infra.db import Period

    deadline = time.monotonic() + timeout_s
    while True:
        with Session(engine) as session:
            row = session.get(Period, period_id)
            if row is not None and row.state != "SCHEDULED":
                return row.state
        if time.monotonic() > deadline:
            raise TimeoutError(f"period {period_id} not projected after {timeout_s:.0f} s")
        time.sleep(0.2)  # polling the read model: the worker's write has no event to await


async def started_with(client: Client, handle: WorkflowHandle[Any, Any]) -> PeriodConfig:
    """The config of the running run, read from its first history event: unlike a query this
    needs no worker, so `ruji period ensure` works before the enrollment worker is polling."""
    async for event in handle.fetch_history_events():
        attrs = event.workflow_execution_started_event_attributes
        [inp] = await client.data_converter.decode(attrs.input.payloads, [PeriodInput])
        if not isinstance(inp, PeriodInput):
            raise TypeError(f"{handle.id} was not started with a PeriodInput")
        return inp.config
    raise RuntimeError(f"{handle.id} has no history")


def describe(period: EnsuredPeriod) -> str:
    cfg = period.config
    return (
        f"period {cfg.period_id}: workflow {period.workflow_id} "
        f"(opens {cfg.opens_at:%Y-%m-%d %H:%M}, closes {cfg.closes_at:%Y-%m-%d %H:%M}, "
        f"review deadline {cfg.review_deadline:%Y-%m-%d %H:%M} UTC)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji period", description="enrollment periods")
    parser.add_argument("action", choices=["ensure"])
    parser.parse_args(argv)
    period = asyncio.run(ensure(get_settings(), default_period(datetime.now(UTC))))
    print(describe(period))
    return 0
