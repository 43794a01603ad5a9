"""What an operator reads when 「补充生成准考证号」 cannot start: before the deadline, that it
comes after it; while a run is numbering (another operator pressed first, or the regular run),
that one is running — not 「审核截止后方可…」, which the deadline already past contradicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.exceptions import ApplicationError

from domain.period import PeriodConfig, PeriodInput, PeriodPhase, PeriodState
from workflows.period import EnrollmentPeriodWorkflow

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CONFIG = PeriodConfig(
    period_id="2026-2", year=2026, window=2, opens_at=NOW, closes_at=NOW, review_deadline=NOW
)


def refusal(phase: PeriodPhase) -> str | None:
    period = EnrollmentPeriodWorkflow(PeriodInput(config=CONFIG, state=PeriodState(state=phase)))
    try:
        period._validate_supplementary()
    except ApplicationError as refused:
        assert refused.type == "WRONG_STATE"
        return refused.message
    return None


@pytest.mark.parametrize("phase", [PeriodPhase.SCHEDULED, PeriodPhase.OPEN, PeriodPhase.CLOSED])
def test_before_the_deadline_the_run_comes_after_it(phase: PeriodPhase) -> None:
    assert "审核截止后方可补充生成准考证号" in (refusal(phase) or "")


def test_while_numbers_are_being_issued_the_operator_is_told_a_run_is_on() -> None:
    said = refusal(PeriodPhase.ISSUING) or ""
    assert "正在生成准考证号" in said and "审核截止后" not in said, said


def test_once_issued_a_supplementary_run_may_start() -> None:
    assert refusal(PeriodPhase.ISSUED) is None
