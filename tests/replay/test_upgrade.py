"""Issue 18: applications started before the lean shape (workflows/shape.py) finish after the
worker is upgraded mid-flight, in the shape they started with; those started after get the new
shape; every history replays with the current code.

"The code before" is this code with the lean shape's patch unknown to it (`shape.lean` answers
no): that is what a patch promises, and the histories recorded by the code before the lean shape
(tests/replay/histories, replayed in test_replay.py) hold the promise to the real old code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.worker import Replayer

from domain import search
from domain.enrollment import ExaminerAction
from domain.period import DeadlineChange, WindowChange
from domain.states import AppState
from tests.workflows.flow import claim_and_approve, to_draft, to_submitted, zhuanke_form
from tests.workflows.harness import Harness, proof_checkers, valid_id_number
from workflows import shape
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow


def patches_in(history: WorkflowHistory) -> set[str]:
    found = set()
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_MARKER_RECORDED:
            continue
        attrs = event.marker_recorded_event_attributes
        if attrs.marker_name == "core_patch":
            found.add(json.loads(attrs.details["patch-data"].payloads[0].data)["id"])
    return found


def timers_in(history: WorkflowHistory) -> int:
    return sum(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED for e in history.events)


async def status_attribute(handle: WorkflowHandle) -> str | None:
    return (await handle.describe()).typed_search_attributes.get(search.STATUS)


async def test_cases_started_before_the_upgrade_finish_after_it(
    dev_env, engine, task_queue, monkeypatch: pytest.MonkeyPatch
):
    now = datetime.now(UTC)
    phones = {name: f"1390000{i:04d}" for i, name in enumerate(("draft", "sub", "claimed"))}

    def application(h: Harness, name: str, serial: int) -> WorkflowHandle:
        inp = h.enrollment_input(
            "2026-up", valid_id_number(serial), phones.get(name, "13900008888"),
            now + timedelta(days=10),
        )  # fmt: skip
        return h.start_application(inp)

    monkeypatch.setattr(shape, "lean", lambda: False)  # the code before the lean shape
    async with Harness(dev_env, engine, task_queue) as old:
        period = await old.start_period(
            "2026-up", now - timedelta(days=1), now + timedelta(days=10), now + timedelta(days=20)
        )
        drafted = await application(old, "draft", 971)
        await to_draft(old, drafted, phones["draft"])
        submitted = await application(old, "sub", 972)
        await to_submitted(old, submitted, phones["sub"])
        claimed = await application(old, "claimed", 973)
        await to_submitted(old, claimed, phones["claimed"])
        await claimed.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
        assert await status_attribute(drafted) == AppState.DRAFT  # every step published
    monkeypatch.undo()

    async with Harness(dev_env, engine, task_queue) as new:
        fresh = await application(new, "fresh", 974)
        await to_draft(new, fresh, "13900008888")
        assert await status_attribute(fresh) == search.APPLYING  # milestones only
        assert await status_attribute(drafted) == AppState.DRAFT  # still the shape it began in
        await fresh.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        await fresh.execute_update(EnrollmentWorkflow.submit)
        await drafted.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        await drafted.execute_update(EnrollmentWorkflow.submit)
        for handle in (drafted, submitted, fresh):
            await claim_and_approve(handle)
        await claimed.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="ex1"))
        # the review deadline, brought forward to now: the period issues the tickets
        soon = datetime.now(UTC) + timedelta(seconds=2)
        await period.execute_update(
            EnrollmentPeriodWorkflow.set_window, WindowChange(closes_at=soon)
        )
        await period.execute_update(
            EnrollmentPeriodWorkflow.set_review_deadline, DeadlineChange(review_deadline=soon)
        )
        cases = (drafted, submitted, claimed, fresh)
        for handle in cases:
            assert await handle.result() == AppState.TICKET_ISSUED
        histories = [await h.fetch_history() for h in (*cases, period)]

    replayer = Replayer(
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow],
        data_converter=dev_env.client.data_converter,
        interceptors=proof_checkers(dev_env.client),
    )
    for history in histories:
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, f"{history.workflow_id}: {result.replay_failure}"
    *old_cases, new_case, _ = histories
    for history in old_cases:
        assert shape.LEAN_SHAPE not in patches_in(history)
    assert shape.LEAN_SHAPE in patches_in(new_case)
    # one deadline timer per deadline change, not one per step: the old shape armed more
    assert timers_in(new_case) < min(timers_in(h) for h in old_cases)
