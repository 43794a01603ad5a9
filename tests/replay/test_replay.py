"""Every committed history replays with the current workflow code: a change that would break
running applications (months-long workflows) fails here, before it ships."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from infra.keyring import new_key_entry, parse_key_ring
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
    } <= names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_replays_with_current_code(path: Path):
    """With the worker's caller-proof check in place: these histories were recorded before it,
    without proof headers, and must replay exactly as they ran (workflows/interceptors.py)."""
    replayer = Replayer(
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow, RetentionWorkflow],
        data_converter=pydantic_data_converter,
        interceptors=[CallerProofChecker(parse_key_ring(new_key_entry("replay")).keys)],
    )
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.stem}: {result.replay_failure}"
