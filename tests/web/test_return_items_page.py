"""The H5's list of a return's items (web/h5/returned.js), drawn by Chromium from the module as
served, for views the server sends: a proof the examiner named that the case's new major no longer
asks for is shown as no longer needed, not as done (it was never uploaded) and without a button
to the attachments."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Browser

from domain.case_view import candidate_view
from domain.enrollment import EnrollmentInput, EnrollmentState, Identity, ReviewItem
from domain.states import AppState, Decision
from tests.web.served_modules import evaluated

DIPLOMA = "NURSING_SECONDARY_DIPLOMA"


def _returned_view(required: list[dict], pending: list[str]) -> dict:
    return {
        "state": "RETURNED",
        "return_pending": pending,
        "required_attachments": required,
        "review": {
            "items": [{"item": DIPLOMA, "reason": "毕业证书不清晰"}],
            "redone": [],
            "answers_tracked": [DIPLOMA],
        },
    }


def _drawn(browser: Browser, view: dict) -> tuple[str, int]:
    """The item's state text and how many buttons its row has."""
    return evaluated(
        browser,
        """async ([view, item]) => {
            const { returnedItems } = await import("/h5/returned.js");
            const box = returnedItems({ go: () => {} }, view);
            const row = box.querySelector(`li[data-item="${item}"]`);
            const buttons = row.querySelectorAll("button").length;
            return [row.querySelector(".state").textContent, buttons];
        }""",
        [view, DIPLOMA],
    )


def test_a_proof_the_new_major_does_not_ask_for_is_shown_as_not_needed(browser) -> None:
    state, buttons = _drawn(browser, _returned_view(required=[], pending=[]))
    assert state == "已无需提交"
    assert buttons == 0


def test_a_proof_still_asked_for_is_shown_as_to_do(browser) -> None:
    required = [
        {
            "code": "NURSING_QUALIFICATION",
            "title": "护理专业报考条件证明",
            "options": [[{"code": DIPLOMA, "name": "中专毕业证书"}]],
        }
    ]
    state, buttons = _drawn(browser, _returned_view(required=required, pending=[DIPLOMA]))
    assert state == "待完成"
    assert buttons == 1


# --- a returned case a change put back to its steps (session 23) ----------------------------------
PHOTO_REASON = "寸照背景不符合要求"
PROOF_REASON = "护士执业证书不清晰"
PROOF = "NURSE_LICENSE"


def _reopened_view() -> dict:
    """What the server sends (domain.case_view.candidate_view) for a case returned for its 寸照
    and a proof, that took a new 寸照 (voiding its face check) and then chose a major asking for
    the proof: the workflow put it back at the face step (`reopen_if_incomplete`)."""
    case = EnrollmentState(state=AppState.FACE_PENDING)
    case.review.decision = Decision.RETURNED
    case.review.items = [
        ReviewItem(item="photo", reason=PHOTO_REASON),
        ReviewItem(item=PROOF, reason=PROOF_REASON),
    ]
    case.review.redone = ["photo"]
    params = EnrollmentInput(
        application_id="app-1",
        period_id="2026-10",
        identity=Identity(id_number="430102199001011234", phone="13800000000"),
        identity_hash="h",
        phone_hash="p",
        closes_at=datetime(2026, 12, 31, tzinfo=UTC),
    )
    view = candidate_view(params, case).model_dump(mode="json")
    # the checklist of the new major (its plan needs a whole form; only the item's code matters)
    proof = {"code": PROOF, "name": "护士执业证书"}
    view["required_attachments"] = [
        {"code": "NURSING", "title": "护理专业报考条件证明", "options": [[proof]]}
    ]
    return view


def test_a_reopened_returned_case_shows_the_examiners_reasons_on_its_step_screens(browser):
    view = _reopened_view()
    assert view["state"] == "FACE_PENDING" and view["return_pending"] == ["face"]
    assert view["answering_return"] is True
    notes = evaluated(
        browser,
        """async (view) => {
            const r = await import("/h5/returned.js");
            const text = (el) => (el ? el.textContent : null);
            return {
                face: text(r.returnNote(view, "face")),
                photo: text(r.returnNote(view, "photo")),
                proofs: text(r.attachmentNotes(view)),
                answers: r.answersReturn(view),
            };
        }""",
        view,
    )
    assert notes["answers"] is True
    assert "须重新进行人脸核验" in notes["face"]
    assert PHOTO_REASON in notes["photo"]
    assert "护士执业证书" in notes["proofs"] and PROOF_REASON in notes["proofs"]


def test_a_reopened_returned_case_lists_its_items_without_step_buttons_it_cannot_follow(browser):
    """At the face step the app shows no redo screens (it walks the steps in order); the list on
    the submit screen offers only what the case can open there: the attachments."""
    buttons = evaluated(
        browser,
        """async (view) => {
            const { returnedItems } = await import("/h5/returned.js");
            const box = returnedItems({ go: () => {} }, view);
            const redo = (li) => [...li.querySelectorAll("button")].map((b) => b.dataset.redo);
            const rows = [...box.querySelectorAll("li")];
            return Object.fromEntries(rows.map((li) => [li.dataset.item, redo(li)]));
        }""",
        _reopened_view(),
    )
    assert buttons == {"photo": [], PROOF: ["attachments"], "face": []}


def test_a_case_never_returned_shows_no_return_notes(browser):
    view = _reopened_view()
    view["review"] = {"items": [], "redone": [], "answers_tracked": [], "decision": None}
    view["return_pending"], view["answering_return"] = [], False
    shown = evaluated(
        browser,
        """async (view) => {
            const r = await import("/h5/returned.js");
            return [r.answersReturn(view), r.returnNote(view, "face"), r.attachmentNotes(view)];
        }""",
        view,
    )
    assert shown == [False, None, None]
