"""An operator extends the enrollment window (no redeploy, DESIGN.md "Periods and deadlines"):
a candidate who submitted before the first closing time may still, within the extension, make a
change that needs more (a restricted major's proofs), as one who had not submitted yet may."""

from __future__ import annotations

from datetime import timedelta

from domain.period import WindowChange
from domain.states import AppState
from tests.workflows.flow import to_submitted, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_lifecycle_paths import RESTRICTED_NURSING, refused
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

PERIOD = "2026-x"


async def test_a_submitted_case_may_change_within_an_extended_window_not_after_it(
    module_time_env, engine, task_queue
):
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue) as h:
        now = await time_env.get_current_time()
        closes, review = now + timedelta(days=1), now + timedelta(days=10)
        period = await h.start_period(PERIOD, now - timedelta(hours=1), closes, review)
        phone = "13900095001"
        inp = h.enrollment_input(PERIOD, valid_id_number(951), phone, closes)
        handle = await h.start_application(inp)
        await to_submitted(h, handle, phone)
        extended = now + timedelta(days=3)
        await period.execute_update(
            EnrollmentPeriodWorkflow.set_window, WindowChange(closes_at=extended)
        )
        await time_env.sleep(timedelta(days=2))  # past the first closing time, within the new

        restricted = zhuanke_form(major=RESTRICTED_NURSING)
        view = await handle.execute_update(EnrollmentWorkflow.modify, restricted)
        assert view.state == AppState.DRAFT  # back for the proofs, as before the first close
        await handle.execute_update(EnrollmentWorkflow.modify, zhuanke_form())
        assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == (
            AppState.SUBMITTED
        )

        await time_env.sleep(timedelta(days=2))  # past the extended closing time
        cause = await refused(handle, EnrollmentWorkflow.modify, restricted)
        assert cause.type == "WINDOW_CLOSED"
        assert (await handle.query(EnrollmentWorkflow.view)).state == AppState.SUBMITTED
