"""A held form saved on leaving the page (web/h5/keep_held.js), evaluated by Chromium from the
module as served, with the network answered by the test: a save the server refuses (the form
breaks a rule, the case was submitted on another device) is not sent again on every leave — a
phone leaves the page each time the candidate switches apps — until the form changes; a save
lost to the network or a busy server is tried again on the next leave."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.web.served_modules import evaluated

LEAVES = """async ({ status, changeBetween }) => {
    const { session } = await import("/h5/api.js");
    const { hold } = await import("/h5/held.js");
    const { saveHeldFormOnLeave } = await import("/h5/keep_held.js");
    session.token = "access";
    const view = { application_id: "enroll-1", state: "DRAFT" };
    hold(view, "form", { form: { postal_code: "410000" } });
    const sent = [];
    window.fetch = async (url, init) => {
        sent.push(JSON.parse(init.body).postal_code);
        const body = status === 200 ? view : { code: "OLD_ID_NUMBER_INVALID", message: "…" };
        return new Response(JSON.stringify(body), { status });
    };
    saveHeldFormOnLeave(() => view, () => {});
    const leave = async () => {
        window.dispatchEvent(new Event("pagehide"));
        await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await leave();
    await leave();
    if (changeBetween) hold(view, "form", { form: { postal_code: "410001" } });
    await leave();
    return sent;
}"""


@pytest.mark.parametrize(
    ("status", "sent"),
    [
        (422, ["410000"]),  # refused: not again until changed
        (409, ["410000"]),
        (503, ["410000", "410000", "410000"]),  # not saved: every leave tries again
        (429, ["410000", "410000", "410000"]),
        (200, ["410000"]),  # saved: nothing more to send
    ],
)
def test_a_refused_save_is_not_sent_again_until_the_form_changes(browser: Browser, status, sent):
    assert evaluated(browser, LEAVES, {"status": status, "changeBetween": False}) == sent


def test_a_changed_form_is_sent_again_after_a_refusal(browser: Browser) -> None:
    sent = evaluated(browser, LEAVES, {"status": 422, "changeBetween": True})
    assert sent == ["410000", "410001"]
