"""The rule of who holds an ID number (domain/identity_claims.py), without Temporal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.enrollment import EnrollmentState, OnSiteCheck
from domain.identity_claims import (
    ClaimOutcome,
    Holding,
    answer_claim,
    claimant_workflow_id,
    held_elsewhere,
    registration_target,
)
from domain.ids import ENROLLMENT_ID_RE, enrollment_workflow_id
from domain.states import AppState

SEAT, CLAIM = "enroll-p-seat", "enroll-p-claim"
MINE, THEIRS = "m" * 64, "t" * 64


def held(status: AppState, phone_hash: str = THEIRS, workflow_id: str = SEAT) -> Holding:
    return Holding(workflow_id=workflow_id, status=status, phone_hash=phone_hash)


def test_a_claimant_id_looks_like_any_application_id_and_is_one_per_phone() -> None:
    a = claimant_workflow_id("2026-2", "k", "d" * 64, "13900000001")
    b = claimant_workflow_id("2026-2", "k", "d" * 64, "13900000002")
    seat = enrollment_workflow_id("2026-2", "d" * 64)
    assert a != b and seat not in (a, b)
    assert len(a) == len(seat) and ENROLLMENT_ID_RE.match(a)
    assert a == claimant_workflow_id("2026-2", "k", "d" * 64, "13900000001")


@pytest.mark.parametrize(
    ("holdings", "target"),
    [
        ([], SEAT),  # nobody has the number
        ([held(AppState.ID_PENDING, MINE)], SEAT),  # my own application
        ([held(AppState.ID_PENDING)], CLAIM),  # someone else's: a claim of my own
        ([held(AppState.REJECTED)], CLAIM),  # kept by a decided case of another phone
        ([held(AppState.EXPIRED)], SEAT),  # ended by itself: the number is free again
        ([held(AppState.WITHDRAWN, MINE)], SEAT),
        ([held(AppState.SUPERSEDED, MINE)], CLAIM),  # taken from me: never the seat again
        (
            [held(AppState.SUPERSEDED), held(AppState.DRAFT, MINE, "enroll-p-won")],
            "enroll-p-won",  # the owner registering again finds the application that won
        ),
        ([held(AppState.EXPIRED), held(AppState.DRAFT, workflow_id="enroll-p-x")], CLAIM),
    ],
)
def test_where_a_registration_goes(holdings: list[Holding], target: str) -> None:
    assert registration_target(holdings, SEAT, CLAIM, MINE) == target


def test_a_soft_seat_yields_once_and_then_refuses_every_other_claimant() -> None:
    case = EnrollmentState(state=AppState.FACE_PENDING)
    assert answer_claim(case, "enroll-p-a") == ClaimOutcome.YIELDED
    assert (case.state, case.taken_over_by) == (AppState.SUPERSEDED, "enroll-p-a")
    assert answer_claim(case, "enroll-p-a") == ClaimOutcome.YIELDED  # a retried request
    assert answer_claim(case, "enroll-p-b") == ClaimOutcome.HELD


@pytest.mark.parametrize("proof", ["face", "on_site", "proved_at"])
def test_a_seat_that_proved_possession_keeps_the_number(proof: str) -> None:
    case = EnrollmentState(state=AppState.DRAFT)
    if proof == "face":
        case.face.passed = True
    elif proof == "on_site":
        case.face.on_site = OnSiteCheck(examiner="ex", reason="现场", at=datetime.now(UTC))
    else:  # a new photo voided the face check, but possession was proved before
        case.identity_proved_at = datetime.now(UTC)
    assert answer_claim(case, "enroll-p-a") == ClaimOutcome.HELD
    assert case.state == AppState.DRAFT and not case.taken_over_by


def test_a_seat_that_ended_by_itself_is_free() -> None:
    case = EnrollmentState(state=AppState.EXPIRED)
    assert answer_claim(case, "enroll-p-a") == ClaimOutcome.FREE
    assert case.state == AppState.EXPIRED


def test_where_the_seat_is_gone_an_application_past_the_face_step_holds() -> None:
    assert held_elsewhere([held(AppState.DRAFT, workflow_id="enroll-p-x")], CLAIM)
    assert held_elsewhere([held(AppState.TICKET_ISSUED)], CLAIM)
    mine_only = [held(AppState.FACE_PENDING), held(AppState.DRAFT, MINE, CLAIM)]
    assert not held_elsewhere(mine_only, CLAIM)
    assert not held_elsewhere([held(AppState.SUPERSEDED), held(AppState.WITHDRAWN)], CLAIM)
