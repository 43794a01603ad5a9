"""Which action a case allows, and when its deadlines fall: pure functions of the case state.

The workflow's validators call these with `workflow.now()` and the window's close; each raises a
`RefusedError` naming what is wrong, which the workflow sends back as the update's refusal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from domain.attachments import DOCUMENTS, ChsiResult
from domain.case_completeness import (
    card_of,
    card_problems,
    check_old_identity_against_card,
    form_contradicts_card,
    form_invalid,
    missing_for_choices,
    missing_for_submit,
)
from domain.case_steps import (
    answering_return,
    apply_form,
    is_form_field,
    level_of,
    remove_attachment,
)
from domain.catalogs import Level
from domain.enrollment import (
    EnrollmentForm,
    EnrollmentInput,
    EnrollmentState,
    ExaminerAction,
    ReviewItem,
    form_problems,
)
from domain.errors import RefusedError, refuse
from domain.identity import IdentityRefusal
from domain.liveness import MAX_ATTEMPTS_PER_DAY, SHANGHAI, FaceRefusal, shanghai_day
from domain.messages import STEP_NAMES, CaseRefusal
from domain.office import OfficeRefusal
from domain.requirements import attachment_plan
from domain.states import (
    EDITABLE_AFTER_SUBMIT,
    FINAL,
    PRE_SUBMIT,
    STATE_LABELS,
    AppState,
    step_index,
)
from domain.text_limits import field_label

#: States in which an examiner holds or has decided the case: the candidate may not change it.
REVIEW_LOCKED = (
    AppState.UNDER_REVIEW,
    AppState.APPROVED,
    AppState.REJECTED,
    AppState.TICKET_ISSUED,
)
#: An examiner's decision on a case nobody has claimed yet.
UNCLAIMED_MESSAGE = "该申请尚未领取，请先领取再审核"
#: States from which a candidate may still change the form and the attachments.
FORM_EDITABLE = (AppState.DRAFT, *EDITABLE_AFTER_SUBMIT)


def refused_in_state(
    case: EnrollmentState, code: CaseRefusal = CaseRefusal.WRONG_STATE
) -> RefusedError:
    """A step the case no longer takes: the code's own text would not say why, so the refusal
    names where the case stands (and, to a candidate whose submitted or returned case refuses a
    step, where changes are made; an examiner's WRONG_STATE gets no such hint)."""
    text = f"申请当前为「{STATE_LABELS[case.state]}」，{code.message.removeprefix('当前状态')}"
    if code == CaseRefusal.NOT_EDITABLE and case.state in EDITABLE_AFTER_SUBMIT:
        text += "；报名信息和附件请在「我的考籍信息」中点击「修改」"
    return refuse(code, message=text, measured=case.state.value)


def review_locked(case: EnrollmentState) -> RefusedError:
    """「审核已开始，不能修改」 while claimed; once decided, the decision is named instead."""
    if case.state == AppState.UNDER_REVIEW:
        return refuse(CaseRefusal.UNDER_REVIEW_LOCKED)
    return refuse(
        CaseRefusal.UNDER_REVIEW_LOCKED,
        message=f"申请当前为「{STATE_LABELS[case.state]}」，审核已结束，不能修改",
        measured=case.state.value,
    )


def require_open_window(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    if now >= closes_at and case.state in (*PRE_SUBMIT, AppState.EXPIRED):
        raise refuse(CaseRefusal.WINDOW_CLOSED)


#: What an examiner may return a case for, besides its attachments: each names steps the
#: candidate can redo. A new photo or ID portrait voids the face check, so face comes along.
RETURN_REOPENS: dict[str, tuple[AppState, ...]] = {
    "id_card": (AppState.ID_PENDING, AppState.FACE_PENDING),
    "photo": (AppState.PHOTO_PENDING, AppState.FACE_PENDING),
    "face": (AppState.FACE_PENDING,),
    "form": (),
}
#: The steps a return can reopen, in the order the candidate meets them, each with the name
#: it has as a review item and in `Review.redone` (the form is changed through 「修改」, not as
#: a step). The H5's REDO_STEPS (web/h5/returned.js) is held to it by tests/web.
REDO_STEPS: tuple[tuple[str, AppState], ...] = (
    ("id_card", AppState.ID_PENDING),
    ("photo", AppState.PHOTO_PENDING),
    ("face", AppState.FACE_PENDING),
)
_REDONE_AS = {step: item for item, step in REDO_STEPS}
_RETURNABLE_STEPS = tuple(step for _, step in REDO_STEPS)


def reopened_by_return(case: EnrollmentState, step: AppState) -> bool:
    """A return reopens the steps its items name, and the face check whenever it has not passed:
    a returned case goes in again only with a passed face (`return_pending`), so a case that
    reached review flagged under the old rule must be able to pass it whatever the return named."""
    if case.state != AppState.RETURNED:
        return False
    if step == AppState.FACE_PENDING and not case.face.passed:
        return True
    return any(step in RETURN_REOPENS.get(item.item, ()) for item in case.review.items)


def redo_pending(case: EnrollmentState) -> list[str]:
    """What a return asked for that the candidate has not done again yet: its steps, then its
    other items (the form saved again, an attachment uploaded again) where they are tracked. An
    attachment the case's choices no longer ask for (another major chosen since) is not waited
    for: its upload is refused as not required, so the case could never go in again."""
    steps = {
        _REDONE_AS[step] for item in case.review.items for step in RETURN_REOPENS.get(item.item, ())
    }
    done = set(case.review.redone)
    asked = attachment_items(case)
    others = [
        item
        for item in case.review.answers_tracked
        if item not in done and (is_form_field(item) or item == "form" or item in asked)
    ]
    return sorted(steps - done) + sorted(set(others))


def attachment_items(case: EnrollmentState) -> set[str]:
    """The attachment items a return may name now: each requirement of the case's checklist and
    each document that can meet one."""
    plan = attachment_plan(case.form, case.chsi.status) if case.form else None
    return {code for r in (plan.required if plan else ()) for code in (r.code, *r.document_codes)}


def answer_tracked(item: str) -> bool:
    """A return item answered by something other than a step: the form (or one of its fields),
    an attachment (a requirement or one of its documents)."""
    return not RETURN_REOPENS.get(item)


def pending_name(case: EnrollmentState, item: str) -> str:
    """The candidate's name of a pending return item, for the refusal of a resubmission."""
    if item in STEP_NAMES:
        return STEP_NAMES[item]
    if is_form_field(item):
        return f"{STEP_NAMES['form']}（{field_label(item.partition('.')[2])}）"
    if item in DOCUMENTS:
        return f"附件：{DOCUMENTS[item]}"
    plan = attachment_plan(case.form, case.chsi.status) if case.form else None
    titles = {r.code: r.title for r in (plan.required if plan else ())}
    return f"附件：{titles[item]}" if item in titles else "附件材料"


def return_pending(case: EnrollmentState) -> list[str]:
    """What a returned case still lacks to go in again: the steps its return named and not redone
    yet, and a passed face whatever it named. The H5 shows the same list (ApplicationView). A
    change that put the returned case back to its steps (DRAFT) does not answer the return."""
    if not answering_return(case):
        return []
    pending = redo_pending(case)
    if not case.face.passed and "face" not in pending:
        pending.append("face")
    return pending


def require_step(
    case: EnrollmentState, minimum: AppState, now: datetime, closes_at: datetime
) -> None:
    """The candidate has reached `minimum` and not submitted yet (steps can be redone), or a
    return reopened that step."""
    if reopened_by_return(case, minimum):
        return
    require_open_window(case, now, closes_at)
    if case.state == AppState.RETURNED and minimum in _RETURNABLE_STEPS:
        raise not_returned(case, minimum)
    if case.state not in PRE_SUBMIT:
        raise refused_in_state(
            case, CaseRefusal.NOT_EDITABLE if case.state not in FINAL else CaseRefusal.WRONG_STATE
        )
    if step_index(case.state) < step_index(minimum):
        raise refused_in_state(case, CaseRefusal.STEP_NOT_REACHED)


def not_returned(case: EnrollmentState, step: AppState) -> RefusedError:
    """A step of a returned case that the return did not reopen: saying only 「不能修改」 left the
    candidate to guess why the step he meant to redo is closed while his case is open again."""
    name = STEP_NAMES[_REDONE_AS[step]]
    return refuse(
        CaseRefusal.NOT_EDITABLE,
        message=f"申请当前为「{STATE_LABELS[case.state]}」，退回意见未要求重新办理{name}，"
        "不能修改；请按退回意见修改后重新提交",
        measured=case.state.value,
    )


def require_not_ended(case: EnrollmentState) -> None:
    if case.state in (AppState.EXPIRED, AppState.WITHDRAWN, AppState.SUPERSEDED):
        raise refused_in_state(case)


def check_form(case: EnrollmentState, form: EnrollmentForm, id_number: str) -> None:
    """Every problem of the form at once (also against the confirmed ID card: the household
    province is the card's, an old identity differs from today's), then the combinations the
    rules never accept."""
    problems = form_problems(form) + card_problems(case, form)
    if problems:
        raise form_invalid(problems)
    attachment_plan(form, ChsiResult.PENDING)
    check_old_identity_against_card(case, form, id_number)


def check_modify(
    case: EnrollmentState,
    form: EnrollmentForm,
    id_number: str,
    *,
    now: datetime,
    closes_at: datetime,
) -> None:
    """The closed window is judged in the handler (`late_modify`): an operator may have
    extended it, which only the period knows. A case that takes no changes any more is refused
    as the steps refuse it: R1's sentence once the window closed, else where it stands."""
    if case.state in REVIEW_LOCKED:
        raise review_locked(case)
    if case.state not in FORM_EDITABLE:
        require_step(case, AppState.DRAFT, now, closes_at)
        raise refuse(CaseRefusal.NOT_EDITABLE)
    check_form(case, form, id_number)


def late_modify(
    case: EnrollmentState, form: EnrollmentForm, now: datetime, closes_at: datetime
) -> RefusedError | None:
    """After the window closed, a submitted case may not change to a choice that needs more: it
    could not be submitted again."""
    if now < closes_at or case.state == AppState.DRAFT:
        return None
    changed = case.model_copy(deep=True)
    apply_form(changed, form)
    if missing_for_choices(changed):
        return refuse(
            CaseRefusal.WINDOW_CLOSED,
            message="入籍已截止，修改后的选择需要补充材料，不能再这样修改；"
            "如需修改，请保留原来的专业等选择",
        )
    return None


def check_attachment_wanted(
    case: EnrollmentState, code: str, now: datetime, closes_at: datetime
) -> None:
    """Refused while claimed or decided as a removal is (UNDER_REVIEW_LOCKED, naming it)."""
    if case.state in REVIEW_LOCKED:
        raise review_locked(case)
    if case.state not in FORM_EDITABLE:
        require_step(case, AppState.DRAFT, now, closes_at)
    plan = attachment_plan(case.form, case.chsi.status) if case.form else None
    if plan is None or not any(code in r.document_codes for r in plan.required):
        raise refuse(CaseRefusal.ATTACHMENT_NOT_REQUIRED)


def check_attachment_removable(
    case: EnrollmentState, code: str, key: str, now: datetime, closes_at: datetime
) -> None:
    """Editable as for an upload; the closed window is judged in the handler (`late_removal`)."""
    if case.state in REVIEW_LOCKED:
        raise review_locked(case)
    if case.state not in FORM_EDITABLE:
        require_step(case, AppState.DRAFT, now, closes_at)
    if not any(f.key == key for f in case.attachments.get(code, [])):
        raise refuse(CaseRefusal.ATTACHMENT_NOT_FOUND)


def late_removal(
    case: EnrollmentState, code: str, key: str, now: datetime, closes_at: datetime
) -> RefusedError | None:
    """After the window closed a submitted case may not lose a proof it needs (it could not be
    submitted again)."""
    if now < closes_at or case.state == AppState.DRAFT:
        return None
    changed = case.model_copy(deep=True)
    remove_attachment(changed, code, key)
    if missing_for_choices(changed):
        return refuse(
            CaseRefusal.WINDOW_CLOSED,
            message="入籍已截止，不能删除申请需要的唯一一份材料；如需更换，请先上传新的材料，"
            "再删除原材料",
        )
    return None


def check_submit(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    if case.state != AppState.RETURNED:
        require_step(case, AppState.DRAFT, now, closes_at)
    pending = return_pending(case)
    if pending:
        names = "、".join(pending_name(case, item) for item in pending)
        raise refuse(CaseRefusal.RETURN_NOT_ANSWERED, names, measured=pending)
    refused = missing_for_submit(case)
    if refused:
        raise refused


def check_approvable(case: EnrollmentState, act: ExaminerAction, now: datetime) -> None:
    """Approving an incomplete case needs the examiner's reason (e.g. the proof was seen on
    site); it is kept on the case and in the audit log. A card expired meanwhile is not a
    missing proof: no reason lets it through (the case would keep the old card's data); nor
    does one let through a form that contradicts the card (the case would keep a household or
    an old name the card denies)."""
    check_claimed_by(case, act.examiner)
    check_card_still_valid(case, now)
    check_form_agrees_with_card(case)
    missing = missing_for_submit(case)
    if missing and not act.override_reason.strip():
        raise refuse(
            CaseRefusal.CHECKLIST_INCOMPLETE,
            missing.refusal.message,
            measured=missing.refusal.measured,
        )


def check_form_agrees_with_card(case: EnrollmentState) -> None:
    """The form rule's own refusal (FORM_INVALID naming the field, OLD_IDENTITY_UNCHANGED): the
    examiner returns the form, an override reason cannot change what the card says."""
    contradiction = form_contradicts_card(case)
    if contradiction:
        raise contradiction


def check_card_still_valid(case: EnrollmentState, now: datetime) -> None:
    """The card was valid when it was read; a case may wait weeks for its examiner. Judged on
    the Beijing day, like the card's printed dates."""
    card = card_of(case)
    if card is None or card.long_term or card.valid_until is None:
        return
    today = now.astimezone(SHANGHAI).date()
    if card.valid_until < today:
        raise refuse(
            IdentityRefusal.ID_EXPIRED,
            f"考生身份证已于{card.valid_until:%Y年%m月%d日}过期，不能审核通过；"
            "请退回身份证，由考生上传有效身份证",
            measured=card.valid_until.isoformat(),
            expected=f"不早于{today.isoformat()}",
        )


#: what a candidate whose case can no longer be withdrawn does instead, by where it stands
WITHDRAW_INSTEAD = {
    AppState.UNDER_REVIEW: "请等待审核结果",
    AppState.APPROVED: "如需放弃入籍，请联系所报市州自考办",
    AppState.TICKET_ISSUED: "如需放弃入籍，请联系所报市州自考办",
}


def check_withdraw(case: EnrollmentState) -> None:
    """Refused once an examiner holds or has decided the case, and saying what to do instead;
    an ended case has nothing left to withdraw."""
    if case.state in (*PRE_SUBMIT, AppState.SUBMITTED, AppState.RETURNED):
        return
    instead = WITHDRAW_INSTEAD.get(case.state, "申请已结束，无需撤回")
    raise refuse(
        CaseRefusal.WRONG_STATE,
        message=f"申请当前为「{STATE_LABELS[case.state]}」，不能撤回；{instead}",
        measured=case.state.value,
    )


def check_claim(case: EnrollmentState, examiner: str) -> None:
    if case.state == AppState.UNDER_REVIEW and case.review.examiner != examiner:
        raise refuse(CaseRefusal.ALREADY_CLAIMED)
    if case.state not in (AppState.SUBMITTED, AppState.UNDER_REVIEW):
        raise refused_in_state(case)
    missing = missing_for_submit(case) if case.state == AppState.SUBMITTED else None
    if missing:
        raise refuse(CaseRefusal.CHECKLIST_INCOMPLETE, missing.refusal.message)


def check_claimed_by(case: EnrollmentState, examiner: str) -> None:
    if case.state == AppState.SUBMITTED:
        raise refuse(CaseRefusal.WRONG_STATE, message=UNCLAIMED_MESSAGE, measured=case.state.value)
    if case.state != AppState.UNDER_REVIEW:
        raise refused_in_state(case)
    if case.review.examiner != examiner:
        raise refuse(CaseRefusal.NOT_CLAIMED_BY_YOU)


def check_review_not_held(case: EnrollmentState) -> None:
    """After the close-out nothing waits for the queue or the candidate: a case still claimed
    then is approved or rejected (an admin may move the claim), never released or returned."""
    if case.held_for_decision_at is not None:
        raise refuse(CaseRefusal.REVIEW_CLOSED)


def check_reassign(case: EnrollmentState, to_examiner: str) -> None:
    """Only a claimed case has a claim to move; to its own holder it would move nothing."""
    if case.state != AppState.UNDER_REVIEW:
        raise refused_in_state(case)
    if case.review.examiner == to_examiner:
        raise refuse(OfficeRefusal.REASSIGN_SAME_EXAMINER)


def check_reasons(items: list[ReviewItem]) -> None:
    if not items or any(not item.reason.strip() for item in items):
        raise refuse(CaseRefusal.REASONS_REQUIRED)


def check_return_items(case: EnrollmentState, items: list[ReviewItem]) -> None:
    """A return names only what the candidate can act on: a step to redo, the form, or one of
    the case's attachments (a requirement or a document of it)."""
    check_reasons(items)
    documents = attachment_items(case)
    unknown = [
        i.item
        for i in items
        if i.item not in RETURN_REOPENS and i.item not in documents and not is_form_field(i.item)
    ]
    if unknown:
        names = "、".join(f"「{unreturnable_name(item)}」" for item in unknown)
        raise refuse(
            CaseRefusal.RETURN_ITEM_UNKNOWN,
            message=f"{names}不能退回考生修改：退回只能针对身份证、寸照、人脸核验、报名信息"
            "或本申请需要的附件材料；其他问题请写在这些项目的退回意见中，或审核不通过并写明原因",
            measured=unknown,
        )


#: Review items a rejection may name that a return cannot (the console's REJECT_ITEMS).
_NOT_RETURNABLE = {"chsi": "学信网校验", "other": "其他"}


def unreturnable_name(item: str) -> str:
    """The examiner's name of an item a return cannot name: the item codes are the console's,
    not words he reads (an attachment the case's choices do not ask for, a field unknown)."""
    if item in _NOT_RETURNABLE:
        return _NOT_RETURNABLE[item]
    if item in DOCUMENTS:
        return f"{DOCUMENTS[item]}（本申请不需要该材料）"
    if item.partition(".")[0] == "form":
        return "报名信息中不存在的项目"
    return item[:40]


def check_face_attempts_left(case: EnrollmentState, now: datetime) -> None:
    """5 failed live checks a day; then locked until midnight in Beijing time."""
    face = case.face
    if face.day == shanghai_day(now) and face.day_failures >= MAX_ATTEMPTS_PER_DAY:
        tomorrow = now.astimezone(SHANGHAI).date() + timedelta(days=1)
        unlock = datetime.combine(tomorrow, datetime.min.time(), SHANGHAI)
        raise refuse(
            FaceRefusal.FACE_LOCKED_TODAY,
            message=f"今日人脸核验已失败{MAX_ATTEMPTS_PER_DAY}次，请于{unlock:%m月%d日 %H:%M}"
            "（北京时间）后再试；如确实无法通过，请到考区现场核验",
            measured=face.day_failures,
            expected=unlock.isoformat(),
        )


def check_on_site_face(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    """Staff may record an in-person face check only where the candidate is stuck at it."""
    if not (case.state == AppState.FACE_PENDING or reopened_by_return(case, AppState.FACE_PENDING)):
        raise refuse(CaseRefusal.WRONG_STATE)
    require_open_window(case, now, closes_at)


def check_chsi_pending(case: EnrollmentState, now: datetime, closes_at: datetime) -> None:
    """The QR step is open only while pending; otherwise the candidate is told which way his
    step went (verified, or the manual upload), not only that it takes no codes."""
    require_step(case, AppState.DRAFT, now, closes_at)
    status = case.chsi.status
    if status == ChsiResult.PENDING:
        return
    if level_of(case) != Level.BENKE:  # a 专科 case keeps what CHSI said before, needs nothing
        raise refuse(CaseRefusal.CHSI_NOT_NEEDED)
    if status == ChsiResult.VERIFIED:
        raise refuse(CaseRefusal.CHSI_ALREADY_VERIFIED)
    raise refuse(CaseRefusal.CHSI_CLOSED)


# --- deadlines -----------------------------------------------------------------------------------
class Deadline(StrEnum):
    """Why a case ends or moves on by itself; the value is the audit action's suffix."""

    PHONE_NOT_VERIFIED = "phone_not_verified"
    FACE_NOT_VERIFIED = "face_not_verified"
    WINDOW_CLOSED = "window_closed"
    CHSI_TIMEOUT = "chsi_timeout"


def back_before_the_face_step(case: EnrollmentState) -> bool:
    """Verified once and back at or before the face step (redoing the photo or the card): the
    only case where the two face-deadline rules differ."""
    verified = case.identity_proved_at is not None or case.notice_accepted_at is not None
    return (
        verified
        and case.state in PRE_SUBMIT
        and step_index(case.state) <= step_index(AppState.FACE_PENDING)
    )


def deadlines(
    params: EnrollmentInput,
    case: EnrollmentState,
    closes_at: datetime,
    now: datetime,
    *,
    face_until_verified: bool = True,
) -> list[tuple[datetime, Deadline]]:
    """Every deadline that applies in the case's current state, soonest first. The face deadline
    ends registrations never verified; a candidate who passed the face check once and redoes a
    step before it (a better photo, a new card) is not one (`face_until_verified=False`: the
    first rule, kept for runs recorded under it, which expired him at once after 7 days)."""
    created = case.created_at or now
    found: list[tuple[datetime, Deadline]] = []
    if case.state == AppState.REGISTERED:
        found.append((created + params.phone_verify_timeout, Deadline.PHONE_NOT_VERIFIED))
    if (
        case.state in PRE_SUBMIT
        and step_index(case.state) <= step_index(AppState.FACE_PENDING)
        and not (face_until_verified and back_before_the_face_step(case))
    ):
        found.append((created + params.face_verify_timeout, Deadline.FACE_NOT_VERIFIED))
    if case.state in PRE_SUBMIT:
        found.append((closes_at, Deadline.WINDOW_CLOSED))
    if case.chsi.status == ChsiResult.PENDING and case.chsi.requested_at:
        found.append((case.chsi.requested_at + params.chsi_timeout, Deadline.CHSI_TIMEOUT))
    return sorted(found)


def time_to_deadline(
    params: EnrollmentInput,
    case: EnrollmentState,
    closes_at: datetime,
    now: datetime,
    *,
    face_until_verified: bool = True,
) -> timedelta | None:
    """How long the workflow may wait for a message before a deadline needs it; at least a
    second, so a deadline just passed is handled on the next wake-up, not in a busy loop."""
    found = deadlines(params, case, closes_at, now, face_until_verified=face_until_verified)
    return max(found[0][0] - now, timedelta(seconds=1)) if found else None
