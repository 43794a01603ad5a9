"""An operator closes the enrollment window earlier than announced while candidates are at it:
the cases started before take the earlier close when the window closes — one still before
submission ends at it, a submitted one can no longer change — as cases started after it do."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlmodel import Session, select
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from domain.period import WindowChange
from domain.states import AppState
from infra.db import Application
from tests.workflows.flow import to_draft, to_submitted, verify_phone, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_lifecycle_paths import RESTRICTED_NURSING, refused
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

PERIOD = "2026-s"


async def test_a_window_closed_early_ends_the_cases_started_before_at_its_new_close(
    module_time_env, engine, task_queue
):
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue) as h:
        now = await time_env.get_current_time()
        announced, review = now + timedelta(days=10), now + timedelta(days=20)
        period = await h.start_period(PERIOD, now - timedelta(hours=1), announced, review)
        # three cases told the announced close at their start
        drafting = await h.start_application(
            h.enrollment_input(PERIOD, valid_id_number(961), "13900096001", announced)
        )
        await to_draft(h, drafting, "13900096001")
        submitted = await h.start_application(
            h.enrollment_input(PERIOD, valid_id_number(962), "13900096002", announced)
        )
        await to_submitted(h, submitted, "13900096002")
        verified = await h.start_application(
            h.enrollment_input(PERIOD, valid_id_number(963), "13900096003", announced)
        )
        await verify_phone(h, verified, "13900096003")

        early = now + timedelta(days=2)
        await period.execute_update(
            EnrollmentPeriodWorkflow.set_window, WindowChange(closes_at=early)
        )
        await time_env.sleep(timedelta(days=3))  # past the new close, far before the announced

        for handle in (drafting, verified):
            view = await handle.query(EnrollmentWorkflow.view)
            assert view.state == AppState.EXPIRED, handle.id
            trail = (await handle.query(EnrollmentWorkflow.case_file)).state.history
            assert trail[-1][2] == "expired:window_closed"
        # the submitted case waits for review, as any submitted case at the close, but its
        # changes are judged by the close the period ended at
        assert (await submitted.query(EnrollmentWorkflow.view)).state == AppState.SUBMITTED
        cause = await refused(
            submitted, EnrollmentWorkflow.modify, zhuanke_form(major=RESTRICTED_NURSING)
        )
        assert cause.type == "WINDOW_CLOSED"
        with Session(engine) as s:  # the office sees the ended cases ended
            statuses = {
                a.workflow_id: a.status
                for a in s.exec(select(Application).where(Application.period_id == PERIOD))
            }
        assert statuses[drafting.id] == statuses[verified.id] == AppState.EXPIRED.value
        await ended(period, drafting, submitted, verified)


async def test_a_window_moved_earlier_then_back_ends_nothing_early(
    module_time_env, engine, task_queue
):
    """Told at the close, not at the change: an operator who corrects a shortening before the
    window closes leaves the cases as they were."""
    time_env = module_time_env
    async with Harness(time_env, engine, task_queue) as h:
        now = await time_env.get_current_time()
        announced, review = now + timedelta(days=4), now + timedelta(days=20)
        period = await h.start_period(PERIOD + "b", now - timedelta(hours=1), announced, review)
        drafting = await h.start_application(
            h.enrollment_input(PERIOD + "b", valid_id_number(964), "13900096004", announced)
        )
        await to_draft(h, drafting, "13900096004")
        early, later = now + timedelta(days=2), now + timedelta(days=6)
        for closes in (early, later):
            await period.execute_update(
                EnrollmentPeriodWorkflow.set_window, WindowChange(closes_at=closes)
            )
        await time_env.sleep(timedelta(days=5))  # past the first and the announced close
        assert (await drafting.query(EnrollmentWorkflow.view)).state == AppState.DRAFT
        await time_env.sleep(timedelta(days=2))  # past the close the window ended at
        assert (await drafting.query(EnrollmentWorkflow.view)).state == AppState.EXPIRED
        await ended(period, drafting)


async def ended(*handles: WorkflowHandle) -> None:
    """The module's server skips time only while no run waits for a worker: this test's worker
    goes with it, so its runs still waiting (the period, lingering cases) end here."""
    for handle in handles:
        with contextlib.suppress(RPCError):
            await handle.terminate(reason="test over")
