"""`ruji bench orchestration [--apps 200] [--concurrency 50]`: whole application lifecycles
(registration → approval as the H5 walks it: 8 updates each) through the real enrollment
workflow, worker and read model, with the vision activities answered instantly (**bench mode**),
beside the ceiling of the same dev server in the same run: a no-op workflow taking the 12
updates of the guide's steps one message each (the issue's reference: the same server taking
the same steps with no work). Both are reported, with the no-op's own latencies.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from benchmarks.e2e import tree_cpu_seconds
from benchmarks.history_cost import actions, event_types
from benchmarks.report import record
from benchmarks.stack import SECRET, TASK_QUEUE, VISION_QUEUE, BenchStack, Stack, bench_id_number
from domain.case_view import start_memo, start_search_attributes
from domain.enrollment import (
    ConfirmIdCardInput,
    EnrollmentForm,
    EnrollmentInput,
    ExaminerAction,
    FormSubmitted,
    IdCardUpload,
    Identity,
    LivenessAnswer,
    PhotoUpload,
    PhotoWithCardConfirmed,
    RequestCodeInput,
    VerifyPhoneInput,
)
from domain.identity import IdType
from domain.ids import identity_hash, keyed_hash
from domain.notice import NOTICE_VERSION, NoticeAcceptance
from domain.objects import StoredObject
from infra import event_loop
from synthetic.forms import form_fields
from workflows.enrollment import EnrollmentWorkflow

T = TypeVar("T")

#: the ceiling's messages per application: the guide's 12 steps, one update each
CEILING_UPDATES_PER_APP = 12
TARGETS = {"ratio": "≥ 0.5", "events_per_app": "≤ 75", "update_p99_ms": "≤ 1000"}
FORM = EnrollmentForm.model_validate(form_fields())


@workflow.defn(sandboxed=False)
class NoopWorkflow:
    """The ceiling: the same messages, no work."""

    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def step(self, last: bool) -> bool:
        self.done = last
        return last


def _obj(key: str) -> StoredObject:
    return StoredObject(key=key, sha256="0" * 64, size=1)


#: the label's suffix of a round's first registrations (`concurrency` of them at once)
FIRST_WAVE = ", first wave"


class Latencies(list[float]):
    """Update latencies in seconds, also kept by step: where the tail comes from."""

    def __init__(self) -> None:
        super().__init__()
        self.by_step: dict[str, list[float]] = {}

    def after_first_wave(self) -> list[float]:
        return [x for step, xs in self.by_step.items() if not step.endswith(FIRST_WAVE) for x in xs]


async def timed(latencies: Latencies, call: Awaitable[T], step: str = "") -> T:
    started = time.perf_counter()
    result = await call
    latencies.append(time.perf_counter() - started)
    latencies.by_step.setdefault(step, []).append(latencies[-1])
    return result


async def lifecycle(
    stack: Stack,
    i: int,
    run_id: str,
    lat: Latencies,
    stop_before: str | None = None,
    first_wave: bool = False,
) -> None:
    """`first_wave`: one of the round's first `concurrency` lifecycles, which all register in
    the same instant; their first step is reported apart (it is most of the round's tail)."""
    number, phone = bench_id_number(i), f"137{i:08d}"
    digest = identity_hash(SECRET, IdType.RESIDENT_ID, number)
    inp = EnrollmentInput(
        application_id=f"enroll-bench-{run_id}-{i}", period_id=f"bench-{run_id}",
        identity=Identity(id_number=number, phone=phone), identity_hash=digest,
        phone_hash=keyed_hash(SECRET, phone), closes_at=datetime.now(UTC) + timedelta(days=1),
        vision_task_queue=VISION_QUEUE,
    )  # fmt: skip
    # first contact as the API makes it: the start and the first update in one call
    start = WithStartWorkflowOperation(
        EnrollmentWorkflow.run, inp, id=inp.application_id, task_queue=TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        search_attributes=start_search_attributes(inp.period_id), memo=start_memo(),
    )  # fmt: skip
    code_request = RequestCodeInput(client_ip=f"10.0.{i // 250}.{i % 250}")
    await timed(
        lat,
        stack.client.execute_update_with_start_workflow(
            EnrollmentWorkflow.request_phone_code, code_request, start_workflow_operation=start
        ),
        "request_phone_code (with start)" + (FIRST_WAVE if first_wave else ""),
    )
    h = await start.workflow_handle()
    u = h.execute_update
    code = VerifyPhoneInput(code=stack.last_code(phone))
    await timed(lat, u(EnrollmentWorkflow.verify_phone, code), "verify_phone")
    # the fields read come back with the upload's answer, as the H5 shows them to confirm
    card = IdCardUpload(front=_obj("f.jpg"), back=_obj("b.jpg"))
    read = (
        await timed(lat, u(EnrollmentWorkflow.submit_id_card, card), "submit_id_card")
    ).id_card_read
    if read is None:
        raise RuntimeError("the OCR stand-in returned no fields")
    # the card confirmed on its screen goes with the photo (shape 3, as the H5 goes on), and the
    # accepted photo answers with the liveness challenge (shape 2)
    photo = PhotoUpload(photo=_obj("p.jpg"), filename="p.jpg")
    confirmed = PhotoWithCardConfirmed(confirm=ConfirmIdCardInput(fields=read), photo=photo)
    view = await timed(
        lat,
        u(EnrollmentWorkflow.submit_photo_card_confirmed, confirmed),
        "submit_photo (card confirmed)",
    )
    challenge = view.liveness_challenge
    if challenge is None:
        raise RuntimeError("the accepted photo answered without a liveness challenge")
    answer = LivenessAnswer(nonce=challenge.nonce, frames=[_obj("0.jpg"), _obj("1.jpg")])
    await timed(lat, u(EnrollmentWorkflow.submit_liveness, answer), "submit_liveness")
    # the notice accepted on its screen and the form go with the submit confirmed in its dialog
    submitted = FormSubmitted(notice=NoticeAcceptance(version=NOTICE_VERSION), form=FORM)
    await timed(lat, u(EnrollmentWorkflow.submit_with_form, submitted), "submit_with_form")
    if stop_before == "claim":
        return
    examiner = ExaminerAction(examiner="bench")
    await timed(lat, u(EnrollmentWorkflow.claim, examiner), "claim")
    await timed(lat, u(EnrollmentWorkflow.approve, examiner), "approve")


def lifecycles(
    stack: Stack, first: int, run_id: str, lat: Latencies, concurrency: int
) -> Callable[[int], Awaitable[None]]:
    """The i-th of a round of lifecycles numbered from `first`."""
    return lambda i: lifecycle(stack, first + i, run_id, lat, first_wave=i < concurrency)


async def noop(stack: Stack, i: int, run_id: str, lat: Latencies) -> None:
    # started as the API starts a case (memo), so the caller proof's check records no patch
    # marker in the ceiling's history either
    h = await stack.client.start_workflow(
        NoopWorkflow.run, id=f"noop-{run_id}-{i}", task_queue=TASK_QUEUE, memo=start_memo()
    )
    for k in range(CEILING_UPDATES_PER_APP):
        await timed(lat, h.execute_update(NoopWorkflow.step, k == CEILING_UPDATES_PER_APP - 1))


async def in_waves(n: int, concurrency: int, make: Callable[[int], Awaitable[None]]) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await make(i)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - started


async def measure(apps: int, concurrency: int, worker_processes: int = 1) -> dict[str, Any]:
    """The ceiling and the lifecycle in the order ceiling, lifecycle, lifecycle, ceiling (`apps`
    each round): a machine that speeds up or slows down during the run (this one drifts by
    ±10 % from minute to minute) weighs on both alike, instead of on whichever went second."""
    stack_of = BenchStack(extra_workflows=[NoopWorkflow], worker_processes=worker_processes)
    async with stack_of as stack:
        run_id = uuid.uuid4().hex[:6]
        await in_waves(
            min(20, apps), concurrency, lambda i: lifecycle(stack, 10_000 + i, run_id, Latencies())
        )  # warm-up
        ceiling, real = Phase(), Phase()
        await ceiling.round(apps, concurrency, lambda i: noop(stack, i, run_id, ceiling.lat))
        for first in (0, apps):
            await real.round(
                apps, concurrency, lifecycles(stack, first, run_id, real.lat, concurrency)
            )
        await ceiling.round(apps, concurrency, lambda i: noop(stack, apps + i, run_id, ceiling.lat))
        database = stack.database
        cost = await history_cost(stack, [f"enroll-bench-{run_id}-{i}" for i in range(apps)])
    apps_per_s, ceiling_apps_per_s = real.apps_per_s(), ceiling.apps_per_s()
    updates_per_app = len(real.lat) / real.apps
    return {
        "mode": "bench mode: vision activities answered instantly",
        "read_model": database,
        "apps": apps, "concurrency": concurrency,
        "rounds": "ceiling, lifecycle, lifecycle, ceiling",
        "updates_per_app": round(updates_per_app, 1),
        "ceiling_updates_per_app": CEILING_UPDATES_PER_APP,
        "worker_processes": worker_processes,
        "apps_per_s": round(apps_per_s, 2), "ceiling_apps_per_s": round(ceiling_apps_per_s, 2),
        "ratio": round(apps_per_s / ceiling_apps_per_s, 3),
        # each lifecycle round against the ceiling round beside it
        "round_ratios": [round(r / c, 3) for r, c in zip(real.rates, ceiling.rates, strict=True)],
        # the same comparison per message: what the shape costs beyond the fewer round trips
        "ratio_per_update": round(
            apps_per_s * updates_per_app / (ceiling_apps_per_s * CEILING_UPDATES_PER_APP), 3
        ),
        "update_p50_ms": percentile_ms(real.lat, 0.5),
        "update_p99_ms": percentile_ms(real.lat, 0.99),
        # the same without each round's first wave of registrations (`concurrency` at once)
        "update_p99_ms_after_first_wave": percentile_ms(real.lat.after_first_wave(), 0.99),
        "ceiling_update_p50_ms": percentile_ms(ceiling.lat, 0.5),
        "ceiling_update_p99_ms": percentile_ms(ceiling.lat, 0.99),
        # the vision steps wait for two workflow tasks and an activity, the others for one task
        "update_p50_p99_ms_by_step": {
            step: [percentile_ms(xs, 0.5), percentile_ms(xs, 0.99)]
            for step, xs in real.lat.by_step.items()
        },
        # the client, the worker and its activities share this process (and the CPU); with
        # more worker processes theirs is not counted here but in the server's figure
        "bench_process_cpu_s_per_app": round(real.own_s / real.apps, 3),
        "server_cpu_s_per_app": round(real.children_s / real.apps, 3),
        "ceiling_bench_process_cpu_s_per_app": round(ceiling.own_s / ceiling.apps, 3),
        "ceiling_server_cpu_s_per_app": round(ceiling.children_s / ceiling.apps, 3),
        **cost,
    }  # fmt: skip


class Phase:
    """One kind of workload over its rounds: latencies, time and CPU summed."""

    def __init__(self) -> None:
        self.lat = Latencies()
        self.rates: list[float] = []
        self.apps = 0
        self.seconds = self.own_s = self.children_s = 0.0

    async def round(
        self, apps: int, concurrency: int, make: Callable[[int], Awaitable[None]]
    ) -> None:
        with CpuMeter() as cpu:
            seconds = await in_waves(apps, concurrency, make)
        self.apps += apps
        self.seconds += seconds
        self.rates.append(apps / seconds)
        self.own_s += cpu.own_s
        self.children_s += cpu.children_s

    def apps_per_s(self) -> float:
        return self.apps / self.seconds


class CpuMeter:
    """CPU seconds over a block: this process's own (client, worker, activities), and its child
    processes' (the dev server, and the extra worker processes when there are any)."""

    def __enter__(self) -> CpuMeter:
        self._own, self._tree = time.process_time(), tree_cpu_seconds(os.getpid())
        return self

    def __exit__(self, *exc: object) -> None:
        own, tree = time.process_time(), tree_cpu_seconds(os.getpid())
        self.own_s = own - self._own
        self.children_s = (tree - own) - (self._tree - self._own)


def percentile_ms(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return round(ordered[max(int(len(ordered) * q) - 1, 0)] * 1000, 1)


async def history_cost(stack: Stack, workflow_ids: list[str]) -> dict[str, Any]:
    """Events and actions per application, registration to approval, over every run measured;
    and the event types of one, to show where they go."""
    counts, spent, sizes, kinds = [], [], [], Counter[str]()
    for workflow_id in workflow_ids:
        events = [
            e async for e in stack.client.get_workflow_handle(workflow_id).fetch_history_events()
        ]
        counts.append(len(events))
        spent.append(actions(events))
        sizes.append(sum(e.ByteSize() for e in events))
        kinds = kinds or event_types(events)
    return {
        "events_per_app": round(statistics.mean(counts), 1),
        "actions_per_app": round(statistics.mean(spent), 1),
        # the history as Temporal stores it (payloads encrypted): storage and write volume
        "history_kib_per_app": round(statistics.mean(sizes) / 1024, 1),
        "event_types": dict(kinds.most_common()),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench orchestration")
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--worker-processes", type=int, default=1,
        help="enrollment worker processes sharing the task queue (capacity model: 1 vs 2)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    result = event_loop.run(measure(args.apps, args.concurrency, args.worker_processes))
    record("orchestration", result, TARGETS)
    return 0
