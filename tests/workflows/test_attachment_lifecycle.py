"""A candidate's own attachments in the workflow (issue #15, item 7): an upload retried with the
same stored object adds no second file; a file can be removed while the case is editable and not
under review; removing a proof a submitted case needs sends it back to the candidate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.enrollment import AttachmentRemoval, AttachmentUpload, ExaminerAction
from domain.states import AppState
from tests.workflows.flow import obj, to_draft, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow

RESTRICTED_NURSING = "520201"  # 护理 (专科): proofs of Attachment 1 needed


@pytest.fixture
def time_env(module_time_env):
    """A server of this module's own: its runs wait on timers after the test (see conftest)."""
    return module_time_env


async def nursing_draft(h: Harness, time_env, serial: int) -> tuple[WorkflowHandle, list[str]]:
    """A DRAFT case of a restricted major, and the document codes of its first proof option."""
    now = await time_env.get_current_time()
    phone = f"1390000{serial:04d}"
    inp = h.enrollment_input("2026-2", valid_id_number(serial), phone, now + timedelta(days=10))
    handle = await h.start_application(inp)
    await to_draft(h, handle, phone)
    view = await handle.execute_update(
        EnrollmentWorkflow.save_form, zhuanke_form(major=RESTRICTED_NURSING)
    )
    wanted = [r for r in view.required_attachments if not r.satisfied]
    return handle, [d.code for r in wanted for d in r.options[0]]


async def upload(handle: WorkflowHandle, code: str) -> None:
    await handle.execute_update(
        EnrollmentWorkflow.upload_attachment,
        AttachmentUpload(code=code, file=obj(f"a/attachments/{code.lower()}-000000000001.pdf")),
    )


async def remove(handle: WorkflowHandle, code: str) -> None:
    key = f"a/attachments/{code.lower()}-000000000001.pdf"
    await handle.execute_update(
        EnrollmentWorkflow.remove_attachment, AttachmentRemoval(code=code, key=key)
    )


async def refusal(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as exc_info:
        await call
    cause = exc_info.value.cause
    assert isinstance(cause, ApplicationError)
    return str(cause.type)


async def test_the_same_upload_twice_is_one_attachment(harness, time_env):
    handle, codes = await nursing_draft(harness, time_env, 401)
    await upload(handle, codes[0])
    await upload(handle, codes[0])  # the retry of an upload whose answer was lost
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert len(case.attachments[codes[0]]) == 1
    assert [a for _, _, a in case.history].count(f"attachment:{codes[0]}") == 1


async def test_an_attachment_is_removed_before_submit_and_only_once(harness, time_env):
    handle, codes = await nursing_draft(harness, time_env, 402)
    await upload(handle, codes[0])
    await remove(handle, codes[0])
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert codes[0] not in case.attachments
    assert case.history[-1][1:] == ("candidate", f"attachment_removed:{codes[0]}")
    assert await refusal(remove(handle, codes[0])) == "ATTACHMENT_NOT_FOUND"


async def test_removing_a_needed_proof_after_submit_reopens_the_case(harness, time_env):
    handle, codes = await nursing_draft(harness, time_env, 403)
    for code in codes:
        await upload(handle, code)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
    await remove(handle, codes[0])
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.state == AppState.DRAFT
    claim = handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    assert await refusal(claim) == "WRONG_STATE"


async def test_no_removal_once_review_has_started(harness, time_env):
    handle, codes = await nursing_draft(harness, time_env, 404)
    for code in codes:
        await upload(handle, code)
    await handle.execute_update(EnrollmentWorkflow.submit)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    assert await refusal(remove(handle, codes[0])) == "UNDER_REVIEW_LOCKED"
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert codes[0] in case.attachments
