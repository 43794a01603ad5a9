"""Shape 3 (workflows/shape.py) on the time-skipping server with the vision stand-ins: the ID
card's confirmation rides with the photo, the form with the submit, and each SMS call carries
the read model's write of its step. What a merged step must not lose: a refused photo keeps the
confirmation, a case not ready to submit keeps its form, a wrong code records nothing, a refused
code's send leaves the registration in the read model."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
)

from domain.case_view import start_memo
from domain.enrollment import (
    ConfirmIdCardInput,
    ExaminerAction,
    FormSubmitted,
    IdCardUpload,
    LivenessAnswer,
    PhotoUpload,
    PhotoWithCardConfirmed,
    VerifyPhoneInput,
)
from domain.ids import keyed_hash
from domain.notice import NOTICE_VERSION, NoticeAcceptance
from domain.states import AppState
from infra.db import Application, AuditEvent
from infra.otp import OtpService
from infra.sms import OutboxProvider, last_outbox_text
from synthetic.forms import BENKE_MAJOR
from tests.workflows.flow import obj, to_the_notice_in_one_call_steps, zhuanke_form
from tests.workflows.harness import SECRET, Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow

NOTICE = NoticeAcceptance(version=NOTICE_VERSION)


@pytest.fixture
def time_env(dev_env):
    """The dev server, as production's: the update delivered with the start is handled before
    the run begins there (the time-skipping server hands it over after), which is what lets the
    first contact write the registration with its code's send."""
    return dev_env


async def first_contact(harness: Harness, time_env, serial: int) -> tuple[WorkflowHandle, str]:
    """As the API registers: the start and the code's request in one call, shape in the memo."""
    now = await time_env.get_current_time()
    phone = f"1390003{serial:04d}"
    inp = harness.enrollment_input("2026-3", valid_id_number(serial), phone, now + timedelta(10))
    return await harness.started_with_code_request(inp, start_memo()), phone


async def read_card(handle: WorkflowHandle) -> ConfirmIdCardInput:
    card = IdCardUpload(front=obj("a/id/front.jpg"), back=obj("a/id/back.jpg"))
    read = (await handle.execute_update(EnrollmentWorkflow.submit_id_card, card)).id_card_read
    assert read is not None
    return ConfirmIdCardInput(fields=read)


def row(engine, workflow_id: str) -> Application:
    with Session(engine) as s:
        found = s.get(Application, workflow_id)
    assert found is not None
    return found


def trail(engine, workflow_id: str) -> list[str]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AuditEvent.action)
                .where(AuditEvent.workflow_id == workflow_id)
                .order_by(col(AuditEvent.seq))
            ).all()
        )


def refusal_code(err: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> str:
    return err.value.cause.type  # type: ignore[union-attr]


async def events(handle: WorkflowHandle) -> list:
    return [e async for e in handle.fetch_history_events()]


async def test_the_straight_path_in_eight_updates_keeps_every_step_in_the_trail(
    harness, time_env, engine
):
    handle, phone = await first_contact(harness, time_env, 301)
    assert row(engine, handle.id).status == AppState.REGISTERED  # written with the code's send
    view = await handle.execute_update(
        EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=harness.last_code(phone))
    )
    assert view.state == AppState.ID_PENDING
    assert row(engine, handle.id).status == AppState.ID_PENDING  # written with the code's check
    confirm = await read_card(handle)
    photo = PhotoUpload(photo=obj("a/photo.jpg"), filename="photo.jpg")
    view = await handle.execute_update(
        EnrollmentWorkflow.submit_photo_card_confirmed,
        PhotoWithCardConfirmed(confirm=confirm, photo=photo),
    )
    assert view.state == AppState.FACE_PENDING and view.liveness_challenge is not None
    answer = LivenessAnswer(
        nonce=view.liveness_challenge.nonce, frames=[obj("a/face/0.jpg"), obj("a/face/1.jpg")]
    )
    await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    view = await handle.execute_update(
        EnrollmentWorkflow.submit_with_form, FormSubmitted(notice=NOTICE, form=zhuanke_form())
    )
    assert view.state == AppState.SUBMITTED
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="e1"))
    view = await handle.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="e1"))
    assert view.state == AppState.APPROVED

    assert row(engine, handle.id).status == AppState.APPROVED
    assert trail(engine, handle.id) == [
        "registered", "phone_verified", "id_card_read", "id_card_confirmed", "photo_accepted",
        "face_verified", "notice_accepted", "form_saved", "submitted", "claimed", "approved",
    ]  # fmt: skip
    text = last_outbox_text(engine, keyed_hash(SECRET, phone))
    assert text is not None and "审核通过" in text  # the decision's SMS, from the one call
    history = await events(handle)
    kinds = [e.event_type for e in history]
    assert kinds.count(EventType.EVENT_TYPE_MARKER_RECORDED) == 7  # one call per step
    assert kinds.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) == 8
    assert len(history) <= 75  # issue 18's target (ruji bench orchestration measures it)


async def test_a_refused_photo_keeps_the_confirmation(harness, time_env, engine):
    handle, phone = await first_contact(harness, time_env, 302)
    code = VerifyPhoneInput(code=harness.last_code(phone))
    await handle.execute_update(EnrollmentWorkflow.verify_phone, code)
    confirm = await read_card(handle)
    bad = PhotoUpload(photo=obj("a/bad-photo.jpg"), filename="photo.jpg")
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            EnrollmentWorkflow.submit_photo_card_confirmed,
            PhotoWithCardConfirmed(confirm=confirm, photo=bad),
        )
    assert refusal_code(err) == "PHOTO_NOT_COMPLIANT"
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.state == AppState.PHOTO_PENDING and case.id_card.confirmed == confirm.fields
    assert row(engine, handle.id).status == AppState.PHOTO_PENDING
    assert trail(engine, handle.id)[-2:] == ["id_card_confirmed", "photo_refused"]

    good = PhotoUpload(photo=obj("a/photo.jpg"), filename="photo.jpg")
    view = await handle.execute_update(EnrollmentWorkflow.submit_photo, good)
    assert view.state == AppState.FACE_PENDING


async def test_a_confirmation_refused_records_nothing_and_checks_no_photo(harness, time_env):
    handle, phone = await first_contact(harness, time_env, 303)
    code = VerifyPhoneInput(code=harness.last_code(phone))
    await handle.execute_update(EnrollmentWorkflow.verify_phone, code)
    confirm = await read_card(handle)
    wrong = confirm.fields.model_copy(update={"id_number": valid_id_number(399)})
    photo = PhotoUpload(photo=obj("a/photo.jpg"), filename="photo.jpg")
    before = (await handle.query(EnrollmentWorkflow.case_file)).state
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            EnrollmentWorkflow.submit_photo_card_confirmed,
            PhotoWithCardConfirmed(confirm=ConfirmIdCardInput(fields=wrong), photo=photo),
        )
    assert refusal_code(err) == "ID_NUMBER_INVALID"
    after = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert after.version == before.version and after.state == AppState.ID_PENDING
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in await events(handle)
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["read_id_card"]


async def test_a_case_not_ready_to_submit_keeps_its_form(harness, time_env, engine):
    """A 专升本 major needs the CHSI check first: the form is saved, the refusal is the submit's,
    and the H5 goes on to the CHSI step."""
    handle, phone = await first_contact(harness, time_env, 304)
    await to_the_notice_in_one_call_steps(harness, handle, phone, code_requested=True)
    form = zhuanke_form(major=BENKE_MAJOR)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            EnrollmentWorkflow.submit_with_form, FormSubmitted(notice=NOTICE, form=form)
        )
    assert refusal_code(err) == "ATTACHMENTS_MISSING"
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.state == AppState.DRAFT and case.form is not None
    assert case.form.major == BENKE_MAJOR and case.notice_accepted_at is not None
    assert row(engine, handle.id).status == AppState.DRAFT
    assert trail(engine, handle.id)[-2:] == ["notice_accepted", "form_saved"]


async def test_a_wrong_code_records_nothing_and_moves_no_timer(harness, time_env, engine):
    handle, phone = await first_contact(harness, time_env, 305)
    right = harness.last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=wrong))
    assert refusal_code(err) == "SMS_CODE_WRONG"
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.state == AppState.REGISTERED and case.phone_verified_at is None
    assert row(engine, handle.id).status == AppState.REGISTERED
    kinds = [e.event_type for e in await events(handle)]
    assert kinds.count(EventType.EVENT_TYPE_TIMER_STARTED) == 1
    assert EventType.EVENT_TYPE_TIMER_CANCELED not in kinds

    view = await handle.execute_update(
        EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=right)
    )
    assert view.state == AppState.ID_PENDING
    assert row(engine, handle.id).status == AppState.ID_PENDING
    assert trail(engine, handle.id) == ["registered", "phone_verified"]


async def test_a_refused_send_leaves_the_registration_in_the_read_model(harness, time_env, engine):
    """A code sent to the phone a moment ago (another tab): the first contact's send is refused
    by the cooldown, and the registration still reaches the read model, as when the two were
    separate calls (the phone's next registration resumes it)."""
    phone = "13900030306"
    OtpService(engine, OutboxProvider(), SECRET).send_code(phone, "10.0.3.9")
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await first_contact(harness, time_env, 306)
    assert refusal_code(err) == "SMS_COOLDOWN"
    with Session(engine) as s:
        rows = s.exec(
            select(Application).where(Application.phone_hash == keyed_hash(SECRET, phone))
        ).all()
    assert [r.status for r in rows] == [AppState.REGISTERED]


async def test_a_run_started_in_shape_2_keeps_its_calls_to_the_end(harness, time_env, engine):
    """Started by the API before shape 3 (its memo says 2), the case runs on this worker as it
    began: registration, code and decision each in calls of their own, as its history recorded
    them before the upgrade (tests/replay/histories/fewer_*). The merged updates are open to it."""
    now = await time_env.get_current_time()
    phone = "13900030307"
    inp = harness.enrollment_input("2026-3", valid_id_number(307), phone, now + timedelta(10))
    handle = await harness.started_with_code_request(inp, start_memo(shape=2), "10.0.3.7")
    await to_the_notice_in_one_call_steps(harness, handle, phone, code_requested=True)
    await handle.execute_update(
        EnrollmentWorkflow.submit_with_form, FormSubmitted(notice=NOTICE, form=zhuanke_form())
    )
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="e1"))
    view = await handle.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="e1"))
    assert view.state == AppState.APPROVED and row(engine, handle.id).status == AppState.APPROVED

    calls = [
        json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data)[
            "activity_type"
        ]
        for e in await events(handle)
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    assert sorted(calls[:2]) == ["project_application", "send_sms_code"]
    assert calls[2:4] == ["check_sms_code", "project_application"]
    assert calls[-2:] == ["project_application", "notify_candidate"]
    assert not {"project_and_send_code", "check_code_and_project", "project_and_notify"} & set(
        calls
    )
