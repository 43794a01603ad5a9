"""Paths of the guide a candidate and an examiner really take, beyond the straight one: a change
after submit that needs more, a return that asks for a 专升本 major's CHSI step, an examiner
approving an incomplete case, a form that contradicts the ID card (issue #15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.enrollment import (
    ApplicationView,
    AttachmentUpload,
    EnrollmentForm,
    EnrollmentState,
    ExaminerAction,
    Review,
    ReviewItem,
)
from domain.states import AppState
from synthetic.forms import form_fields
from tests.workflows.flow import obj, to_draft, to_submitted, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow

RESTRICTED_NURSING = "520201"  # 护理 (专科): proofs of Attachment 1 needed
BENKE_ACCOUNTING = "120203K"  # 会计学 (专升本): CHSI step needed


@pytest.fixture
async def harness(time_env, engine, task_queue):
    async with Harness(time_env, engine, task_queue) as h:
        yield h


async def refused(handle: WorkflowHandle, update, arg=None) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as exc_info:
        if arg is None:
            await handle.execute_update(update)
        else:
            await handle.execute_update(update, arg)
    cause = exc_info.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def application(h: Harness, time_env, serial: int) -> tuple[WorkflowHandle, str]:
    now = await time_env.get_current_time()
    phone = f"1390000{serial:04d}"
    inp = h.enrollment_input("2026-2", valid_id_number(serial), phone, now + timedelta(days=10))
    return await h.start_application(inp), phone


async def upload_missing(handle: WorkflowHandle, view: ApplicationView) -> ApplicationView:
    """The first proof option of every unmet requirement, as a candidate would choose."""
    for item in view.required_attachments:
        if not item.satisfied:
            for document in item.options[0]:
                view = await handle.execute_update(
                    EnrollmentWorkflow.upload_attachment,
                    AttachmentUpload(code=document.code, file=obj(f"a/att/{document.code}.pdf")),
                )
    return view


async def test_a_change_to_a_restricted_major_after_submit_reopens_until_the_proofs(
    harness, time_env
):
    handle, phone = await application(harness, time_env, 301)
    await to_submitted(harness, handle, phone)
    view = await handle.execute_update(
        EnrollmentWorkflow.modify, zhuanke_form(major=RESTRICTED_NURSING)
    )
    assert view.state == AppState.DRAFT
    assert any(not item.satisfied for item in view.required_attachments)
    assert (await refused(handle, EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))).type
    view = await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
    view = await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    assert view.state == AppState.UNDER_REVIEW


async def test_a_return_answered_with_a_benke_major_can_run_the_chsi_step_and_resubmit(
    harness, time_env
):
    handle, phone = await application(harness, time_env, 302)
    await to_submitted(harness, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    await handle.execute_update(
        EnrollmentWorkflow.return_for_changes,
        ExaminerAction(examiner="ex1", items=[ReviewItem(item="form.major", reason="专业选错")]),
    )
    view = await handle.execute_update(
        EnrollmentWorkflow.modify, zhuanke_form(major=BENKE_ACCOUNTING)
    )
    assert (view.state, view.chsi_status) == (AppState.DRAFT, "pending")
    view = await handle.execute_update(EnrollmentWorkflow.chsi_failed)  # the manual path
    assert view.chsi_status == "failed"
    view = await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_a_change_that_needs_more_is_refused_once_the_window_has_closed(harness, time_env):
    handle, phone = await application(harness, time_env, 303)
    await to_submitted(harness, handle, phone)
    await time_env.sleep(timedelta(days=11))
    cause = await refused(handle, EnrollmentWorkflow.modify, zhuanke_form(major=RESTRICTED_NURSING))
    assert cause.type == "WINDOW_CLOSED"
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.state == AppState.SUBMITTED and view.form.major != RESTRICTED_NURSING


async def test_approving_an_incomplete_case_needs_the_examiners_reason(harness, time_env, engine):
    now = await time_env.get_current_time()
    incomplete = EnrollmentState(
        state=AppState.UNDER_REVIEW,
        created_at=now,
        form=zhuanke_form(major=RESTRICTED_NURSING),
        review=Review(examiner="ex1"),
        submitted_at=now,
        history=[(now, "system", "registered")],
    )
    inp = harness.enrollment_input(
        "2026-2", valid_id_number(304), "13900000304", now + timedelta(days=10), state=incomplete
    )
    handle = await harness.start_application(inp)
    cause = await refused(handle, EnrollmentWorkflow.approve, ExaminerAction(examiner="ex1"))
    assert cause.type == "CHECKLIST_INCOMPLETE"
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.UNDER_REVIEW
    view = await handle.execute_update(
        EnrollmentWorkflow.approve,
        ExaminerAction(examiner="ex1", override_reason="现场核验了护士执业资格证书原件"),
    )
    assert view.state == AppState.APPROVED
    case = await handle.query(EnrollmentWorkflow.case_file)
    assert case.state.review.override_reason == "现场核验了护士执业资格证书原件"
    assert case.state.history[-1][2] == "approved:override"


def _form(**changes: object) -> EnrollmentForm:
    return EnrollmentForm(**(form_fields() | changes))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        # the stand-in card's address is in Hunan: claiming another household skips nothing
        ({"household_province": "44", "non_hunan_category": "lives"}, "FORM_HOUSEHOLD_PROVINCE"),
        # an "old identity" equal to today's is no change at all
        ({"identity_changed": True, "old_name": "张三"}, "OLD_IDENTITY_UNCHANGED"),
    ],
)
async def test_the_form_is_checked_against_the_confirmed_id_card(
    harness, time_env, changes, problem
):
    handle, phone = await application(harness, time_env, 305)
    await to_draft(harness, handle, phone)
    cause = await refused(handle, EnrollmentWorkflow.save_form, _form(**changes))
    assert problem in (cause.type, *[p["code"] for p in cause.details[0].get("details") or []])
