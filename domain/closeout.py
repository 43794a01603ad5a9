"""The close-out of a period: `close_out_after` days after the review deadline, cases that still
wait for the office (SUBMITTED) or for the candidate (RETURNED) end as EXPIRED with a reason the
candidate reads. Cases an examiner holds (UNDER_REVIEW) are left to him: approved later, they get
a number in a supplementary run; they are told too, and from then on leave review only by a
decision (no release, no return: nothing would close them any more). The period workflow asks an
activity to signal each case (domain/period.PeriodConfig.close_out_after says when)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain.enrollment import EnrollmentState
from domain.states import PRE_SUBMIT, AppState

#: states the close-out ends
CLOSABLE = (AppState.SUBMITTED, AppState.RETURNED)
#: states the close-out tells: those it ends, and the claimed ones it holds for a decision
TOLD = (*CLOSABLE, AppState.UNDER_REVIEW)
#: the audit action of a claimed case the close-out holds for a decision
HELD_FOR_DECISION = "held_for_decision:closed_out"
#: the audit action's reason, after `expired:` (like `expired:window_closed`)
CLOSED_OUT = "closed_out"
CLOSED_OUT_REASON = {
    AppState.SUBMITTED: "审核截止时您的申请尚未完成审核，本次入籍已结束，申请已关闭。"
    "如有疑问，请联系所报市州自考办。",
    AppState.RETURNED: "重新提交期限届满时您的申请仍处于退回修改状态，未重新提交，"
    "本次入籍已结束，申请已关闭。"
    "如需入籍，请在下一次入籍时间内重新申请。",
}
CLOSED_OUT_SMS = "【湖南自考】您的新生入籍申请在审核截止时未完成，已关闭。详情请登录入籍系统查看。"

# --- contracts of the close-out activity and signal ---------------------------------------------
CLOSE_OUT_CASES = "close_out_cases"
CLOSE_OUT_SIGNAL = "close_out"


class CloseOutInput(BaseModel):
    period_id: str
    page_size: int = 500
    concurrency: int = 50


class CloseOutResult(BaseModel):
    signalled: int = 0


class CloseOutNotice(BaseModel):
    period_id: str


# --- a window shortened while open --------------------------------------------------------------
# A case learns the window's close at its start and sets its deadline and rules by it; a later
# extension it asks the period for when that close comes. A window closed earlier than a case was
# told is told to it when the period closes: every case a close still concerns (the steps before
# submission, and a submitted case's late changes) takes the earlier close.
TELL_WINDOW_CLOSED = "tell_window_closed"
WINDOW_CLOSED_SIGNAL = "window_closed"
WINDOW_TOLD = (*PRE_SUBMIT, AppState.SUBMITTED, AppState.RETURNED, AppState.UNDER_REVIEW)


class WindowClosedInput(BaseModel):
    period_id: str
    closes_at: datetime
    page_size: int = 500
    concurrency: int = 50


class WindowClosedNotice(BaseModel):
    period_id: str
    closes_at: datetime


def holds_for_decision(case: EnrollmentState) -> bool:
    """A claimed case the close-out has not held yet."""
    return case.state == AppState.UNDER_REVIEW and case.held_for_decision_at is None


def close_out(case: EnrollmentState, now: datetime) -> bool:
    """Ends a case still open at the close-out; False when there is nothing to end."""
    if case.state not in CLOSABLE:
        return False
    case.closed_reason = CLOSED_OUT_REASON[case.state]
    case.closed_at = now
    case.state = AppState.EXPIRED
    return True
