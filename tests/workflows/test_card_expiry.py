"""A card valid when it was read may expire while its case waits for an examiner (R3: the ID
must be valid; DESIGN.md "Identity and documents")."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity

from domain.enrollment import ConfirmIdCardInput, ExaminerAction, IdCardUpload, ReviewItem
from domain.states import AppState
from domain.vision import READ_ID_CARD, ReadIdCardInput, ReadIdCardResult
from tests import stand_ins
from tests.workflows.flow import claim_and_approve, obj, to_submitted
from tests.workflows.harness import Harness
from tests.workflows.test_lifecycle_paths import application, pass_face, refused
from workflows.enrollment import EnrollmentWorkflow


@activity.defn(name=READ_ID_CARD)
async def card_expiring_in_a_week(inp: ReadIdCardInput) -> ReadIdCardResult:
    result = await stand_ins.read_id_card(inp)
    assert result.fields is not None
    until = inp.check_date + timedelta(days=7)
    result.fields = result.fields.model_copy(update={"valid_until": until})
    return result


async def test_a_card_that_expired_while_the_case_waited_cannot_be_approved(
    module_time_env, engine, task_queue
):
    time_env = module_time_env
    """The card was valid when read and at submit; the examiner claims the case after it
    expired. Approving is refused, with or without an override; a return for the ID card lets
    the candidate upload the new card, and then the case can be approved."""
    vision = [card_expiring_in_a_week, *stand_ins.VISION_STAND_INS[1:]]
    async with Harness(time_env, engine, task_queue, vision_activities=vision) as h:
        handle, phone = await application(h, time_env, 311)
        await to_submitted(h, handle, phone)
        await time_env.sleep(timedelta(days=9))
        await handle.execute_update(EnrollmentWorkflow.claim, ExaminerAction(examiner="ex1"))
        for act in (
            ExaminerAction(examiner="ex1"),
            ExaminerAction(examiner="ex1", override_reason="现场已核验"),
        ):
            cause = await refused(handle, EnrollmentWorkflow.approve, act)
            assert cause.type == "ID_EXPIRED" and "退回" in cause.message
        items = [ReviewItem(item="id_card", reason="身份证已过有效期，请上传新的身份证")]
        await handle.execute_update(
            EnrollmentWorkflow.return_for_changes, ExaminerAction(examiner="ex1", items=items)
        )
        await handle.execute_update(
            EnrollmentWorkflow.submit_id_card,
            IdCardUpload(front=obj("n/id/front.jpg"), back=obj("n/id/back.jpg")),
        )
        fields = (await handle.query(EnrollmentWorkflow.case_file)).state.id_card.ocr
        confirm = ConfirmIdCardInput(fields=fields)
        await handle.execute_update(EnrollmentWorkflow.confirm_id_card, confirm)
        await pass_face(handle)
        await handle.execute_update(EnrollmentWorkflow.submit)
        assert (await claim_and_approve(handle)).state == AppState.APPROVED
