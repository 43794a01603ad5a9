"""Every deadline that ends a case has a reason the candidate reads in 「我的考籍信息」."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.case_rules import Deadline
from domain.case_view import expiry_reason
from domain.enrollment import EnrollmentState
from domain.messages import EXPIRED_AFTER_REOPENING, EXPIRY_REASONS
from domain.states import AppState

AT = datetime(2026, 11, 30, tzinfo=UTC)


def test_every_deadline_that_ends_a_case_says_why() -> None:
    ending = [d for d in Deadline if d != Deadline.CHSI_TIMEOUT]  # that one opens the upload
    for deadline in ending:
        case = EnrollmentState(
            state=AppState.EXPIRED, history=[(AT, "system", f"expired:{deadline}")]
        )
        assert expiry_reason(case) == EXPIRY_REASONS[f"expired:{deadline}"], deadline
    assert set(EXPIRY_REASONS) == {f"expired:{d}" for d in ending}


def test_a_case_not_ended_by_a_deadline_has_no_such_reason() -> None:
    withdrawn = EnrollmentState(state=AppState.WITHDRAWN, history=[(AT, "candidate", "withdrawn")])
    assert expiry_reason(withdrawn) == ""


def test_a_case_submitted_then_changed_back_to_its_steps_is_told_it_was_not_submitted_again():
    case = EnrollmentState(
        state=AppState.EXPIRED,
        submitted_at=AT,
        history=[(AT, "candidate", "modified"), (AT, "system", "expired:window_closed")],
    )
    assert expiry_reason(case) == EXPIRED_AFTER_REOPENING
