"""EnrollmentWorkflow: one candidate's application from SMS registration to the ticket number.

Candidate and examiner actions are updates: the validator refuses early (no history) with a rule
from domain/case_rules, the handler calls the activity if the step needs one, applies the pure
step from domain/case_steps and commits. CHSI callbacks are updates too (CHSI hears why a token
is refused); ticket numbers arrive as signals; `view` is the masked query. Every commit bumps
`version`, is projected to the read model and refreshes search attributes and current details.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NoReturn

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import case_rules as rules
    from domain import case_steps as steps
    from domain import closeout as closing
    from domain.attachments import ChsiResult
    from domain.case_rules import Deadline
    from domain.case_view import (
        HOUSEHOLD_BY_PERMIT,
        LATER_STEPS_KEPT,
        NUMBERED_FROM_MEMO_KEY,
        OLD_ID_NUMBER_CHECKED,
    )
    from domain.chsi import (
        ISSUE_CHSI_CODES,
        ChsiCallback,
        ChsiRefusal,
        IssueChsiCodesInput,
        IssuedChsiCodes,
        redeem_token,
    )
    from domain.closeout import CloseOutNotice, WindowClosedNotice
    from domain.deadline_notes import returned_sms
    from domain.enrollment import (
        ApplicationView,
        AttachmentRemoval,
        AttachmentUpload,
        CaseFile,
        EnrollmentForm,
        EnrollmentInput,
        EnrollmentState,
        ExaminerAction,
        FormSubmitted,
        NoticeWithForm,
        Reassignment,
        TicketAssigned,
    )
    from domain.errors import Refusal, RefusedError, refuse, to_application_error
    from domain.messages import (
        APPROVED_AFTER_DEADLINE_SMS,
        DECISION_SMS,
        CaseRefusal,
        ticket_sms,
    )
    from domain.notice import NoticeAcceptance
    from domain.read_model import READ_PERIOD, PeriodSnapshot
    from domain.states import FINAL, AppState, Decision
    from workflows import shape
    from workflows.case import CaseLock
    from workflows.identity_steps import IdentityStepHandlers
    from workflows.support import (
        PROJECTION_RETRY,
        PROJECTION_TIMEOUT,
        SHORT_CALL_RETRY,
        SHORT_CALL_TIMEOUT,
        answers_refusals,
        run_activity,
    )

WINDOW_CLOSED_LINGER = timedelta(days=1)
#: A deadline just passed is handled on the next wake-up, not in a busy loop.
MIN_WAIT = timedelta(seconds=1)
#: Behaviour changes that runs recorded before them must replay without (workflow.patched).
MODIFY_RECHECKS = "modify-rechecks-submit"
CHSI_PER_CODE = "chsi-result-per-code"
#: the ticket coordinator projects TICKET_ISSUED and the number (activities/ticket_projection.py)
TICKET_PROJECTED_BY_ISSUER = "ticket-projected-by-issuer"
#: the holder claiming again (a second tab, a retried click) changes nothing and records nothing
RECLAIM_ANSWERS_ONLY = "reclaim-answers-only"
#: the 7-day face deadline ends only registrations never face-verified (asked where it matters)
FACE_DEADLINE_UNTIL_VERIFIED = "face-deadline-until-verified"
#: a 专科 choice keeps a CHSI verification for a 专升本 major chosen again
CHSI_VERIFIED_KEPT = "chsi-verified-kept"
#: a CHSI step opened again by a 专升本 choice waits for codes asked from then on
CHSI_STEP_RESTARTS = "chsi-step-restarts"
#: a late change of a submitted case asks the period whether the window was extended
WINDOW_ASKED_AT_LATE_CHANGE = "window-asked-at-late-change"
#: a case still claimed at the close-out leaves review only by a decision
HELD_AT_CLOSE_OUT = "held-at-close-out"
#: a return's form and attachment items are answered by a new save or upload, not only its steps
RETURN_ANSWERS_TRACKED = "return-answers-tracked"
#: codes asked for a CHSI step closed once and opened again open its QR screen again
CHSI_CODES_REOPEN = "chsi-codes-reopen"
#: an approval after the review deadline asks the period, and tells that its number comes later
APPROVAL_AFTER_DEADLINE_TOLD = "approval-after-deadline-told"
#: a code scanned from another person's CHSI account leaves the step open for the candidate's own
CHSI_MISMATCH_KEEPS_STEP = "chsi-mismatch-keeps-step"
#: a returned case a change puts back to its steps reopens at the first step its return still
#: waits for, not at DRAFT past it (domain/case_steps.reopen_if_incomplete)
REOPENED_AT_STEP = "reopened-at-step"


@workflow.defn
class EnrollmentWorkflow(IdentityStepHandlers):
    @workflow.init
    def __init__(self, params: EnrollmentInput) -> None:
        self.params = params
        self.case = params.state or EnrollmentState(
            created_at=workflow.now(),
            version=workflow.memo_value(NUMBERED_FROM_MEMO_KEY, 0, type_hint=int),
            household_by_permit=shape.started_under() >= HOUSEHOLD_BY_PERMIT,
            keeps_later_steps=shape.started_under() >= LATER_STEPS_KEPT,
            checks_old_id_number=shape.started_under() >= OLD_ID_NUMBER_CHECKED,
        )
        self.closes_at = params.closes_at
        self.lock = CaseLock(lambda: self.case.state == AppState.SUPERSEDED)
        self.projected_audit = len(self.case.history) if params.state else 0
        self.projected_state = self.case.state if params.state else None
        # what the start gave (the API's start carries what is known then) is not upserted again
        given = workflow.info().typed_search_attributes
        self.published: dict[object, object] = {pair.key: pair.value for pair in given}

    # --- lifecycle ------------------------------------------------------------------------------
    @workflow.run
    async def run(self, params: EnrollmentInput) -> str:
        if params.state is None:
            if shape.one_call_per_step():
                # The first contact's update, delivered with the start, waits for the start's
                # caller proof (workflows/interceptors.py), which has just passed: one round of
                # the conditions lets it record the registration and write it with its code's
                # send (an SMS call fewer). A start without it records the registration here.
                await workflow.wait_condition(lambda: True)
            if not self.case.history:
                await self._commit("system", "registered")
        if shape.lean():
            await self._until_final()
        while self.case.state not in FINAL:
            seen, close_seen = self.case.version, self.closes_at
            try:
                await workflow.wait_condition(
                    lambda: (
                        self.case.version != seen  # noqa: B023 - awaited before `seen` changes
                        or self.closes_at != close_seen  # noqa: B023 - a close told earlier
                        or workflow.info().is_continue_as_new_suggested()
                    ),
                    timeout=rules.time_to_deadline(
                        self.params,
                        self.case,
                        self.closes_at,
                        workflow.now(),
                        face_until_verified=self._face_until_verified(),
                    ),
                )
            except TimeoutError:
                # bare: the run must not fail on the refusal of a case taken over meanwhile (an
                # ended case has no deadline left, so nothing happens then)
                async with self.lock.bare:
                    await self._on_deadline()
            if workflow.info().is_continue_as_new_suggested() and self.case.state not in FINAL:
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() and not self.lock.locked()
                )
                self._continue_as_new()
        if self.case.history[-1][2] == f"expired:{Deadline.WINDOW_CLOSED}":
            # Stay to tell late visitors why (validators answer WINDOW_CLOSED); the period is over,
            # so no new registration of this identity can collide with the lingering run.
            await workflow.sleep(WINDOW_CLOSED_LINGER)
        await self._linger_if_taken_over()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.case.state.value

    async def _until_final(self) -> None:
        """The lean shape's wait: one timer, for the nearest deadline, left running while messages
        come and go and re-armed only when that deadline itself moves (a step passed, CHSI asked,
        the window extended). Runs recorded before wait in the loop below: a timer per commit."""
        while self.case.state not in FINAL:
            armed = self._nearest_deadline()
            try:
                await workflow.wait_condition(
                    lambda: (
                        self.case.state in FINAL
                        or self._nearest_deadline() != armed  # noqa: B023 - awaited here
                        or workflow.info().is_continue_as_new_suggested()
                    ),
                    timeout=None if armed is None else max(armed - workflow.now(), MIN_WAIT),
                )
            except TimeoutError:
                async with self.lock.bare:  # bare: as in the loop of runs recorded before
                    await self._on_deadline()
            if workflow.info().is_continue_as_new_suggested() and self.case.state not in FINAL:
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() and not self.lock.locked()
                )
                await self._project_rest()
                self._continue_as_new()

    def _nearest_deadline(self) -> datetime | None:
        found = self._deadlines(workflow.now())
        return found[0][0] if found else None

    def _face_until_verified(self) -> bool:
        """Asked only where the two rules differ, so a straight run records no marker for it."""
        return rules.back_before_the_face_step(self.case) and workflow.patched(
            FACE_DEADLINE_UNTIL_VERIFIED
        )

    def _deadlines(self, now: datetime) -> list[tuple[datetime, Deadline]]:
        return rules.deadlines(
            self.params,
            self.case,
            self.closes_at,
            now,
            face_until_verified=self._face_until_verified(),
        )

    async def _read_period(self) -> PeriodSnapshot | None:
        """The period as operators last set it: the case learns of a moved date only here."""
        period: PeriodSnapshot | None = await workflow.execute_local_activity(
            READ_PERIOD,
            self.params.period_id,
            result_type=PeriodSnapshot,
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        return period

    async def _window_extended(self, now: datetime) -> bool:
        """Whether an operator moved the window's close past `now` (the case learns it here)."""
        period = await self._read_period()
        if period and period.closes_at > now:
            self.closes_at = period.closes_at
            return True
        return False

    def _clock(self) -> tuple[datetime, datetime]:
        return workflow.now(), self.closes_at

    async def _window_allows(self, late: Callable[[], RefusedError | None]) -> None:
        """A change the closed window forbids (a submitted case): the period is asked first, as
        the deadline does, since a submitted case has no timer to learn of an extension by."""
        if late() is None or not workflow.patched(WINDOW_ASKED_AT_LATE_CHANGE):
            return  # runs recorded before: their validator had judged the window
        await self._window_extended(workflow.now())
        refused = late()
        if refused is not None:
            raise to_application_error(refused)

    def _continue_as_new(self) -> NoReturn:
        workflow.continue_as_new(
            self.params.model_copy(update={"state": self.case, "closes_at": self.closes_at}),
            memo=workflow.memo(),  # the shape the run started in goes on with the case
        )

    async def _on_deadline(self) -> None:
        now = workflow.now()
        for at, why in self._deadlines(now):
            if at > now:
                break
            if why == Deadline.CHSI_TIMEOUT:
                steps.close_chsi(self.case, ChsiResult.FAILED)
                await self._commit("system", "chsi_timeout")
                continue
            if why == Deadline.WINDOW_CLOSED and await self._window_extended(now):
                return
            self.case.state = AppState.EXPIRED
            await self._commit("system", f"expired:{why}")
            return

    # --- R7–R12: form, CHSI, attachments ----------------------------------------------------------
    @workflow.update
    async def save_form(self, form: EnrollmentForm) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_save_form, form)
            self._apply_form(form)
            await self._commit("candidate", "form_saved")
            return self.view()

    @workflow.update
    async def accept_notice_with_form(self, inp: NoticeWithForm) -> ApplicationView:
        """R6 and R7 as the H5 sends them: the notice accepted on the screen before the form
        comes with the form's first save (an update fewer). Both are recorded, the notice first,
        in one commit."""
        async with self.lock:
            self._recheck(self._validate_accept_notice_with_form, inp)
            self._record_notice(inp.notice)
            self._apply_form(inp.form)
            await self._commit("candidate", "form_saved")
            return self.view()

    def _record_notice(self, notice: NoticeAcceptance) -> None:
        """R6 recorded in the commit of the form it came with (its own version and audit row)."""
        steps.accept_notice(self.case, workflow.now())
        self.case.notice_version = notice.version
        self._record("candidate", "notice_accepted")

    @accept_notice_with_form.validator
    @answers_refusals
    def _validate_accept_notice_with_form(self, inp: NoticeWithForm) -> None:
        self._require_step(AppState.NOTICE_PENDING)
        rules.check_form(self.case, inp.form, self.params.identity.id_number)

    def _apply_form(self, form: EnrollmentForm) -> None:
        """The CHSI rules' patches are asked only when they matter: a 专科 choice on a case CHSI
        verified, a 专升本 choice on a case that asked for codes before."""
        drops = steps.drops_chsi_verification(self.case, form)
        keeps = drops and workflow.patched(CHSI_VERIFIED_KEPT)
        reopens = steps.reopens_asked_chsi(self.case, form)
        restarts = reopens and workflow.patched(CHSI_STEP_RESTARTS)
        steps.apply_form(self.case, form, keeps_verified=keeps, restarts_chsi=restarts)

    @save_form.validator
    @answers_refusals
    def _validate_save_form(self, form: EnrollmentForm) -> None:
        self._require_step(AppState.DRAFT)
        rules.check_form(self.case, form, self.params.identity.id_number)

    @workflow.update
    async def request_chsi_codes(self) -> ApplicationView:
        """R8: the two QR codes (学籍, 学历); asking again refreshes both, retiring the old."""
        async with self.lock:
            self._recheck(self._validate_request_chsi_codes)
            request = IssueChsiCodesInput(
                application_id=self.params.application_id,
                id_number=self.params.identity.id_number,
            )
            issued = await run_activity(
                ISSUE_CHSI_CODES,
                request,
                IssuedChsiCodes,
                timeout=SHORT_CALL_TIMEOUT,
                retry=SHORT_CALL_RETRY,
                fault=Refusal.of(CaseRefusal.CHSI_UNAVAILABLE),
            )
            app_id = self.params.application_id
            reopens = steps.codes_reopen_qr(self.case) and workflow.patched(CHSI_CODES_REOPEN)
            steps.record_chsi_codes(
                self.case, issued.codes, app_id, workflow.now(), reopens=reopens
            )
            await self._commit("candidate", "chsi_codes_issued")
            return self.view()

    @request_chsi_codes.validator
    @answers_refusals
    def _validate_request_chsi_codes(self) -> None:
        rules.check_chsi_pending(self.case, workflow.now(), self.closes_at)

    @workflow.update
    async def chsi_failed(self) -> ApplicationView:
        """「学信网校验失败」: close the QR step, open the manual upload path."""
        async with self.lock:
            self._recheck(self._validate_chsi_failed)
            steps.close_chsi(self.case, ChsiResult.FAILED)
            await self._commit("candidate", "chsi_failed_pressed")
            return self.view()

    @chsi_failed.validator
    @answers_refusals
    def _validate_chsi_failed(self) -> None:
        rules.check_chsi_pending(self.case, workflow.now(), self.closes_at)

    @workflow.update
    async def chsi_callback(self, callback: ChsiCallback) -> str:
        """CHSI's signed callback, authenticated by the API. An update rather than a signal so that
        CHSI hears why a token is refused (used, superseded, expired, another application's)."""
        async with self.lock:
            self._recheck(self._validate_chsi_callback, callback)
            per_code = shape.patched(CHSI_PER_CODE)
            action, answer = steps.record_chsi_callback(
                self.case,
                callback,
                per_code=per_code,
                mismatch_keeps_step=self._mismatch_keeps_step(callback),
            )
            await self._commit("chsi", action)
            return answer

    def _mismatch_keeps_step(self, callback: ChsiCallback) -> bool:
        """Asked only where the two rules differ (a code's last answer, this one's included, came
        from another person's account), so a straight run records no marker for it."""
        return steps.scanned_by_someone_else(self.case, callback) and workflow.patched(
            CHSI_MISMATCH_KEEPS_STEP
        )

    @chsi_callback.validator
    @answers_refusals
    def _validate_chsi_callback(self, callback: ChsiCallback) -> None:
        qr = self.case.chsi.qr
        if qr is None:
            raise refuse(ChsiRefusal.CHSI_TOKEN_UNKNOWN, message="二维码不存在")
        redeem_token(qr, callback.token, callback.application_ref, scanned_at=callback.scanned_at)

    @workflow.update
    async def upload_attachment(self, inp: AttachmentUpload) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_upload_attachment, inp)
            if steps.add_attachment(self.case, inp.code, inp.file):
                steps.answer_return_with_attachment(self.case, inp.code)
                await self._commit("candidate", f"attachment:{inp.code}")
            return self.view()

    @upload_attachment.validator
    @answers_refusals
    def _validate_upload_attachment(self, inp: AttachmentUpload) -> None:
        rules.check_attachment_wanted(self.case, inp.code, workflow.now(), self.closes_at)

    @workflow.update
    async def remove_attachment(self, inp: AttachmentRemoval) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_remove_attachment, inp)
            await self._window_allows(
                lambda: rules.late_removal(self.case, inp.code, inp.key, *self._clock())
            )
            steps.remove_attachment(self.case, inp.code, inp.key, open_step=self._reopened_at)
            await self._commit("candidate", f"attachment_removed:{inp.code}")
            return self.view()

    @remove_attachment.validator
    @answers_refusals
    def _validate_remove_attachment(self, inp: AttachmentRemoval) -> None:
        now = workflow.now()
        rules.check_attachment_removable(self.case, inp.code, inp.key, now, self.closes_at)

    # --- R13–R14: submit, modify, withdraw -------------------------------------------------------
    @workflow.update
    async def submit(self) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_submit)
            steps.submit(self.case, workflow.now())
            await self._commit("candidate", "submitted")
            return self.view()

    @submit.validator
    @answers_refusals
    def _validate_submit(self) -> None:
        rules.check_submit(self.case, workflow.now(), self.closes_at)

    @workflow.update
    async def submit_with_form(self, inp: FormSubmitted) -> ApplicationView:
        """R7 and R13 as the H5 sends them on the first pass: the form filled, checked on the
        summary and confirmed in the submit dialog, in one step (with R6's notice when it is
        still open). A case that cannot be submitted yet (CHSI, attachments) keeps the form
        saved and is refused as `submit` refuses, so the H5 goes on to what is missing."""
        async with self.lock:
            self._recheck(self._validate_submit_with_form, inp)
            if inp.notice is not None:
                self._record_notice(inp.notice)
            self._apply_form(inp.form)
            try:
                rules.check_submit(self.case, workflow.now(), self.closes_at)
            except RefusedError as not_yet:
                await self._commit("candidate", "form_saved")
                raise to_application_error(not_yet) from None
            self._record("candidate", "form_saved")
            steps.submit(self.case, workflow.now())
            await self._commit("candidate", "submitted")
            return self.view()

    @submit_with_form.validator
    @answers_refusals
    def _validate_submit_with_form(self, inp: FormSubmitted) -> None:
        self._require_step(AppState.DRAFT if inp.notice is None else AppState.NOTICE_PENDING)
        if self.case.state not in (AppState.NOTICE_PENDING, AppState.DRAFT):
            # a returned case answers its return through 「修改」 (modify), then `submit`
            raise rules.refused_in_state(self.case, CaseRefusal.NOT_EDITABLE)
        rules.check_form(self.case, inp.form, self.params.identity.id_number)

    @workflow.update
    async def modify(self, form: EnrollmentForm) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_modify, form)
            await self._window_allows(lambda: rules.late_modify(self.case, form, *self._clock()))
            self._apply_form(form)
            steps.answer_return_with_form(self.case)
            if shape.patched(MODIFY_RECHECKS):
                steps.reopen_if_incomplete(self.case, open_step=self._reopened_at)
            await self._commit("candidate", "modified")
            return self.view()

    @modify.validator
    @answers_refusals
    def _validate_modify(self, form: EnrollmentForm) -> None:
        now, closes_at = self._clock()
        rules.check_modify(
            self.case, form, self.params.identity.id_number, now=now, closes_at=closes_at
        )

    def _reopened_at(self) -> AppState:
        """Where a returned case a change reopens stands: the first step its return still waits
        for (the ID card, the 寸照, the face check), else DRAFT, as runs before the patch did."""
        pending = rules.return_pending(self.case)
        step = next((s for item, s in rules.REDO_STEPS if item in pending), AppState.DRAFT)
        if step != AppState.DRAFT and workflow.patched(REOPENED_AT_STEP):
            return step
        return AppState.DRAFT

    @workflow.update
    async def withdraw(self) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_withdraw)
            self.case.state = AppState.WITHDRAWN
            await self._commit("candidate", "withdrawn")
            return self.view()

    @withdraw.validator
    @answers_refusals
    def _validate_withdraw(self) -> None:
        rules.check_withdraw(self.case)

    # --- R15: review ----------------------------------------------------------------------------
    @workflow.update
    async def claim(self, act: ExaminerAction) -> ApplicationView:
        async with self.lock:
            self._recheck(self._validate_claim, act)
            held = self.case.state == AppState.UNDER_REVIEW and (
                self.case.review.examiner == act.examiner
            )
            if held and workflow.patched(RECLAIM_ANSWERS_ONLY):
                return self.view()
            steps.claim(self.case, act)
            await self._commit(f"examiner:{act.examiner}", "claimed")
            return self.view()

    @claim.validator
    @answers_refusals
    def _validate_claim(self, act: ExaminerAction) -> None:
        rules.check_claim(self.case, act.examiner)

    @workflow.update
    async def release_claim(self, act: ExaminerAction) -> ApplicationView:
        """The holder gives a claimed case back to the queue (on leave, wrong region)."""
        async with self.lock:
            self._recheck(self._validate_release_claim, act)
            steps.release_claim(self.case)
            await self._commit(f"examiner:{act.examiner}", "claim_released")
            return self.view()

    @release_claim.validator
    @answers_refusals
    def _validate_release_claim(self, act: ExaminerAction) -> None:
        rules.check_claimed_by(self.case, act.examiner)
        rules.check_review_not_held(self.case)

    @workflow.update
    async def reassign_claim(self, move: Reassignment) -> ApplicationView:
        """An admin moves a claim; the trail keeps who held it (the claim before) and who now."""
        async with self.lock:
            self._recheck(self._validate_reassign_claim, move)
            steps.reassign_claim(self.case, move.examiner)
            await self._commit(f"admin:{move.admin}", f"claim_reassigned:{move.examiner}")
            return self.view()

    @reassign_claim.validator
    @answers_refusals
    def _validate_reassign_claim(self, move: Reassignment) -> None:
        rules.check_reassign(self.case, move.examiner)

    @workflow.update
    async def approve(self, act: ExaminerAction) -> ApplicationView:
        return await self._decide(act, Decision.APPROVED, self._validate_approve)

    @approve.validator
    @answers_refusals
    def _validate_approve(self, act: ExaminerAction) -> None:
        rules.check_approvable(self.case, act, workflow.now())

    @workflow.update
    async def reject(self, act: ExaminerAction) -> ApplicationView:
        return await self._decide(act, Decision.REJECTED, self._validate_reject)

    @reject.validator
    @answers_refusals
    def _validate_reject(self, act: ExaminerAction) -> None:
        rules.check_claimed_by(self.case, act.examiner)
        rules.check_reasons(act.items)

    @workflow.update
    async def return_for_changes(self, act: ExaminerAction) -> ApplicationView:
        return await self._decide(act, Decision.RETURNED, self._validate_return)

    @return_for_changes.validator
    @answers_refusals
    def _validate_return(self, act: ExaminerAction) -> None:
        rules.check_claimed_by(self.case, act.examiner)
        rules.check_review_not_held(self.case)
        rules.check_return_items(self.case, act.items)

    async def _decide(
        self,
        act: ExaminerAction,
        decision: Decision,
        validator: Callable[[ExaminerAction], None],
    ) -> ApplicationView:
        async with self.lock:
            self._recheck(validator, act)
            action = steps.decide(self.case, act, decision, workflow.now())
            if decision == Decision.RETURNED and workflow.patched(RETURN_ANSWERS_TRACKED):
                tracked = [i.item for i in act.items if rules.answer_tracked(i.item)]
                self.case.review.answers_tracked = list(dict.fromkeys(tracked))
            text = DECISION_SMS[decision]
            if decision == Decision.RETURNED:
                text = returned_sms(act.resubmit_by)
            if decision == Decision.APPROVED and await self._past_review_deadline():
                self.case.review.after_deadline = True
                text = APPROVED_AFTER_DEADLINE_SMS
            await self._commit_and_notify(
                f"examiner:{act.examiner}", action, text, lambda v: f"decision:{decision}:{v}"
            )
            return self.view()

    async def _past_review_deadline(self) -> bool:
        """An approval after the period's review deadline misses the issuing run: its number
        comes from a supplementary run an operator starts, which the SMS and the view say
        instead of 「审核截止后生成」. Runs recorded before approved without asking.

        Before the window's close the answer is known without asking: the period never sets its
        review deadline before the close (workflows/period.py), and a close moved earlier is told
        to the case when it comes. So an approval in the window costs no history event (#18)."""
        if workflow.now() < self.closes_at:
            return False
        if not workflow.patched(APPROVAL_AFTER_DEADLINE_TOLD):
            return False
        period = await self._read_period()
        return period is not None and workflow.now() >= period.review_deadline

    # --- R16: ticket ----------------------------------------------------------------------------
    @workflow.signal
    async def ticket_assigned(self, ticket: TicketAssigned) -> None:
        async with self.lock:
            if not steps.assign_ticket(self.case, ticket.number):
                return  # duplicate delivery
            # the coordinator writes TICKET_ISSUED, the number and this audit row for the whole
            # page once the signals are in
            by_issuer = workflow.patched(TICKET_PROJECTED_BY_ISSUER)
            await self._commit("system", "ticket_issued", projected_elsewhere=by_issuer)
            await self._notify("ticket", ticket_sms(ticket.number))

    # --- close-out ------------------------------------------------------------------------------
    @workflow.signal
    async def close_out(self, notice: CloseOutNotice) -> None:
        """The period's close-out (domain/closeout.py): a case still waiting ends, with a reason."""
        async with self.lock:
            if closing.close_out(self.case, workflow.now()):
                await self._commit_and_notify(
                    "system",
                    f"expired:{closing.CLOSED_OUT}",
                    closing.CLOSED_OUT_SMS,
                    lambda _: closing.CLOSED_OUT,
                )
            elif closing.holds_for_decision(self.case) and workflow.patched(HELD_AT_CLOSE_OUT):
                self.case.held_for_decision_at = workflow.now()
                await self._commit("system", closing.HELD_FOR_DECISION)
            # decided, withdrawn, already held: nothing to do

    @workflow.signal
    def window_closed(self, notice: WindowClosedNotice) -> None:
        """The period closed its window earlier than this case was told at its start
        (domain/closeout.py): the deadline's wait re-arms for it, and the steps' rules judge by
        it. An extension is still asked of the period when the close comes."""
        if notice.closes_at < self.closes_at:
            self.closes_at = notice.closes_at

    # --- queries --------------------------------------------------------------------------------
    @workflow.query
    def case_file(self) -> CaseFile:
        return CaseFile(
            application_id=self.params.application_id,
            period_id=self.params.period_id,
            identity=self.params.identity,
            state=self.case,
        )
