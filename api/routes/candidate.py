"""The candidate's steps R1–R16, in order. Each route is a thin call into the application's
workflow; the candidate token is bound to one application."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import col, select
from temporalio.client import WorkflowHandle

from api.applications import (
    application_handle,
    next_period,
    open_period,
    queued_upload_answer,
    register_with,
    run_query,
    run_update,
    run_upload_update,
    store_upload,
)
from api.deadline_notes import with_deadlines
from api.deps import CandidateDep, ServicesDep, SessionDep, run_db
from api.errors import ApiError, ApiRefusal
from api.idempotency import request_key, secret_tag
from api.text_fields import FormRequest, IdCardConfirmRequest
from api.throttling import client_ip
from api.vision_backpressure import UPLOAD_ID_PATTERN, UploadQueued
from domain.enrollment import (
    PHONE_RE,
    ApplicationView,
    CodeSent,
    ConfirmIdCardInput,
    FormSubmitted,
    IdCardUpload,
    LivenessAnswer,
    NoticeWithForm,
    PhotoUpload,
    PhotoWithCardConfirmed,
    RequestCodeInput,
    VerifyPhoneInput,
)
from domain.identity import IdType, check_registered_number, has_number_shape
from domain.ids import ENROLLMENT_ID_PATTERN, keyed_hash
from domain.liveness import SHANGHAI, check_answer
from domain.masking import mask_phone
from domain.messages import LOGIN_NOTHING_VERIFIED, AccessRefusal, CaseRefusal, SmsRefusal
from domain.notice import NOTICE_VERSION, NoticeAcceptance, NoticeRefusal
from domain.objects import StoredObject
from domain.roles import Role
from domain.states import PRE_SUBMIT, AppState
from domain.vision import FixPhotoResult
from infra.db import Application, AuditEvent, Period, as_utc
from infra.majors import resolve_choice
from infra.refresh_sessions import (
    RefreshRefused,
    open_sign_in,
    rotate,
    sign_out,
    sign_out_everywhere,
)
from infra.tokens import (
    CANDIDATE_REFRESH,
    CANDIDATE_TOKEN_TTL_S,
    TokenError,
    issue_token,
    read_token,
)
from infra.uploads import DOCUMENT_POLICY, ID_PHOTO_POLICY, UploadPolicy
from workflows.enrollment import EnrollmentWorkflow

router = APIRouter(prefix="/api/v1", tags=["candidate"])

MIN_LIVENESS_FRAMES, MAX_LIVENESS_FRAMES = 3, 40
#: an upload checked by vision answers its view, or 202 while it waits in the vision queue
VISION_UPLOAD: dict[str, Any] = {
    "response_model": ApplicationView,
    "responses": {202: {"model": UploadQueued, "description": "排队中: in the vision queue"}},
}


class RegisterRequest(BaseModel):
    id_type: IdType = IdType.RESIDENT_ID
    id_number: str = Field(min_length=6, max_length=20, examples=["430104199903120014"])
    phone: str = Field(examples=["13900001111"])


class RegisterResponse(BaseModel):
    application_id: str
    code_sent: CodeSent
    #: false when a code was sent within the cooldown: that code is still the one to type, and
    #: `code_sent.resend_after_s` says when a new one may be asked for
    new_code: bool = True
    #: with `new_code` false: whether that code can still be typed (false: used, or locked by
    #: wrong tries; wait `resend_after_s` for a new one)
    code_live: bool = True


class VerifyRequest(BaseModel):
    application_id: str = Field(pattern=ENROLLMENT_ID_PATTERN)
    code: str = Field(max_length=12, examples=["123456"])


class LoginCodeRequest(BaseModel):
    phone: str


class LoginRequest(BaseModel):
    phone: str
    code: str = Field(max_length=12)
    #: one of `applications` of an earlier login, to open another application of this phone
    application_id: str | None = Field(default=None, max_length=80)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=2000)


class Session(BaseModel):
    token: str
    #: lives `CANDIDATE_REFRESH_TTL_S`; exchanged at POST /candidate/token/refresh for a new pair
    refresh_token: str
    expires_in: int = CANDIDATE_TOKEN_TTL_S
    application: ApplicationView
    #: every application this phone verified, newest first (login only)
    applications: list[str] = Field(default_factory=list)


class PeriodInfo(BaseModel):
    period_id: str
    open: bool
    message: str = ""
    #: the open period's dates; when none is open, the next scheduled one's (if any)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    review_deadline: datetime | None = None


def _check_phone(phone: str) -> None:
    if not PHONE_RE.match(phone):
        raise ApiError(CaseRefusal.PHONE_INVALID)


async def _signed_in_session(
    services: ServicesDep,
    db: SessionDep,
    application: ApplicationView,
    applications: list[str] | None = None,
) -> Session:
    """A new sign-in of the application (an SMS code proved the phone): its first token pair."""
    key, app_id = services.settings.secret_key, application.application_id
    refresh = await run_db(db, open_sign_in, key, app_id)
    told = await with_deadlines(services, db, application)
    return _session(services, told, refresh, applications)


def _session(
    services: ServicesDep,
    application: ApplicationView,
    refresh_token: str,
    applications: list[str] | None = None,
) -> Session:
    key, app_id = services.settings.secret_key, application.application_id
    sid = read_token(key, refresh_token).sid  # the access token ends with its sign-in
    return Session(
        token=issue_token(key, app_id, Role.CANDIDATE, sid=sid),
        refresh_token=refresh_token,
        application=application,
        applications=applications or [],
    )


def _period_info(period: Period | None, message: str = "") -> PeriodInfo:
    if period is None:
        return PeriodInfo(period_id="", open=False, message=message)
    return PeriodInfo(
        period_id=period.id,
        open=not message,
        message=message,
        opens_at=as_utc(period.opens_at),
        closes_at=as_utc(period.closes_at),
        review_deadline=as_utc(period.review_deadline),
    )


@router.get("/period")
def current_period(session: SessionDep) -> PeriodInfo:
    """R1: whether enrollment is open now, and when it opens, closes and review ends."""
    try:
        return _period_info(open_period(session))
    except ApiError as exc:
        return _period_info(next_period(session), exc.body.message)


@router.post("/candidate/register", status_code=201)
async def register(
    body: RegisterRequest, request: Request, services: ServicesDep, session: SessionDep
) -> RegisterResponse:
    """R2: phone + ID; sends the SMS code to the phone typed here. The same identity with the same
    phone lands on the same application. An ID number held by an application of another phone
    gets a claim of its own, answered exactly like a new application: its code works, and it
    takes the number over if it passes the ID card and face checks before the holder has
    (domain/identity_claims.py; docs/security.md, candidate identity routes)."""
    _check_phone(body.phone)
    await services.limits.probe(request, f"phone:{body.phone}")
    number = body.id_number.strip().upper()
    if not has_number_shape(number, body.id_type):
        raise ApiError(CaseRefusal.ID_NUMBER_INVALID)
    today = datetime.now(SHANGHAI).date()
    refusals = check_registered_number(number, body.id_type, today)
    if refusals:
        first = refusals[0]
        raise ApiError(first.code, first.message, measured=first.measured, expected=first.expected)
    period = await run_db(session, open_period)
    handle, sent = await register_with(
        services, session, period, body.id_type, number, body.phone,
        EnrollmentWorkflow.request_phone_code, RequestCodeInput(client_ip=client_ip(request)),
    )  # fmt: skip
    if not isinstance(sent, ApiError):
        return RegisterResponse(application_id=handle.id, code_sent=sent)
    if sent.body.code != SmsRefusal.SMS_COOLDOWN:
        raise sent
    # An app restarted between register and verify carries on with the code already sent.
    view = await run_query(handle, EnrollmentWorkflow.view)
    wait = sent.body.measured if isinstance(sent.body.measured, int) else 0
    resent = CodeSent(phone_masked=view.phone, resend_after_s=wait)
    details = sent.body.details if isinstance(sent.body.details, dict) else {}
    return RegisterResponse(
        application_id=handle.id,
        code_sent=resent,
        new_code=False,
        code_live=details.get("code_live", True) is not False,
    )


@router.post("/candidate/verify")
async def verify(
    body: VerifyRequest, request: Request, services: ServicesDep, session: SessionDep
) -> Session:
    await services.limits.probe(request, f"application:{body.application_id}")
    handle = application_handle(services.client(), body.application_id)
    # the retry of a lost answer is the same key with the same code; the key alone (readable in
    # the case's history) does not fetch the first answer's session
    code_tag = secret_tag(services.settings.secret_key, body.application_id, body.code)
    view = await run_update(
        handle, EnrollmentWorkflow.verify_phone, VerifyPhoneInput(code=body.code), bound_to=code_tag
    )
    return await _signed_in_session(services, session, view)


@router.post("/candidate/token/refresh")
async def refresh_session(
    body: RefreshRequest, services: ServicesDep, session: SessionDep
) -> Session:
    """A new token pair for the same application, without a new SMS code: the place is kept.
    The refresh token given is replaced by the new one (infra/refresh_sessions.py): given again
    later, it ends the sign-in."""
    key = services.settings.secret_key
    try:
        principal = read_token(key, body.refresh_token)
    except TokenError:
        raise ApiError(AccessRefusal.AUTH_INVALID) from None
    if principal.role != CANDIDATE_REFRESH:
        raise ApiError(AccessRefusal.AUTH_INVALID)
    # counted with the application's other requests: a loop of refreshes is no way around them
    services.limits.candidate_request(principal.sub)
    try:
        refresh = await run_db(session, rotate, key, principal)
    except RefreshRefused:
        raise ApiError(AccessRefusal.AUTH_INVALID) from None
    handle = application_handle(services.client(), principal.sub)
    view = await with_deadlines(services, session, await run_query(handle, EnrollmentWorkflow.view))
    return _session(services, view, refresh)


@router.post("/candidate/logout", status_code=204)
async def logout(body: RefreshRequest, services: ServicesDep, session: SessionDep) -> None:
    """「退出登录」: the sign-in of this refresh token ends, so neither it nor a copy of it gets
    a new access token. Answered alike for any token."""
    await run_db(session, sign_out, services.settings.secret_key, body.refresh_token)


@router.post("/me/sign-out-everywhere", status_code=204)
async def logout_everywhere(me: CandidateDep, session: SessionDep) -> None:
    """「退出所有设备」 (a lost or shared phone): every sign-in of the application ends, this one
    too: no refresh token of it renews any more, and their access tokens stop within seconds
    (api/ended_sign_ins.py). The candidate logs in again by SMS."""
    await run_db(session, sign_out_everywhere, me.sub)


def _send_code(session: SessionDep, services: ServicesDep, phone: str, ip: str) -> int:
    return services.otp.send_code(phone, ip, session=session)


@router.post("/candidate/login/code")
async def login_code(
    body: LoginCodeRequest, request: Request, services: ServicesDep, session: SessionDep
) -> CodeSent:
    """A returning candidate logs in by phone + code. The code is sent whether or not the phone
    has an application: the answer never tells a stranger which phones are enrolled."""
    _check_phone(body.phone)
    await services.limits.probe(request, f"phone:{body.phone}")
    wait = await run_db(session, _send_code, services, body.phone, client_ip(request))
    return CodeSent(phone_masked=mask_phone(body.phone), resend_after_s=wait)


@router.post("/candidate/login")
async def login(
    body: LoginRequest, request: Request, services: ServicesDep, session: SessionDep
) -> Session:
    """The code first: only the phone's holder learns whether it has applications. He lands on
    the newest application that this phone verified (one registered with his phone by someone
    else, never verified, does not count) or on the one he names; `applications` lists them."""
    _check_phone(body.phone)
    await services.limits.probe(request, f"phone:{body.phone}")
    retry = _login_retry(services, body)
    apps = await run_db(session, _signed_in, services, body.phone, body.code, retry)
    if not apps:
        raise ApiError(CaseRefusal.APPLICATION_NOT_FOUND, LOGIN_NOTHING_VERIFIED)
    chosen = next((a for a in apps if a.workflow_id == body.application_id), apps[0])
    view = await run_query(
        application_handle(services.client(), chosen.workflow_id), EnrollmentWorkflow.view
    )
    return await _signed_in_session(services, session, view, [a.workflow_id for a in apps])


def _signed_in(
    session: SessionDep, services: ServicesDep, phone: str, code: str, retry: str
) -> list[Application]:
    """The code check and the lookup in one transaction of the request's one connection,
    committed before the route asks Temporal for the view."""
    services.otp.check_code(phone, code, request_key=retry, session=session)
    return _verified_applications(session, services, phone)


def _login_retry(services: ServicesDep, body: LoginRequest) -> str:
    """Names the login for its retry: the H5 sends a login whose answer a dropped connection
    lost again with the same Idempotency-Key, and the code it consumed must let that retry in
    (as it lets a verification's retry in), not answer 「请先获取验证码」 behind a 60 s cooldown.
    Only the same key with the same code is let in again; the tag is keyed, since the code
    must not be readable from it."""
    key = request_key()
    if key is None:
        return ""
    return f"login:{secret_tag(services.settings.secret_key, body.phone, key, body.code)}"


#: the audit actions that tell whether a run's phone was proven by its code: the last of them
#: in a case's trail is the current run's (a run started where an ended one stood numbers on)
_PHONE_TRAIL = ("registered", "phone_verified")


def _verified_applications(
    session: SessionDep, services: ServicesDep, phone: str
) -> list[Application]:
    """The phone's applications whose run proved it by its code. A never verified one (typed
    by someone else) is left out, ended or not; an EXPIRED one that was verified is the
    candidate's: closed out, or ended by the window, he logs in to read why (the close-out's
    SMS sends him there)."""
    phone_hash = keyed_hash(services.settings.identity_hmac_key, phone)
    rows = list(
        session.exec(
            select(Application)
            .where(
                Application.phone_hash == phone_hash,
                Application.status != AppState.REGISTERED.value,
            )
            .order_by(col(Application.updated_at).desc())
            .limit(20)
        )
    )
    expired = [r.workflow_id for r in rows if r.status == AppState.EXPIRED.value]
    proven = _phone_proven(session, expired) if expired else set()
    return [r for r in rows if r.status != AppState.EXPIRED.value or r.workflow_id in proven]


def _phone_proven(session: SessionDep, workflow_ids: list[str]) -> set[str]:
    trail = session.exec(
        select(AuditEvent.workflow_id, AuditEvent.action)
        .where(
            col(AuditEvent.workflow_id).in_(workflow_ids),
            col(AuditEvent.action).in_(_PHONE_TRAIL),
        )
        .order_by(col(AuditEvent.seq))
    )
    last = dict(trail.all())
    return {workflow_id for workflow_id, action in last.items() if action == "phone_verified"}


async def _store_all(
    services: ServicesDep, uploads: list[tuple[UploadFile, UploadPolicy, str]]
) -> list[StoredObject]:
    """All or nothing: a refused second file must not leave the first one stored."""
    stored: list[StoredObject] = []
    try:
        for upload, policy, prefix in uploads:
            stored.append((await store_upload(services, upload, policy, prefix))[0])
    except BaseException:
        for obj in stored:
            await asyncio.to_thread(services.store.delete, obj.key)
        raise
    return stored


# --- my application ---------------------------------------------------------------------------
def _mine(services: ServicesDep, me: CandidateDep) -> WorkflowHandle[Any, Any]:
    return application_handle(services.client(), me.sub)


@router.get("/me")
async def my_application(
    services: ServicesDep, session: SessionDep, me: CandidateDep
) -> ApplicationView:
    """R14: review progress and result; the ticket number once issued; by when a returned case
    must go in again."""
    view = await run_query(_mine(services, me), EnrollmentWorkflow.view)
    return await with_deadlines(services, session, view)


@router.get("/me/uploads/{update_id}", **VISION_UPLOAD)
async def queued_upload(
    services: ServicesDep,
    me: CandidateDep,
    update_id: Annotated[str, Path(pattern=UPLOAD_ID_PATTERN)],
) -> ApplicationView | JSONResponse:
    """The answer of an upload answered 202 (its view or its refusal), or 202 while in line."""
    return await queued_upload_answer(services, _mine(services, me), update_id)


@router.post("/me/id-card", **VISION_UPLOAD)
async def upload_id_card(
    services: ServicesDep,
    me: CandidateDep,
    front: Annotated[UploadFile, File(description="头像面")],
    back: Annotated[UploadFile, File(description="国徽面")],
) -> ApplicationView | JSONResponse:
    """R3: both sides; the OCR result comes back for the candidate to check."""
    front_obj, back_obj = await _store_all(
        services,
        [
            (front, DOCUMENT_POLICY, f"{me.sub}/id/front"),
            (back, DOCUMENT_POLICY, f"{me.sub}/id/back"),
        ],
    )
    return await run_upload_update(
        services,
        _mine(services, me),
        EnrollmentWorkflow.submit_id_card,
        IdCardUpload(front=front_obj, back=back_obj),
        [front_obj, back_obj],
    )


@router.post("/me/id-card/confirm")
async def confirm_id_card(
    fields: IdCardConfirmRequest, services: ServicesDep, me: CandidateDep
) -> ApplicationView:
    """Any field changed from the OCR value is recorded as a correction for the examiner."""
    return await run_update(
        _mine(services, me),
        EnrollmentWorkflow.confirm_id_card,
        ConfirmIdCardInput(fields=fields.to_domain()),
    )


#: the confirmed ID-card fields as JSON text: a few hundred bytes; the cap bounds the parse
MAX_CONFIRM_CHARS = 4096


@router.post("/me/photo", **VISION_UPLOAD)
async def upload_photo(
    services: ServicesDep,
    me: CandidateDep,
    photo: Annotated[UploadFile, File()],
    confirm: Annotated[str | None, Form(max_length=MAX_CONFIRM_CHARS)] = None,
) -> ApplicationView | JSONResponse:
    """R4: checked rule by rule against Attachment 2; a refusal lists every failing rule.
    `confirm` (first pass): R3's confirmed card fields, as `POST /me/id-card/confirm` takes
    them, recorded first in the same step; a refused photo leaves them confirmed."""
    confirmed = _card_confirmed(confirm)
    obj, filename = await store_upload(
        services, photo, ID_PHOTO_POLICY, f"{me.sub}/photo/upload", exact_picture=True
    )
    upload = PhotoUpload(photo=obj, filename=filename)
    if confirmed is None:
        return await run_upload_update(
            services, _mine(services, me), EnrollmentWorkflow.submit_photo, upload, [obj]
        )
    return await run_upload_update(
        services,
        _mine(services, me),
        EnrollmentWorkflow.submit_photo_card_confirmed,
        PhotoWithCardConfirmed(confirm=confirmed, photo=upload),
        [obj],
    )


def _card_confirmed(text: str | None) -> ConfirmIdCardInput | None:
    """Refused as the confirm route's body would be, before the photo is stored."""
    if text is None:
        return None
    try:
        fields = IdCardConfirmRequest.model_validate_json(text)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "confirm", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None
    return ConfirmIdCardInput(fields=fields.to_domain())


@router.post("/me/photo/fix")
async def fix_photo(services: ServicesDep, me: CandidateDep) -> FixPhotoResult:
    return await run_update(_mine(services, me), EnrollmentWorkflow.fix_photo)


@router.post("/me/photo/accept-fix")
async def accept_fixed_photo(services: ServicesDep, me: CandidateDep) -> ApplicationView:
    return await run_update(_mine(services, me), EnrollmentWorkflow.accept_fixed_photo)


@router.post("/me/liveness/challenge")
async def liveness_challenge(services: ServicesDep, me: CandidateDep) -> ApplicationView:
    """R5: a random sequence of actions, single use, 60 s."""
    return await run_update(_mine(services, me), EnrollmentWorkflow.start_liveness)


@router.post("/me/liveness", **VISION_UPLOAD)
async def liveness_answer(
    services: ServicesDep,
    me: CandidateDep,
    nonce: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")],
    frames: Annotated[list[UploadFile], File()],
) -> ApplicationView | JSONResponse:
    if not MIN_LIVENESS_FRAMES <= len(frames) <= MAX_LIVENESS_FRAMES:
        raise ApiError(
            ApiRefusal.FACE_FRAMES, f"请上传{MIN_LIVENESS_FRAMES}至{MAX_LIVENESS_FRAMES}帧画面"
        )
    handle = _mine(services, me)
    # up to 40 frames: ask first whether a challenge is open, before writing any of them
    view: ApplicationView = await run_query(handle, EnrollmentWorkflow.view)
    if view.liveness_challenge is None and view.face_passed:
        # the H5 sends an answer whose reply a dropped connection lost once more: it passed, and
        # no challenge is open to judge frames against. Its reply is where the case stands, not
        # 「请先开始人脸核验」, which sent the candidate to a check he had passed.
        return view
    if view.liveness_challenge is None:
        raise ApiError(CaseRefusal.FACE_NO_CHALLENGE)
    stale = check_answer(view.liveness_challenge, nonce, datetime.now(UTC))
    if stale is not None:
        raise ApiError(stale.code, stale.message)
    stored = await _store_all(
        services, [(f, DOCUMENT_POLICY, f"{me.sub}/face/frame") for f in frames]
    )
    return await run_upload_update(
        services,
        handle,
        EnrollmentWorkflow.submit_liveness,
        LivenessAnswer(nonce=nonce, frames=stored),
        stored,
    )


def current_notice(version: str) -> NoticeAcceptance:
    """The notice accepted, alone or with the form: only the version the H5 is served now."""
    if version != NOTICE_VERSION:
        raise ApiError(NoticeRefusal.NOTICE_OUTDATED, measured=version[:20])
    return NoticeAcceptance(version=version)


@router.post("/me/notice/accept")
async def accept_notice(
    services: ServicesDep, me: CandidateDep, body: NoticeAcceptance | None = None
) -> ApplicationView:
    """R6: 「承诺书我已阅读，并同意所有条款」, for the version of the notice shown (GET /notice).
    A client that names no version is taken to have shown the current one."""
    accepted = current_notice(body.version if body else NOTICE_VERSION)
    return await run_update(_mine(services, me), EnrollmentWorkflow.accept_notice, accepted)


@router.put("/me/form")
async def save_form(
    body: FormRequest, services: ServicesDep, session: SessionDep, me: CandidateDep
) -> ApplicationView:
    """R7 before submission; R14 「修改」 after it, until review starts. The major is resolved
    to the period's current edition here (a kept major keeps the edition chosen before). The
    first save may carry the notice accepted on the screen before (R6, `notice_version`): the
    case records both in one step."""
    handle = _mine(services, me)
    view: ApplicationView = await run_query(handle, EnrollmentWorkflow.view)
    form = body.to_domain()
    kept = view.form.major_choice if view.form else None
    form.major_choice = await asyncio.to_thread(
        resolve_choice, session, view.period_id, form.major, kept
    )
    notice = None
    if view.state == AppState.NOTICE_PENDING and body.notice_version is not None:
        notice = current_notice(body.notice_version)
    if body.submit:
        # whatever the state: a retry of a submit that went through (its answer lost) is the
        # same update (Idempotency-Key) and gets its answer again; without the key, a submitted
        # or returned case refuses it, and says where changes are made
        submitted = FormSubmitted(notice=notice, form=form)
        return await run_update(handle, EnrollmentWorkflow.submit_with_form, submitted)
    if view.state not in PRE_SUBMIT:
        return await run_update(handle, EnrollmentWorkflow.modify, form)
    if notice is not None:
        accepted = NoticeWithForm(notice=notice, form=form)
        return await run_update(handle, EnrollmentWorkflow.accept_notice_with_form, accepted)
    return await run_update(handle, EnrollmentWorkflow.save_form, form)


@router.post("/me/chsi/failed", tags=["chsi"])
async def chsi_failed(services: ServicesDep, me: CandidateDep) -> ApplicationView:
    """R9: 「学信网校验失败」 closes the QR step and opens the manual upload."""
    return await run_update(_mine(services, me), EnrollmentWorkflow.chsi_failed)


@router.post("/me/submit")
async def submit(services: ServicesDep, me: CandidateDep) -> ApplicationView:
    """R13 (the countdown is the client's); refused with the missing attachments listed."""
    return await run_update(_mine(services, me), EnrollmentWorkflow.submit)


@router.post("/me/withdraw")
async def withdraw(services: ServicesDep, me: CandidateDep) -> ApplicationView:
    return await run_update(_mine(services, me), EnrollmentWorkflow.withdraw)
