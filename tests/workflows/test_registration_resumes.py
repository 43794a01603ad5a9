"""A second registration of the same identity from the same phone lands on the same application
(the API's start_or_resume on the time-skipping server); an expired one frees the identity."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.applications import start_or_resume
from domain import otp
from domain.enrollment import RequestCodeInput, VerifyPhoneInput
from domain.identity import IdType
from domain.states import AppState
from infra.db import Application, AuditEvent
from tests.workflows.flow import claim_and_approve, to_submitted, zhuanke_form
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


def _row(engine: Engine, workflow_id: str) -> Application:
    with Session(engine) as session:
        row = session.get(Application, workflow_id)
        assert row is not None
        return row


def _trail(engine: Engine, workflow_id: str) -> list[tuple[int, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.workflow_id == workflow_id)
            .order_by(col(AuditEvent.seq))
        )
        return [(r.seq, r.action) for r in rows]


async def test_an_application_after_a_withdrawn_one_is_the_one_the_office_sees(
    time_env, engine, task_queue, tmp_path, monkeypatch
):
    """Withdrawn after some changes, registered again with the same card and phone: the new run
    stands at the same workflow ID, and the read model (the office's queue and region, tickets,
    the phone's login) follows it instead of keeping the withdrawn one, whose later versions
    outnumbered the new run's first commits. The withdrawn application's trail stays."""
    monkeypatch.setattr(otp, "RESEND_COOLDOWN", timedelta(0))  # the second code a minute later
    async with Harness(time_env, engine, task_queue) as h:
        services, period = await h.api_services("2026-w", tmp_path)
        number, phone = valid_id_number(41), "13900004141"
        with Session(engine) as session:
            first = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number, phone
            )
        await to_submitted(h, first, phone)
        for postal_code in ("410001", "410002", "410003"):
            await first.execute_update(
                EnrollmentWorkflow.modify, zhuanke_form(postal_code=postal_code)
            )
        await first.execute_update(EnrollmentWorkflow.withdraw)
        withdrawn = _row(engine, first.id)
        old_trail = _trail(engine, first.id)
        assert withdrawn.status == AppState.WITHDRAWN and old_trail[-1][1] == "withdrawn"

        with Session(engine) as session:
            second = await start_or_resume(
                services, session, period, IdType.RESIDENT_ID, number, phone
            )
        assert second.id == first.id and second.result_run_id != first.result_run_id
        await to_submitted(h, second, phone, zhuanke_form(region="02"))
        row = _row(engine, second.id)
        assert (row.status, row.region) == (AppState.SUBMITTED, "02")
        assert row.version > withdrawn.version

        await claim_and_approve(second)
        assert _row(engine, second.id).status == AppState.APPROVED  # what tickets are issued to
        trail = _trail(engine, second.id)
        assert trail[: len(old_trail)] == old_trail  # the withdrawn application's trail, as it was
        new = [action for _, action in trail[len(old_trail) :]]
        assert new[0] == "registered" and new[-1] == "approved"
        assert [seq for seq, _ in trail] == list(range(1, len(trail) + 1))
