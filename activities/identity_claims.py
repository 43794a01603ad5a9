"""A claimant's question to the identity's seat: yield, now that I have proved possession?
(domain/identity_claims.py). The seat decides in its own workflow; only where the seat's run
has ended does the read model answer whether another application of the number passed the
face step."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.identity_claims import (
    CLAIM_IDENTITY,
    YIELD_IDENTITY,
    ClaimAnswer,
    ClaimInput,
    ClaimOutcome,
    Holding,
    IdentityClaim,
    held_elsewhere,
)
from infra.holdings import identity_holdings


class IdentityClaimActivities:
    def __init__(self, engine: Engine, client: Client):
        self.engine = engine
        self.client = client

    @activity.defn(name=CLAIM_IDENTITY)
    async def claim_identity(self, claim: ClaimInput) -> ClaimAnswer:
        seat = self.client.get_workflow_handle(claim.seat_id)
        try:
            answer: ClaimAnswer = await seat.execute_update(
                YIELD_IDENTITY,
                IdentityClaim(claimant_id=claim.claimant_id),
                result_type=ClaimAnswer,
            )
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            answer = ClaimAnswer(outcome=ClaimOutcome.FREE)  # the seat's run has completed
        if answer.outcome != ClaimOutcome.FREE:
            return answer
        holdings = await asyncio.to_thread(self._holdings_of, claim)
        if held_elsewhere(holdings, claim.claimant_id):
            return ClaimAnswer(outcome=ClaimOutcome.HELD)
        return answer

    def _holdings_of(self, claim: ClaimInput) -> list[Holding]:
        with Session(self.engine) as session:
            return identity_holdings(session, claim.period_id, claim.identity_hash)
