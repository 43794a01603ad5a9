"""Steps can be redone before submit (DESIGN.md, "States"): a candidate who passed the face check
long ago and now uploads a better photo, or a new ID card, is not an abandoned registration."""

from __future__ import annotations

from datetime import timedelta

from domain.enrollment import PhotoUpload
from domain.states import AppState
from tests.workflows.flow import obj, zhuanke_form
from tests.workflows.harness import Harness
from tests.workflows.test_lifecycle_model import issue_chsi_codes, scanned_verified
from tests.workflows.test_lifecycle_paths import pass_face
from tests.workflows.test_steps_behind_the_lock import draft
from workflows.enrollment import EnrollmentWorkflow


async def test_a_photo_redone_after_the_face_deadline_keeps_the_application(
    module_time_env, engine, task_queue
):
    """Registered and face-verified on day one; on day eight (the 7-day face deadline is for
    registrations never verified) a new photo voids the face check: the case waits for the new
    check until the window closes instead of expiring at once."""
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue) as h:
        handle = await draft(h, 901)
        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        await time_env.sleep(timedelta(days=8))

        photo = PhotoUpload(photo=obj("a/better.jpg"), filename="better.jpg")
        view = await handle.execute_update(EnrollmentWorkflow.submit_photo, photo)
        assert view.state == AppState.FACE_PENDING
        await time_env.sleep(timedelta(hours=1))
        assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.FACE_PENDING

        await pass_face(handle)
        await handle.execute_update(EnrollmentWorkflow.accept_notice)
        assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == (
            AppState.SUBMITTED
        )


async def test_a_benke_major_chosen_again_days_later_opens_the_chsi_step_afresh(
    module_time_env, engine, task_queue
):
    """Codes asked for a 专升本 major and never scanned; the candidate moved to a 专科 major and,
    days later, back to a 专升本 one. The CHSI step is pending again and waits for codes he asks
    for now: the silence of the codes asked days ago does not close it at once."""
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue, extra_activities=[issue_chsi_codes]) as h:
        handle = await draft(h, 902)
        benke = zhuanke_form(major="120203K")
        await handle.execute_update(EnrollmentWorkflow.save_form, benke)
        await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)
        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        await time_env.sleep(timedelta(days=2))

        view = await handle.execute_update(EnrollmentWorkflow.save_form, benke)
        assert view.chsi_status == "pending"
        await time_env.sleep(timedelta(minutes=1))
        assert (await handle.query(EnrollmentWorkflow.view)).chsi_status == "pending"
        view = await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)
        assert view.chsi_status == "pending" and len(view.chsi_codes) == 2


async def test_a_chsi_step_given_up_then_opened_again_is_verified_by_a_new_scan(
    module_time_env, engine, task_queue
):
    """「学信网校验失败」 pressed for a 专升本 major; the candidate moved to a 专科 major and back
    to a 专升本 one, asked for new codes and scanned one: CHSI confirms his record, and the step
    is verified — the codes of the reopened step are not taken as late scans of the step he
    gave up on (kept for the examiner only, the case waiting for the timeout and the upload)."""
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue, extra_activities=[issue_chsi_codes]) as h:
        handle = await draft(h, 903)
        benke = zhuanke_form(major="120203K")
        await handle.execute_update(EnrollmentWorkflow.save_form, benke)
        await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)  # no answer came
        await handle.execute_update(EnrollmentWorkflow.chsi_failed)
        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
        view = await handle.execute_update(EnrollmentWorkflow.save_form, benke)
        assert view.chsi_status == "pending"

        codes = (await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)).chsi_codes
        assert await scanned_verified(handle, codes) == "VERIFIED"
        view = await handle.query(EnrollmentWorkflow.view)
        assert view.chsi_status == "verified" and view.required_attachments == []
