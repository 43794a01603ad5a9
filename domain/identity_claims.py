"""Who holds an ID number in a period, and how its owner takes it back from a squatter
(issue 15, item 5; the rule and its reasons: docs/decisions.md "Identity takeover").

An application holds its ID number only softly until it has proved possession of the card: the
card was read and confirmed against the typed number and the live face matched the card's
portrait (or an examiner checked the person on site). A registration of the same number from
another phone gets its own *claimant* application; when the claimant proves possession it asks
the identity's *seat* (the application at the identity's own workflow ID) to yield. The seat
decides in its own workflow, one request at a time, so of a race exactly one side wins.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel

from domain.enrollment import EnrollmentState
from domain.errors import RefusalCode
from domain.ids import enrollment_workflow_id, keyed_hash
from domain.states import AppState

CLAIM_IDENTITY = "claim_identity"
#: the seat's update a claimant's activity sends
YIELD_IDENTITY = "yield_identity"

#: The seat answers after its running step (a vision call: up to 45 s, retried) releases the case.
CLAIM_TIMEOUT = timedelta(minutes=3)

#: A seat's own end that leaves the number to the next registration (REJECTED and TICKET_ISSUED
#: keep it for the period; SUPERSEDED hands it to the application that took it over).
FREES_SEAT = (AppState.EXPIRED, AppState.WITHDRAWN)
#: Ended applications: none of them holds the number for a registration.
NOT_HOLDING = (*FREES_SEAT, AppState.SUPERSEDED)
#: States only an application that passed the face step reaches (as the read model shows it).
PAST_FACE = (
    AppState.NOTICE_PENDING,
    AppState.DRAFT,
    AppState.SUBMITTED,
    AppState.UNDER_REVIEW,
    AppState.RETURNED,
    AppState.APPROVED,
    AppState.REJECTED,
    AppState.TICKET_ISSUED,
)


class ClaimRefusal(RefusalCode):
    """Told only to someone who has just passed the ID-card and face checks for this number."""

    IDENTITY_VERIFIED_ELSEWHERE = (
        "IDENTITY_VERIFIED_ELSEWHERE",
        "该证件号码已由其他手机号在通过身份证和人脸核验后报名，本申请已终止；"
        "如非本人操作，请携带身份证到考区自考办处理",
    )


class ClaimOutcome(StrEnum):
    YIELDED = "yielded"  # the seat was soft and has ended: the claimant holds the number now
    HELD = "held"  # the seat (or the application it yielded to) proved possession
    FREE = "free"  # the seat had ended by itself: nobody to take it from


class IdentityClaim(BaseModel):
    claimant_id: str


class ClaimAnswer(BaseModel):
    outcome: ClaimOutcome


class ClaimInput(BaseModel):
    """For the claimant's activity: ask the seat, and where the seat has gone, the read model."""

    claimant_id: str
    seat_id: str
    period_id: str
    identity_hash: str


class Holding(BaseModel):
    """One application of the identity in the period, as the read model has it."""

    workflow_id: str
    status: AppState
    phone_hash: str
    #: the row's version: where a new application at this workflow ID numbers on from
    version: int = 0


def claimant_workflow_id(period_id: str, secret: str, identity_digest: str, phone: str) -> str:
    """Shaped like any application ID (nothing tells a caller that the number was taken), one
    per identity and phone: registering again from that phone lands on the same claim."""
    return enrollment_workflow_id(period_id, keyed_hash(secret, f"claim:{identity_digest}:{phone}"))


def registration_target(
    holdings: list[Holding], seat_id: str, claimant_id: str, phone_hash: str
) -> str:
    """Where a registration of the identity from this phone goes: its own live application; the
    seat while nobody holds the number; otherwise a claim of its own. A seat that was taken over
    is never started again in the period, so a token of the phone it was taken from cannot act
    on a later application there."""
    mine = [h for h in holdings if h.phone_hash == phone_hash and h.status not in NOT_HOLDING]
    if mine:
        return seat_id if any(h.workflow_id == seat_id for h in mine) else mine[0].workflow_id
    seat = next((h for h in holdings if h.workflow_id == seat_id), None)
    holding = [h for h in holdings if h.status not in NOT_HOLDING]
    if not holding and (seat is None or seat.status in FREES_SEAT):
        return seat_id
    return claimant_id


def possession_proved(case: EnrollmentState) -> bool:
    """The card was read and confirmed and the face matched it (or was checked on site); runs
    from before `identity_proved_at` existed show it by their face step."""
    face = case.face
    return case.identity_proved_at is not None or face.passed or face.on_site is not None


def answer_claim(case: EnrollmentState, claimant_id: str) -> ClaimOutcome:
    """The seat's decision on a claimant that has proved possession. Yielding ends the case
    (SUPERSEDED) and remembers who took it; asking again (a retried activity) gets the same
    answer, and every later claimant is refused: the first one proved possession."""
    if case.taken_over_by:
        return ClaimOutcome.YIELDED if case.taken_over_by == claimant_id else ClaimOutcome.HELD
    if possession_proved(case):
        return ClaimOutcome.HELD
    if case.state in (AppState.EXPIRED, AppState.WITHDRAWN):
        return ClaimOutcome.FREE
    case.state = AppState.SUPERSEDED
    case.taken_over_by = claimant_id
    case.face.challenge = None
    return ClaimOutcome.YIELDED


def held_elsewhere(holdings: list[Holding], claimant_id: str) -> bool:
    """Where the seat has gone (ended by itself, or past its linger): another application of
    the number that passed the face step still holds it."""
    return any(h.workflow_id != claimant_id and h.status in PAST_FACE for h in holdings)
