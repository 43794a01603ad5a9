"""Handlers of the identity steps (R2–R6): phone, ID card, photo, face, notice."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain import case_rules as rules
    from domain import case_steps as steps
    from domain.enrollment import (
        ApplicationView,
        CodeSent,
        ConfirmIdCardInput,
        IdCardUpload,
        LivenessAnswer,
        OnSiteFaceCheck,
        PhotoUpload,
        PhotoWithCardConfirmed,
        RequestCodeInput,
        VerifyPhoneInput,
    )
    from domain.errors import Refusal, RefusedError, refuse
    from domain.liveness import FaceRefusal, new_challenge
    from domain.masking import mask_phone
    from domain.messages import CaseRefusal, SmsRefusal
    from domain.notice import NoticeAcceptance
    from domain.otp import (
        CHECK_SMS_CODE,
        SEND_SMS_CODE,
        CheckCodeRequest,
        SendCodeRequest,
        SendCodeResult,
    )
    from domain.read_model import (
        CHECK_CODE_AND_PROJECT,
        PROJECT_AND_SEND_CODE,
        CodeCheckWithProjection,
        CodeSendWithProjection,
    )
    from domain.states import AppState
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
        answers_refusals,
        run_short_call,
        with_report,
    )

from workflows import shape
from workflows.identity_claims import IdentityClaimHandlers

#: The daily face limit replaced "onward, flagged, after 5 failures" (workflow.patched).
FACE_DAILY_LIMIT = "face-daily-limit"
#: A card read again after a returned card was redone needs confirming and the face check again.
NEW_CARD_VOIDS_REDO = "new-card-voids-redo"


class IdentityStepHandlers(IdentityClaimHandlers):
    # --- R2: phone ------------------------------------------------------------------------------
    @workflow.update
    async def request_phone_code(self, inp: RequestCodeInput) -> CodeSent:
        async with self.lock:
            self._recheck(self._validate_request_phone_code, inp)
            phone = self.params.identity.phone
            request = SendCodeRequest(phone=phone, client_ip=inp.client_ip)
            if self.case.history or not shape.one_call_per_step():
                sent = await run_short_call(SEND_SMS_CODE, request, SendCodeResult)
            else:
                sent = await self._register_with_code(request)
            return CodeSent(phone_masked=mask_phone(phone), resend_after_s=sent.resend_after_s)

    async def _register_with_code(self, request: SendCodeRequest) -> SendCodeResult:
        """Shape 3's first contact (an update delivered with the start, handled before `run`
        records anything: `run` waits a round for it): the registration is recorded here and
        written to the read model by the call that sends its code. A refused send (cooldown,
        daily caps) leaves the registration projected."""
        self._record("system", "registered")
        self._publish()
        step = CodeSendWithProjection(snapshot=self._snapshot(), send=request)
        try:
            sent = await run_short_call(PROJECT_AND_SEND_CODE, step, SendCodeResult)
        except (ApplicationError, ActivityError):
            await self._project_rest()
            raise
        self._mark_projected()
        return sent

    @request_phone_code.validator
    @answers_refusals
    def _validate_request_phone_code(self, inp: RequestCodeInput) -> None:
        rules.require_not_ended(self.case)

    @workflow.update
    async def verify_phone(self, inp: VerifyPhoneInput) -> ApplicationView:
        """Also the login of a returning candidate: the same application, whatever its state."""
        async with self.lock:
            self._recheck(self._validate_verify_phone, inp)
            request = CheckCodeRequest(phone=self.params.identity.phone, code=inp.code)
            if self.case.state == AppState.REGISTERED and shape.one_call_per_step():
                await self._verify_with_code(request)
                return self.view()
            await run_short_call(CHECK_SMS_CODE, request, type(None))
            if self.case.state == AppState.REGISTERED:
                self.case.state = AppState.ID_PENDING
                self.case.phone_verified_at = workflow.now()
                await self._commit("candidate", "phone_verified")
            return self.view()

    async def _verify_with_code(self, request: CheckCodeRequest) -> None:
        """Shape 3: the verified case is written by the call that checks the code, so the step
        is prepared on a copy and kept only if the code was right (until then the deadline's
        wait sees the case unchanged: a wrong code re-arms no timer)."""
        verified = self.case.model_copy(deep=True)
        verified.state = AppState.ID_PENDING
        verified.phone_verified_at = workflow.now()
        self._record_on(verified, "candidate", "phone_verified")
        step = CodeCheckWithProjection(check=request, snapshot=self._snapshot(verified))
        await run_short_call(CHECK_CODE_AND_PROJECT, step, type(None))
        self.case = verified
        self._publish()
        self._mark_projected()

    @verify_phone.validator
    @answers_refusals
    def _validate_verify_phone(self, inp: VerifyPhoneInput) -> None:
        rules.require_not_ended(self.case)
        if not inp.code.strip().isdigit():
            raise refuse(SmsRefusal.SMS_CODE_WRONG)

    # --- R3: ID card ----------------------------------------------------------------------------
    @workflow.update
    async def submit_id_card(self, inp: IdCardUpload) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_submit_id_card, inp)
            request = ReadIdCardInput(
                front=inp.front,
                back=inp.back,
                id_type=self.params.identity.id_type,
                typed_id_number=self.params.identity.id_number,
                check_date=workflow.now().date(),
                portrait_key=self._key("id", "portrait"),
            )
            result = await self._vision(READ_ID_CARD, request, ReadIdCardResult)
            if result.refusals:
                raise with_report(result.refusals[0], result.model_dump(mode="json"))
            steps.record_id_card(self.case, inp, result)
            if steps.card_voids_redo(self.case) and workflow.patched(NEW_CARD_VOIDS_REDO):
                steps.void_card_redo(self.case)
            await self._commit("candidate", "id_card_read")
            return self.view().model_copy(
                update={"id_card_read": result.fields, "id_card_confidence": result.confidence}
            )

    @submit_id_card.validator
    @answers_refusals
    def _validate_submit_id_card(self, inp: IdCardUpload) -> None:
        self._require_step(AppState.ID_PENDING)

    @workflow.update
    async def confirm_id_card(self, inp: ConfirmIdCardInput) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_confirm_id_card, inp)
            steps.confirm_id_card(self.case, inp)
            await self._commit("candidate", "id_card_confirmed")
            return self.view()

    @confirm_id_card.validator
    @answers_refusals
    def _validate_confirm_id_card(self, inp: ConfirmIdCardInput) -> None:
        self._require_step(AppState.ID_PENDING)
        if self.case.id_card.ocr is None:
            raise refuse(CaseRefusal.ID_NOT_READ)
        typed = self.params.identity.id_number.strip().upper()
        if inp.fields.id_number.strip().upper() != typed:
            raise refuse(CaseRefusal.ID_NUMBER_INVALID, "确认的证件号码与登记的证件号码不一致")

    # --- R4: ID photo ---------------------------------------------------------------------------
    @workflow.update
    async def submit_photo(self, inp: PhotoUpload) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_submit_photo, inp)
            return await self._check_photo(inp)

    @submit_photo.validator
    @answers_refusals
    def _validate_submit_photo(self, inp: PhotoUpload) -> None:
        self._require_step(AppState.PHOTO_PENDING)

    @workflow.update
    async def submit_photo_card_confirmed(self, inp: PhotoWithCardConfirmed) -> ApplicationView:
        """R3's 「确认无误」 with R4's photo, as the H5 sends them on the first pass (an update
        fewer). The confirmation is recorded first: a refused photo, or a photo check that
        could not run, leaves the card confirmed and the case at the photo step."""
        async with self.lock:
            self._recheck(self._validate_submit_photo_card_confirmed, inp)
            steps.confirm_id_card(self.case, inp.confirm)
            self._record("candidate", "id_card_confirmed")
            try:
                return await self._check_photo(inp.photo)
            except (ApplicationError, ActivityError):
                self._publish()  # the confirmation stands: the read model gets it all the same
                await self._project_rest()
                raise

    @submit_photo_card_confirmed.validator
    @answers_refusals
    def _validate_submit_photo_card_confirmed(self, inp: PhotoWithCardConfirmed) -> None:
        self._validate_confirm_id_card(inp.confirm)
        if self.case.state != AppState.ID_PENDING:  # confirming there opens the photo step
            self._require_step(AppState.PHOTO_PENDING)

    async def _check_photo(self, inp: PhotoUpload) -> ApplicationView:
        request = CheckPhotoInput(photo=inp.photo, filename=inp.filename)
        report = await self._vision(CHECK_PHOTO, request, PhotoReport)
        if not steps.record_photo_check(self.case, inp, report):
            await self._commit("candidate", "photo_refused")
            refused = Refusal.of(CaseRefusal.PHOTO_NOT_COMPLIANT)
            raise with_report(refused, report.model_dump(mode="json"))
        self._offer_challenge()
        await self._commit("candidate", "photo_accepted")
        return self.view()

    @workflow.update
    async def fix_photo(self) -> FixPhotoResult:
        async with self.lock:
            self._recheck(self._validate_fix_photo)
            upload = self.case.photo.last_upload
            assert upload is not None
            request = FixPhotoInput(photo=upload, fixed_key=self._key("photo", "fixed"))
            result = await self._vision(FIX_PHOTO, request, FixPhotoResult)
            if result.fixed and result.report.passed:
                self.case.photo.pending_fix = result.fixed
                self.case.photo.pending_fix_report = result.report
            return result

    @fix_photo.validator
    @answers_refusals
    def _validate_fix_photo(self) -> None:
        self._require_step(AppState.PHOTO_PENDING)
        if self.case.photo.last_upload is None:
            raise refuse(CaseRefusal.PHOTO_NO_FIX)

    @workflow.update
    async def accept_fixed_photo(self) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_accept_fixed_photo)
            steps.accept_fixed_photo(self.case)
            self._offer_challenge()
            await self._commit("candidate", "photo_fix_accepted")
            return self.view()

    @accept_fixed_photo.validator
    @answers_refusals
    def _validate_accept_fixed_photo(self) -> None:
        self._require_step(AppState.PHOTO_PENDING)
        if self.case.photo.pending_fix is None:
            raise refuse(CaseRefusal.PHOTO_NO_FIX)

    # --- R5: face -------------------------------------------------------------------------------
    def _offer_challenge(self) -> None:
        """Shape 2: the photo that opens the face step answers with its liveness challenge, so
        the phone goes on without asking for one (an update fewer). Only where `start_liveness`
        would issue one; the challenge's 60 s run from here, and a phone that lets it lapse
        asks for a new one as before."""
        if self.case.state != AppState.FACE_PENDING or not shape.fewer_round_trips():
            return
        try:
            rules.check_face_attempts_left(self.case, workflow.now())
        except RefusedError:
            return
        self.case.face.challenge = new_challenge(workflow.random(), workflow.now())

    @workflow.update
    async def start_liveness(self) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_start_liveness)
            self.case.face.challenge = new_challenge(workflow.random(), workflow.now())
            await self._commit("candidate", "liveness_challenge")
            return self.view()

    @start_liveness.validator
    @answers_refusals
    def _validate_start_liveness(self) -> None:
        self._require_step(AppState.FACE_PENDING)
        rules.check_face_attempts_left(self.case, workflow.now())

    @workflow.update
    async def submit_liveness(self, inp: LivenessAnswer) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_submit_liveness, inp)
            face, card, photo = self.case.face, self.case.id_card, self.case.photo
            challenge = face.challenge
            # card.portrait is None for a passport or pass: matched with the 寸照 only (a task
            # that asserted it failed on every retry, leaving the case answering nothing)
            assert challenge and photo.official
            face.challenge = None  # single use, whatever the outcome
            face.attempts += 1
            request = VerifyFaceInput(
                challenge=challenge,
                answered_nonce=inp.nonce,
                answered_at=workflow.now(),
                frames=inp.frames,
                id_portrait=card.portrait,
                official_photo=photo.official,
                best_frame_key=self._key("face", "best"),
            )
            result = await self._vision(VERIFY_FACE, request, VerifyFaceResult)
            if result.ok:
                await self._claim_identity()
            daily_limit = shape.patched(FACE_DAILY_LIMIT)
            now = workflow.now()
            outcome = steps.record_face_check(self.case, result, now, daily_limit=daily_limit)
            actor = "system" if outcome == steps.FaceOutcome.MANUAL_REVIEW else "candidate"
            await self._commit(actor, outcome.value)
            if outcome != steps.FaceOutcome.REFUSED:
                return self.view()
            first = result.refusals[0] if result.refusals else None
            raise with_report(
                first or Refusal.of(FaceRefusal.FACE_MISMATCH, message="人脸比对未通过"),
                result.model_dump(mode="json"),
            )

    @submit_liveness.validator
    @answers_refusals
    def _validate_submit_liveness(self, inp: LivenessAnswer) -> None:
        self._require_step(AppState.FACE_PENDING)
        if self.case.face.challenge is None:
            raise refuse(CaseRefusal.FACE_NO_CHALLENGE)
        rules.check_face_attempts_left(self.case, workflow.now())

    @workflow.update
    async def verify_face_on_site(self, check: OnSiteFaceCheck) -> ApplicationView:
        """Staff only (the API's examiner route): the candidate was checked in person."""
        async with self.lock:
            self._recheck(self._validate_verify_face_on_site, check)
            await self._claim_identity()
            steps.record_on_site_face(self.case, check, workflow.now())
            await self._commit(f"examiner:{check.examiner}", "face_verified_on_site")
            return self.view()

    @verify_face_on_site.validator
    @answers_refusals
    def _validate_verify_face_on_site(self, check: OnSiteFaceCheck) -> None:
        rules.check_on_site_face(self.case, workflow.now(), self.closes_at)

    # --- R6: notice -----------------------------------------------------------------------------
    @workflow.update
    async def accept_notice(self, accepted: NoticeAcceptance | None = None) -> ApplicationView:
        """`accepted` names the notice's version (runs recorded before it carried none)."""
        async with self.lock:
            self._recheck(self._validate_accept_notice, accepted)
            steps.accept_notice(self.case, workflow.now())
            if accepted is not None:
                self.case.notice_version = accepted.version
            await self._commit("candidate", "notice_accepted")
            return self.view()

    @accept_notice.validator
    @answers_refusals
    def _validate_accept_notice(self, accepted: NoticeAcceptance | None = None) -> None:
        self._require_step(AppState.NOTICE_PENDING)
