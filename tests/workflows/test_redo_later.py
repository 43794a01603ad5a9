"""Steps can be redone before submit (DESIGN.md, "States"): a candidate who passed the face check
long ago and now uploads a better photo, or a new ID card, is not an abandoned registration."""

from __future__ import annotations

from datetime import timedelta

from domain.enrollment import PhotoUpload
from domain.states import AppState
from tests.workflows.flow import obj, to_draft, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_lifecycle_paths import pass_face
from workflows.enrollment import EnrollmentWorkflow


async def test_a_photo_redone_after_the_face_deadline_keeps_the_application(
    module_time_env, engine, task_queue
):
    """Registered and face-verified on day one; on day eight (the 7-day face deadline is for
    registrations never verified) a new photo voids the face check: the case waits for the new
    check until the window closes instead of expiring at once."""
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue) as h:
        now = await time_env.get_current_time()
        phone = "13900090001"
        inp = h.enrollment_input("2026-2", valid_id_number(901), phone, now + timedelta(days=20))
        handle = await h.start_application(inp)
        await to_draft(h, handle, phone)
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
