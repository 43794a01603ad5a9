"""EnrollmentWorkflow on the time-skipping server: the whole path, modify rules, reject and
return, expiry and the closed window. Vision steps use the stand-ins of tests/stand_ins.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.enrollment import (
    ExaminerAction,
    IdCardUpload,
    ReviewItem,
)
from domain.ids import keyed_hash
from domain.messages import DECISION_SMS
from domain.states import AppState
from domain.tickets import is_ticket_number
from infra.db import Application, AuditEvent, SmsMessage
from tests.workflows.flow import (
    claim_and_approve,
    obj,
    to_draft,
    to_submitted,
    verify_phone,
    zhuanke_form,
)
from tests.workflows.harness import SECRET, valid_id_number
from workflows.enrollment import EnrollmentWorkflow


def refusal_of(exc_info) -> ApplicationError:
    cause = exc_info.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_whole_path_from_registration_to_ticket(harness, time_env, engine):
    now = await time_env.get_current_time()
    period = await harness.start_period(
        "2026-2", now - timedelta(days=1), now + timedelta(days=10), now + timedelta(days=20)
    )
    phone = "13900001111"
    inp = harness.enrollment_input("2026-2", valid_id_number(1), phone, now + timedelta(days=10))
    handle = await harness.start_application(inp)

    view = await to_submitted(harness, handle, phone)
    assert view.state == AppState.SUBMITTED and view.submitted_at is not None
    assert view.phone == "139****1111" and "*" in view.id_number

    view = await claim_and_approve(handle)
    assert view.state == AppState.APPROVED

    assert await handle.result() == AppState.TICKET_ISSUED  # time skips to the review deadline
    view = await handle.query(EnrollmentWorkflow.view)
    assert is_ticket_number(view.ticket_number)
    assert view.ticket_number.startswith("26012")  # year 26, area 01 (长沙), window 2

    with Session(engine) as s:
        row = s.get(Application, inp.application_id)
        assert row.status == "TICKET_ISSUED" and row.ticket_number == view.ticket_number
        actions = [
            e.action
            for e in s.exec(
                select(AuditEvent)
                .where(AuditEvent.workflow_id == inp.application_id)
                .order_by(AuditEvent.seq)
            )
        ]
        assert actions[:3] == ["registered", "phone_verified", "id_card_read"]
        assert actions[-1] == "ticket_issued"
        texts = [m.text for m in s.exec(select(SmsMessage))]
    assert (
        sum("已生成准考证号" in t for t in texts) == 1 and sum("审核通过" in t for t in texts) == 1
    )
    await period.cancel()


async def test_modify_allowed_until_review_then_refused(harness, time_env):
    now = await time_env.get_current_time()
    phone = "13900002222"
    handle = await harness.start_application(
        harness.enrollment_input("p-mod", valid_id_number(2), phone, now + timedelta(days=10))
    )
    await to_submitted(harness, handle, phone)

    view = await handle.execute_update(EnrollmentWorkflow.modify, zhuanke_form(region="02"))
    assert view.state == AppState.SUBMITTED and view.form.region == "02"

    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.modify, zhuanke_form(region="03"))
    assert refusal_of(err).type == "UNDER_REVIEW_LOCKED"
    assert refusal_of(err).message == "审核已开始，不能修改"

    items = [ReviewItem(item="form.postal_code", reason="邮政编码与住址不符")]
    view = await handle.execute_update(
        EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
    )
    assert view.state == AppState.RETURNED and view.review.items[0].reason == "邮政编码与住址不符"
    view = await handle.execute_update(
        EnrollmentWorkflow.modify, zhuanke_form(region="02", postal_code="412000")
    )
    assert view.state == AppState.RETURNED and view.form.postal_code == "412000"
    view = await handle.execute_update(EnrollmentWorkflow.submit)
    assert view.state == AppState.SUBMITTED


async def test_reject_needs_reasons_and_is_final(harness, time_env, engine):
    now = await time_env.get_current_time()
    phone = "13900003333"
    handle = await harness.start_application(
        harness.enrollment_input("p-rej", valid_id_number(3), phone, now + timedelta(days=10))
    )
    await to_submitted(harness, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.reject, ExaminerAction(examiner="ex1"))
    assert refusal_of(err).type == "REASONS_REQUIRED"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="ex2"))
    assert refusal_of(err).type == "NOT_CLAIMED_BY_YOU"
    items = [ReviewItem(item="photo", reason="照片非本人近期照片")]
    view = await handle.execute_update(
        EnrollmentWorkflow.reject, ExaminerAction(examiner="ex1", items=items)
    )
    assert view.state == AppState.REJECTED
    assert await handle.result() == AppState.REJECTED
    with Session(engine) as s:
        assert any("审核未通过" in m.text for m in s.exec(select(SmsMessage)))


async def test_unverified_registration_expires_after_15_minutes(harness, time_env, engine):
    now = await time_env.get_current_time()
    inp = harness.enrollment_input(
        "p-exp", valid_id_number(4), "13900004444", now + timedelta(days=10)
    )
    handle = await harness.start_application(inp)
    assert await handle.result() == AppState.EXPIRED
    with Session(engine) as s:
        assert s.get(Application, inp.application_id).status == "EXPIRED"


async def test_face_not_verified_within_7_days_expires(harness, time_env):
    now = await time_env.get_current_time()
    phone = "13900005555"
    handle = await harness.start_application(
        harness.enrollment_input("p-exp7", valid_id_number(5), phone, now + timedelta(days=30))
    )
    await verify_phone(harness, handle, phone)
    assert await handle.result() == AppState.EXPIRED
    history = (await handle.query(EnrollmentWorkflow.case_file)).state.history
    assert history[-1][2] == "expired:face_not_verified"


async def test_closed_window_refuses_every_step(harness, time_env):
    now = await time_env.get_current_time()
    phone = "13900006666"
    closes = now + timedelta(minutes=5)
    await harness.start_period("p-closed", now - timedelta(days=1), closes, now + timedelta(days=1))
    handle = await harness.start_application(
        harness.enrollment_input("p-closed", valid_id_number(6), phone, closes)
    )
    await verify_phone(harness, handle, phone)
    await time_env.sleep(timedelta(minutes=10))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            EnrollmentWorkflow.submit_id_card, IdCardUpload(front=obj("f.jpg"), back=obj("b.jpg"))
        )
    assert refusal_of(err).message == "非新生入籍时间，请等待入籍考期开启！"
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.EXPIRED


async def test_refused_vision_steps_say_why_and_keep_the_state(harness, time_env):
    now = await time_env.get_current_time()
    phone = "13900007777"
    handle = await harness.start_application(
        harness.enrollment_input("p-vis", valid_id_number(7), phone, now + timedelta(days=10))
    )
    await verify_phone(harness, handle, phone)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            EnrollmentWorkflow.submit_id_card,
            IdCardUpload(front=obj("blurry.jpg"), back=obj("b.jpg")),
        )
    assert refusal_of(err).type == "OCR_BLURRY"
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.ID_PENDING


async def test_refused_photo_can_be_fixed_and_the_original_is_kept(harness, time_env):
    from domain.enrollment import PhotoUpload

    now = await time_env.get_current_time()
    phone = "13900009090"
    handle = await harness.start_application(
        harness.enrollment_input("p-fix", valid_id_number(9), phone, now + timedelta(days=10))
    )
    await to_draft(harness, handle, phone)
    bad = PhotoUpload(photo=obj("a/bad-photo.jpg"), filename="bad-photo.jpg")
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.submit_photo, bad)
    refusal = refusal_of(err)
    assert refusal.type == "PHOTO_NOT_COMPLIANT"
    assert refusal.details[0]["details"]["rules"][0]["code"] == "PHOTO_SIZE_PX"
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.accept_fixed_photo)
    assert refusal_of(err).type == "PHOTO_NO_FIX"  # nothing fixed yet: no silent replacement

    fixed = await handle.execute_update(EnrollmentWorkflow.fix_photo)
    assert fixed.report.passed and fixed.fixed is not None
    view = await handle.execute_update(EnrollmentWorkflow.accept_fixed_photo)
    assert view.state == AppState.FACE_PENDING  # a new official photo needs a new face check
    case = await handle.query(EnrollmentWorkflow.case_file)
    assert case.state.photo.official.key == fixed.fixed.key
    assert case.state.photo.original.key == "a/bad-photo.jpg"  # kept for the examiner
    assert view.photo_report.passed  # the report shown is the official (fixed) photo's


async def test_a_retried_decision_with_its_update_id_runs_once(harness, time_env, engine):
    """Issue 18: the console (or the phone) retries with the same update ID after a dropped
    connection; the server answers the first outcome, and the step is neither committed nor
    texted twice."""
    now = await time_env.get_current_time()
    phone = "13900004321"
    inp = harness.enrollment_input("2026-2", valid_id_number(431), phone, now + timedelta(days=10))
    handle = await harness.start_application(inp)
    await to_submitted(harness, handle, phone)
    act = ExaminerAction(examiner="ex1")
    await handle.execute_update(EnrollmentWorkflow.claim, act, id="claim:retry-0001")
    first = await handle.execute_update(EnrollmentWorkflow.approve, act, id="approve:k-0001")
    again = await handle.execute_update(EnrollmentWorkflow.approve, act, id="approve:k-0001")
    assert again == first
    history = (await handle.query(EnrollmentWorkflow.case_file)).state.history
    assert [action for _, _, action in history].count("approved") == 1
    with Session(engine) as s:
        texts = s.exec(
            select(SmsMessage.text).where(SmsMessage.phone_hash == keyed_hash(SECRET, phone))
        ).all()
    assert sum(text == DECISION_SMS["approved"] for text in texts) == 1
