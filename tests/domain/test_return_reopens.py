"""What a return lets the candidate redo: the steps it names, and always a face check that has
not passed (else a case returned only for its form could never go in again)."""

from __future__ import annotations

from domain.case_rules import reopened_by_return, return_pending
from domain.enrollment import EnrollmentState, ReviewItem
from domain.states import AppState


def returned(*items: str, face_passed: bool) -> EnrollmentState:
    case = EnrollmentState(state=AppState.RETURNED)
    case.face.passed = face_passed
    case.review.items = [ReviewItem(item=item, reason="请修改") for item in items]
    return case


def test_a_return_for_the_form_reopens_a_face_check_that_never_passed() -> None:
    case = returned("form", face_passed=False)
    assert return_pending(case) == ["face"]
    assert reopened_by_return(case, AppState.FACE_PENDING)
    assert not reopened_by_return(case, AppState.PHOTO_PENDING)


def test_a_passed_face_stays_closed_unless_the_return_names_it_or_a_new_picture() -> None:
    assert not reopened_by_return(returned("form", face_passed=True), AppState.FACE_PENDING)
    assert reopened_by_return(returned("face", face_passed=True), AppState.FACE_PENDING)
    photo = returned("photo", face_passed=True)
    assert reopened_by_return(photo, AppState.FACE_PENDING)
    assert reopened_by_return(photo, AppState.PHOTO_PENDING)
    assert return_pending(photo) == ["face", "photo"]


def test_only_a_returned_case_is_reopened() -> None:
    case = returned("photo", face_passed=False)
    case.state = AppState.SUBMITTED
    assert not reopened_by_return(case, AppState.FACE_PENDING)
    assert return_pending(case) == []
