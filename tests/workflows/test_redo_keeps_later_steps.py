"""A step redone from a later one asks again only for what it voided (rules 2). A candidate who
has filled in the form and then takes a new ID card (a better photo of it, or a renewed card)
must pass the face check again, since it matched the old card's portrait, but not upload the
寸照 again nor re-read the notice he accepted; a new 寸照 likewise asks for the face check only.
Runs started under the rules before walk every later step again, as they did when recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle

from domain.case_view import HOUSEHOLD_BY_PERMIT, LATER_STEPS_KEPT, RULES_MEMO_KEY
from domain.enrollment import ConfirmIdCardInput, IdCardUpload, PhotoUpload
from domain.states import AppState
from tests.workflows.flow import at_draft_under_rules, obj, verify_phone, zhuanke_form
from tests.workflows.harness import Harness, valid_id_number
from tests.workflows.test_lifecycle_paths import pass_face, refused, upload_missing
from workflows.enrollment import EnrollmentWorkflow


@pytest.fixture
def time_env(module_time_env):
    return module_time_env


async def drafted(h: Harness, time_env, serial: int, rules: int) -> WorkflowHandle:
    """At DRAFT with a saved form and its proofs: ready to submit."""
    handle = await at_draft_under_rules(h, time_env, serial, rules)
    view = await handle.execute_update(EnrollmentWorkflow.save_form, zhuanke_form())
    await upload_missing(handle, view)
    return handle


async def new_card(handle: WorkflowHandle) -> AppState:
    """A new card uploaded and confirmed as read; the state the confirmation leads to."""
    upload = IdCardUpload(front=obj("a/new/front.jpg"), back=obj("a/new/back.jpg"))
    view = await handle.execute_update(EnrollmentWorkflow.submit_id_card, upload)
    assert view.state == AppState.ID_PENDING
    read = (await handle.query(EnrollmentWorkflow.case_file)).state.id_card.ocr
    confirm = ConfirmIdCardInput(fields=read)
    return (await handle.execute_update(EnrollmentWorkflow.confirm_id_card, confirm)).state


async def test_a_new_card_from_the_form_asks_for_the_face_check_only(harness, time_env):
    handle = await drafted(harness, time_env, 381, LATER_STEPS_KEPT)
    photo = (await handle.query(EnrollmentWorkflow.case_file)).state.photo.official

    assert await new_card(handle) == AppState.FACE_PENDING
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.photo_kept  # what the H5 confirms the card on its own by
    assert not view.face_passed  # it matched the old card's portrait
    assert (await refused(handle, EnrollmentWorkflow.submit)).type == "STEP_NOT_REACHED"

    assert (await pass_face(handle)).state == AppState.DRAFT  # the notice stands
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.photo.official == photo and case.face.passed and case.form is not None
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_a_new_photo_from_the_form_asks_for_the_face_check_only(harness, time_env):
    handle = await drafted(harness, time_env, 382, LATER_STEPS_KEPT)
    upload = PhotoUpload(photo=obj("a/photo2.jpg"), filename="p.jpg")
    view = await handle.execute_update(EnrollmentWorkflow.submit_photo, upload)
    assert (view.state, view.face_passed) == (AppState.FACE_PENDING, False)

    assert (await pass_face(handle)).state == AppState.DRAFT
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_a_card_redone_on_the_first_pass_still_leads_to_the_photo(harness, time_env):
    """No 寸照 yet: the card read again before the photo step goes on to the photo as always."""
    now = await time_env.get_current_time()
    phone = "13900000383"
    inp = harness.enrollment_input("2026-2", valid_id_number(383), phone, now + timedelta(days=10))
    handle = await harness.start_application(inp, memo={RULES_MEMO_KEY: LATER_STEPS_KEPT})
    await verify_phone(harness, handle, phone)
    upload = IdCardUpload(front=obj("a/id/front.jpg"), back=obj("a/id/back.jpg"))
    view = await handle.execute_update(EnrollmentWorkflow.submit_id_card, upload)
    assert not view.photo_kept  # the H5 holds the confirmation for the photo upload
    assert await new_card(handle) == AppState.PHOTO_PENDING


@pytest.mark.parametrize("rules", [HOUSEHOLD_BY_PERMIT, 0])
async def test_runs_started_before_walk_every_later_step_again(harness, time_env, rules):
    handle = await drafted(harness, time_env, 384 + rules, rules)
    upload = IdCardUpload(front=obj("a/new/front.jpg"), back=obj("a/new/back.jpg"))
    assert not (await handle.execute_update(EnrollmentWorkflow.submit_id_card, upload)).photo_kept

    assert await new_card(handle) == AppState.PHOTO_PENDING
    upload = PhotoUpload(photo=obj("a/photo2.jpg"), filename="p.jpg")
    await handle.execute_update(EnrollmentWorkflow.submit_photo, upload)
    assert (await pass_face(handle)).state == AppState.NOTICE_PENDING
    assert (await handle.execute_update(EnrollmentWorkflow.accept_notice)).state == AppState.DRAFT
