"""Every committed history replays with the current workflow code: a change that would break
running applications (months-long workflows) fails here, before it ships."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from infra.keyring import parse_key_ring
from tests.replay.record_histories import RECORDING_PROOF_KEY, WORKFLOW_IDS
from workflows.enrollment import EnrollmentWorkflow
from workflows.interceptors import CallerProofChecker
from workflows.period import EnrollmentPeriodWorkflow
from workflows.retention import RetentionWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_committed():
    names = {p.stem for p in HISTORIES}
    assert {
        "enrollment_ticket",
        "enrollment_rejected",
        "enrollment_expired",
        "period_issued",
        "enrollment_taken_over",
        "enrollment_claim_won",
        # issue 17 (tests/replay/record_office.py)
        "enrollment_closed_out",
        "period_closed_out",
        "retention_daily",
        "enrollment_claim_moves",
        # issue 18: the lean shape (workflows/shape.py)
        "lean_enrollment_ticket",
        "lean_enrollment_rejected",
        "lean_enrollment_expired",
        "lean_period_issued",
        # shape 2: the API's memo, the H5's fewer round trips (record_histories.py fewer)
        "fewer_enrollment_ticket",
        "fewer_enrollment_rejected",
        "fewer_enrollment_expired",
        # shape 3: one call per step, the merged updates (record_histories.py onecall)
        "onecall_enrollment_ticket",
        "onecall_enrollment_rejected",
        "onecall_enrollment_expired",
        "onecall_first_contact",
        # rules 2: a card redone from DRAFT asks for the face check only (record_histories.py
        # card-redone 1, recorded by the code before it, and card-redone 2)
        "rules1_card_redone",
        "rules2_card_redone",
        # R12 with an old ID number to the approval (record_histories.py old-id-number): rules 2
        # took a 14-digit one (recorded by the code before rules 3), rules 3 a 15-digit card's
        "rules2_old_id_number",
        "rules3_old_id_number",
        # a returned case reopened by a change while its face check is voided: at DRAFT by the
        # code before `reopened-at-step`, at the face step since (record_histories.py)
        "reopened_at_draft_face_open",
        "reopened_at_step",
    } <= names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_replays_with_current_code(path: Path):
    """With the worker's caller-proof check in place: the first histories were recorded before it,
    without proof headers, and must replay exactly as they ran (workflows/interceptors.py); those
    of the lean shape carry the recording client's proofs (record_histories.py)."""
    replayer = Replayer(
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow, RetentionWorkflow],
        data_converter=pydantic_data_converter,
        interceptors=[CallerProofChecker(parse_key_ring(RECORDING_PROOF_KEY), max_age=None)],
    )
    workflow_id = json.loads(WORKFLOW_IDS.read_text()).get(path.stem, path.stem)
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.stem}: {result.replay_failure}"
