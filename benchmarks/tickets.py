"""`ruji bench tickets --n 10000`: N approved applications, then the review deadline passes and the
period's coordinator issues admission-ticket numbers: pages numbered in one DB transaction each,
signals delivered 50 at a time. Measured from the deadline until every application workflow
has ended in TICKET_ISSUED (the clock starts once the starts' first workflow tasks are done);
duplicates and missing numbers come from an SQL audit.

The same run then measures the signal ceiling (benchmarks/signal_ceiling.py): N no-op workflows
on the same server and worker, each ending on one signal sent the same way. `ratio` is
tickets_per_s over that ceiling: on a shared machine the absolute figures swing, the ratio less."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import distinct as distinct_
from sqlalchemy import func
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from benchmarks.report import record
from benchmarks.signal_ceiling import SignalCeilingWorkflow, drained, measure_ceiling
from benchmarks.stack import SECRET, TASK_QUEUE, VISION_QUEUE, BenchStack, bench_id_number
from domain.enrollment import EnrollmentInput, EnrollmentState, Identity, Review
from domain.identity import IdType
from domain.ids import identity_hash, keyed_hash
from domain.period import PeriodConfig, PeriodInput
from domain.states import AppState, Decision
from infra import event_loop
from infra.db import Application, Ticket
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import DELIVERY_CONCURRENCY, EnrollmentPeriodWorkflow

AREAS = tuple(f"{a:02d}" for a in range(1, 15))
START_CONCURRENCY = 100
#: tickets_per_s against the same run's signal ceiling (issue #18)
MIN_RATIO = 0.5
TARGETS = {"duplicates": "= 0", "missing": "= 0", "ratio": f">= {MIN_RATIO}"}


async def measure(n: int) -> dict[str, Any]:
    async with BenchStack(extra_workflows=[SignalCeilingWorkflow], vision=False) as stack:
        period_id, now = f"2026-1-b{uuid.uuid4().hex[:6]}", datetime.now(UTC)
        inputs = []
        with Session(stack.engine) as session:
            for i in range(n):
                number, phone = bench_id_number(i), f"135{i:08d}"
                submitted = now - timedelta(seconds=i)
                inp = EnrollmentInput(
                    application_id=f"enroll-{period_id}-{i:06d}", period_id=period_id,
                    identity=Identity(id_number=number, phone=phone),
                    identity_hash=identity_hash(SECRET, IdType.RESIDENT_ID, number),
                    phone_hash=keyed_hash(SECRET, phone), closes_at=now,
                    vision_task_queue=VISION_QUEUE,
                    state=EnrollmentState(
                        state=AppState.APPROVED, created_at=now, submitted_at=submitted,
                        review=Review(examiner="bench", decision=Decision.APPROVED),
                    ),
                )  # fmt: skip
                session.add(
                    Application(
                        workflow_id=inp.application_id, period_id=period_id, status="APPROVED",
                        version=1, id_hash=inp.identity_hash, phone_hash=inp.phone_hash,
                        region=AREAS[i % len(AREAS)], submitted_at=submitted,
                    )
                )  # fmt: skip
                inputs.append(inp)
            session.commit()
        gate = asyncio.Semaphore(START_CONCURRENCY)

        async def start(inp: EnrollmentInput) -> WorkflowHandle[EnrollmentWorkflow, str]:
            async with gate:
                return await stack.client.start_workflow(
                    EnrollmentWorkflow.run, inp, id=inp.application_id, task_queue=TASK_QUEUE
                )

        started_at = time.perf_counter()
        handles = await asyncio.gather(*(start(inp) for inp in inputs))
        await drained(stack.client, TASK_QUEUE)  # the starts' first workflow tasks are done
        start_s = time.perf_counter() - started_at
        deadline = datetime.now(UTC) + timedelta(seconds=2)
        cfg = PeriodConfig(
            period_id=period_id, year=2026, window=1, opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1), review_deadline=deadline,
        )  # fmt: skip
        period = await stack.client.start_workflow(
            EnrollmentPeriodWorkflow.run, PeriodInput(config=cfg), id=f"period-{period_id}",
            task_queue=TASK_QUEUE,
        )  # fmt: skip
        await asyncio.sleep(max((deadline - datetime.now(UTC)).total_seconds(), 0))
        issuing_from = time.perf_counter()
        results = []
        for chunk in range(0, n, 1000):
            results += await asyncio.gather(*(h.result() for h in handles[chunk : chunk + 1000]))
        seconds = time.perf_counter() - issuing_from
        coordinator_s = await activities_span(period)

        with Session(stack.engine) as session:
            tickets = session.exec(select(func.count()).select_from(Ticket)).one()
            distinct = session.exec(select(func.count(distinct_(col(Ticket.number))))).one()
            missing = session.exec(
                select(func.count())
                .select_from(Application)
                .outerjoin(Ticket, col(Ticket.workflow_id) == col(Application.workflow_id))
                .where(col(Ticket.workflow_id).is_(None))
            ).one()
        ceiling = await measure_ceiling(stack.client, TASK_QUEUE, n, DELIVERY_CONCURRENCY)
    tickets_per_s = n / seconds
    return {
        "n": n, "seconds": round(seconds, 1), "tickets_per_s": round(tickets_per_s, 1),
        "signal_ceiling_per_s": round(ceiling, 1), "ratio": round(tickets_per_s / ceiling, 2),
        "duplicates": tickets - distinct, "missing": missing,
        "all_ticket_issued": all(r == AppState.TICKET_ISSUED for r in results),
        "coordinator_s": round(coordinator_s, 1), "workflow_starts_s": round(start_s, 1),
        "read_model": stack.database,
    }  # fmt: skip


async def activities_span(period: WorkflowHandle[Any, Any]) -> float:
    """Seconds from the coordinator's first numbering to its last delivery: the part of the
    run the coordinator itself takes (the rest is the workflows working off their signals)."""
    history = await period.fetch_history()
    spans = (
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    )
    times = [e.event_time.ToDatetime() for e in history.events if e.event_type in spans]
    return (max(times) - min(times)).total_seconds() if times else 0.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench tickets")
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args(argv)
    result = event_loop.run(measure(args.n))
    record("tickets", result, TARGETS)
    met = result["duplicates"] == 0 and result["missing"] == 0 and result["all_ticket_issued"]
    return 0 if met and result["ratio"] >= MIN_RATIO else 1
