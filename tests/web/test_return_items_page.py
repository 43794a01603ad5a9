"""The H5's list of a return's items (web/h5/returned.js), drawn by Chromium from the module as
served, for views the server sends: a proof the examiner named that the case's new major no longer
asks for is shown as no longer needed, not as done (it was never uploaded) and without a button
to the attachments."""

from __future__ import annotations

from playwright.sync_api import Browser

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
