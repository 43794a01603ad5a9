"""The daily retention workflow: started once (signed, as `ruji retention schedule` starts it), it
runs the retention job every day on the worker's own settings."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import Session, select
from temporalio.worker import Worker

from activities.retention import RETENTION_ACTOR, RetentionActivities
from domain.retention import RetentionInput
from infra.db import StaffAudit
from infra.storage import LocalObjectStore
from infra.temporal import workflow_runner
from tests.workflows.harness import proof_checkers
from workflows.retention import RetentionWorkflow


async def test_the_job_runs_every_day(module_time_env, engine, task_queue, tmp_path):
    env = module_time_env
    retention = RetentionActivities(engine, LocalObjectStore(tmp_path / "objects"), 180)
    with ThreadPoolExecutor(2) as executor:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[RetentionWorkflow],
            activities=[retention.run_retention],
            activity_executor=executor,
            workflow_runner=workflow_runner(),
            interceptors=proof_checkers(env.client, time_skipping=True),
            workflow_failure_exception_types=[Exception],
        ):
            handle = await env.client.start_workflow(
                RetentionWorkflow.run, RetentionInput(), id=task_queue, task_queue=task_queue
            )
            await env.sleep(timedelta(days=2, hours=1))
            with Session(engine) as session:
                runs = session.exec(
                    select(StaffAudit).where(StaffAudit.action == "retention_run")
                ).all()
            assert len(runs) == 3 and {r.actor for r in runs} == {RETENTION_ACTOR}
            await handle.cancel()
