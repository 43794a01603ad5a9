"""Paths of the guide a candidate and an examiner really take, beyond the straight one: a change
after submit that needs more, a return that asks for a 专升本 major's CHSI step, an examiner
approving an incomplete case, a form that contradicts the ID card (issue #15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.case_rules import check_face_attempts_left
from domain.enrollment import (
    ApplicationView,
    AttachmentUpload,
    ConfirmIdCardInput,
    EnrollmentForm,
    EnrollmentState,
    ExaminerAction,
    IdCardUpload,
    LivenessAnswer,
    OnSiteFaceCheck,
    PhotoUpload,
    Review,
    ReviewItem,
)
from domain.errors import RefusedError
from domain.liveness import MAX_ATTEMPTS_PER_DAY, SHANGHAI
from domain.states import AppState
from synthetic.forms import form_fields
from tests.workflows.flow import obj, to_draft, to_submitted, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_lifecycle_model import issue_chsi_codes, scanned_verified
from workflows.enrollment import EnrollmentWorkflow

RESTRICTED_NURSING = "520201"  # 护理 (专科): proofs of Attachment 1 needed
BENKE_ACCOUNTING = "120203K"  # 会计学 (专升本): CHSI step needed


@pytest.fixture
def time_env(module_time_env):
    return module_time_env


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
        ExaminerAction(examiner="ex1", items=[ReviewItem(item="form", reason="专业选错")]),
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
    now = await time_env.get_current_time()
    phone = "13900000303"
    closes = now + timedelta(minutes=5)
    inp = harness.enrollment_input("2026-2", valid_id_number(303), phone, closes)
    handle = await harness.start_application(inp)
    await to_submitted(harness, handle, phone)
    await time_env.sleep(timedelta(minutes=10))
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


async def fail_face(handle: WorkflowHandle) -> ApplicationError:
    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=[obj("stranger-0.jpg")])
    return await refused(handle, EnrollmentWorkflow.submit_liveness, answer)


async def pass_face(handle: WorkflowHandle) -> ApplicationView:
    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=[obj("a/face/0.jpg")])
    return await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)


async def at_face_step(h: Harness, time_env, serial: int) -> WorkflowHandle:
    handle, phone = await application(h, time_env, serial)
    await to_draft(h, handle, phone)  # passes once; a new photo reopens the face step
    await handle.execute_update(
        EnrollmentWorkflow.submit_photo, PhotoUpload(photo=obj("new.jpg"), filename="new.jpg")
    )
    return handle


async def test_five_failed_face_checks_lock_the_step_until_tomorrow_never_onward(harness, time_env):
    handle = await at_face_step(harness, time_env, 306)
    for _ in range(MAX_ATTEMPTS_PER_DAY):
        assert (await fail_face(handle)).type == "FACE_MISMATCH"
    view = await handle.query(EnrollmentWorkflow.view)
    assert (view.state, view.face_passed, view.needs_manual_review) == (
        AppState.FACE_PENDING,
        False,
        False,
    )
    locked = await refused(handle, EnrollmentWorkflow.start_liveness)
    assert locked.type == "FACE_LOCKED_TODAY" and "北京时间" in locked.message
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    now = await time_env.get_current_time()
    tomorrow = (now.astimezone(SHANGHAI) + timedelta(days=1)).replace(hour=0, minute=1)
    check_face_attempts_left(case, tomorrow)  # the lock ends at midnight, Beijing time
    with pytest.raises(RefusedError):
        check_face_attempts_left(case, tomorrow - timedelta(minutes=2))


async def test_an_examiner_records_an_on_site_face_check_for_a_stuck_candidate(harness, time_env):
    handle = await at_face_step(harness, time_env, 307)
    for _ in range(MAX_ATTEMPTS_PER_DAY):
        await fail_face(handle)
    view = await handle.execute_update(
        EnrollmentWorkflow.verify_face_on_site,
        OnSiteFaceCheck(examiner="ex9", reason="考区现场核验本人与身份证一致"),
    )
    assert (view.state, view.face_passed, view.needs_manual_review) == (
        AppState.NOTICE_PENDING,
        True,
        True,
    )
    case = await handle.query(EnrollmentWorkflow.case_file)
    assert case.state.face.on_site.examiner == "ex9"
    assert case.state.history[-1][1:] == ("examiner:ex9", "face_verified_on_site")
    cause = await refused(
        handle,
        EnrollmentWorkflow.verify_face_on_site,
        OnSiteFaceCheck(examiner="ex9", reason="again"),
    )
    assert cause.type == "WRONG_STATE"  # only where the candidate is at the face step


async def returned(h: Harness, time_env, serial: int, item: str, reason: str) -> WorkflowHandle:
    """Submitted, claimed by ex1 and returned for one item."""
    handle, phone = await application(h, time_env, serial)
    await to_submitted(h, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    items = [ReviewItem(item=item, reason=reason)]
    await handle.execute_update(
        EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
    )
    return handle


async def test_a_return_for_the_photo_reopens_photo_and_face_then_resubmit(harness, time_env):
    handle = await returned(
        harness, time_env, 308, "photo", "寸照不符合图像采集规范，请重新拍摄上传"
    )
    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "RETURN_NOT_ANSWERED" and "寸照" in cause.message
    view = await handle.execute_update(
        EnrollmentWorkflow.submit_photo, PhotoUpload(photo=obj("redo.jpg"), filename="redo.jpg")
    )
    assert view.state == AppState.RETURNED and not view.face_passed
    assert (await refused(handle, EnrollmentWorkflow.submit)).type == "RETURN_NOT_ANSWERED"
    assert (await pass_face(handle)).state == AppState.RETURNED
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
    case = await handle.query(EnrollmentWorkflow.case_file)
    assert case.state.photo.official.key == "redo.jpg"


async def test_a_return_names_only_what_the_candidate_can_act_on(harness, time_env):
    handle, phone = await application(harness, time_env, 309)
    await to_submitted(harness, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    vague = ExaminerAction(examiner="ex1", items=[ReviewItem(item="other", reason="请修改")])
    cause = await refused(handle, EnrollmentWorkflow.return_for_changes, vague)
    assert cause.type == "RETURN_ITEM_UNKNOWN"
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.UNDER_REVIEW


async def test_a_second_id_card_after_a_returned_card_was_redone_needs_confirming_again(
    harness, time_env
):
    """Returned for the ID card: the candidate uploads, confirms and passes the face check, then
    uploads the card once more (a sharper picture). That card is neither confirmed nor matched
    to the live face: the case cannot go in again until it is."""
    handle = await returned(harness, time_env, 310, "id_card", "身份证照片不清晰，请重新上传")
    card = IdCardUpload(front=obj("r/id/front.jpg"), back=obj("r/id/back.jpg"))
    await handle.execute_update(EnrollmentWorkflow.submit_id_card, card)
    fields = (await handle.query(EnrollmentWorkflow.case_file)).state.id_card.ocr
    await handle.execute_update(
        EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=fields)
    )
    await pass_face(handle)
    again = IdCardUpload(front=obj("r/id/front2.jpg"), back=obj("r/id/back2.jpg"))
    view = await handle.execute_update(EnrollmentWorkflow.submit_id_card, again)
    assert view.state == AppState.RETURNED and view.return_pending == ["face", "id_card"]

    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "RETURN_NOT_ANSWERED" and "身份证" in cause.message
    await handle.execute_update(
        EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=fields)
    )
    assert (await refused(handle, EnrollmentWorkflow.submit)).type == "RETURN_NOT_ANSWERED"
    await pass_face(handle)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.id_card.front.key == "r/id/front2.jpg" and case.id_card.confirmed is not None


async def test_a_return_answered_through_a_change_that_reopens_still_needs_its_steps(
    harness, time_env
):
    """Returned for the photo, the candidate also picks a restricted major, which puts the case
    back to its steps for the proofs: at the first step the return still waits for (the 寸照),
    not at DRAFT past it and past the face check a new 寸照 voids. Then the face check, the
    notice (the rules before 2 walk it again), the proofs, and it goes in again."""
    handle = await returned(harness, time_env, 312, "photo", "寸照背景不是浅蓝色")
    view = await handle.execute_update(
        EnrollmentWorkflow.modify, zhuanke_form(major=RESTRICTED_NURSING)
    )
    assert (view.state, view.return_pending) == (AppState.PHOTO_PENDING, ["face", "photo"])
    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "STEP_NOT_REACHED"

    photo = PhotoUpload(photo=obj("redo.jpg"), filename="redo.jpg")
    view = await handle.execute_update(EnrollmentWorkflow.submit_photo, photo)
    assert (view.state, view.return_pending) == (AppState.FACE_PENDING, ["face"])
    await pass_face(handle)
    view = await handle.execute_update(EnrollmentWorkflow.accept_notice)
    assert (view.state, view.return_pending) == (AppState.DRAFT, [])
    view = await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_a_chsi_verification_survives_a_detour_through_a_zhuanke_major(
    time_env, engine, task_queue
):
    """Verified by CHSI for a 专升本 major, the candidate saves a 专科 major by mistake and then
    a 专升本 one again: the record CHSI confirmed still verifies the step (it is the candidate's,
    whatever the major); he is not sent to the manual upload."""
    async with Harness(time_env, engine, task_queue, extra_activities=[issue_chsi_codes]) as h:
        handle, phone = await application(h, time_env, 313)
        await to_draft(h, handle, phone)
        benke = zhuanke_form(major=BENKE_ACCOUNTING)
        await handle.execute_update(EnrollmentWorkflow.save_form, benke)
        codes = (await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)).chsi_codes
        assert await scanned_verified(handle, codes) == "VERIFIED"

        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        view = await handle.execute_update(EnrollmentWorkflow.save_form, benke)
        assert view.chsi_status == "verified" and not view.required_attachments
        assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


# --- a return is answered item by item (attachments uploaded again, the form saved again) ---
async def submitted_with_proofs(h: Harness, time_env, serial: int):
    """A restricted major's case, its proofs uploaded, submitted."""
    handle, phone = await application(h, time_env, serial)
    await to_draft(h, handle, phone)
    view = await handle.execute_update(
        EnrollmentWorkflow.save_form, zhuanke_form(major=RESTRICTED_NURSING)
    )
    view = await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
    return handle, view


async def test_a_return_for_a_proof_needs_that_proof_uploaded_again(harness, time_env):
    handle, view = await submitted_with_proofs(harness, time_env, 331)
    requirement = view.required_attachments[0]
    document = requirement.options[0][0]
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    items = [ReviewItem(item=document.code, reason="证明材料不清晰，请重新上传")]
    await handle.execute_update(
        EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
    )

    cause = await refused(handle, EnrollmentWorkflow.submit)  # the same file again: no
    assert cause.type == "RETURN_NOT_ANSWERED" and document.name in cause.message
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.return_pending == [document.code]
    # another of the case's proofs does not answer it
    await handle.execute_update(EnrollmentWorkflow.modify, zhuanke_form(major=RESTRICTED_NURSING))
    assert (await refused(handle, EnrollmentWorkflow.submit)).type == "RETURN_NOT_ANSWERED"

    again = AttachmentUpload(code=document.code, file=obj(f"a/att/{document.code}-2.pdf"))
    view = await handle.execute_update(EnrollmentWorkflow.upload_attachment, again)
    assert view.return_pending == [] and view.state == AppState.RETURNED
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_a_return_for_a_requirement_is_answered_by_any_of_its_documents(harness, time_env):
    handle, view = await submitted_with_proofs(harness, time_env, 332)
    requirement = view.required_attachments[0]
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    items = [ReviewItem(item=requirement.code, reason="请补充证明")]
    await handle.execute_update(
        EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
    )
    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "RETURN_NOT_ANSWERED" and requirement.title in cause.message
    document = requirement.options[-1][0]
    again = AttachmentUpload(code=document.code, file=obj(f"a/att/{document.code}-3.pdf"))
    await handle.execute_update(EnrollmentWorkflow.upload_attachment, again)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_a_return_for_a_form_field_is_answered_by_saving_the_form(harness, time_env):
    """Saved again, changed or not: the examiner may have asked to check a value that was
    right, and a returned case must always be able to go in again."""
    handle = await returned(harness, time_env, 333, "form.postal_code", "邮政编码有误")
    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "RETURN_NOT_ANSWERED" and "邮政编码" in cause.message
    view = await handle.execute_update(EnrollmentWorkflow.modify, zhuanke_form())
    assert view.return_pending == [] and view.state == AppState.RETURNED
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
