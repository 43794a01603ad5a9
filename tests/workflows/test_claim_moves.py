"""A claim given back by its holder and moved by an admin: the case's own trail records both,
and the rules of claiming still hold afterwards (time-skipping server, vision stand-ins)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.enrollment import ExaminerAction, Reassignment, ReviewItem
from domain.states import AppState
from infra.db import Application, AuditEvent
from tests.workflows.flow import to_submitted, zhuanke_form
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow


async def submitted_case(harness, time_env, serial: int):
    now = await time_env.get_current_time()
    phone = f"1390000{serial:04d}"
    inp = harness.enrollment_input(
        "2026-2", valid_id_number(serial), phone, now + timedelta(days=10)
    )
    handle = await harness.start_application(inp)
    await to_submitted(harness, handle, phone)
    return handle


async def refused_code(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as exc_info:
        await call
    cause = exc_info.value.cause
    assert isinstance(cause, ApplicationError)
    return str(cause.type)


async def holder(handle) -> str | None:
    """Who holds the case: staff read it from the case file (the candidate's view leaves it out)."""
    case_file = await handle.query(EnrollmentWorkflow.case_file)
    assert (await handle.query(EnrollmentWorkflow.view)).review.examiner is None
    return case_file.state.review.examiner


def trail(engine, workflow_id: str) -> list[tuple[str, str]]:
    with Session(engine) as s:
        rows = s.exec(
            select(AuditEvent)
            .where(AuditEvent.workflow_id == workflow_id)
            .order_by(col(AuditEvent.seq))
        ).all()
        return [(a.actor, a.action) for a in rows]


async def test_the_holder_releases_a_claim_and_another_examiner_takes_it(harness, time_env, engine):
    handle = await submitted_case(harness, time_env, 701)
    ex1, ex2 = ExaminerAction(examiner="ex1"), ExaminerAction(examiner="ex2")
    await handle.execute_update(EnrollmentWorkflow.claim, ex1)
    # only the holder gives it back
    assert await refused_code(handle.execute_update(EnrollmentWorkflow.release_claim, ex2)) == (
        "NOT_CLAIMED_BY_YOU"
    )
    view = await handle.execute_update(EnrollmentWorkflow.release_claim, ex1)
    assert (view.state, await holder(handle)) == (AppState.SUBMITTED, None)
    with Session(engine) as s:
        row = s.get(Application, handle.id)
        assert row is not None and (row.status, row.claimed_by) == ("SUBMITTED", None)
    # released: nothing left to release, and the next examiner may claim and decide
    assert await refused_code(handle.execute_update(EnrollmentWorkflow.release_claim, ex1)) == (
        "WRONG_STATE"
    )
    await handle.execute_update(EnrollmentWorkflow.claim, ex2)
    view = await handle.execute_update(EnrollmentWorkflow.approve, ex2)
    assert view.state == AppState.APPROVED
    assert trail(engine, handle.id)[-4:] == [
        ("examiner:ex1", "claimed"),
        ("examiner:ex1", "claim_released"),
        ("examiner:ex2", "claimed"),
        ("examiner:ex2", "approved"),
    ]


async def test_an_admin_moves_a_claim_and_only_the_new_holder_decides(harness, time_env, engine):
    handle = await submitted_case(harness, time_env, 702)
    move = Reassignment(admin="admin1", examiner="ex2")
    # nothing claimed yet: nothing to move
    assert await refused_code(handle.execute_update(EnrollmentWorkflow.reassign_claim, move)) == (
        "WRONG_STATE"
    )
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    same = Reassignment(admin="admin1", examiner="ex1")
    assert await refused_code(handle.execute_update(EnrollmentWorkflow.reassign_claim, same)) == (
        "REASSIGN_SAME_EXAMINER"
    )
    view = await handle.execute_update(EnrollmentWorkflow.reassign_claim, move)
    assert (view.state, await holder(handle)) == (AppState.UNDER_REVIEW, "ex2")
    old_holder = handle.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="ex1"))
    assert await refused_code(old_holder) == "NOT_CLAIMED_BY_YOU"
    view = await handle.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="ex2"))
    assert view.state == AppState.APPROVED
    assert trail(engine, handle.id)[-3:] == [
        ("examiner:ex1", "claimed"),
        ("admin:admin1", "claim_reassigned:ex2"),
        ("examiner:ex2", "approved"),
    ]
    with Session(engine) as s:
        row = s.get(Application, handle.id)
        assert row is not None and row.claimed_by == "ex2"


async def test_the_holder_claiming_again_records_one_claim(harness, time_env, engine):
    """A second tab or a retried click (a new update ID) answers the case as held, once in the
    trail; another examiner is still refused."""
    handle = await submitted_case(harness, time_env, 703)
    ex1 = ExaminerAction(examiner="ex1")
    first = await handle.execute_update(EnrollmentWorkflow.claim, ex1)
    again = await handle.execute_update(EnrollmentWorkflow.claim, ex1)
    assert again == first
    assert (again.state, await holder(handle)) == (AppState.UNDER_REVIEW, "ex1")
    other = handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex2"))
    assert await refused_code(other) == "ALREADY_CLAIMED"
    await handle.execute_update(EnrollmentWorkflow.approve, ex1)
    assert trail(engine, handle.id)[-2:] == [
        ("examiner:ex1", "claimed"),
        ("examiner:ex1", "approved"),
    ]
    assert [a for _, a in trail(engine, handle.id)].count("claimed") == 1


async def test_a_case_returned_and_submitted_again_is_held_by_nobody(harness, time_env, engine):
    """The queue's 「我」/「其他审核员」 and the office's `mine` filter read the row's holder: a
    case the candidate answered waits for any examiner, though its review remembers who returned
    it."""
    handle = await submitted_case(harness, time_env, 704)
    ex1 = ExaminerAction(examiner="ex1")
    await handle.execute_update(EnrollmentWorkflow.claim, ex1)
    items = [ReviewItem(item="form.postal_code", reason="邮编有误")]
    returned = ExaminerAction(examiner="ex1", items=items)
    await handle.execute_update(EnrollmentWorkflow.return_for_changes, returned)
    assert held_by(engine, handle.id) == ("RETURNED", "ex1")
    await handle.execute_update(EnrollmentWorkflow.modify, zhuanke_form(postal_code="410100"))
    view = await handle.execute_update(EnrollmentWorkflow.submit)
    assert view.state == AppState.SUBMITTED
    assert held_by(engine, handle.id) == ("SUBMITTED", None)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex2"))
    assert held_by(engine, handle.id) == ("UNDER_REVIEW", "ex2")


def held_by(engine, workflow_id: str) -> tuple[str, str | None]:
    with Session(engine) as s:
        row = s.get(Application, workflow_id)
        assert row is not None
        return row.status, row.claimed_by
