"""EnrollmentWorkflow's `ticket_assigned` handler on the real dev server: a number ends the case
in TICKET_ISSUED with one SMS and no projection of its own (the coordinator projects the page);
a duplicate delivery changes nothing. The recorded history of the old handler, which did project,
still replays (tests/replay) and this one replays too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from activities.tickets import TICKET_SIGNAL
from domain.enrollment import EnrollmentState, Review, TicketAssigned
from domain.states import AppState
from tests.workflows.harness import Harness, proof_checkers, valid_id_number
from workflows.enrollment import TICKET_PROJECTED_BY_ISSUER, EnrollmentWorkflow

OLD_HISTORY = Path(__file__).parents[1] / "replay" / "histories" / "enrollment_ticket.json"


def markers(history: WorkflowHistory) -> list[str]:
    return [
        e.marker_recorded_event_attributes.marker_name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]


async def patch_ids(history: WorkflowHistory, converter: DataConverter) -> list[str]:
    details = [
        e.marker_recorded_event_attributes.details["patch-data"]
        for e in history.events
        if e.marker_recorded_event_attributes.marker_name == "core_patch"
    ]
    return [(await converter.decode(d.payloads, [dict]))[0]["id"] for d in details]


async def test_one_sms_no_projection_and_a_duplicate_ignored(dev_env, engine, task_queue):
    h = Harness(dev_env, engine, task_queue)
    now = datetime.now(UTC)
    inp = h.enrollment_input("2026-1", valid_id_number(7), "13900000007", now + timedelta(days=1))
    inp.state = EnrollmentState(
        state=AppState.APPROVED,
        created_at=now,
        submitted_at=now,
        review=Review(examiner="ex1", decision="approved"),
    )
    # both deliveries are in the history before any worker runs: the second is a real duplicate
    handle = await h.start_application(inp)
    await handle.signal(TICKET_SIGNAL, TicketAssigned(number="260110000001"))
    await handle.signal(TICKET_SIGNAL, TicketAssigned(number="260110000001"))
    async with h:
        assert await handle.result() == AppState.TICKET_ISSUED
        view = await handle.query(EnrollmentWorkflow.view)
    assert view.ticket_number == "260110000001"

    history = await handle.fetch_history()
    # one local activity (the SMS); the old handler ran two (projection, then SMS)
    assert markers(history).count("core_local_activity") == 1
    assert TICKET_PROJECTED_BY_ISSUER in await patch_ids(history, dev_env.client.data_converter)
    replayed = await Replayer(
        workflows=[EnrollmentWorkflow],
        data_converter=dev_env.client.data_converter,
        interceptors=proof_checkers(dev_env.client),
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert replayed.replay_failure is None


def test_the_recorded_history_ran_the_old_handler():
    """tests/replay replays this history: it must be one the handler projected in itself."""
    history = WorkflowHistory.from_json("enrollment_ticket", OLD_HISTORY.read_text())
    signalled = next(
        i
        for i, e in enumerate(history.events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    )
    after = WorkflowHistory(history.workflow_id, history.events[signalled:])
    assert markers(after).count("core_local_activity") == 2  # projection, then SMS
    assert TICKET_PROJECTED_BY_ISSUER not in json.dumps(OLD_HISTORY.read_text())
