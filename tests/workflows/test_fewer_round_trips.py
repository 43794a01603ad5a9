"""Shape 2 (workflows/shape.py): a case started with the shape in its memo gets the liveness
challenge with its accepted photo and takes the notice with the form's first save, two updates
fewer, and records no patch marker for its shape (time-skipping server, vision stand-ins)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError

from domain.case_view import start_memo
from domain.enrollment import (
    LivenessAnswer,
    NoticeWithForm,
)
from domain.notice import NOTICE_VERSION, NoticeAcceptance
from domain.states import AppState
from infra.db import AuditEvent
from tests.workflows.flow import obj, to_the_face_step, verify_phone, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from workflows.enrollment import EnrollmentWorkflow


@pytest.fixture
def time_env(module_time_env):
    """Its runs stay waiting on their deadline timers when a test ends: a server of the module's
    own, so the session's server can still skip time for the tests after these."""
    return module_time_env


async def started(harness: Harness, time_env, serial: int, *, shape_in_memo: bool):
    now = await time_env.get_current_time()
    phone = f"1390001{serial:04d}"
    inp = harness.enrollment_input("2026-2", valid_id_number(serial), phone, now + timedelta(10))
    memo = start_memo() if shape_in_memo else None
    handle = await time_env.client.start_workflow(
        EnrollmentWorkflow.run, inp, id=inp.application_id, task_queue=harness.task_queue, memo=memo
    )
    await verify_phone(harness, handle, phone)
    return handle


def upserted_keys(events: list) -> set[str]:
    return {
        key
        for e in events
        if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
        for key in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields  # noqa: E501
    }


def frames() -> list:
    return [obj("a/face/0.jpg"), obj("a/face/1.jpg")]


async def test_the_photo_brings_the_challenge_and_the_form_brings_the_notice(
    harness, time_env, engine
):
    handle = await started(harness, time_env, 811, shape_in_memo=True)
    view = await to_the_face_step(handle)
    assert view.state == AppState.FACE_PENDING
    challenge = view.liveness_challenge
    assert challenge is not None  # no start_liveness asked

    answer = LivenessAnswer(nonce=challenge.nonce, frames=frames())
    view = await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    assert view.state == AppState.NOTICE_PENDING

    notice = NoticeWithForm(notice=NoticeAcceptance(version=NOTICE_VERSION), form=zhuanke_form())
    view = await handle.execute_update(EnrollmentWorkflow.accept_notice_with_form, notice)
    assert view.state == AppState.DRAFT
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.notice_version == NOTICE_VERSION and case.notice_accepted_at is not None
    actions = [action for _, _, action in case.history]
    assert actions[-2:] == ["notice_accepted", "form_saved"]
    assert case.version == len(case.history)  # one version a step, two steps in one commit

    view = await handle.execute_update(EnrollmentWorkflow.submit)
    assert view.state == AppState.SUBMITTED
    with Session(engine) as s:  # both steps reached the office's trail, in order
        trail = s.exec(
            select(AuditEvent.action)
            .where(AuditEvent.workflow_id == handle.id)
            .order_by(col(AuditEvent.seq))
        ).all()
    assert trail[-3:] == ["notice_accepted", "form_saved", "submitted"]

    events = [e async for e in handle.fetch_history_events()]
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    assert "core_patch" not in markers  # the shape came with the start
    assert "TemporalChangeVersion" not in upserted_keys(events)
    assert not [e for e in events if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED]


async def test_a_run_started_before_the_shape_keeps_its_round_trips(harness, time_env):
    """No memo (a run started by the API before shape 2): the photo answers without a challenge,
    as it did; the lean patch is asked and recorded as before."""
    handle = await started(harness, time_env, 812, shape_in_memo=False)
    view = await to_the_face_step(handle)
    assert view.state == AppState.FACE_PENDING
    assert view.liveness_challenge is None
    events = [e async for e in handle.fetch_history_events()]
    assert "TemporalChangeVersion" in upserted_keys(events)  # the lean patch, asked as before


async def test_a_form_without_the_notice_is_refused_before_the_notice(harness, time_env):
    """The notice is accepted with the form only when the candidate's step names it."""
    handle = await started(harness, time_env, 813, shape_in_memo=True)
    challenge = (await to_the_face_step(handle)).liveness_challenge
    assert challenge is not None
    answer = LivenessAnswer(nonce=challenge.nonce, frames=frames())
    await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.state == AppState.NOTICE_PENDING and case.notice_accepted_at is None


async def test_a_phone_that_let_the_offered_challenge_lapse_asks_for_a_new_one(harness, time_env):
    """The challenge's 60 s run from the photo's answer; the H5 asks again once they are gone
    (the API and the face check refuse an answer to a lapsed one)."""
    handle = await started(harness, time_env, 814, shape_in_memo=True)
    first = (await to_the_face_step(handle)).liveness_challenge
    assert first is not None
    await time_env.sleep(timedelta(seconds=61))
    view = await handle.execute_update(EnrollmentWorkflow.start_liveness)
    again = view.liveness_challenge
    assert again is not None and again.nonce != first.nonce
    assert again.expires_at > first.expires_at + timedelta(seconds=60)
    answer = LivenessAnswer(nonce=again.nonce, frames=frames())
    view = await handle.execute_update(EnrollmentWorkflow.submit_liveness, answer)
    assert view.state == AppState.NOTICE_PENDING
