"""`ruji bench workload_parts [--apps 200] [--concurrency 50]`: what each kind of history event
costs the dev server and the worker, beside the no-op ceiling of `ruji bench orchestration`.

Each variant is the ceiling's no-op workflow (12 updates) plus one part an application has:
3 search-attribute upserts, 2 timers started and cancelled, 3 activities on another task queue
(the vision steps), 7 local activities (the projections and SMS calls). The bare no-op runs
first and last, so a machine that drifts during the run shows in its two figures. Each part's
price is its variant's CPU per workflow minus the bare one's: where an application's cost over
the ceiling comes from, to know which lever is worth pulling (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.worker import Worker

from benchmarks.orchestration import CpuMeter, in_waves
from benchmarks.report import record
from benchmarks.stack import BenchStack, Stack
from domain import search
from domain.case_view import start_memo
from infra import event_loop

UPDATES = 12
PARTS_QUEUE = "bench-parts"
OTHER_QUEUE = "bench-parts-other"  # as the vision activities run on their own queue
VARIANTS = ("bare", "upserts", "timers", "activities", "local_activities", "bare")


@activity.defn
async def answer(x: int) -> int:
    return x


@workflow.defn(sandboxed=False)
class PartsWorkflow:
    """The no-op ceiling, with the steps of `part` doing one kind of work each."""

    def __init__(self) -> None:
        self.done = False
        self.step_no = 0
        self.part = ""
        self.timer: asyncio.Future[None] | None = None

    @workflow.run
    async def run(self, part: str) -> None:
        self.part = part
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def step(self, last: bool) -> bool:
        self.step_no += 1
        n, part = self.step_no, self.part
        if part == "upserts" and n in (2, 6, 12):
            workflow.upsert_search_attributes([search.STATUS.value_set(f"step-{n}")])
        elif part == "timers" and n in (2, 6, 10):  # started, re-armed, cancelled
            if self.timer is not None:
                self.timer.cancel()
            self.timer = asyncio.ensure_future(asyncio.sleep(86_400)) if n < 10 else None
        elif part == "activities" and n in (3, 4, 5):
            await workflow.execute_activity(
                answer, n, task_queue=OTHER_QUEUE, start_to_close_timeout=timedelta(seconds=30)
            )
        elif part == "local_activities" and n <= 7:
            await workflow.execute_local_activity(
                answer, n, start_to_close_timeout=timedelta(seconds=30)
            )
        self.done = last
        return last


async def one(stack: Stack, part: str, name: str) -> None:
    handle = await stack.client.start_workflow(
        PartsWorkflow.run, part, id=name, task_queue=PARTS_QUEUE, memo=start_memo()
    )
    for k in range(UPDATES):
        await handle.execute_update(PartsWorkflow.step, k == UPDATES - 1)


def workflow_id(part: str, run_id: str, k: int, i: int) -> str:
    """The i-th workflow of variant `part` in its k-th place of the run."""
    return f"{part}-{run_id}-{k}-{i}"


def workflows(stack: Stack, part: str, run_id: str, k: int) -> Callable[[int], Awaitable[None]]:
    return lambda i: one(stack, part, workflow_id(part, run_id, k, i))


#: workflows of a variant whose histories are counted
SHAPE_SAMPLE = 5


async def shape_events(stack: Stack, workflow_ids: list[str]) -> int:
    """The variant's events: the fewest of a few of its workflows (`SHAPE_SAMPLE`). A busy
    machine adds events to some (a workflow task that timed out is three more), which are not
    the variant's shape."""
    counts = []
    for each in workflow_ids:
        handle = stack.client.get_workflow_handle(each)
        counts.append(len([e async for e in handle.fetch_history_events()]))
    return min(counts)


async def measure(apps: int, concurrency: int) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:6]
    rows: list[dict[str, Any]] = []
    async with BenchStack(vision=False) as stack:
        workers = (
            Worker(stack.client, task_queue=PARTS_QUEUE, workflows=[PartsWorkflow],
                   activities=[answer]),
            Worker(stack.client, task_queue=OTHER_QUEUE, activities=[answer]),
        )  # fmt: skip
        async with workers[0], workers[1]:
            await in_waves(20, concurrency, lambda i: one(stack, "bare", f"warm-{run_id}-{i}"))
            for k, part in enumerate(VARIANTS):
                with CpuMeter() as cpu:
                    seconds = await in_waves(apps, concurrency, workflows(stack, part, run_id, k))
                ids = [workflow_id(part, run_id, k, i) for i in range(SHAPE_SAMPLE)]
                rows.append({
                    "part": part, "apps_per_s": round(apps / seconds, 2),
                    "events": await shape_events(stack, ids[:apps]),
                    "worker_cpu_ms": round(1000 * cpu.own_s / apps, 1),
                    "server_cpu_ms": round(1000 * cpu.children_s / apps, 1),
                })  # fmt: skip
    bare = [r for r in rows if r["part"] == "bare"]
    base = {
        key: sum(r[key] for r in bare) / len(bare) for key in ("worker_cpu_ms", "server_cpu_ms")
    }
    return {
        "apps": apps, "concurrency": concurrency, "updates_per_workflow": UPDATES,
        "variants": rows,
        "events": {part: min(r["events"] for r in rows if r["part"] == part) for part in VARIANTS},
        # what each part adds per workflow over the bare no-op (mean of its two runs)
        "added_cpu_ms": {
            r["part"]: {key: round(r[key] - base[key], 1) for key in base}
            for r in rows if r["part"] != "bare"
        },
    }  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench workload_parts")
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args(argv)
    record("workload_parts", event_loop.run(measure(args.apps, args.concurrency)), {})
    return 0
