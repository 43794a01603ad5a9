"""Models that cross the boundary of EnrollmentWorkflow: its input, its durable state, the
messages it takes and the views it returns. One input and one output model per message."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from domain.attachments import (
    MIN_SOCIAL_INSURANCE_MONTHS,
    AttachmentRefusal,
    ChecklistItem,
    ChsiResult,
    NonHunanCategory,
)
from domain.catalogs import (
    HOUSEHOLD_TYPES,
    HUNAN,
    OCCUPATIONS,
    POLITICAL_STATUS,
    PROVINCES,
    REGIONS,
)
from domain.chsi import ChsiCode, ChsiRecord, ChsiScan, QrState
from domain.errors import Refusal
from domain.identity import IdCardFields, IdType
from domain.majors import MajorChoice, major_of
from domain.notice import NoticeAcceptance
from domain.objects import StoredObject
from domain.states import AppState, Decision
from domain.text_limits import email_ok
from domain.vision import FaceMatch, FieldFlag, LivenessChallenge, PhotoReport, QualityWarning

PHONE_VERIFY_TIMEOUT = timedelta(minutes=15)
FACE_VERIFY_TIMEOUT = timedelta(days=7)
CHSI_TIMEOUT = timedelta(minutes=30)
#: ASCII digits to the very end: `\d` takes every script's digits and `$` a final newline, each
#: another spelling of one handset to the per-phone limits
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}\Z")


class Identity(BaseModel):
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str
    phone: str


class EnrollmentInput(BaseModel):
    application_id: str
    period_id: str
    identity: Identity
    identity_hash: str  # keyed hash, computed by the API (the workflow holds no keys)
    phone_hash: str
    closes_at: datetime
    vision_task_queue: str = "ruji-vision"
    phone_verify_timeout: timedelta = PHONE_VERIFY_TIMEOUT
    face_verify_timeout: timedelta = FACE_VERIFY_TIMEOUT
    #: how long CHSI may stay silent after the QR codes are shown before the manual path opens
    chsi_timeout: timedelta = CHSI_TIMEOUT
    #: set for a claimant: the identity's seat (the application at the identity's own workflow
    #: ID, registered from another phone) that this one asks to yield once it proves possession
    claims_from: str = ""
    #: carried over by continue-as-new; None for a new application
    state: EnrollmentState | None = None


class EnrollmentForm(BaseModel):
    """R7 + R10 + R12: what the candidate types on the enrollment form."""

    postal_code: str
    household_type: str
    household_province: str
    occupation: str
    political_status: str
    email: str = ""
    contact_phone: str
    region: str
    major: str
    non_hunan_category: NonHunanCategory | None = None  # for households outside Hunan
    #: months of social insurance paid in Hunan, asked of non-Hunan candidates who work here
    social_insurance_months: int | None = Field(default=None, ge=0, le=1200)
    identity_changed: bool = False
    old_name: str = ""
    old_id_number: str = ""
    #: the period's edition of `major` when the form was saved, resolved by the API (never sent
    #: by the candidate): the case decides on what the candidate was shown (domain/majors.py)
    major_choice: MajorChoice | None = None


class NoticeWithForm(BaseModel):
    """R6 with R7: the notice accepted on the screen before the form, sent with its first save."""

    notice: NoticeAcceptance
    form: EnrollmentForm


class FormSubmitted(BaseModel):
    """Shape 3: R7's form saved and R13's submit confirmed in its dialog, in one step (with R6's
    notice on the first pass). A case not ready to submit keeps the form saved."""

    notice: NoticeAcceptance | None = None
    form: EnrollmentForm


def form_problems(form: EnrollmentForm) -> list[Refusal]:
    """Every problem of a form at once, so the candidate fixes them in one go."""
    problems: list[Refusal] = []

    def bad(field: str, message: str) -> None:
        problems.append(Refusal(code=f"FORM_{field.upper()}", message=message))

    if not re.fullmatch(r"[0-9]{6}", form.postal_code):
        bad("postal_code", "邮政编码应为6位数字")
    if form.household_type not in HOUSEHOLD_TYPES:
        bad("household_type", "请选择户口类型")
    if form.household_province not in PROVINCES:
        bad("household_province", "请选择户籍所在省份")
    if form.occupation not in OCCUPATIONS:
        bad("occupation", "请选择职业")
    if form.political_status not in POLITICAL_STATUS:
        bad("political_status", "请选择政治面貌")
    if form.email and not email_ok(form.email):
        bad("email", "电子邮箱格式不正确")
    if not PHONE_RE.match(form.contact_phone):
        bad("contact_phone", "联系电话格式不正确")
    if form.region not in REGIONS:
        bad("region", "请选择入籍地区")
    if major_of(form.major, form.major_choice) is None:
        bad("major", "请选择入籍专业")
    if form.household_province != HUNAN and form.household_province in PROVINCES:
        if form.non_hunan_category is None:
            bad("non_hunan_category", "非湖南户籍考生须在湘工作、就读或居住，请选择对应情形")
        elif form.non_hunan_category is NonHunanCategory.WORKS:
            months = form.social_insurance_months
            if months is None:
                bad("social_insurance_months", "请填写在我省缴纳社保的月数")
            elif months < MIN_SOCIAL_INSURANCE_MONTHS:
                bad("social_insurance_months", AttachmentRefusal.SOCIAL_INSURANCE_TOO_SHORT.message)
    if form.identity_changed and not (form.old_name or form.old_id_number):
        bad("old_identity", "请填写原姓名或原证件号码")
    return problems


class IdCardStep(BaseModel):
    front: StoredObject | None = None
    back: StoredObject | None = None
    ocr: IdCardFields | None = None
    confidence: dict[str, float] = Field(default_factory=dict)
    confirmed: IdCardFields | None = None
    corrections: dict[str, tuple[str, str]] = Field(default_factory=dict)  # field -> (ocr, typed)
    portrait: StoredObject | None = None
    #: fields derived from the number or read with low confidence, for the candidate to confirm
    #: and the examiner to see; blemishes that hid no needed field
    flags: list[FieldFlag] = Field(default_factory=list)
    warnings: list[QualityWarning] = Field(default_factory=list)


class PhotoStep(BaseModel):
    last_upload: StoredObject | None = None
    last_report: PhotoReport | None = None
    pending_fix: StoredObject | None = None
    pending_fix_report: PhotoReport | None = None
    official: StoredObject | None = None
    original: StoredObject | None = None  # kept for the examiner when a fix was accepted


class OnSiteCheck(BaseModel):
    """A face check done in person by an examiner, for a candidate the live check cannot pass."""

    examiner: str
    reason: str
    at: datetime


class FaceStep(BaseModel):
    challenge: LivenessChallenge | None = None
    attempts: int = 0
    #: failed attempts on `day` (a date in Asia/Shanghai, ISO): the daily limit counts these
    day: str = ""
    day_failures: int = 0
    passed: bool = False
    on_site: OnSiteCheck | None = None
    best_frame: StoredObject | None = None
    matches: list[FaceMatch] = Field(default_factory=list)
    last_refusals: list[Refusal] = Field(default_factory=list)


class ChsiStep(BaseModel):
    status: ChsiResult = ChsiResult.NOT_NEEDED
    qr: QrState | None = None
    codes: list[ChsiCode] = Field(default_factory=list)  # what the QR images encode
    requested_at: datetime | None = None
    records: dict[str, ChsiRecord] = Field(default_factory=dict)  # kind -> verified record
    outcomes: list[str] = Field(default_factory=list)  # e.g. "xueji:no_record", for the examiner
    late_callbacks: int = 0


class ReviewItem(BaseModel):
    item: str  # e.g. "photo", "form.major", an attachment code
    reason: str


class Review(BaseModel):
    examiner: str | None = None
    decision: Decision | None = None
    #: why an examiner approved although the checklist was not complete (audited)
    override_reason: str = ""
    #: items of a return the candidate has answered since: steps redone (id_card, photo, face),
    #: attachments uploaded again, the form saved again
    redone: list[str] = Field(default_factory=list)
    items: list[ReviewItem] = Field(default_factory=list)
    #: the return's items besides its steps (the form or a field of it, an attachment) that need
    #: an answer of their own before the case goes in again; empty for returns made before
    #: they were tracked (those went in again on their steps alone)
    answers_tracked: list[str] = Field(default_factory=list)
    decided_at: datetime | None = None
    #: approved after the period's review deadline: the number comes from a supplementary run
    after_deadline: bool = False


class EnrollmentState(BaseModel):
    state: AppState = AppState.REGISTERED
    version: int = 0
    created_at: datetime | None = None
    phone_verified_at: datetime | None = None
    id_card: IdCardStep = Field(default_factory=IdCardStep)
    photo: PhotoStep = Field(default_factory=PhotoStep)
    face: FaceStep = Field(default_factory=FaceStep)
    notice_accepted_at: datetime | None = None
    #: the version of 《新生入籍须知》 accepted (domain/notice.py); empty on cases from before
    notice_version: str = ""
    form: EnrollmentForm | None = None
    chsi: ChsiStep = Field(default_factory=ChsiStep)
    attachments: dict[str, list[StoredObject]] = Field(default_factory=dict)
    submitted_at: datetime | None = None
    review: Review = Field(default_factory=Review)
    ticket_number: str | None = None
    needs_manual_review: bool = False
    #: the household of an HMT residence permit is the one its number names (rules 1, the start's
    #: memo); False on runs started before, which judged the address printed on it
    household_by_permit: bool = False
    #: a step redone from a later one asks again only for what it voided (rules 2): a new ID card
    #: the face check, not the 寸照; a new face check not the notice accepted before. False on runs
    #: started before, which walked every step after the one redone again
    keeps_later_steps: bool = False
    #: R12's old ID number is judged as a number (rules 3); False on runs started before, which
    #: took any text there, so a form they accepted is not refused at submit or claim
    checks_old_id_number: bool = False
    #: when the card was confirmed and the face matched it (or was checked on site): from then on
    #: the application holds its ID number firmly (domain/identity_claims.py)
    identity_proved_at: datetime | None = None
    #: the application this one yielded its ID number to (state SUPERSEDED)
    taken_over_by: str = ""
    #: why the office ended the case (the close-out), in the words the candidate reads
    closed_reason: str = ""
    closed_at: datetime | None = None
    #: the close-out found the case claimed: it leaves review only by a decision (domain/closeout)
    held_for_decision_at: datetime | None = None
    history: list[tuple[datetime, str, str]] = Field(default_factory=list)  # (at, actor, action)
    #: seq (1-based, as the audit log numbers history) -> the update that made that commit
    update_ids: dict[int, str] = Field(default_factory=dict)


# --- messages ----------------------------------------------------------------------------------
class RequestCodeInput(BaseModel):
    client_ip: str = ""


class CodeSent(BaseModel):
    phone_masked: str
    resend_after_s: int


class VerifyPhoneInput(BaseModel):
    code: str


class IdCardUpload(BaseModel):
    front: StoredObject
    back: StoredObject


class ConfirmIdCardInput(BaseModel):
    fields: IdCardFields


class PhotoUpload(BaseModel):
    photo: StoredObject
    filename: str


class PhotoWithCardConfirmed(BaseModel):
    """Shape 3: R3's confirmation, pressed on its screen, sent with R4's photo (an update fewer).
    The confirmation is recorded first and stands if the photo is refused."""

    confirm: ConfirmIdCardInput
    photo: PhotoUpload


class LivenessAnswer(BaseModel):
    nonce: str
    frames: list[StoredObject]


class AttachmentUpload(BaseModel):
    code: str
    file: StoredObject


class AttachmentRemoval(BaseModel):
    code: str
    key: str  # the stored object's key: one file of the document code


class ExaminerAction(BaseModel):
    examiner: str  # examiner account id (never a name)
    items: list[ReviewItem] = Field(default_factory=list)
    #: approve although required items are missing: the examiner says why (e.g. checked on site)
    override_reason: str = Field(default="", max_length=500)
    #: a return: when the period's close-out ends the case if it is still returned, as the API
    #: read it from the period; the SMS tells the candidate (domain/deadline_notes.py)
    resubmit_by: datetime | None = None


class Reassignment(BaseModel):
    """An admin moves a claimed case to another examiner (both account ids)."""

    admin: str
    examiner: str


class OnSiteFaceCheck(BaseModel):
    examiner: str
    reason: str = Field(min_length=1, max_length=500)


class TicketAssigned(BaseModel):
    number: str


class ApplicationView(BaseModel):
    """What a candidate (and the Web UI) sees: personal data masked."""

    application_id: str
    period_id: str
    state: AppState
    state_label: str
    name: str = ""
    id_number: str
    phone: str
    id_card: IdCardFields | None = None
    #: unmasked OCR result, only in the answer to the candidate's own upload (never in the query),
    #: so he can check it (「上传完成请核对信息」) and confirm or correct it
    id_card_read: IdCardFields | None = None
    id_card_confidence: dict[str, float] = Field(default_factory=dict)
    id_card_flags: list[FieldFlag] = Field(default_factory=list)
    photo_report: PhotoReport | None = None
    #: a card confirmed now keeps the 寸照 held (rules 2, a card redone from a later step): the H5
    #: confirms it on its own instead of holding it for a photo upload (web/h5/held.js)
    photo_kept: bool = False
    liveness_challenge: LivenessChallenge | None = None
    face_passed: bool = False
    form: EnrollmentForm | None = None
    chsi_status: ChsiResult = ChsiResult.NOT_NEEDED
    chsi_codes: list[ChsiCode] = Field(default_factory=list)
    #: CHSI's answer to each of those codes already scanned (a spent code takes no other scan)
    chsi_scans: list[ChsiScan] = Field(default_factory=list)
    chsi_records: dict[str, ChsiRecord] = Field(default_factory=dict)
    required_attachments: list[ChecklistItem] = Field(default_factory=list)
    uploaded_attachments: list[str] = Field(default_factory=list)
    submitted_at: datetime | None = None
    review: Review = Field(default_factory=Review)
    #: steps a return reopened that must be redone before resubmitting (id_card, photo, face)
    return_pending: list[str] = Field(default_factory=list)
    #: returned, or put back to its steps by a change made while returned: the examiner's
    #: reasons still stand (the H5 shows them on the step screens)
    answering_return: bool = False
    ticket_number: str | None = None
    #: when an approved case's ticket number comes (R16), as the candidate reads it
    ticket_note: str = ""
    needs_manual_review: bool = False
    editable: bool = False
    closed_reason: str = ""
    #: filled by the API from the period's current dates (domain/deadline_notes.py): a returned
    #: case's last moment to go in again, and what the submit dialog says at this date
    resubmit_by: datetime | None = None
    resubmit_note: str = ""
    submit_note: str = ""


class CaseFile(BaseModel):
    """Everything an examiner needs on one case (unmasked; served only to authorised examiners)."""

    application_id: str
    period_id: str
    identity: Identity
    state: EnrollmentState


EnrollmentInput.model_rebuild()
