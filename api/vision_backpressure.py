"""Backpressure on vision (issue 19): an upload (ID card, photo, face) whose answer would wait
long in the vision queue is accepted by its workflow and answered 202 with its place in line,
instead of holding an HTTP request for minutes. The rule is in docs/decisions.md ("Uploads when
vision is busy").

The queue's length is Temporal's own count of the vision task queue's backlog (DescribeTaskQueue
with stats), the same figure whichever API replica asks; the estimate divides it by the rate at
which vision workers take tasks, as Temporal measured it."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowUpdateHandle, WorkflowUpdateRPCTimeoutOrCancelledError

from infra.kept import Kept

log = logging.getLogger("ruji.api")

#: one DescribeTaskQueue per second at most, whatever the upload rate
QUEUE_STATS_TTL_S = 1.0
#: a slow answer about the queue must not slow the upload
STATS_RPC_TIMEOUT = timedelta(seconds=2)
#: the H5 asks again after this long while an upload is in line
POLL_AFTER_S = 3
#: a poll waits this long for the answer before saying "still in line": short, so a poll holds
#: its request for seconds, not minutes, and the answer still comes as soon as it exists
POLL_WAIT_S = 2.0
#: the pattern of the update IDs the API gives queued uploads (polled at /me/uploads/{id})
UPLOAD_ID_PATTERN = r"^upload-[0-9a-f]{32}$"


class UploadQueued(BaseModel):
    """The 202 answer of an upload whose vision check is still in line."""

    queued: Literal[True] = True
    #: GET /api/v1/me/uploads/{update_id} answers the upload's own answer once it exists
    update_id: str
    #: this upload's place in the vision queue (all candidates' tasks) as last counted: on the
    #: upload's answer, the tasks waiting before it plus one; on a poll, the whole line, which
    #: now includes it (so at most its place)
    position: int
    estimate_s: int
    poll_after_s: int = POLL_AFTER_S
    message: str


@dataclass(frozen=True)
class QueuePlace:
    ahead: int
    estimate_s: int

    def queued(self, update_id: str, *, counted: bool = False) -> JSONResponse:
        """The 202 answer; `counted` when the upload's own task is already in `ahead`."""
        body = UploadQueued(
            update_id=update_id,
            position=max(self.ahead if counted else self.ahead + 1, 1),
            estimate_s=self.estimate_s,
            message=f"排队中，预计 {self.estimate_s} 秒",
        )
        return JSONResponse(
            body.model_dump(),
            status_code=202,
            headers={
                "Retry-After": str(POLL_AFTER_S),
                "Location": f"/api/v1/me/uploads/{update_id}",
            },
        )


class VisionQueue:
    """How many vision tasks wait, and how long a new one would: asked of Temporal, cached."""

    def __init__(self, client: Callable[[], Client], task_queue: str, task_s: float) -> None:
        self._client, self._task_queue, self._task_s = client, task_queue, task_s
        self._kept = Kept(self._ask, QUEUE_STATS_TTL_S)

    async def place(self) -> QueuePlace | None:
        """None when Temporal cannot say (an older server, an outage): the wait bound holds."""
        return await self._kept.get()

    async def _ask(self) -> QueuePlace | None:
        request = DescribeTaskQueueRequest(
            namespace=self._client().namespace,
            task_queue=TaskQueue(name=self._task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
            report_stats=True,
        )
        try:
            answer = await self._client().workflow_service.describe_task_queue(
                request, timeout=STATS_RPC_TIMEOUT
            )
        except Exception as exc:  # any failure only costs the estimate, never the upload
            log.warning("vision queue stats unavailable: %r", exc)
            return None
        if not answer.HasField("stats"):
            return None
        stats = answer.stats
        return estimate(
            stats.approximate_backlog_count,
            stats.approximate_backlog_age.ToTimedelta().total_seconds(),
            stats.tasks_dispatch_rate,
            self._task_s,
        )


def estimate(backlog: int, oldest_age_s: float, dispatch_rate: float, task_s: float) -> QueuePlace:
    """A new task waits behind `backlog` tasks taken at `dispatch_rate` a second (Temporal's
    measure over the last half minute), or `task_s` each while nothing was measured yet — and at
    least as long as the oldest waiting task has already waited, when the rate lags the queue."""
    per_task = 1 / dispatch_rate if dispatch_rate > 0 else task_s
    seconds = max((backlog + 1) * per_task, oldest_age_s if backlog else 0.0)
    return QueuePlace(ahead=backlog, estimate_s=math.ceil(seconds))


async def answer_within(handle: WorkflowUpdateHandle[Any], seconds: float) -> bool:
    """Waits for the update's outcome up to `seconds`; True once it is known (`handle.result()`
    then returns or raises at once)."""
    if seconds <= 0:
        return False
    try:
        await asyncio.wait_for(handle.result(), seconds)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        return False
    except Exception:
        return True  # a refusal: known, raised again by the caller's `result()`
    return True
