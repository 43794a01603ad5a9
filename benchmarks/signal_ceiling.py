"""The signal ceiling of `ruji bench tickets`: what the same dev server and worker take when each
signal costs nothing but itself. N no-op workflows each wait for one `ticket_assigned` signal and
end; the signals go out exactly as the ticket coordinator sends them (activities/tickets.py
`signal_each`, with as many in flight)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

with workflow.unsafe.imports_passed_through():
    from activities.tickets import TICKET_SIGNAL, signal_each
    from domain.enrollment import TicketAssigned
    from domain.tickets import TicketGrant

START_CONCURRENCY = 100


@workflow.defn
class SignalCeilingWorkflow:
    """Ends on its first `ticket_assigned` signal: one workflow task, no activity."""

    def __init__(self) -> None:
        self.number: str | None = None

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.number is not None)
        return self.number or ""

    @workflow.signal(name=TICKET_SIGNAL)
    def ticket_assigned(self, ticket: TicketAssigned) -> None:
        self.number = ticket.number


async def measure_ceiling(client: Client, task_queue: str, n: int, in_flight: int) -> float:
    """Signals per second from the first signal until every no-op workflow has ended."""
    prefix = f"ceiling-{uuid.uuid4().hex[:6]}"
    ids = [f"{prefix}-{i:06d}" for i in range(n)]
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def start(workflow_id: str) -> None:
        async with gate:
            await client.start_workflow(
                SignalCeilingWorkflow.run,
                id=workflow_id,
                task_queue=task_queue,
                execution_timeout=timedelta(hours=1),
            )

    await asyncio.gather(*(start(i) for i in ids))
    await drained(client, task_queue)
    grants = [TicketGrant(workflow_id=i, number=f"{k:012d}") for k, i in enumerate(ids)]
    began = time.perf_counter()
    # as the coordinator sends them: `in_flight` signals outstanding at most
    await signal_each(client, grants, in_flight)
    for chunk in range(0, n, 1000):
        await asyncio.gather(
            *(client.get_workflow_handle(i).result() for i in ids[chunk : chunk + 1000])
        )
    return n / (time.perf_counter() - began)


async def drained(client: Client, task_queue: str, settle_s: float = 2.0) -> None:
    """Until the queue's workflow tasks are all taken (the starts' first tasks), so that what is
    measured next is the signals, not the tail of the starts."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        report_stats=True,
    )
    empty_since: float | None = None
    while True:
        stats = (await client.workflow_service.describe_task_queue(request)).stats
        if stats.approximate_backlog_count:
            empty_since = None
        elif empty_since is None:
            empty_since = time.perf_counter()
        elif time.perf_counter() - empty_since >= settle_s:
            return
        await asyncio.sleep(0.5)
