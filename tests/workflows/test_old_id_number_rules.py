"""R12 under rules 3: the form's 「原证件号码」 is refused where it cannot be the number it claims
to be, with the reason, before anything is saved; runs started under the rules before keep taking
what they took when recorded (a form they accepted must still submit)."""

from __future__ import annotations

import pytest

from domain.case_view import LATER_STEPS_KEPT, OLD_ID_NUMBER_CHECKED
from domain.enrollment import EnrollmentForm
from domain.states import AppState
from tests.workflows.flow import at_draft_under_rules, zhuanke_form
from tests.workflows.harness import valid_id_number
from tests.workflows.test_lifecycle_paths import refused, upload_missing
from workflows.enrollment import EnrollmentWorkflow


@pytest.fixture
def time_env(module_time_env):
    return module_time_env


def renamed(old_id_number: str) -> EnrollmentForm:
    return zhuanke_form(old_id_number=old_id_number).model_copy(update={"identity_changed": True})


async def test_a_mistyped_old_id_number_is_refused_with_its_reason(harness, time_env):
    handle = await at_draft_under_rules(harness, time_env, 395, OLD_ID_NUMBER_CHECKED)
    typo = valid_id_number(7, birth="19850611")[:17]  # the last character left out

    cause = await refused(handle, EnrollmentWorkflow.save_form, renamed(typo))
    assert cause.type == "OLD_ID_NUMBER_INVALID"
    assert "15位或18位" in str(cause)
    assert (await handle.query(EnrollmentWorkflow.case_file)).state.form is None  # nothing saved

    view = await handle.execute_update(EnrollmentWorkflow.save_form, renamed("430104850611007"))
    assert view.state == AppState.DRAFT  # a first-generation card's 15 digits


async def test_runs_started_before_keep_taking_any_old_number(harness, time_env):
    """Saved, and submitted: the submit judges the saved form again (it may predate a new card)."""
    handle = await at_draft_under_rules(harness, time_env, 396, LATER_STEPS_KEPT)
    view = await handle.execute_update(EnrollmentWorkflow.save_form, renamed("43010419850611"))
    assert view.state == AppState.DRAFT
    case = (await handle.query(EnrollmentWorkflow.case_file)).state
    assert case.form is not None and case.form.old_id_number == "43010419850611"
    await upload_missing(handle, view)
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED
