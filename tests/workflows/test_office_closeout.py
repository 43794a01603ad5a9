"""The office's close-out and the choices a case keeps (issue 17): `close_out_after` the review
deadline the period ends what still waits (SUBMITTED, RETURNED) with a reason the candidate reads
and a text message, and leaves approved and claimed cases alone; a case records the notice
version accepted and decides on the major edition the API resolved, not on the seed table."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.closeout import CLOSED_OUT_REASON
from domain.enrollment import ExaminerAction, Reassignment, ReviewItem
from domain.ids import keyed_hash
from domain.majors import MajorChoice
from domain.notice import NoticeAcceptance
from domain.period import PeriodConfig, PeriodInput
from domain.states import AppState
from infra.db import Period
from infra.sms import last_outbox_text
from tests.workflows.flow import claim_and_approve, to_draft, to_submitted, zhuanke_form
from tests.workflows.harness import SECRET, Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

PERIOD = "2026-2"


@pytest.fixture
def time_env(module_time_env):
    return module_time_env


async def application(h: Harness, time_env, serial: int) -> tuple[WorkflowHandle, str]:
    now = await time_env.get_current_time()
    phone = f"1391111{serial:04d}"
    inp = h.enrollment_input(PERIOD, valid_id_number(serial), phone, now + timedelta(days=1))
    return await h.start_application(inp), phone


async def test_the_close_out_ends_what_still_waits_and_nothing_else(harness, time_env):
    now = await time_env.get_current_time()
    waiting, waiting_phone = await application(harness, time_env, 801)
    await to_submitted(harness, waiting, waiting_phone)
    returned, returned_phone = await application(harness, time_env, 802)
    await to_submitted(harness, returned, returned_phone)
    await returned.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    await returned.execute_update(
        EnrollmentWorkflow.return_for_changes,
        ExaminerAction(examiner="ex1", items=[ReviewItem(item="form", reason="邮编有误")]),
    )
    approved, approved_phone = await application(harness, time_env, 803)
    await to_submitted(harness, approved, approved_phone)
    await claim_and_approve(approved)
    held, held_phone = await application(harness, time_env, 804)
    await to_submitted(harness, held, held_phone)
    await held.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex2"))

    config = PeriodConfig(
        period_id=PERIOD,
        year=2026,
        window=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        review_deadline=now + timedelta(days=2),
        close_out_after=timedelta(days=3),
    )
    period = await time_env.client.start_workflow(
        EnrollmentPeriodWorkflow.run,
        PeriodInput(config=config),
        id=f"period-{PERIOD}-{uuid.uuid4().hex[:6]}",
        task_queue=harness.task_queue,
    )
    await time_env.sleep(timedelta(days=4))  # past the deadline, before the close-out
    view = await period.query(EnrollmentPeriodWorkflow.view)
    assert (view.state.issued, view.state.closed_out) == (1, False)
    with Session(harness.engine) as s:  # what the API tells a returned case to resubmit by
        row = s.get(Period, PERIOD)
        assert row is not None and row.close_out_after() == timedelta(days=3)
    assert (await waiting.query(EnrollmentWorkflow.view)).state == AppState.SUBMITTED

    await time_env.sleep(timedelta(days=2))
    view = await period.query(EnrollmentPeriodWorkflow.view)
    assert (view.state.closed_out, view.state.closed_out_cases) == (True, 2)
    for handle, phone, was in (
        (waiting, waiting_phone, AppState.SUBMITTED),
        (returned, returned_phone, AppState.RETURNED),
    ):
        seen = await handle.query(EnrollmentWorkflow.view)
        assert (seen.state, seen.closed_reason) == (AppState.EXPIRED, CLOSED_OUT_REASON[was])
        case = await handle.query(EnrollmentWorkflow.case_file)
        assert case.state.history[-1][1:] == ("system", "expired:closed_out")
        assert "已关闭" in (last_outbox_text(harness.engine, keyed_hash(SECRET, phone)) or "")
    assert (await approved.query(EnrollmentWorkflow.view)).state == AppState.TICKET_ISSUED
    assert (await held.query(EnrollmentWorkflow.view)).state == AppState.UNDER_REVIEW


async def test_a_case_still_claimed_at_the_close_out_leaves_review_only_by_a_decision(
    harness, time_env
):
    """Nothing waits for the candidate or the queue after the close-out: a case its examiner
    still holds can no longer be given back to the queue or returned to the candidate (it would
    stay SUBMITTED or RETURNED for good, as nothing closes it any more). An admin may still move
    the claim; the holder approves or rejects."""
    now = await time_env.get_current_time()
    held, held_phone = await application(harness, time_env, 807)
    await to_submitted(harness, held, held_phone)
    await held.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    period = await harness.start_period(
        PERIOD, now - timedelta(hours=1), now + timedelta(days=1), now + timedelta(days=2)
    )
    await time_env.sleep(timedelta(days=2 + 14 + 1))  # the close-out: 14 days after the deadline
    assert (await period.query(EnrollmentPeriodWorkflow.view)).state.closed_out

    items = [ReviewItem(item="form", reason="邮编有误")]
    for update, act in (
        (EnrollmentWorkflow.release_claim, ExaminerAction(examiner="ex1")),
        (EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await held.execute_update(update, act)
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "REVIEW_CLOSED" and "审核截止" in str(
            refused.value.cause.message
        )
    move = Reassignment(examiner="ex2", admin="admin1")
    await held.execute_update(EnrollmentWorkflow.reassign_claim, move)
    view = await held.execute_update(
        EnrollmentWorkflow.reject, ExaminerAction(examiner="ex2", items=items)
    )
    assert view.state == AppState.REJECTED


async def test_the_case_keeps_the_notice_version_accepted(harness, time_env):
    handle, phone = await application(harness, time_env, 805)
    await to_draft(harness, handle, phone)  # accepted without a version, as old clients did
    assert (await handle.query(EnrollmentWorkflow.case_file)).state.notice_version == ""
    await handle.execute_update(
        EnrollmentWorkflow.accept_notice, NoticeAcceptance(version="2026-1")
    )
    assert (await handle.query(EnrollmentWorkflow.case_file)).state.notice_version == "2026-1"


async def test_the_workflow_decides_on_the_edition_the_api_resolved(harness, time_env):
    handle, phone = await application(harness, time_env, 806)
    await to_draft(harness, handle, phone)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form(major="590108"))
    assert isinstance(refused.value.cause, ApplicationError)
    assert "FORM_MAJOR" in str(refused.value.cause.details)  # not in the seed table

    added = MajorChoice(
        code="590108",
        name="智慧健康养老服务与管理",
        level="zhuanke",
        restricted=True,
        condition_text="须在养老服务机构工作满一年",
        version=1,
    )
    form = zhuanke_form(major="590108").model_copy(update={"major_choice": added})
    view = await handle.execute_update(EnrollmentWorkflow.save_form, form)
    assert [r.code for r in view.required_attachments] == ["RESTRICTED_CONDITION_PROOF"]
    assert view.form.major_choice == added  # the case keeps the edition it chose
