"""Which action a case allows, and when its deadlines fall: pure functions of the case state.

The workflow's validators call these with `workflow.now()` and the window's close; each raises a
`RefusedError` naming what is wrong, which the workflow sends back as the update's refusal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from domain.attachments import ChsiResult, check_attachments_complete
from domain.enrollment import (
    EnrollmentForm,
    EnrollmentInput,
    EnrollmentState,
    ReviewItem,
    form_problems,
)
from domain.errors import refuse
from domain.messages import CaseRefusal
from domain.requirements import attachment_plan
from domain.states import EDITABLE_AFTER_SUBMIT, FINAL, PRE_SUBMIT, AppState, step_index

#: States in which an examiner holds or has decided the case: the candidate may not change it.
REVIEW_LOCKED = (
    AppState.UNDER_REVIEW,
    AppState.APPROVED,
    AppState.REJECTED,
    AppState.TICKET_ISSUED,
)
#: States from which a candidate may still change the form and the attachments.
FORM_EDITABLE = (AppState.DRAFT, *EDITABLE_AFTER_SUBMIT)


def require_open_window(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    if now >= closes_at and case.state in (*PRE_SUBMIT, AppState.EXPIRED):
        raise refuse(CaseRefusal.WINDOW_CLOSED)


def require_step(
    case: EnrollmentState, minimum: AppState, now: datetime, closes_at: datetime
) -> None:
    """The candidate has reached `minimum` and not submitted yet (steps can be redone)."""
    require_open_window(case, now, closes_at)
    if case.state not in PRE_SUBMIT:
        raise refuse(
            CaseRefusal.NOT_EDITABLE if case.state not in FINAL else CaseRefusal.WRONG_STATE
        )
    if step_index(case.state) < step_index(minimum):
        raise refuse(CaseRefusal.STEP_NOT_REACHED)


def require_not_ended(case: EnrollmentState) -> None:
    if case.state in (AppState.EXPIRED, AppState.WITHDRAWN):
        raise refuse(CaseRefusal.WRONG_STATE)


def check_form(form: EnrollmentForm) -> None:
    """Every problem of the form at once, then the combinations the rules never accept."""
    problems = form_problems(form)
    if problems:
        raise refuse(
            CaseRefusal.FORM_INVALID,
            "；".join(p.message for p in problems),
            details=[p.model_dump() for p in problems],
        )
    attachment_plan(form, ChsiResult.PENDING)


def check_modify(case: EnrollmentState, form: EnrollmentForm) -> None:
    if case.state in REVIEW_LOCKED:
        raise refuse(CaseRefusal.UNDER_REVIEW_LOCKED)
    if case.state not in FORM_EDITABLE:
        raise refuse(CaseRefusal.NOT_EDITABLE)
    check_form(form)


def check_attachment_wanted(
    case: EnrollmentState, code: str, now: datetime, closes_at: datetime
) -> None:
    if case.state not in FORM_EDITABLE:
        require_step(case, AppState.DRAFT, now, closes_at)
    plan = attachment_plan(case.form, case.chsi.status) if case.form else None
    if plan is None or not any(code in r.document_codes for r in plan.required):
        raise refuse(CaseRefusal.ATTACHMENT_NOT_REQUIRED)


def check_submit(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    if case.state != AppState.RETURNED:
        require_step(case, AppState.DRAFT, now, closes_at)
    if case.form is None:
        raise refuse(CaseRefusal.FORM_INCOMPLETE)
    if case.chsi.status == ChsiResult.PENDING:
        raise refuse(
            CaseRefusal.ATTACHMENTS_MISSING,
            message="请完成学信网校验或选择「学信网校验失败」后上传材料",
        )
    plan = attachment_plan(case.form, case.chsi.status)
    check_attachments_complete(plan.required, uploaded_codes(case))


def check_withdraw(case: EnrollmentState) -> None:
    if case.state not in (*PRE_SUBMIT, AppState.SUBMITTED, AppState.RETURNED):
        raise refuse(CaseRefusal.WRONG_STATE)


def check_claim(case: EnrollmentState, examiner: str) -> None:
    if case.state == AppState.UNDER_REVIEW and case.review.examiner != examiner:
        raise refuse(CaseRefusal.ALREADY_CLAIMED)
    if case.state not in (AppState.SUBMITTED, AppState.UNDER_REVIEW):
        raise refuse(CaseRefusal.WRONG_STATE)


def check_claimed_by(case: EnrollmentState, examiner: str) -> None:
    if case.state != AppState.UNDER_REVIEW:
        raise refuse(CaseRefusal.WRONG_STATE)
    if case.review.examiner != examiner:
        raise refuse(CaseRefusal.NOT_CLAIMED_BY_YOU)


def check_reasons(items: list[ReviewItem]) -> None:
    if not items or any(not item.reason.strip() for item in items):
        raise refuse(CaseRefusal.REASONS_REQUIRED)


def check_chsi_pending(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    require_step(case, AppState.DRAFT, now, closes_at)
    if case.chsi.status != ChsiResult.PENDING:
        raise refuse(CaseRefusal.CHSI_NOT_NEEDED)


def uploaded_codes(case: EnrollmentState) -> set[str]:
    return {code for code, files in case.attachments.items() if files}


# --- deadlines -----------------------------------------------------------------------------------
class Deadline(StrEnum):
    """Why a case ends or moves on by itself; the value is the audit action's suffix."""

    PHONE_NOT_VERIFIED = "phone_not_verified"
    FACE_NOT_VERIFIED = "face_not_verified"
    WINDOW_CLOSED = "window_closed"
    CHSI_TIMEOUT = "chsi_timeout"


def deadlines(
    params: EnrollmentInput, case: EnrollmentState, closes_at: datetime, now: datetime
) -> list[tuple[datetime, Deadline]]:
    """Every deadline that applies in the case's current state, soonest first."""
    created = case.created_at or now
    found: list[tuple[datetime, Deadline]] = []
    if case.state == AppState.REGISTERED:
        found.append((created + params.phone_verify_timeout, Deadline.PHONE_NOT_VERIFIED))
    if case.state in PRE_SUBMIT and step_index(case.state) <= step_index(AppState.FACE_PENDING):
        found.append((created + params.face_verify_timeout, Deadline.FACE_NOT_VERIFIED))
    if case.state in PRE_SUBMIT:
        found.append((closes_at, Deadline.WINDOW_CLOSED))
    if case.chsi.status == ChsiResult.PENDING and case.chsi.requested_at:
        found.append((case.chsi.requested_at + params.chsi_timeout, Deadline.CHSI_TIMEOUT))
    return sorted(found)


def time_to_deadline(
    params: EnrollmentInput, case: EnrollmentState, closes_at: datetime, now: datetime
) -> timedelta | None:
    """How long the workflow may wait for a message before a deadline needs it; at least a
    second, so a deadline just passed is handled on the next wake-up, not in a busy loop."""
    found = deadlines(params, case, closes_at, now)
    return max(found[0][0] - now, timedelta(seconds=1)) if found else None
