"""Ticket issuing at the review deadline over 500 approved applications, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from domain.enrollment import EnrollmentState, Review
from domain.states import AppState
from domain.tickets import is_ticket_number
from infra.db import Application, AuditEvent, Ticket
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

N = 500
AREAS = ("01", "06", "14")


async def test_500_approved_get_one_ordered_number_each(dev_env, any_engine, task_queue):
    engine = any_engine
    async with Harness(dev_env, engine, task_queue) as h:
        now = datetime.now(UTC)
        period_id = "2026-1"
        handles = []
        with Session(engine) as s:
            for i in range(N):
                # approved applications as the continue-as-new input carries them; submitted in
                # reverse order of i so that ordering by submission time is really tested
                submitted = now - timedelta(minutes=i)
                inp = h.enrollment_input(
                    period_id, valid_id_number(i), f"139{i:08d}", now + timedelta(days=1)
                )
                inp.state = EnrollmentState(
                    state=AppState.APPROVED,
                    created_at=now,
                    submitted_at=submitted,
                    review=Review(examiner="ex1", decision="approved"),
                )
                s.add(
                    Application(
                        workflow_id=inp.application_id,
                        period_id=period_id,
                        status="APPROVED",
                        version=1,
                        id_hash=inp.identity_hash,
                        phone_hash=inp.phone_hash,
                        region=AREAS[i % 3],
                        submitted_at=submitted,
                    )
                )
                handles.append(inp)
            s.commit()
        started = await asyncio.gather(*(h.start_application(inp) for inp in handles))
        deadline = datetime.now(UTC) + timedelta(
            seconds=2
        )  # the real dev server: the deadline passes for real
        period = await h.start_period(
            period_id,
            now - timedelta(days=2),
            now - timedelta(days=1),
            deadline,
            year=2026,
            window=1,
        )

        results = await asyncio.gather(*(w.result() for w in started))
        assert set(results) == {AppState.TICKET_ISSUED}

        with Session(engine) as s:
            tickets = s.exec(select(Ticket)).all()
            apps = {a.workflow_id: a for a in s.exec(select(Application))}
            audit = s.exec(select(AuditEvent).where(AuditEvent.action == "ticket_issued")).all()
        assert len(tickets) == N and len({t.number for t in tickets}) == N
        # what the office and the candidate read: projected by the coordinator, per page
        assert {(a.workflow_id, a.status, a.ticket_number) for a in apps.values()} == {
            (t.workflow_id, AppState.TICKET_ISSUED.value, t.number) for t in tickets
        }
        assert sorted(e.workflow_id for e in audit) == sorted(apps)  # once per application
        assert {t.workflow_id for t in tickets} == set(apps)
        assert all(
            is_ticket_number(t.number) and t.number[:2] == "26" and t.number[4] == "1"
            for t in tickets
        )
        for area in AREAS:
            in_area = sorted((t for t in tickets if t.area == area), key=lambda t: t.number)
            assert all(t.number[2:4] == area for t in in_area)
            assert [int(t.number[5:]) for t in in_area] == list(range(1, len(in_area) + 1))
            submitted = [apps[t.workflow_id].submitted_at for t in in_area]
            assert submitted == sorted(submitted)  # sequence follows submission time
        views = await asyncio.gather(*(w.query(EnrollmentWorkflow.view) for w in started[:20]))
        by_id = {t.workflow_id: t.number for t in tickets}
        assert all(v.ticket_number == by_id[v.application_id] for v in views)

        # a supplementary run finds nothing new to number
        await period.execute_update(EnrollmentPeriodWorkflow.start_supplementary_issuing)
        view = await period.query(EnrollmentPeriodWorkflow.view)
        while view.state.runs < 2 or view.state.state != "ISSUED":
            await asyncio.sleep(0.2)  # polling a query: the run has no event the test can await
            view = await period.query(EnrollmentPeriodWorkflow.view)
        assert view.state.issued == N and view.state.state == "ISSUED"
        with Session(engine) as s:
            assert len(s.exec(select(Ticket)).all()) == N
