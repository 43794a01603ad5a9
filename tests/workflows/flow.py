"""Drives one application through the candidate's steps, as the API would."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import WorkflowHandle

from domain.case_view import RULES_MEMO_KEY
from domain.enrollment import (
    ApplicationView,
    ConfirmIdCardInput,
    EnrollmentForm,
    ExaminerAction,
    FormSubmitted,
    IdCardUpload,
    LivenessAnswer,
    NoticeWithForm,
    PhotoUpload,
    PhotoWithCardConfirmed,
    RequestCodeInput,
    VerifyPhoneInput,
)
from domain.notice import NOTICE_VERSION, NoticeAcceptance
from domain.objects import StoredObject
from domain.states import AppState
from synthetic.forms import form_fields
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow


def obj(key: str) -> StoredObject:
    return StoredObject(key=key, sha256="0" * 64, size=1, content_type="image/jpeg")


def zhuanke_form(**changes: str) -> EnrollmentForm:
    return EnrollmentForm(**form_fields(email="a@example.cn", **changes))


async def verify_phone(h: Harness, handle: WorkflowHandle, phone: str) -> ApplicationView:
    await handle.execute_update(
        EnrollmentWorkflow.request_phone_code, RequestCodeInput(client_ip="10.0.0.1")
    )
    return await handle.execute_update(
        EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=h.last_code(phone))
    )


async def to_draft(h: Harness, handle: WorkflowHandle, phone: str) -> ApplicationView:
    await verify_phone(h, handle, phone)
    return await from_id_step_to_draft(handle)


async def at_draft_under_rules(h: Harness, time_env, serial: int, rules: int) -> WorkflowHandle:
    """A case started under the given rules (its start's memo), walked to DRAFT."""
    now = await time_env.get_current_time()
    phone = f"1390000{serial:04d}"
    inp = h.enrollment_input("2026-2", valid_id_number(serial), phone, now + timedelta(days=10))
    handle = await h.start_application(inp, memo={RULES_MEMO_KEY: rules})
    await to_draft(h, handle, phone)
    return handle


async def from_id_step_to_draft(handle: WorkflowHandle) -> ApplicationView:
    """ID card, photo, liveness and notice, on an application whose phone is verified."""
    await to_the_face_step(handle)
    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    assert view.liveness_challenge is not None
    await handle.execute_update(
        EnrollmentWorkflow.submit_liveness,
        LivenessAnswer(
            nonce=view.liveness_challenge.nonce, frames=[obj("a/face/0.jpg"), obj("a/face/1.jpg")]
        ),
    )
    view = await handle.execute_update(EnrollmentWorkflow.accept_notice)
    assert view.state == AppState.DRAFT
    return view


async def to_the_face_step(handle: WorkflowHandle) -> ApplicationView:
    """ID card read and confirmed, photo accepted: the photo's answer (with the liveness challenge
    in shape 2)."""
    view = await handle.execute_update(
        EnrollmentWorkflow.submit_id_card,
        IdCardUpload(front=obj("a/id/front.jpg"), back=obj("a/id/back.jpg")),
    )
    assert view.id_card is not None
    card = await handle.query(EnrollmentWorkflow.case_file)
    await handle.execute_update(
        EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=card.state.id_card.ocr)
    )
    return await handle.execute_update(
        EnrollmentWorkflow.submit_photo, PhotoUpload(photo=obj("a/photo.jpg"), filename="photo.jpg")
    )


async def to_submitted(
    h: Harness, handle: WorkflowHandle, phone: str, form: EnrollmentForm | None = None
) -> ApplicationView:
    await to_draft(h, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.save_form, form or zhuanke_form())
    return await handle.execute_update(EnrollmentWorkflow.submit)


async def to_submitted_as_the_h5_does(
    h: Harness, handle: WorkflowHandle, phone: str, form: EnrollmentForm | None = None
) -> ApplicationView:
    """A case started in shape 2 (workflows/shape.py): the challenge comes with the accepted
    photo, the notice with the form's first save."""
    await verify_phone(h, handle, phone)
    view = await to_the_face_step(handle)
    assert view.liveness_challenge is not None
    frames = [obj("a/face/0.jpg"), obj("a/face/1.jpg")]
    answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=frames)
    await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    notice = NoticeAcceptance(version=NOTICE_VERSION)
    both = NoticeWithForm(notice=notice, form=form or zhuanke_form())
    view = await handle.execute_update(EnrollmentWorkflow.accept_notice_with_form, both)
    assert view.state == AppState.DRAFT
    return await handle.execute_update(EnrollmentWorkflow.submit)


async def to_the_notice_in_one_call_steps(
    h: Harness, handle: WorkflowHandle, phone: str, *, code_requested: bool = False
) -> ApplicationView:
    """A case walked as the H5 walks it in shape 3 (workflows/shape.py), up to the notice: the
    card's confirmation with the photo, the challenge with the accepted photo. `code_requested`:
    the start came with the code's request (the API's first contact)."""
    if code_requested:
        code = VerifyPhoneInput(code=h.last_code(phone))
        await handle.execute_update(EnrollmentWorkflow.verify_phone, code)
    else:
        await verify_phone(h, handle, phone)
    card = IdCardUpload(front=obj("a/id/front.jpg"), back=obj("a/id/back.jpg"))
    read = (await handle.execute_update(EnrollmentWorkflow.submit_id_card, card)).id_card_read
    assert read is not None
    both = PhotoWithCardConfirmed(
        confirm=ConfirmIdCardInput(fields=read),
        photo=PhotoUpload(photo=obj("a/photo.jpg"), filename="photo.jpg"),
    )
    view = await handle.execute_update(EnrollmentWorkflow.submit_photo_card_confirmed, both)
    assert view.liveness_challenge is not None
    frames = [obj("a/face/0.jpg"), obj("a/face/1.jpg")]
    answer = LivenessAnswer(nonce=view.liveness_challenge.nonce, frames=frames)
    view = await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    assert view.state == AppState.NOTICE_PENDING
    return view


async def to_submitted_in_one_call_steps(
    h: Harness,
    handle: WorkflowHandle,
    phone: str,
    form: EnrollmentForm | None = None,
    *,
    code_requested: bool = False,
) -> ApplicationView:
    """…then the notice and the form with the submit."""
    await to_the_notice_in_one_call_steps(h, handle, phone, code_requested=code_requested)
    submitted = FormSubmitted(
        notice=NoticeAcceptance(version=NOTICE_VERSION), form=form or zhuanke_form()
    )
    view = await handle.execute_update(EnrollmentWorkflow.submit_with_form, submitted)
    assert view.state == AppState.SUBMITTED
    return view


async def claim_and_approve(handle: WorkflowHandle, examiner: str = "ex1") -> ApplicationView:
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner=examiner))
    return await handle.execute_update(
        EnrollmentWorkflow.approve, ExaminerAction(examiner=examiner)
    )
