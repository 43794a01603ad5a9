"""Identity takeover (issue 15, item 5): a claimant asks the identity's seat to yield once it has
proved possession of the card; the seat answers in its own workflow (domain/identity_claims.py).

Only claimants ask and only the seat is asked, so two applications never wait for each other's
lock. The claimant holds its own lock while it asks: nothing else of the claimant runs in
between, and the seat's lock orders the claim against the seat's own face check.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.errors import refuse, to_application_error
    from domain.identity_claims import (
        CLAIM_IDENTITY,
        CLAIM_TIMEOUT,
        ClaimAnswer,
        ClaimInput,
        ClaimOutcome,
        ClaimRefusal,
        IdentityClaim,
        answer_claim,
        possession_proved,
    )
    from domain.messages import IDENTITY_TAKEN_OVER_SMS, CaseRefusal
    from domain.states import AppState
    from workflows.support import answers_refusals, run_activity

from workflows import shape
from workflows.case import CaseWorkflow

#: Behaviour that runs recorded before the takeover rule must replay without (workflow.patched).
IDENTITY_TAKEOVER = "identity-takeover"
#: A seat that yielded stays to answer later claimants until the window has closed (the only
#: time a claimant can reach the face step), plus this margin for an extension being decided.
SEAT_LINGER = timedelta(days=1)
CLAIM_RETRY = RetryPolicy(maximum_attempts=5, initial_interval=timedelta(seconds=2))


class IdentityClaimHandlers(CaseWorkflow):
    # --- the seat -------------------------------------------------------------------------------
    @workflow.update
    async def yield_identity(self, claim: IdentityClaim) -> ClaimAnswer:
        """Sent by a claimant's activity (caller proof: the worker), never by the API."""
        async with self.lock.bare:
            already = self.case.taken_over_by
            outcome = answer_claim(self.case, claim.claimant_id)
            if outcome == ClaimOutcome.YIELDED and not already:
                # the actor is the claimant application: an ID with no personal data in it
                await self._commit(f"application:{claim.claimant_id[-20:]}", "identity_taken_over")
                await self._notify("identity_taken_over", IDENTITY_TAKEN_OVER_SMS)
            return ClaimAnswer(outcome=outcome)

    @yield_identity.validator
    @answers_refusals
    def _validate_yield_identity(self, claim: IdentityClaim) -> None:
        if self.params.claims_from:  # only a seat is asked: no two claims wait for each other
            raise refuse(CaseRefusal.WRONG_STATE, "该申请不是该证件号码的首个申请")

    async def _linger_if_taken_over(self) -> None:
        """A seat that yielded answers every later claimant (`HELD`) until the window closed."""
        if self.case.taken_over_by:
            await workflow.sleep(max(self.closes_at - workflow.now(), timedelta()) + SEAT_LINGER)

    # --- the claimant ---------------------------------------------------------------------------
    def _claims_identity(self) -> bool:
        return bool(self.params.claims_from) and not possession_proved(self.case)

    async def _claim_identity(self) -> None:
        """Called with the case lock held, once the face matched a confirmed card. Losing ends
        this application and tells the candidate why (he has just passed both checks)."""
        if not self._claims_identity() or not shape.patched(IDENTITY_TAKEOVER):
            return
        claim = ClaimInput(
            claimant_id=self.params.application_id,
            seat_id=self.params.claims_from,
            period_id=self.params.period_id,
            identity_hash=self.params.identity_hash,
        )
        answer = await run_activity(
            CLAIM_IDENTITY, claim, ClaimAnswer, timeout=CLAIM_TIMEOUT, retry=CLAIM_RETRY
        )
        if answer.outcome == ClaimOutcome.HELD:
            self.case.state = AppState.SUPERSEDED
            self.case.face.challenge = None
            await self._commit("system", "identity_held_elsewhere")
            raise to_application_error(refuse(ClaimRefusal.IDENTITY_VERIFIED_ELSEWHERE))
        if answer.outcome == ClaimOutcome.YIELDED:
            await self._commit("candidate", "identity_took_over")
