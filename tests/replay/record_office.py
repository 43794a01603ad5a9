"""Records the histories of issue 17's workflow code beside the older ones (which stay as they
were recorded: re-recording them would lose what they prove): a case closed out, the period that
closed it out, and the daily retention workflow. `uv run python -m tests.replay.record_office`."""

from __future__ import annotations

import asyncio
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from temporalio.worker import Worker

from activities.retention import RetentionActivities
from domain.period import PeriodConfig, PeriodInput
from domain.retention import RetentionInput
from infra.db import create_schema, make_engine
from infra.storage import LocalObjectStore
from tests.replay.record_histories import recording_env
from tests.workflows.flow import to_submitted
from tests.workflows.harness import Harness, valid_id_number
from workflows.period import EnrollmentPeriodWorkflow
from workflows.retention import RetentionWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def record() -> None:
    env = await recording_env()
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(4) as executor:
        engine = make_engine(f"sqlite:///{tmp}/read.db")
        create_schema(engine)
        retention = RetentionActivities(engine, LocalObjectStore(Path(tmp) / "objects"), 180)
        async with (
            Harness(env, engine, "replay-recording") as h,
            Worker(
                env.client,
                task_queue="replay-retention",
                workflows=[RetentionWorkflow],
                activities=[retention.run_retention],
                activity_executor=executor,
            ),
        ):
            now = await env.get_current_time()
            phone = "13900008999"
            waiting = await h.start_application(
                h.enrollment_input("2026-2", valid_id_number(911), phone, now + timedelta(days=1))
            )
            await to_submitted(h, waiting, phone)
            config = PeriodConfig(
                period_id="2026-2",
                year=2026,
                window=2,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=1),
                review_deadline=now + timedelta(days=2),
                close_out_after=timedelta(days=1),
            )
            period = await env.client.start_workflow(
                EnrollmentPeriodWorkflow.run,
                PeriodInput(config=config),
                id="period-2026-2-close-out",
                task_queue=h.task_queue,
            )
            daily = await env.client.start_workflow(
                RetentionWorkflow.run,
                RetentionInput(),
                id="ruji-retention",
                task_queue="replay-retention",
            )
            await waiting.result()  # closed out three days on
            await env.sleep(timedelta(hours=1))
            for name, handle in (
                ("enrollment_closed_out", waiting),
                ("period_closed_out", period),
                ("retention_daily", daily),
            ):
                history = await handle.fetch_history()
                (HISTORIES / f"{name}.json").write_text(history.to_json())
            await period.cancel()
            await daily.cancel()
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
