"""How each step changes a case: pure functions on `EnrollmentState`, called by the workflow's
handlers once the validator has let the action through and the activity (if any) has answered.
The clock and the workflow's identifiers come in as arguments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from domain.attachments import ChsiResult
from domain.case_completeness import missing_for_choices
from domain.catalogs import Level
from domain.chsi import (
    TOKEN_TTL,
    ChsiCallback,
    ChsiCode,
    ChsiKind,
    ChsiOutcome,
    QrState,
    QrToken,
    check_subject,
    redeem_token,
)
from domain.enrollment import (
    ConfirmIdCardInput,
    EnrollmentForm,
    EnrollmentState,
    ExaminerAction,
    IdCardUpload,
    OnSiteCheck,
    OnSiteFaceCheck,
    PhotoUpload,
)
from domain.errors import RefusedError
from domain.liveness import MAX_ATTEMPTS_PER_DAY, shanghai_day
from domain.majors import major_of
from domain.objects import StoredObject
from domain.requirements import attachment_plan
from domain.states import PRE_SUBMIT, AppState, Decision, step_index
from domain.vision import PhotoReport, ReadIdCardResult, VerifyFaceResult


def rewind(case: EnrollmentState, to: AppState) -> None:
    """Redoing an earlier step puts the application back to the step after it; a returned case
    stays returned while the candidate redoes what the return named."""
    if case.state != AppState.RETURNED and step_index(case.state) > step_index(to):
        case.state = to


def answering_return(case: EnrollmentState) -> bool:
    """Returned, or put back to its steps by a change made while returned (`reopen_if_incomplete`):
    the return's steps are still to be redone before the case goes in again."""
    return case.state == AppState.RETURNED or (
        case.state in PRE_SUBMIT and case.review.decision == Decision.RETURNED
    )


def _redone(case: EnrollmentState, item: str) -> None:
    """A new photo or ID portrait voids a face check done before it, redone or not."""
    if not answering_return(case):
        return
    if item in ("photo", "id_card") and "face" in case.review.redone:
        case.review.redone.remove("face")
    if item not in case.review.redone:
        case.review.redone.append(item)


def answer_return_with_attachment(case: EnrollmentState, code: str) -> None:
    """An attachment uploaded while answering a return answers the return's item for that
    document, and for each requirement it is a document of."""
    plan = attachment_plan(case.form, case.chsi.status) if case.form else None
    requirements = [r.code for r in (plan.required if plan else ()) if code in r.document_codes]
    for item in (code, *requirements):
        if item in case.review.answers_tracked:
            _redone(case, item)


def answer_return_with_form(case: EnrollmentState) -> None:
    """The form saved while answering a return answers its form items (the form, or a field of
    it): the candidate went back to it. A change is not required: the examiner may have asked
    to check a value that was right, and a case must never be unable to go in again."""
    for item in case.review.answers_tracked:
        if item == "form" or is_form_field(item):
            _redone(case, item)


def is_form_field(item: str) -> bool:
    """「form.<field>」 names one field of the form, e.g. form.postal_code (a return item)."""
    head, _, field = item.partition(".")
    return head == "form" and field in EnrollmentForm.model_fields


def level_of(case: EnrollmentState) -> Level | None:
    return form_level(case.form) if case.form else None


def form_level(form: EnrollmentForm) -> Level | None:
    major = major_of(form.major, form.major_choice)
    return major.level if major else None


def record_id_card(case: EnrollmentState, upload: IdCardUpload, result: ReadIdCardResult) -> None:
    card = case.id_card
    card.front, card.back, card.ocr = upload.front, upload.back, result.fields
    card.confidence, card.portrait, card.confirmed = result.confidence, result.portrait, None
    card.flags, card.warnings = result.flags, result.warnings
    case.needs_manual_review = case.needs_manual_review or result.needs_manual_review
    rewind(case, AppState.ID_PENDING)


def card_voids_redo(case: EnrollmentState) -> bool:
    """A card read again in a returned case after its card or face was redone is a new card."""
    return case.state == AppState.RETURNED and bool({"id_card", "face"} & set(case.review.redone))


def void_card_redo(case: EnrollmentState) -> None:
    """The new card is not confirmed, and the face check matched the old card's portrait: both
    are to be done again before the case goes in (`return_pending`)."""
    case.review.redone = [item for item in case.review.redone if item not in ("id_card", "face")]


def photo_kept(case: EnrollmentState) -> bool:
    """Whether a card confirmed now keeps the 寸照 held (rules 2: a card redone from a later
    step), so the case goes on to the face check, not the photo step."""
    return case.keeps_later_steps and case.photo.official is not None


def confirm_id_card(case: EnrollmentState, inp: ConfirmIdCardInput) -> None:
    """What the candidate corrected against the OCR goes to the examiner."""
    card = case.id_card
    assert card.ocr is not None  # guaranteed by the validator
    ocr, confirmed = card.ocr.model_dump(mode="json"), inp.fields.model_dump(mode="json")
    card.corrections = {k: (str(ocr[k]), str(confirmed[k])) for k in ocr if ocr[k] != confirmed[k]}
    card.confirmed = inp.fields
    _redone(case, "id_card")
    if card.corrections:
        case.needs_manual_review = True
    if case.state != AppState.ID_PENDING:
        return
    if photo_kept(case):  # the face check matched the old card's portrait: done again
        case.face.passed = False
        case.state = AppState.FACE_PENDING
    else:
        case.state = AppState.PHOTO_PENDING


def record_photo_check(case: EnrollmentState, upload: PhotoUpload, report: PhotoReport) -> bool:
    """The checker's report is kept either way; a compliant photo becomes the official one."""
    photo = case.photo
    photo.last_upload, photo.last_report = upload.photo, report
    photo.pending_fix = photo.pending_fix_report = None
    if not report.passed:
        return False
    photo.official, photo.original = upload.photo, None
    accept_photo(case)
    return True


def accept_photo(case: EnrollmentState) -> None:
    """A new official photo voids an earlier face check (it was matched to the old one)."""
    case.face.passed = False
    _redone(case, "photo")
    if case.state == AppState.RETURNED:
        return
    if step_index(case.state) >= step_index(AppState.PHOTO_PENDING):
        case.state = AppState.FACE_PENDING


def accept_fixed_photo(case: EnrollmentState) -> None:
    photo = case.photo
    photo.original = photo.last_upload
    photo.official, photo.last_report = photo.pending_fix, photo.pending_fix_report
    photo.pending_fix = photo.pending_fix_report = None
    accept_photo(case)


class FaceOutcome(StrEnum):
    VERIFIED = "face_verified"
    MANUAL_REVIEW = "face_manual_review"
    REFUSED = "face_refused"


def record_face_check(
    case: EnrollmentState, result: VerifyFaceResult, now: datetime, *, daily_limit: bool = True
) -> FaceOutcome:
    """Failures count per Beijing day and never move the case on (`daily_limit=False` is the
    first version's rule, kept for runs recorded under it: the fifth failure went on flagged)."""
    face = case.face
    face.matches, face.last_refusals = result.matches, result.refusals
    if result.best_frame:
        face.best_frame = result.best_frame
    if result.ok:
        face.passed = True
        case.identity_proved_at = case.identity_proved_at or now
        _redone(case, "face")
        if not any(m.reference == "id_portrait" for m in result.matches):
            # matched with the 寸照 only (a passport): the examiner compares the document
            case.needs_manual_review = True
    elif daily_limit:
        today = shanghai_day(now)
        face.day_failures = face.day_failures + 1 if face.day == today else 1
        face.day = today
        return FaceOutcome.REFUSED
    elif face.attempts < MAX_ATTEMPTS_PER_DAY:
        return FaceOutcome.REFUSED
    else:
        # Never block forever: an examiner looks at the recorded frame and scores instead.
        case.needs_manual_review = True
    _past_face(case)
    return FaceOutcome.VERIFIED if result.ok else FaceOutcome.MANUAL_REVIEW


def record_on_site_face(case: EnrollmentState, check: OnSiteFaceCheck, now: datetime) -> None:
    """An examiner saw the candidate in person: the face step passes, marked for review."""
    case.face.passed = True
    case.face.challenge = None
    case.face.on_site = OnSiteCheck(examiner=check.examiner, reason=check.reason, at=now)
    case.identity_proved_at = case.identity_proved_at or now
    case.needs_manual_review = True
    _redone(case, "face")
    _past_face(case)


def _past_face(case: EnrollmentState) -> None:
    """The face step done: on to the notice, or past it where it was accepted before (a step
    redone from a later one) and the rules keep it."""
    if case.state != AppState.FACE_PENDING:
        return
    kept = case.keeps_later_steps and case.notice_accepted_at is not None
    case.state = AppState.DRAFT if kept else AppState.NOTICE_PENDING


def accept_notice(case: EnrollmentState, now: datetime) -> None:
    case.notice_accepted_at = now
    if case.state == AppState.NOTICE_PENDING:
        case.state = AppState.DRAFT


def apply_form(
    case: EnrollmentState,
    form: EnrollmentForm,
    *,
    keeps_verified: bool = True,
    restarts_chsi: bool = True,
) -> None:
    """专升本 majors need the CHSI step; choosing a 专科 major drops it, except a verification:
    CHSI confirmed the candidate's own record, whatever the major, so a 专升本 major chosen again
    is verified still (`keeps_verified=False`: the first rule, kept for runs recorded under it,
    which sent him to the manual upload). A step opened again waits for codes asked from now on
    (`restarts_chsi=False`: the first rule, whose codes asked long before timed it out at once)."""
    case.form = form
    needs_chsi = level_of(case) == Level.BENKE
    if needs_chsi and case.chsi.status == ChsiResult.NOT_NEEDED:
        case.chsi.status = ChsiResult.PENDING
        if restarts_chsi:
            case.chsi.requested_at = None
    elif not needs_chsi and not (keeps_verified and case.chsi.status == ChsiResult.VERIFIED):
        case.chsi.status = ChsiResult.NOT_NEEDED


def reopens_asked_chsi(case: EnrollmentState, form: EnrollmentForm) -> bool:
    """Whether `form` opens the CHSI step again on a case that asked for codes before."""
    chsi = case.chsi
    reopens = chsi.status == ChsiResult.NOT_NEEDED and form_level(form) == Level.BENKE
    return reopens and chsi.requested_at is not None


def drops_chsi_verification(case: EnrollmentState, form: EnrollmentForm) -> bool:
    """Whether `form` is a 专科 choice on a case CHSI verified (the first rule dropped it)."""
    return case.chsi.status == ChsiResult.VERIFIED and form_level(form) != Level.BENKE


def codes_reopen_qr(case: EnrollmentState) -> bool:
    """Codes asked for a step whose QR screen was closed before: given up (「学信网校验失败」) or
    timed out, then opened again by a 专升本 choice after a 专科 one."""
    return case.chsi.qr is not None and case.chsi.qr.closed


def record_chsi_codes(
    case: EnrollmentState,
    codes: list[ChsiCode],
    application_id: str,
    now: datetime,
    *,
    reopens: bool = True,
) -> None:
    """New codes open the QR screen of the pending step: a scan of them counts (`reopens=False`:
    the first rule, kept for runs recorded under it, which took every scan of a step closed
    once as late, so the reopened step could only time out to the manual upload)."""
    chsi = case.chsi
    qr = chsi.qr or QrState(application_ref=application_id)
    if reopens and qr.closed:
        qr = qr.model_copy(update={"closed": False})
    for code in codes:
        qr = qr.with_token(
            QrToken(
                kind=ChsiKind(code.kind),
                token=code.token,
                application_ref=application_id,
                issued_at=code.expires_at - TOKEN_TTL,
                expires_at=code.expires_at,
            )
        )
    chsi.qr, chsi.codes, chsi.requested_at = qr, codes, now


def record_chsi_callback(
    case: EnrollmentState,
    callback: ChsiCallback,
    *,
    per_code: bool = True,
    mismatch_keeps_step: bool = True,
) -> tuple[str, str]:
    """CHSI's verdict on one scanned code -> (audit action, answer to CHSI). Each code keeps its
    own result: a verified record of either kind verifies the step, in any order; the manual
    path opens by itself only when both codes came back without a record (`per_code=False` is
    the first version's rule, kept for runs recorded under it: the first refusal closed the
    step). A scan from another person's CHSI account says nothing of the candidate's records:
    it never closes the step, which waits for his own scan of a refreshed code, the timeout or
    「学信网校验失败」 (`mismatch_keeps_step=False`: the rule before, kept for runs recorded
    under it, which counted it as no record). A callback after the candidate gave up on CHSI
    changes no step."""
    chsi = case.chsi
    assert chsi.qr is not None  # guaranteed by the validator
    redemption = redeem_token(
        chsi.qr, callback.token, callback.application_ref, scanned_at=callback.scanned_at
    )
    chsi.qr = redemption.state
    kind, outcome = callback.kind.value, callback.outcome.value
    chsi.outcomes.append(f"{kind}:{outcome}")
    try:
        record = check_subject(callback)
    except RefusedError as exc:
        if not redemption.late and (
            not per_code or _every_code_refused(case, mismatch_keeps_step=mismatch_keeps_step)
        ):
            close_chsi(case, ChsiResult.FAILED)
        return f"chsi_{outcome}:{kind}", exc.refusal.code
    chsi.records[kind] = record
    if redemption.late:
        chsi.late_callbacks += 1  # recorded for the examiner; the manual path stays
        return f"chsi_late_callback:{kind}", "LATE"
    close_chsi(case, ChsiResult.VERIFIED)
    return f"chsi_verified:{kind}", "VERIFIED"


def _latest_outcomes(case: EnrollmentState) -> dict[str, str]:
    """Each kind's last CHSI outcome ("xueji" -> "no_record"), from the recorded "kind:outcome"."""
    return dict(outcome.split(":", 1) for outcome in case.chsi.outcomes)


def _every_code_refused(case: EnrollmentState, *, mismatch_keeps_step: bool) -> bool:
    latest = _latest_outcomes(case)
    refused = all(latest.get(kind.value, "verified") != "verified" for kind in ChsiKind)
    return refused and not (mismatch_keeps_step and scanned_by_someone_else(case))


def scanned_by_someone_else(case: EnrollmentState, callback: ChsiCallback | None = None) -> bool:
    """Whether a code's last answer (`callback`'s, when given, as the latest of its kind) is
    CHSI_IDENTITY_MISMATCH, a scan from another person's CHSI account: the only case where the
    two rules of `record_chsi_callback` differ."""
    latest = _latest_outcomes(case)
    if callback is not None:
        latest[callback.kind.value] = callback.outcome.value
    return ChsiOutcome.IDENTITY_MISMATCH.value in latest.values()


def close_chsi(case: EnrollmentState, status: ChsiResult) -> None:
    chsi = case.chsi
    chsi.status = status
    if chsi.qr:
        chsi.qr = chsi.qr.close()


def reopen_if_incomplete(
    case: EnrollmentState, open_step: Callable[[], AppState] = lambda: AppState.DRAFT
) -> bool:
    """A change after submit that needs more (proofs of a restricted major, the CHSI step of a
    专升本 major) puts the case back to the candidate's steps: it cannot be claimed until it is
    submitted again, and every step it now needs is open. A returned case goes back to the first
    step its return still waits for (`open_step`, asked of returned cases only: the return's
    pending steps are the rules' to tell), so it never stands at DRAFT past a face check a new
    寸照 or card voided; a submitted one, and runs that reopened to DRAFT before, at DRAFT."""
    if case.state in (AppState.SUBMITTED, AppState.RETURNED) and missing_for_choices(case):
        case.state = open_step() if case.state == AppState.RETURNED else AppState.DRAFT
        return True
    return False


def add_attachment(case: EnrollmentState, code: str, file: StoredObject) -> bool:
    """False when this stored object is already there: an upload retried with its idempotency
    key names the same object and must not become a second file."""
    files = case.attachments.setdefault(code, [])
    if any(f.key == file.key for f in files):
        return False
    files.append(file)
    return True


def remove_attachment(
    case: EnrollmentState,
    code: str,
    key: str,
    open_step: Callable[[], AppState] = lambda: AppState.DRAFT,
) -> None:
    """A submitted case that now lacks a proof goes back to the candidate's steps."""
    files = [f for f in case.attachments.get(code, []) if f.key != key]
    if files:
        case.attachments[code] = files
    else:
        case.attachments.pop(code, None)
    reopen_if_incomplete(case, open_step)


def submit(case: EnrollmentState, now: datetime) -> None:
    case.state = AppState.SUBMITTED
    case.submitted_at = case.submitted_at or now


def claim(case: EnrollmentState, act: ExaminerAction) -> None:
    case.state = AppState.UNDER_REVIEW
    case.review.examiner = act.examiner


def release_claim(case: EnrollmentState) -> None:
    """Back in the queue, editable again by the candidate until the next claim."""
    case.state = AppState.SUBMITTED
    case.review.examiner = None


def reassign_claim(case: EnrollmentState, examiner: str) -> None:
    case.review.examiner = examiner


DECISION_STATES = {
    Decision.APPROVED: AppState.APPROVED,
    Decision.REJECTED: AppState.REJECTED,
    Decision.RETURNED: AppState.RETURNED,
}


def decide(case: EnrollmentState, act: ExaminerAction, decision: Decision, now: datetime) -> str:
    """The audit action: the decision, marked when an approval overrode a missing item."""
    case.state = DECISION_STATES[decision]
    case.review.decision, case.review.items = decision, act.items
    case.review.decided_at = now
    case.review.redone, case.review.answers_tracked = [], []
    if decision == Decision.APPROVED and act.override_reason.strip():
        case.review.override_reason = act.override_reason.strip()
        return f"{decision.value}:override"
    return decision.value


def assign_ticket(case: EnrollmentState, number: str) -> bool:
    """False for a duplicate delivery (already numbered, or no longer approved)."""
    if case.state != AppState.APPROVED or case.ticket_number:
        return False
    case.ticket_number = number
    case.state = AppState.TICKET_ISSUED
    return True
