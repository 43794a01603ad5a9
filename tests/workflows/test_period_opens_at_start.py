"""A period created with its opening time already past (the admin opens one now, as in 系统管理)
starts open: the first answer and the read model's first row say 入籍中, so the list the admin
reads right after creating it shows it open. Created for later, it waits and opens then."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from domain.period import PeriodPhase
from infra.db import Period
from tests.workflows.harness import Harness
from workflows.period import OPEN_AT_START, EnrollmentPeriodWorkflow


async def test_a_period_whose_opening_is_past_starts_open(module_time_env, engine, task_queue):
    async with Harness(module_time_env, engine, task_queue) as h:
        now = await module_time_env.get_current_time()
        period = await h.start_period("2026-o", now - timedelta(minutes=1), now + timedelta(days=3),
                                      now + timedelta(days=5))  # fmt: skip
        assert (await period.query(EnrollmentPeriodWorkflow.view)).state.state == PeriodPhase.OPEN
        with Session(engine) as session:
            row = session.get(Period, "2026-o")
            assert row is not None and row.state == PeriodPhase.OPEN
        events = [e async for e in period.fetch_history_events()]
        kind = "marker_recorded_event_attributes"
        markers = [e.marker_recorded_event_attributes for e in events if e.HasField(kind)]
        projections = [m for m in markers if m.marker_name == "core_local_activity"]
        assert len(projections) == 1  # OPEN at once, not SCHEDULED then OPEN
        patches = [
            m.details["patch-data"].payloads[0].data
            for m in markers
            if m.marker_name == "core_patch"
        ]
        assert any(OPEN_AT_START.encode() in data for data in patches)


async def test_a_period_created_for_later_opens_then(module_time_env, engine, task_queue):
    async with Harness(module_time_env, engine, task_queue) as h:
        now = await module_time_env.get_current_time()
        period = await h.start_period("2026-p", now + timedelta(hours=1), now + timedelta(days=3),
                                      now + timedelta(days=5))  # fmt: skip
        assert (
            await period.query(EnrollmentPeriodWorkflow.view)
        ).state.state == PeriodPhase.SCHEDULED
        await module_time_env.sleep(timedelta(hours=2))
        assert (await period.query(EnrollmentPeriodWorkflow.view)).state.state == PeriodPhase.OPEN
