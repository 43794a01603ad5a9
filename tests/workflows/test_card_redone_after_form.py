"""An ID card read again after the form was saved is the card the form is judged against (R10:
the household province is the card's; R12: an old name differs from the card's name). The form
is saved once, but the card can be redone later (a new card, a return for the card): submit,
claim and approval judge the saved form against the card confirmed now, with the form rule's
own code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle

from domain.case_view import HOUSEHOLD_BY_PERMIT, RULES_MEMO_KEY
from domain.enrollment import (
    ConfirmIdCardInput,
    EnrollmentState,
    ExaminerAction,
    IdCardUpload,
    PhotoUpload,
    Review,
    ReviewItem,
)
from domain.states import AppState
from domain.vision import READ_ID_CARD, ReadIdCardInput, ReadIdCardResult
from tests import stand_ins
from tests.workflows.flow import obj, to_draft, to_submitted, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_lifecycle_paths import (
    application,
    pass_face,
    refused,
    returned,
    upload_missing,
)
from workflows.enrollment import EnrollmentWorkflow

GUANGDONG_ADDRESS = "广东省广州市天河区某路2号"
HOUSEHOLD_REFUSAL = "户籍所在省份应与身份证住址一致（身份证住址为广东省）"


@activity.defn(name=READ_ID_CARD)
async def read_id_card(inp: ReadIdCardInput) -> ReadIdCardResult:
    """The stand-in card, except a card photographed under `gd/` (registered in Guangdong) or
    `renamed/` (the name the candidate gave as his old one)."""
    result = await stand_ins.read_id_card(inp)
    assert result.fields is not None
    if "/gd/" in inp.front.key:
        result.fields = result.fields.model_copy(update={"address": GUANGDONG_ADDRESS})
    if "/renamed/" in inp.front.key:
        result.fields = result.fields.model_copy(update={"name": "李四"})
    return result


@pytest.fixture
def time_env(module_time_env):
    return module_time_env


@pytest.fixture
async def harness(time_env, engine, task_queue):
    vision = [read_id_card, *stand_ins.VISION_STAND_INS[1:]]
    async with Harness(time_env, engine, task_queue, vision_activities=vision) as h:
        yield h


async def redo_card(handle: WorkflowHandle, folder: str) -> None:
    """A new card uploaded and confirmed as read (nothing corrected, so nothing flagged)."""
    upload = IdCardUpload(front=obj(f"a/{folder}/front.jpg"), back=obj(f"a/{folder}/back.jpg"))
    await handle.execute_update(EnrollmentWorkflow.submit_id_card, upload)
    read = (await handle.query(EnrollmentWorkflow.case_file)).state.id_card.ocr
    await handle.execute_update(EnrollmentWorkflow.confirm_id_card, ConfirmIdCardInput(fields=read))


async def redo_steps_after_the_card(handle: WorkflowHandle) -> None:
    photo = PhotoUpload(photo=obj("a/photo2.jpg"), filename="p.jpg")
    await handle.execute_update(EnrollmentWorkflow.submit_photo, photo)
    await pass_face(handle)
    view = await handle.execute_update(EnrollmentWorkflow.accept_notice)
    assert view.state == AppState.DRAFT


def problem_codes(cause) -> list[str]:
    return [p["code"] for p in cause.details[0].get("details") or []]


async def test_a_non_hunan_card_redone_after_a_hunan_form_cannot_be_submitted_until_fixed(
    harness, time_env
):
    """The QA path: the form says Hunan (no proofs), the card now held says Guangdong. Submit is
    refused with the form's own rule; saving the Guangdong household asks for the R10 proofs."""
    handle, phone = await application(harness, time_env, 351)
    await to_draft(harness, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())  # household 43
    await redo_card(handle, "gd")
    await redo_steps_after_the_card(handle)

    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "FORM_INVALID" and HOUSEHOLD_REFUSAL in cause.message
    assert problem_codes(cause) == ["FORM_HOUSEHOLD_PROVINCE"]
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.DRAFT

    guangdong = zhuanke_form(household_province="44", non_hunan_category="lives")
    view = await handle.execute_update(EnrollmentWorkflow.save_form, guangdong)
    assert (await refused(handle, EnrollmentWorkflow.submit)).type == "ATTACHMENTS_MISSING"
    await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.form is not None and case.form.household_province == "44"
    assert any(case.attachments.values())


async def test_a_returned_card_redone_as_non_hunan_goes_in_again_only_with_the_form_fixed(
    harness, time_env
):
    """Returned for the card, the candidate uploads a Guangdong one: the return is answered, but
    the form still claims Hunan. He changes it (modify, as after a return), which needs the
    proofs and so puts the case back to his steps; with them it goes in again."""
    handle = await returned(harness, time_env, 352, "id_card", "身份证照片不清晰，请重新上传")
    await redo_card(handle, "gd")
    await pass_face(handle)

    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "FORM_INVALID" and HOUSEHOLD_REFUSAL in cause.message
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.RETURNED

    guangdong = zhuanke_form(household_province="44", non_hunan_category="lives")
    view = await handle.execute_update(EnrollmentWorkflow.modify, guangdong)
    assert view.state == AppState.DRAFT
    await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_an_old_name_that_the_redone_card_now_bears_cannot_be_submitted(harness, time_env):
    """R12: the form gave 李四 as the old name against a card reading 张三; the card read again
    reads 李四, so the 'old' identity is today's. Submit is refused with the R12 rule's code."""
    handle, phone = await application(harness, time_env, 353)
    await to_draft(harness, handle, phone)
    renamed = zhuanke_form(old_name="李四").model_copy(update={"identity_changed": True})
    view = await handle.execute_update(EnrollmentWorkflow.save_form, renamed)
    await upload_missing(handle, view)
    await redo_card(handle, "renamed")
    await redo_steps_after_the_card(handle)

    cause = await refused(handle, EnrollmentWorkflow.submit)
    assert cause.type == "OLD_IDENTITY_UNCHANGED"
    assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.DRAFT


async def test_a_case_submitted_with_a_hunan_card_is_approved_as_before(harness, time_env):
    """The card the form was saved against, unchanged: nothing new is asked."""
    handle, phone = await application(harness, time_env, 354)
    await to_submitted(harness, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    view = await handle.execute_update(EnrollmentWorkflow.approve, ExaminerAction(examiner="ex1"))
    assert view.state == AppState.APPROVED


async def carried_on(h: Harness, time_env, serial: int, case: EnrollmentState) -> WorkflowHandle:
    """A run carrying `case` on (continue-as-new), as a case that went in before the card was
    judged at submit reaches the code that judges it."""
    now = await time_env.get_current_time()
    phone = f"1390000{serial:04d}"
    inp = h.enrollment_input("2026-2", valid_id_number(serial), phone, now + timedelta(days=10))
    return await h.start_application(inp.model_copy(update={"state": case}))


async def test_a_case_that_went_in_with_the_contradiction_cannot_be_claimed_or_approved(
    harness, time_env
):
    """Submitted (or claimed) with a Guangdong card under a Hunan household before the rule:
    the examiner cannot claim it, nor approve it even with an override reason (the household
    would stay Hunan). He returns the form; the candidate's fix needs the R10 proofs."""
    handle, phone = await application(harness, time_env, 355)
    await to_draft(harness, handle, phone)
    await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
    await redo_card(handle, "gd")
    await redo_steps_after_the_card(handle)
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    await handle.execute_update(EnrollmentWorkflow.withdraw)

    submitted = case.model_copy(
        update={"state": AppState.SUBMITTED, "submitted_at": case.created_at}
    )
    queued = await carried_on(harness, time_env, 355, submitted)
    cause = await refused(queued, EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
    assert cause.type == "CHECKLIST_INCOMPLETE" and HOUSEHOLD_REFUSAL in cause.message

    held = submitted.model_copy(
        update={"state": AppState.UNDER_REVIEW, "review": Review(examiner="ex1")}
    )
    claimed = await carried_on(harness, time_env, 355, held)
    for act in (
        ExaminerAction(examiner="ex1"),
        ExaminerAction(examiner="ex1", override_reason="现场已核验"),
    ):
        cause = await refused(claimed, EnrollmentWorkflow.approve, act)
        assert cause.type == "FORM_INVALID" and HOUSEHOLD_REFUSAL in cause.message
    items = [ReviewItem(item="form.household_province", reason="户籍省份与身份证不一致")]
    await claimed.execute_update(
        EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
    )
    guangdong = zhuanke_form(household_province="44", non_hunan_category="lives")
    view = await claimed.execute_update(EnrollmentWorkflow.modify, guangdong)
    assert view.state == AppState.DRAFT and view.required_attachments


async def test_an_hmt_permit_holder_declares_the_household_his_permit_names(harness, time_env):
    """A Hong Kong resident's permit (number 81…) gives his Hunan residence as its address. A
    case started under the rules of today (the API's start memo) takes his household from the
    number: Hunan is refused, 香港 asks for R10's proofs. A run started before keeps judging the
    address, as it did when it was recorded."""
    now = await time_env.get_current_time()
    for serial, rules in ((361, HOUSEHOLD_BY_PERMIT), (362, 0)):
        phone = f"1390000{serial:04d}"
        number = valid_id_number(serial, area="810000")
        inp = harness.enrollment_input("2026-2", number, phone, now + timedelta(days=10))
        handle = await harness.start_application(inp, memo={RULES_MEMO_KEY: rules})
        await to_draft(harness, handle, phone)
        assert (await handle.query(EnrollmentWorkflow.case_file)).state.id_card.ocr.id_number[
            :2
        ] == "81"
        if rules:
            cause = await refused(handle, EnrollmentWorkflow.save_form, zhuanke_form())
            assert problem_codes(cause) == ["FORM_HOUSEHOLD_PROVINCE"], cause
            assert "户籍所在地为香港特别行政区" in cause.message
            hong_kong = zhuanke_form(household_province="81", non_hunan_category="lives")
            await handle.execute_update(EnrollmentWorkflow.save_form, hong_kong)
            assert (await refused(handle, EnrollmentWorkflow.submit)).type == "ATTACHMENTS_MISSING"
        else:
            await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
            assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == (
                AppState.SUBMITTED
            )
