"""EnrollmentWorkflow: one candidate's application from SMS registration to the ticket number.

Candidate and examiner actions are updates (validators refuse early, without history); CHSI
callbacks and ticket numbers arrive as signals; `view` is the masked query. Every change bumps
`version`, is projected to the read model and refreshes search attributes and current details.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import search
    from domain.attachments import check_attachments_complete
    from domain.catalogs import MAJORS_BY_CODE, Level
    from domain.chsi import TOKEN_TTL as CHSI_TOKEN_TTL
    from domain.chsi import ChsiCallback, ChsiKind, QrToken, check_subject, redeem_token
    from domain.chsi import QrState as ChsiQrState
    from domain.enrollment import (
        ApplicationView,
        AttachmentUpload,
        CaseFile,
        CodeSent,
        ConfirmIdCardInput,
        EnrollmentForm,
        EnrollmentInput,
        EnrollmentState,
        ExaminerAction,
        IdCardUpload,
        LivenessAnswer,
        PhotoUpload,
        RequestCodeInput,
        ReviewItem,
        TicketAssigned,
        VerifyPhoneInput,
        form_problems,
    )
    from domain.errors import RefusedError
    from domain.liveness import MAX_ATTEMPTS_PER_DAY, new_challenge
    from domain.masking import mask_id_number, mask_name, mask_phone
    from domain.records import (
        CHECK_SMS_CODE,
        ISSUE_CHSI_CODES,
        NOTIFY_CANDIDATE,
        PROJECT_APPLICATION,
        READ_PERIOD,
        SEND_SMS_CODE,
        ApplicationSnapshot,
        AuditEntry,
        CheckCodeRequest,
        ChsiCode,
        DocumentEntry,
        IssueChsiCodesInput,
        IssuedChsiCodes,
        Notification,
        PeriodSnapshot,
        SendCodeRequest,
        SendCodeResult,
    )
    from domain.requirements import attachment_plan, checklist
    from domain.states import FINAL, PRE_SUBMIT, STATE_LABELS, AppState, step_index
    from domain.vision import (
        CHECK_PHOTO,
        FIX_PHOTO,
        READ_ID_CARD,
        VERIFY_FACE,
        CheckPhotoInput,
        FixPhotoInput,
        FixPhotoResult,
        PhotoReport,
        ReadIdCardInput,
        ReadIdCardResult,
        VerifyFaceInput,
        VerifyFaceResult,
    )
    from workflows.support import (
        PROJECTION_RETRY,
        PROJECTION_TIMEOUT,
        SHORT_CALL_RETRY,
        SHORT_CALL_TIMEOUT,
        VISION_RETRY,
        VISION_TIMEOUT,
        business_refusal,
        from_refused,
        refusal,
    )

WINDOW_CLOSED_LINGER = timedelta(days=1)


@workflow.defn
class EnrollmentWorkflow:
    @workflow.init
    def __init__(self, inp: EnrollmentInput) -> None:
        self.inp = inp
        self.s = inp.state or EnrollmentState(created_at=workflow.now())
        self.closes_at = inp.closes_at
        self.lock = asyncio.Lock()
        self.projected_audit = len(self.s.history) if inp.state else 0
        self.published: dict[object, object] = {}  # search attribute key -> last upserted value

    # --- lifecycle ------------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: EnrollmentInput) -> str:
        if inp.state is None:
            await self._commit("system", "registered")
        while self.s.state not in FINAL:
            seen = self.s.version
            timeout = self._time_to_deadline()
            try:
                await workflow.wait_condition(
                    lambda: (
                        self.s.version != seen  # noqa: B023 - awaited before `seen` changes
                        or workflow.info().is_continue_as_new_suggested()
                    ),
                    timeout=timeout,
                )
            except TimeoutError:
                async with self.lock:
                    await self._on_deadline()
            if workflow.info().is_continue_as_new_suggested() and self.s.state not in FINAL:
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() and not self.lock.locked()
                )
                workflow.continue_as_new(
                    self.inp.model_copy(update={"state": self.s, "closes_at": self.closes_at})
                )
        if self.s.history[-1][2] == "expired:window_closed":
            # Stay to tell late visitors why (validators answer WINDOW_CLOSED); the period is over,
            # so no new registration of this identity can collide with the lingering run.
            await workflow.sleep(WINDOW_CLOSED_LINGER)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.s.state.value

    def _deadlines(self) -> list[tuple[datetime, str]]:
        created = self.s.created_at or workflow.now()
        found: list[tuple[datetime, str]] = []
        if self.s.state == AppState.REGISTERED:
            found.append((created + self.inp.phone_verify_timeout, "phone_not_verified"))
        if self.s.state in PRE_SUBMIT and step_index(self.s.state) <= step_index(
            AppState.FACE_PENDING
        ):
            found.append((created + self.inp.face_verify_timeout, "face_not_verified"))
        if self.s.state in PRE_SUBMIT:
            found.append((self.closes_at, "window_closed"))
        if self.s.chsi.status == "pending" and self.s.chsi.requested_at:
            found.append((self.s.chsi.requested_at + self.inp.chsi_timeout, "chsi_timeout"))
        return found

    def _time_to_deadline(self) -> timedelta | None:
        found = self._deadlines()
        if not found:
            return None
        return max(min(at for at, _ in found) - workflow.now(), timedelta(seconds=1))

    async def _on_deadline(self) -> None:
        now = workflow.now()
        for at, why in sorted(self._deadlines()):
            if at > now:
                break
            if why == "chsi_timeout":
                self._close_chsi("failed")
                await self._commit("system", "chsi_timeout")
            elif why == "window_closed":
                period: PeriodSnapshot | None = await workflow.execute_local_activity(
                    READ_PERIOD,
                    self.inp.period_id,
                    result_type=PeriodSnapshot,
                    start_to_close_timeout=PROJECTION_TIMEOUT,
                    retry_policy=PROJECTION_RETRY,
                )
                if period and period.closes_at > now:
                    self.closes_at = period.closes_at  # an operator extended the window
                    return
                await self._expire(why)
                return
            else:
                await self._expire(why)
                return

    async def _expire(self, why: str) -> None:
        self.s.state = AppState.EXPIRED
        await self._commit("system", f"expired:{why}")

    # --- bookkeeping ----------------------------------------------------------------------------
    async def _commit(self, actor: str, action: str) -> None:
        self.s.version += 1
        self.s.history.append((workflow.now(), actor, action))
        self._publish()
        await workflow.execute_local_activity(
            PROJECT_APPLICATION,
            self._snapshot(),
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        self.projected_audit = len(self.s.history)

    def _publish(self) -> None:
        """Search attributes that changed since the last commit, and the Web UI's details. Only
        changes are upserted: each upsert is a history event and a visibility write."""
        form = self.s.form
        major = MAJORS_BY_CODE.get(form.major) if form else None
        wanted: dict[object, object] = {
            search.STATUS: self.s.state.value,
            search.PERIOD: self.inp.period_id,
            search.NEEDS_MANUAL_REVIEW: self.s.needs_manual_review,
            search.REGION: form.region if form else None,
            search.MAJOR: form.major if form else None,
            search.LEVEL: major.level.value if major else None,
            search.SUBMITTED_AT: self.s.submitted_at,
        }
        updates = [
            key.value_set(value)  # type: ignore[attr-defined]
            for key, value in wanted.items()
            if value is not None and self.published.get(key) != value
        ]
        if updates:
            workflow.upsert_search_attributes(updates)
            self.published.update({k: v for k, v in wanted.items() if v is not None})
        workflow.set_current_details(self._details_markdown())

    def _details_markdown(self) -> str:
        s = self.s
        lines = [
            f"**{STATE_LABELS[s.state]}** (`{s.state.value}`)",
            f"- 考期: {self.inp.period_id}",
        ]
        if s.form:
            lines.append(f"- 地区/专业: {s.form.region} / {s.form.major}")
        if s.chsi.status != "not_needed":
            lines.append(f"- 学信网: {s.chsi.status}")
        if s.needs_manual_review:
            lines.append("- 需人工审核")
        if s.review.decision:
            lines.append(f"- 审核: {s.review.decision} by {s.review.examiner}")
        if s.ticket_number:
            lines.append(f"- 准考证号: {s.ticket_number}")
        if s.history:
            at, actor, action = s.history[-1]
            lines.append(f"- 最近: {action} ({actor}, {at:%Y-%m-%d %H:%M})")
        return "\n".join(lines)

    def _documents(self) -> list[DocumentEntry]:
        s = self.s
        docs = []
        for kind, obj in (
            ("id_front", s.id_card.front),
            ("id_back", s.id_card.back),
            ("id_portrait", s.id_card.portrait),
            ("photo", s.photo.official),
            ("photo_original", s.photo.original),
            ("face_frame", s.face.best_frame),
        ):
            if obj:
                docs.append(DocumentEntry(kind=kind, file=obj))
        for code, files in s.attachments.items():
            docs += [DocumentEntry(kind=f"attachment:{code}", file=f) for f in files]
        return docs

    def _snapshot(self) -> ApplicationSnapshot:
        s, form = self.s, self.s.form
        major = MAJORS_BY_CODE.get(form.major) if form else None
        name = s.id_card.confirmed.name if s.id_card.confirmed else ""
        audit = [
            AuditEntry(seq=i + 1, at=at, actor=actor, action=action)
            for i, (at, actor, action) in enumerate(s.history)
            if i >= self.projected_audit
        ]
        return ApplicationSnapshot(
            workflow_id=self.inp.application_id,
            period_id=self.inp.period_id,
            version=s.version,
            status=s.state.value,
            identity_hash=self.inp.identity_hash,
            phone_hash=self.inp.phone_hash,
            id_masked=mask_id_number(self.inp.identity.id_number),
            phone_masked=mask_phone(self.inp.identity.phone),
            name_masked=mask_name(name),
            id_number=self.inp.identity.id_number,
            name=name,
            region=form.region if form else None,
            major=form.major if form else None,
            level=major.level.value if major else None,
            submitted_at=s.submitted_at,
            needs_manual_review=s.needs_manual_review,
            claimed_by=s.review.examiner,
            decision=s.review.decision,
            ticket_number=s.ticket_number,
            audit=audit,
            documents=self._documents(),
        )

    def _level(self) -> Level | None:
        major = MAJORS_BY_CODE.get(self.s.form.major) if self.s.form else None
        return major.level if major else None

    def _plan(self):
        return attachment_plan(self.s.form, self.s.chsi.status) if self.s.form else None

    def _required(self) -> list[dict]:
        plan = self._plan()
        return checklist(plan, self._uploaded_codes()) if plan else []

    def _uploaded_codes(self) -> set[str]:
        return {code for code, files in self.s.attachments.items() if files}

    # --- validators' shared checks ----------------------------------------------------------------
    def _require_open_window(self) -> None:
        if workflow.now() >= self.closes_at and self.s.state in (*PRE_SUBMIT, AppState.EXPIRED):
            raise refusal("WINDOW_CLOSED")

    def _require_step(self, minimum: AppState) -> None:
        """The candidate has reached `minimum` and not submitted yet (steps can be redone)."""
        self._require_open_window()
        if self.s.state not in PRE_SUBMIT:
            raise refusal("NOT_EDITABLE" if self.s.state not in FINAL else "WRONG_STATE")
        if step_index(self.s.state) < step_index(minimum):
            raise refusal("STEP_NOT_REACHED")

    def _rewind(self, to: AppState) -> None:
        """Redoing an earlier step puts the application back to the step after it."""
        if step_index(self.s.state) > step_index(to):
            self.s.state = to

    # --- R2: phone ------------------------------------------------------------------------------
    @workflow.update
    async def request_phone_code(self, inp: RequestCodeInput) -> CodeSent:
        async with self.lock:
            phone = self.inp.identity.phone
            try:
                sent: SendCodeResult = await workflow.execute_local_activity(
                    SEND_SMS_CODE,
                    SendCodeRequest(phone=phone, client_ip=inp.client_ip),
                    result_type=SendCodeResult,
                    start_to_close_timeout=SHORT_CALL_TIMEOUT,
                    retry_policy=SHORT_CALL_RETRY,
                )
            except ActivityError as err:
                raise business_refusal(err) or err from None
            return CodeSent(phone_masked=mask_phone(phone), resend_after_s=sent.resend_after_s)

    @request_phone_code.validator
    def _validate_request_phone_code(self, inp: RequestCodeInput) -> None:
        if self.s.state in (AppState.EXPIRED, AppState.WITHDRAWN):
            raise refusal("WRONG_STATE")

    @workflow.update
    async def verify_phone(self, inp: VerifyPhoneInput) -> ApplicationView:
        """Also the login of a returning candidate: the same application, whatever its state."""
        async with self.lock:
            try:
                await workflow.execute_local_activity(
                    CHECK_SMS_CODE,
                    CheckCodeRequest(phone=self.inp.identity.phone, code=inp.code),
                    start_to_close_timeout=SHORT_CALL_TIMEOUT,
                    retry_policy=SHORT_CALL_RETRY,
                )
            except ActivityError as err:
                raise business_refusal(err) or err from None
            if self.s.state == AppState.REGISTERED:
                self.s.state = AppState.ID_PENDING
                self.s.phone_verified_at = workflow.now()
                await self._commit("candidate", "phone_verified")
            return self.view()

    @verify_phone.validator
    def _validate_verify_phone(self, inp: VerifyPhoneInput) -> None:
        if self.s.state in (AppState.EXPIRED, AppState.WITHDRAWN):
            raise refusal("WRONG_STATE")
        if not inp.code.strip().isdigit():
            raise refusal("SMS_CODE_WRONG")

    # --- R3: ID card ----------------------------------------------------------------------------
    @workflow.update
    async def submit_id_card(self, inp: IdCardUpload) -> ApplicationView:
        async with self.lock:
            result: ReadIdCardResult = await self._vision(
                READ_ID_CARD,
                ReadIdCardInput(
                    front=inp.front,
                    back=inp.back,
                    id_type=self.inp.identity.id_type,
                    typed_id_number=self.inp.identity.id_number,
                    check_date=workflow.now().date(),
                    portrait_key=f"{self.inp.application_id}/id/portrait-{workflow.uuid4().hex[:8]}.jpg",
                ),
                ReadIdCardResult,
            )
            if result.refusals:
                first = result.refusals[0]
                raise refusal_from(first.code, first.message, result.model_dump(mode="json"))
            card = self.s.id_card
            card.front, card.back, card.ocr = inp.front, inp.back, result.fields
            card.confidence, card.portrait, card.confirmed = (
                result.confidence,
                result.portrait,
                None,
            )
            self.s.needs_manual_review = self.s.needs_manual_review or result.needs_manual_review
            self._rewind(AppState.ID_PENDING)
            await self._commit("candidate", "id_card_read")
            return self.view().model_copy(
                update={"id_card_read": result.fields, "id_card_confidence": result.confidence}
            )

    @submit_id_card.validator
    def _validate_submit_id_card(self, inp: IdCardUpload) -> None:
        self._require_step(AppState.ID_PENDING)

    @workflow.update
    async def confirm_id_card(self, inp: ConfirmIdCardInput) -> ApplicationView:
        async with self.lock:
            card = self.s.id_card
            assert card.ocr is not None  # guaranteed by the validator
            ocr, confirmed = card.ocr.model_dump(mode="json"), inp.fields.model_dump(mode="json")
            card.corrections = {
                k: (str(ocr[k]), str(confirmed[k])) for k in ocr if ocr[k] != confirmed[k]
            }
            card.confirmed = inp.fields
            if card.corrections:
                self.s.needs_manual_review = True
            if self.s.state == AppState.ID_PENDING:
                self.s.state = AppState.PHOTO_PENDING
            await self._commit("candidate", "id_card_confirmed")
            return self.view()

    @confirm_id_card.validator
    def _validate_confirm_id_card(self, inp: ConfirmIdCardInput) -> None:
        self._require_step(AppState.ID_PENDING)
        if self.s.id_card.ocr is None:
            raise refusal("ID_NOT_READ")
        if inp.fields.id_number.strip().upper() != self.inp.identity.id_number.strip().upper():
            raise refusal("ID_NUMBER_INVALID", "确认的证件号码与登记的证件号码不一致")

    # --- R4: ID photo ---------------------------------------------------------------------------
    @workflow.update
    async def submit_photo(self, inp: PhotoUpload) -> ApplicationView:
        async with self.lock:
            report: PhotoReport = await self._vision(
                CHECK_PHOTO, CheckPhotoInput(photo=inp.photo, filename=inp.filename), PhotoReport
            )
            self.s.photo.last_upload, self.s.photo.last_report = inp.photo, report
            self.s.photo.pending_fix = self.s.photo.pending_fix_report = None
            if not report.passed:
                await self._commit("candidate", "photo_refused")
                raise refusal("PHOTO_NOT_COMPLIANT", details=report.model_dump(mode="json"))
            self.s.photo.official, self.s.photo.original = inp.photo, None
            self._accept_photo()
            await self._commit("candidate", "photo_accepted")
            return self.view()

    @submit_photo.validator
    def _validate_submit_photo(self, inp: PhotoUpload) -> None:
        self._require_step(AppState.PHOTO_PENDING)

    @workflow.update
    async def fix_photo(self) -> FixPhotoResult:
        async with self.lock:
            upload = self.s.photo.last_upload
            assert upload is not None
            result: FixPhotoResult = await self._vision(
                FIX_PHOTO,
                FixPhotoInput(
                    photo=upload,
                    fixed_key=f"{self.inp.application_id}/photo/fixed-{workflow.uuid4().hex[:8]}.jpg",
                ),
                FixPhotoResult,
            )
            if result.fixed and result.report.passed:
                self.s.photo.pending_fix, self.s.photo.pending_fix_report = (
                    result.fixed,
                    result.report,
                )
            return result

    @fix_photo.validator
    def _validate_fix_photo(self) -> None:
        self._require_step(AppState.PHOTO_PENDING)
        if self.s.photo.last_upload is None:
            raise refusal("PHOTO_NO_FIX")

    @workflow.update
    async def accept_fixed_photo(self) -> ApplicationView:
        async with self.lock:
            photo = self.s.photo
            photo.original = photo.last_upload
            photo.official, photo.last_report = photo.pending_fix, photo.pending_fix_report
            photo.pending_fix = photo.pending_fix_report = None
            self._accept_photo()
            await self._commit("candidate", "photo_fix_accepted")
            return self.view()

    @accept_fixed_photo.validator
    def _validate_accept_fixed_photo(self) -> None:
        self._require_step(AppState.PHOTO_PENDING)
        if self.s.photo.pending_fix is None:
            raise refusal("PHOTO_NO_FIX")

    def _accept_photo(self) -> None:
        """A new official photo voids an earlier face check (it was matched to the old one)."""
        self.s.face.passed = False
        if step_index(self.s.state) >= step_index(AppState.PHOTO_PENDING):
            self.s.state = AppState.FACE_PENDING

    # --- R5: face -------------------------------------------------------------------------------
    @workflow.update
    async def start_liveness(self) -> ApplicationView:
        async with self.lock:
            self.s.face.challenge = new_challenge(workflow.random(), workflow.now())
            await self._commit("candidate", "liveness_challenge")
            return self.view()

    @start_liveness.validator
    def _validate_start_liveness(self) -> None:
        self._require_step(AppState.FACE_PENDING)

    @workflow.update
    async def submit_liveness(self, inp: LivenessAnswer) -> ApplicationView:
        async with self.lock:
            face, card, photo = self.s.face, self.s.id_card, self.s.photo
            challenge = face.challenge
            assert (
                challenge is not None and card.portrait is not None and photo.official is not None
            )
            face.challenge = None  # single use, whatever the outcome
            face.attempts += 1
            result: VerifyFaceResult = await self._vision(
                VERIFY_FACE,
                VerifyFaceInput(
                    challenge=challenge,
                    answered_nonce=inp.nonce,
                    answered_at=workflow.now(),
                    frames=inp.frames,
                    id_portrait=card.portrait,
                    official_photo=photo.official,
                    best_frame_key=f"{self.inp.application_id}/face/best-{workflow.uuid4().hex[:8]}.jpg",
                ),
                VerifyFaceResult,
            )
            face.matches, face.last_refusals = result.matches, result.refusals
            if result.best_frame:
                face.best_frame = result.best_frame
            if result.ok:
                face.passed = True
                if self.s.state == AppState.FACE_PENDING:
                    self.s.state = AppState.NOTICE_PENDING
                await self._commit("candidate", "face_verified")
                return self.view()
            if face.attempts >= MAX_ATTEMPTS_PER_DAY:
                # Never block forever: an examiner looks at the recorded frame and scores instead.
                self.s.needs_manual_review = True
                if self.s.state == AppState.FACE_PENDING:
                    self.s.state = AppState.NOTICE_PENDING
                await self._commit("system", "face_manual_review")
                return self.view()
            await self._commit("candidate", "face_refused")
            first = result.refusals[0] if result.refusals else None
            raise refusal_from(
                first.code if first else "FACE_MISMATCH",
                first.message if first else "人脸比对未通过",
                result.model_dump(mode="json"),
            )

    @submit_liveness.validator
    def _validate_submit_liveness(self, inp: LivenessAnswer) -> None:
        self._require_step(AppState.FACE_PENDING)
        if self.s.face.challenge is None:
            raise refusal("FACE_NO_CHALLENGE")

    # --- R6: notice -----------------------------------------------------------------------------
    @workflow.update
    async def accept_notice(self) -> ApplicationView:
        async with self.lock:
            self.s.notice_accepted_at = workflow.now()
            if self.s.state == AppState.NOTICE_PENDING:
                self.s.state = AppState.DRAFT
            await self._commit("candidate", "notice_accepted")
            return self.view()

    @accept_notice.validator
    def _validate_accept_notice(self) -> None:
        self._require_step(AppState.NOTICE_PENDING)

    # --- R7–R12: form, CHSI, attachments ----------------------------------------------------------
    @workflow.update
    async def save_form(self, form: EnrollmentForm) -> ApplicationView:
        async with self.lock:
            self._apply_form(form)
            await self._commit("candidate", "form_saved")
            return self.view()

    @save_form.validator
    def _validate_save_form(self, form: EnrollmentForm) -> None:
        self._require_step(AppState.DRAFT)
        _check_form(form)

    def _apply_form(self, form: EnrollmentForm) -> None:
        self.s.form = form
        needs_chsi = self._level() == Level.BENKE
        if needs_chsi and self.s.chsi.status == "not_needed":
            self.s.chsi.status = "pending"
        elif not needs_chsi:
            self.s.chsi.status = "not_needed"

    @workflow.update
    async def request_chsi_codes(self) -> ApplicationView:
        """R8: the two QR codes (学籍, 学历); asking again refreshes both, retiring the old."""
        async with self.lock:
            try:
                issued: IssuedChsiCodes = await workflow.execute_activity(
                    ISSUE_CHSI_CODES,
                    IssueChsiCodesInput(
                        application_id=self.inp.application_id,
                        id_number=self.inp.identity.id_number,
                    ),
                    result_type=IssuedChsiCodes,
                    start_to_close_timeout=SHORT_CALL_TIMEOUT,
                    retry_policy=SHORT_CALL_RETRY,
                )
            except ActivityError as err:
                raise business_refusal(err) or refusal("CHSI_UNAVAILABLE") from None
            chsi = self.s.chsi
            qr = chsi.qr or ChsiQrState(application_ref=self.inp.application_id)
            for code in issued.codes:
                qr = qr.with_token(_qr_token(code, self.inp.application_id))
            chsi.qr, chsi.codes, chsi.requested_at = qr, issued.codes, workflow.now()
            await self._commit("candidate", "chsi_codes_issued")
            return self.view()

    @request_chsi_codes.validator
    def _validate_request_chsi_codes(self) -> None:
        self._require_step(AppState.DRAFT)
        if self.s.chsi.status != "pending":
            raise refusal("CHSI_NOT_NEEDED")

    @workflow.update
    async def chsi_failed(self) -> ApplicationView:
        """「学信网校验失败」: close the QR step, open the manual upload path."""
        async with self.lock:
            self._close_chsi("failed")
            await self._commit("candidate", "chsi_failed_pressed")
            return self.view()

    @chsi_failed.validator
    def _validate_chsi_failed(self) -> None:
        self._require_step(AppState.DRAFT)
        if self.s.chsi.status != "pending":
            raise refusal("CHSI_NOT_NEEDED")

    def _close_chsi(self, status: str) -> None:
        chsi = self.s.chsi
        chsi.status = status
        if chsi.qr:
            chsi.qr = chsi.qr.close()

    @workflow.update
    async def chsi_callback(self, callback: ChsiCallback) -> str:
        """CHSI's signed callback, authenticated by the API. An update rather than a signal so that
        CHSI hears why a token is refused (used, superseded, expired, another application's)."""
        async with self.lock:
            chsi = self.s.chsi
            assert chsi.qr is not None
            redemption = redeem_token(
                chsi.qr, callback.token, callback.application_ref, scanned_at=callback.scanned_at
            )
            chsi.qr = redemption.state
            chsi.outcomes.append(f"{callback.kind.value}:{callback.outcome.value}")
            try:
                record = check_subject(callback)
            except RefusedError as exc:
                if not redemption.late:
                    self._close_chsi("failed")  # no record at CHSI: the manual path opens
                await self._commit("chsi", f"chsi_{callback.outcome.value}:{callback.kind.value}")
                return exc.refusal.code
            chsi.records[callback.kind.value] = record
            if redemption.late:
                chsi.late_callbacks += 1  # recorded for the examiner; the manual path stays
                await self._commit("chsi", f"chsi_late_callback:{callback.kind.value}")
                return "LATE"
            self._close_chsi("verified")
            await self._commit("chsi", f"chsi_verified:{callback.kind.value}")
            return "VERIFIED"

    @chsi_callback.validator
    def _validate_chsi_callback(self, callback: ChsiCallback) -> None:
        if self.s.chsi.qr is None:
            raise from_refused(RefusedError("CHSI_TOKEN_UNKNOWN", "二维码不存在"))
        try:
            redeem_token(
                self.s.chsi.qr,
                callback.token,
                callback.application_ref,
                scanned_at=callback.scanned_at,
            )
        except RefusedError as exc:
            raise from_refused(exc) from None

    @workflow.update
    async def upload_attachment(self, inp: AttachmentUpload) -> ApplicationView:
        async with self.lock:
            self.s.attachments.setdefault(inp.code, []).append(inp.file)
            await self._commit("candidate", f"attachment:{inp.code}")
            return self.view()

    @upload_attachment.validator
    def _validate_upload_attachment(self, inp: AttachmentUpload) -> None:
        if self.s.state not in (AppState.DRAFT, AppState.SUBMITTED, AppState.RETURNED):
            self._require_step(AppState.DRAFT)
        plan = self._plan()
        if plan is None or not any(inp.code in r.document_codes for r in plan.required):
            raise refusal("ATTACHMENT_NOT_REQUIRED")

    # --- R13–R14: submit, modify, withdraw -------------------------------------------------------
    @workflow.update
    async def submit(self) -> ApplicationView:
        async with self.lock:
            self.s.state = AppState.SUBMITTED
            self.s.submitted_at = self.s.submitted_at or workflow.now()
            await self._commit("candidate", "submitted")
            return self.view()

    @submit.validator
    def _validate_submit(self) -> None:
        if self.s.state != AppState.RETURNED:
            self._require_step(AppState.DRAFT)
        if self.s.form is None:
            raise refusal("FORM_INCOMPLETE")
        if self.s.chsi.status == "pending":
            raise refusal(
                "ATTACHMENTS_MISSING", "请完成学信网校验或选择「学信网校验失败」后上传材料"
            )
        plan = self._plan()
        assert plan is not None
        try:
            check_attachments_complete(plan.required, self._uploaded_codes())
        except RefusedError as exc:
            raise from_refused(exc) from None

    @workflow.update
    async def modify(self, form: EnrollmentForm) -> ApplicationView:
        async with self.lock:
            self._apply_form(form)
            await self._commit("candidate", "modified")
            return self.view()

    @modify.validator
    def _validate_modify(self, form: EnrollmentForm) -> None:
        if self.s.state in (
            AppState.UNDER_REVIEW,
            AppState.APPROVED,
            AppState.REJECTED,
            AppState.TICKET_ISSUED,
        ):
            raise refusal("UNDER_REVIEW_LOCKED")
        if self.s.state not in (AppState.SUBMITTED, AppState.RETURNED, AppState.DRAFT):
            raise refusal("NOT_EDITABLE")
        _check_form(form)

    @workflow.update
    async def withdraw(self) -> ApplicationView:
        async with self.lock:
            self.s.state = AppState.WITHDRAWN
            await self._commit("candidate", "withdrawn")
            return self.view()

    @withdraw.validator
    def _validate_withdraw(self) -> None:
        if self.s.state not in (*PRE_SUBMIT, AppState.SUBMITTED, AppState.RETURNED):
            raise refusal("WRONG_STATE")

    # --- R15: review ----------------------------------------------------------------------------
    @workflow.update
    async def claim(self, act: ExaminerAction) -> ApplicationView:
        async with self.lock:
            self.s.state = AppState.UNDER_REVIEW
            self.s.review.examiner = act.examiner
            await self._commit(f"examiner:{act.examiner}", "claimed")
            return self.view()

    @claim.validator
    def _validate_claim(self, act: ExaminerAction) -> None:
        if self.s.state == AppState.UNDER_REVIEW and self.s.review.examiner != act.examiner:
            raise refusal("ALREADY_CLAIMED")
        if self.s.state not in (AppState.SUBMITTED, AppState.UNDER_REVIEW):
            raise refusal("WRONG_STATE")

    @workflow.update
    async def approve(self, act: ExaminerAction) -> ApplicationView:
        return await self._decide(act, "approved", AppState.APPROVED)

    @approve.validator
    def _validate_approve(self, act: ExaminerAction) -> None:
        self._require_claimed_by(act)

    @workflow.update
    async def reject(self, act: ExaminerAction) -> ApplicationView:
        return await self._decide(act, "rejected", AppState.REJECTED)

    @reject.validator
    def _validate_reject(self, act: ExaminerAction) -> None:
        self._require_claimed_by(act)
        _require_reasons(act.items)

    @workflow.update
    async def return_for_changes(self, act: ExaminerAction) -> ApplicationView:
        return await self._decide(act, "returned", AppState.RETURNED)

    @return_for_changes.validator
    def _validate_return(self, act: ExaminerAction) -> None:
        self._require_claimed_by(act)
        _require_reasons(act.items)

    def _require_claimed_by(self, act: ExaminerAction) -> None:
        if self.s.state != AppState.UNDER_REVIEW:
            raise refusal("WRONG_STATE")
        if self.s.review.examiner != act.examiner:
            raise refusal("NOT_CLAIMED_BY_YOU")

    async def _decide(self, act: ExaminerAction, decision: str, state: AppState) -> ApplicationView:
        async with self.lock:
            self.s.state = state
            self.s.review.decision, self.s.review.items = decision, act.items
            self.s.review.decided_at = workflow.now()
            await self._commit(f"examiner:{act.examiner}", decision)
            await self._notify(f"decision:{decision}:{self.s.version}", _DECISION_TEXT[decision])
            return self.view()

    # --- R16: ticket ----------------------------------------------------------------------------
    @workflow.signal
    async def ticket_assigned(self, ticket: TicketAssigned) -> None:
        async with self.lock:
            if self.s.state != AppState.APPROVED or self.s.ticket_number:
                return  # duplicate delivery
            self.s.ticket_number = ticket.number
            self.s.state = AppState.TICKET_ISSUED
            await self._commit("system", "ticket_issued")
            await self._notify(
                "ticket", f"【湖南自考】您的入籍申请已生成准考证号：{ticket.number}。"
            )

    # --- queries --------------------------------------------------------------------------------
    @workflow.query
    def view(self) -> ApplicationView:
        s = self.s
        card = s.id_card.confirmed or s.id_card.ocr
        masked_card = (
            card.model_copy(
                update={
                    "name": mask_name(card.name),
                    "id_number": mask_id_number(card.id_number),
                    "address": "",
                }
            )
            if card
            else None
        )
        return ApplicationView(
            application_id=self.inp.application_id,
            period_id=self.inp.period_id,
            state=s.state,
            state_label=STATE_LABELS[s.state],
            name=mask_name(card.name) if card else "",
            id_number=mask_id_number(self.inp.identity.id_number),
            phone=mask_phone(self.inp.identity.phone),
            id_card=masked_card,
            photo_report=s.photo.last_report,
            liveness_challenge=s.face.challenge,
            face_passed=s.face.passed,
            form=s.form,
            chsi_status=s.chsi.status,
            chsi_codes=s.chsi.codes if s.chsi.status == "pending" else [],
            chsi_records=s.chsi.records,
            required_attachments=self._required(),
            uploaded_attachments=sorted(s.attachments),
            submitted_at=s.submitted_at,
            review=s.review,
            ticket_number=s.ticket_number,
            needs_manual_review=s.needs_manual_review,
            editable=s.state in (*PRE_SUBMIT, AppState.SUBMITTED, AppState.RETURNED),
        )

    @workflow.query
    def case_file(self) -> CaseFile:
        return CaseFile(
            application_id=self.inp.application_id,
            period_id=self.inp.period_id,
            identity=self.inp.identity,
            state=self.s,
        )

    # --- activities -----------------------------------------------------------------------------
    async def _vision(self, name: str, arg: object, result_type: type):
        try:
            return await workflow.execute_activity(
                name,
                arg,
                result_type=result_type,
                task_queue=self.inp.vision_task_queue,
                start_to_close_timeout=VISION_TIMEOUT,
                retry_policy=VISION_RETRY,
            )
        except ActivityError as err:
            raise business_refusal(err) or err from None

    async def _notify(self, event: str, text: str) -> None:
        await workflow.execute_local_activity(
            NOTIFY_CANDIDATE,
            Notification(
                workflow_id=self.inp.application_id,
                event=event,
                phone=self.inp.identity.phone,
                phone_hash=self.inp.phone_hash,
                text=text,
            ),
            start_to_close_timeout=SHORT_CALL_TIMEOUT,
            retry_policy=SHORT_CALL_RETRY,
        )


_DECISION_TEXT = {
    "approved": "【湖南自考】您的新生入籍申请已审核通过，准考证号将在审核截止后生成。",
    "rejected": "【湖南自考】您的新生入籍申请审核未通过，请登录查看原因。",
    "returned": "【湖南自考】您的新生入籍申请被退回修改，请登录查看并修改后重新提交。",
}


def _check_form(form: EnrollmentForm) -> None:
    problems = form_problems(form)
    if problems:
        raise refusal(
            "FORM_INVALID",
            "；".join(p.message for p in problems),
            details=[p.model_dump() for p in problems],
        )
    try:
        attachment_plan(form, "pending")  # refuses combinations the rules never accept
    except RefusedError as exc:
        raise from_refused(exc) from None


def _require_reasons(items: list[ReviewItem]) -> None:
    if not items or any(not item.reason.strip() for item in items):
        raise refusal("REASONS_REQUIRED")


def _qr_token(code: ChsiCode, application_id: str) -> QrToken:
    return QrToken(
        kind=ChsiKind(code.kind),
        token=code.token,
        application_ref=application_id,
        issued_at=code.expires_at - CHSI_TOKEN_TTL,
        expires_at=code.expires_at,
    )


def refusal_from(code: str, message: str, details: object) -> ApplicationError:
    return ApplicationError(
        message,
        {"code": code, "message": message, "details": details},
        type=code,
        non_retryable=True,
    )
