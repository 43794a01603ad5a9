"""A step whose validator passed while another step of the same case held its lock (a photo
check running, the CHSI codes being refreshed) acts on the case as that other step left it:
the candidate's second tab, CHSI's callback for a code the first tab is replacing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle

from domain.chsi import (
    ISSUE_CHSI_CODES,
    TOKEN_TTL,
    ChsiCallback,
    ChsiKind,
    ChsiOutcome,
    IssueChsiCodesInput,
    IssuedChsiCodes,
)
from domain.enrollment import PhotoUpload
from domain.states import AppState
from domain.vision import CHECK_PHOTO, CheckPhotoInput, PhotoReport
from tests import stand_ins
from tests.workflows.flow import obj, to_draft, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_identity_takeover import pending_activity, until, update_accepted
from tests.workflows.test_lifecycle_model import issue_chsi_codes, record
from tests.workflows.test_lifecycle_paths import refused
from workflows.enrollment import EnrollmentWorkflow

BENKE_FORM = zhuanke_form(major="120203K")  # 会计学 (专升本): the CHSI step

#: the photo stand-in and the CHSI code issuer wait for this when told to (a "slow" key, a
#: refresh after the first codes)
gate = asyncio.Event()
issued: list[int] = []


@activity.defn(name=CHECK_PHOTO)
async def gated_check_photo(inp: CheckPhotoInput) -> PhotoReport:
    if "slow" in inp.photo.key:
        await gate.wait()
    return await stand_ins.check_photo(inp)


@activity.defn(name=ISSUE_CHSI_CODES)
async def gated_issue_chsi_codes(inp: IssueChsiCodesInput) -> IssuedChsiCodes:
    issued.append(1)
    if len(issued) > 1:
        await gate.wait()
    return await issue_chsi_codes(inp)


@pytest.fixture
async def harness(module_time_env, engine, task_queue):
    others = [a for a in stand_ins.VISION_STAND_INS if a is not stand_ins.check_photo]
    issued.clear()
    async with Harness(
        module_time_env,
        engine,
        task_queue,
        vision_activities=[gated_check_photo, *others],
        extra_activities=[gated_issue_chsi_codes],
    ) as h:
        yield h


async def draft(h: Harness, serial: int) -> WorkflowHandle:
    now = await h.env.get_current_time()
    phone = f"1390008{serial:04d}"
    inp = h.enrollment_input("2026-2", valid_id_number(serial), phone, now + timedelta(days=10))
    handle = await h.start_application(inp)
    await to_draft(h, handle, phone)
    return handle


async def test_a_submit_waiting_behind_a_new_photo_is_refused_until_the_face_check(
    harness: Harness,
) -> None:
    """A new photo voids the face check; a 「提交」 from another tab that was accepted while
    the photo was being checked must not submit a case without a face check of that photo."""
    handle = await draft(harness, 1)
    await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())

    gate.clear()
    photo = PhotoUpload(photo=obj("a/photo-slow.jpg"), filename="p.jpg")
    new_photo = asyncio.create_task(handle.execute_update(EnrollmentWorkflow.submit_photo, photo))
    await until(lambda: pending_activity(handle, CHECK_PHOTO))
    submit = asyncio.create_task(refused(handle, EnrollmentWorkflow.submit))
    await until(lambda: update_accepted(handle, "submit"))
    gate.set()

    assert (await new_photo).state == AppState.FACE_PENDING
    assert (await submit).type == "STEP_NOT_REACHED"
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.state == AppState.FACE_PENDING and not case.face.passed
    assert case.submitted_at is None


async def test_a_chsi_callback_for_a_code_being_refreshed_is_refused_and_the_case_goes_on(
    harness: Harness,
) -> None:
    """CHSI calls back for the code on the screen just as the candidate refreshes the codes:
    the callback waited for the refresh, whose new codes retire the scanned one. CHSI hears
    the code was superseded; the case stays usable (it must not fail its workflow task)."""
    handle = await draft(harness, 2)
    await handle.execute_update(EnrollmentWorkflow.save_form, BENKE_FORM)
    first = await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)
    xueli = next(c for c in first.chsi_codes if c.kind == ChsiKind.XUELI.value)

    gate.clear()
    refresh = asyncio.create_task(handle.execute_update(EnrollmentWorkflow.request_chsi_codes))
    await until(lambda: pending_activity(handle, ISSUE_CHSI_CODES))
    callback = ChsiCallback(
        token=xueli.token,
        kind=ChsiKind.XUELI,
        application_ref=handle.id,
        outcome=ChsiOutcome.VERIFIED,
        scanned_at=xueli.expires_at - TOKEN_TTL + timedelta(seconds=30),
        record=record(ChsiKind.XUELI.value),
    )
    late = asyncio.create_task(refused(handle, EnrollmentWorkflow.chsi_callback, callback))
    await until(lambda: update_accepted(handle, "chsi_callback"))
    gate.set()

    await refresh
    assert (await late).type == "CHSI_TOKEN_SUPERSEDED"
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.state == AppState.DRAFT and view.chsi_status == "pending"
    assert (await handle.execute_update(EnrollmentWorkflow.chsi_failed)).chsi_status == "failed"
