"""Records `enrollment_claim_moves.json` for tests/replay: a claim released by its holder,
claimed again, moved by an admin and decided by the new holder (issue 17). Its own script so
that adding it re-records none of the older histories:
`uv run python -m tests.replay.record_claim_moves`."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta

from domain.enrollment import ExaminerAction, Reassignment
from infra.db import create_schema, make_engine
from tests.replay.record_histories import HISTORIES, recording_env
from tests.workflows.flow import to_submitted
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow


async def record() -> None:
    env = await recording_env()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/read.db")
        create_schema(engine)
        async with Harness(env, engine, "replay-recording") as h:
            now = await env.get_current_time()
            phone = "13900009996"
            handle = await h.start_application(
                h.enrollment_input("2026-2", valid_id_number(904), phone, now + timedelta(days=10))
            )
            await to_submitted(h, handle, phone)
            ex1, ex2 = ExaminerAction(examiner="ex1"), ExaminerAction(examiner="ex2")
            await handle.execute_update(EnrollmentWorkflow.claim, ex1)
            await handle.execute_update(EnrollmentWorkflow.release_claim, ex1)
            await handle.execute_update(EnrollmentWorkflow.claim, ex1)
            move = Reassignment(admin="admin1", examiner="ex2")
            await handle.execute_update(EnrollmentWorkflow.reassign_claim, move)
            await handle.execute_update(EnrollmentWorkflow.approve, ex2)
            await handle.terminate("recorded")  # the rest is the ticket path, recorded elsewhere
            history = await handle.fetch_history()
            (HISTORIES / "enrollment_claim_moves.json").write_text(history.to_json())
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
