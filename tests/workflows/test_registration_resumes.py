"""A second registration of the same identity lands on the same application (the API's
start_or_resume on the time-skipping server); an expired one frees the identity."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from api.applications import start_or_resume
from api.deps import Services
from domain.enrollment import RequestCodeInput, VerifyPhoneInput
from domain.identity import IdType
from domain.states import AppState
from infra.config import Settings
from infra.db import Period
from infra.otp import OtpService
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore
from tests.workflows.harness import SECRET, Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow


async def test_same_identity_resumes_and_expired_frees_it(time_env, engine, task_queue, tmp_path):
    async with Harness(time_env, engine, task_queue) as h:
        now = await time_env.get_current_time()
        period = Period(
            id="2026-r", year=2026, window=2, opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10), review_deadline=now + timedelta(days=20),
            state="OPEN",
        )  # fmt: skip
        settings = Settings(
            env="test", var_dir=tmp_path, identity_hmac_key=SECRET,
            enrollment_task_queue=task_queue, vision_task_queue=h.vision_queue,
        )  # fmt: skip
        services = Services(
            settings=settings, engine=engine, store=LocalObjectStore(tmp_path / "o"),
            otp=OtpService(engine, OutboxProvider(), SECRET), temporal=time_env.client,
        )  # fmt: skip
        number, phone = valid_id_number(31), "13900003131"
        with Session(engine) as session:
            first = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number, phone
            )
            await first.execute_update(EnrollmentWorkflow.request_phone_code, RequestCodeInput())
            await first.execute_update(
                EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=h.last_code(phone))
            )
            # lower-case x, other phone: still the same person, the same application
            again = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number.lower(), "13900009999"
            )
        assert again.id == first.id and again.result_run_id == first.result_run_id
        view = await again.query(EnrollmentWorkflow.view)
        assert (
            view.state == AppState.ID_PENDING and view.phone == "139****3131"
        )  # the phone on file

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
