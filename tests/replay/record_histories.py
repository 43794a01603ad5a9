"""Records the committed histories that tests/replay/test_replay.py replays.

Run it when a workflow change is *meant* to be incompatible (then patch instead, see
docs/operations.md), or to add a scenario: `uv run python -m tests.replay.record_histories`.
Histories are recorded without the payload codec so they replay without keys; the data in
them is synthetic."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain import search
from domain.enrollment import ExaminerAction, ReviewItem
from infra.db import create_schema, make_engine
from tests.workflows.flow import claim_and_approve, to_submitted, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def recording_env() -> WorkflowEnvironment:
    """A time-skipping server without the payload codec, its search attributes registered."""
    binary = shutil.which("temporal-test-server") or ".venv/bin/temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary, data_converter=pydantic_data_converter
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in search.ALL
            },
        )
    )
    return env


async def record() -> None:
    env = await recording_env()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/read.db")
        create_schema(engine)
        async with Harness(env, engine, "replay-recording") as h:
            now = await env.get_current_time()
            period = await h.start_period(
                "2026-2",
                now - timedelta(days=1),
                now + timedelta(days=10),
                now + timedelta(days=20),
            )
            phone = "13900009999"
            approved = await h.start_application(
                h.enrollment_input("2026-2", valid_id_number(901), phone, now + timedelta(days=10))
            )
            await to_submitted(h, approved, phone)
            await approved.execute_update(EnrollmentWorkflow.modify, zhuanke_form(region="02"))
            await claim_and_approve(approved)
            await approved.result()

            now = await env.get_current_time()  # the first result() skipped to the deadline
            period2 = await h.start_period(
                "2026-3",
                now - timedelta(days=1),
                now + timedelta(days=10),
                now + timedelta(days=20),
            )
            phone2 = "13900009998"
            returned = await h.start_application(
                h.enrollment_input(
                    "2026-2", valid_id_number(902), phone2, now + timedelta(days=10)
                ).model_copy(update={"period_id": "2026-3"})
            )
            await to_submitted(h, returned, phone2)
            await returned.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
            items = [ReviewItem(item="photo", reason="照片背景不符合要求")]
            await returned.execute_update(
                EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
            )
            await returned.execute_update(EnrollmentWorkflow.submit)
            await returned.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
            await returned.execute_update(
                EnrollmentWorkflow.reject, ExaminerAction(examiner="ex1", items=items)
            )
            await returned.result()

            now = await env.get_current_time()
            expired = await h.start_application(
                h.enrollment_input(
                    "2026-3", valid_id_number(903), "13900009997", now + timedelta(days=10)
                )
            )
            await expired.result()

            for name, handle in (
                ("enrollment_ticket", approved),
                ("enrollment_rejected", returned),
                ("enrollment_expired", expired),
                ("period_issued", period),
            ):
                history = await handle.fetch_history()
                (HISTORIES / f"{name}.json").write_text(history.to_json())
            await period.cancel()
            await period2.cancel()
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
