"""A second registration of the same identity from the same phone lands on the same application
(the API's start_or_resume on the time-skipping server); an expired one frees the identity."""

from __future__ import annotations

from sqlmodel import Session

from api.applications import start_or_resume
from domain.enrollment import RequestCodeInput, VerifyPhoneInput
from domain.identity import IdType
from domain.states import AppState
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow


async def test_same_identity_resumes_and_expired_frees_it(time_env, engine, task_queue, tmp_path):
    async with Harness(time_env, engine, task_queue) as h:
        services, period = await h.api_services("2026-r", tmp_path)
        number, phone = valid_id_number(31), "13900003131"
        with Session(engine) as session:
            first = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number, phone
            )
            await first.execute_update(EnrollmentWorkflow.request_phone_code, RequestCodeInput())
            await first.execute_update(
                EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=h.last_code(phone))
            )
            # lower-case x, same phone: the same person, the same application
            again = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number.lower(), phone
            )
            # another phone gets a claim of its own (tests/workflows/test_identity_takeover.py)
            other_phone = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number, "13900009999"
            )
        assert again.id == first.id and again.result_run_id == first.result_run_id
        assert other_phone.id != first.id
        view = await again.query(EnrollmentWorkflow.view)
        assert view.state == AppState.ID_PENDING and view.phone == "139****3131"

        other = valid_id_number(32)
        with Session(engine) as session:
            abandoned = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, other, phone
            )
        assert await abandoned.result() == AppState.EXPIRED  # 15 minutes without phone check
        with Session(engine) as session:
            fresh = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, other, phone
            )
        assert fresh.id == abandoned.id and fresh.result_run_id != abandoned.result_run_id
        assert (await fresh.query(EnrollmentWorkflow.view)).state == AppState.REGISTERED
