"""The H5's first pass as issue #18 shaped it, in Debian's Chromium against a running `ruji dev`:
the ID card confirmed on its screen goes with the photo upload, and a form that needs nothing
more goes with 「提交」, so the straight path sends neither `POST /me/id-card/confirm` nor
`POST /me/submit`. What the phone holds in between survives a reload; a confirmation the server
refuses brings the candidate back to the card's values with the reason; the form typed comes back
as typed on 「修改报名信息」 and after a reload of the summary."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from domain.states import STATE_LABELS, AppState
from synthetic.idcard import make_card_pair
from synthetic.photo import compliant_photo
from tests.devstack import DevStack
from tests.web.test_browser_flow import (
    FACE,
    H5,
    VISION_WAIT_MS,
    api_call,
    burst_chosen_from_the_album,
    candidate_get,
    jpeg,
    new_page,
    register,
    screen,
    snap,
    submitted_in_the_dialog,
)

PHONE = "13900001357"
HELD = "Object.keys(sessionStorage).filter((k) => k.startsWith('ruji.h5.held.'))"


@pytest.fixture(scope="module")
def stack(h5_stack: DevStack) -> DevStack:
    """The package's `ruji dev` (tests/web/conftest.py)."""
    return h5_stack


def one_digit_off(number: str) -> str:
    """The same ends as the registered number (what the phone can check), another middle."""
    middle = str((int(number[8]) + 1) % 10)
    return number[:8] + middle + number[9:]


def card_read(page: Page, pair) -> Locator:
    """Both sides uploaded; the number field, once the OCR's read fills it."""
    page.set_input_files("input[name=front]", jpeg("front.jpg", pair.front_jpeg))
    page.set_input_files("input[name=back]", jpeg("back.jpg", pair.back_jpeg))
    page.click("#upload-id")
    number = page.locator("#confirm-id [name=id_number]")
    expect(number).to_have_value(pair.identity.id_number, timeout=VISION_WAIT_MS)
    return number


def card_refused_then_confirmed(page: Page, pair) -> None:
    """The card's values go with the photo; the server refuses a number that is not the one
    registered, and the candidate is back on the values he typed, told why."""
    number = card_read(page, pair)
    # a number the phone can tell from the registered one is refused on the spot
    number.fill("11010519491231002X")
    page.click("#confirm-id-ok")
    expect(page.locator("#confirm-id .err")).to_contain_text("与注册时填写的证件号码不一致")
    screen(page, "idcard")
    wrong = one_digit_off(pair.identity.id_number)
    number.fill(wrong)
    page.click("#confirm-id-ok")
    screen(page, "photo")
    page.reload()  # the confirmation is held across a reload
    screen(page, "photo")
    assert len(page.evaluate(HELD)) == 1
    page.set_input_files("input[name=photo]", jpeg("photo.jpg", compliant_photo(FACE, seed=3)))
    page.click("#upload-photo")
    screen(page, "idcard", timeout=VISION_WAIT_MS)
    expect(page.locator("#carried-error")).to_contain_text("证件号码")
    expect(page.locator("#confirm-id [name=id_number]")).to_have_value(wrong)
    snap(page, "40-h5-card-confirmation-refused")

    # 「返回修改身份证信息」 brings the values back as typed, and the phone holds nothing meanwhile
    page.fill("#confirm-id [name=id_number]", pair.identity.id_number)
    page.fill("#confirm-id [name=issuer]", "长沙市公安局岳麓分局")
    page.click("#confirm-id-ok")
    screen(page, "photo")
    page.click("#back-to-id-card")
    screen(page, "idcard")
    assert page.evaluate(HELD) == []
    expect(page.locator("#confirm-id [name=issuer]")).to_have_value("长沙市公安局岳麓分局")
    page.click("#confirm-id-ok")
    screen(page, "photo")
    page.set_input_files("input[name=photo]", jpeg("photo.jpg", compliant_photo(FACE, seed=3)))
    page.click("#upload-photo")
    screen(page, "face", timeout=VISION_WAIT_MS)
    assert page.evaluate(HELD) == []
    confirmed = candidate_get(page, "/me/id-card")["confirmed"]
    assert confirmed["issuer"] == "长沙市公安局岳麓分局"
    assert confirmed["id_number"] == pair.identity.id_number


def card_and_photo(page: Page, pair) -> None:
    card_read(page, pair)
    page.click("#confirm-id-ok")
    screen(page, "photo")
    page.set_input_files("input[name=photo]", jpeg("photo.jpg", compliant_photo(FACE, seed=4)))
    page.click("#upload-photo")
    screen(page, "face", timeout=VISION_WAIT_MS)


def fill_form(page: Page, phone: str) -> None:
    form = page.locator("#enroll-form")
    form.locator("[name=postal_code]").fill("410000")
    form.locator("[name=household_type]").select_option("1")
    form.locator("[name=occupation]").select_option("2")
    form.locator("[name=political_status]").select_option("13")
    form.locator("[name=contact_phone]").fill(phone)
    form.locator("[name=region]").select_option("01")
    form.locator("[name=major]").select_option("530302")


def face_and_notice(page: Page) -> None:
    burst_chosen_from_the_album(page, seed=5)
    page.click("#burst-send")
    screen(page, "notice", timeout=VISION_WAIT_MS)
    page.check("#notice-agree")
    page.click("#notice-go")
    screen(page, "form")


def form_held_then_submitted(page: Page) -> None:
    """「下一步」 holds the form: the summary shows it, 「修改报名信息」 brings it back as typed;
    「提交」 saves and submits it, with the notice, in one request. (A reload leaves the page,
    which saves the held form: test_a_held_form_is_saved_when_the_candidate_leaves_the_page.)"""
    form = page.locator("#enroll-form")
    form.locator("[name=postal_code]").fill("4100")  # a typo the phone catches, as nothing is sent
    form.locator("[name=household_type]").select_option("1")
    form.locator("[name=occupation]").select_option("2")
    form.locator("[name=political_status]").select_option("13")
    form.locator("[name=contact_phone]").fill(PHONE)
    form.locator("[name=region]").select_option("01")
    save = page.locator("#form-save")
    form.locator("[name=household_province]").select_option("44")  # another province: proofs
    form.locator("[name=major]").select_option("530302")
    expect(save).to_have_text("保存并继续")
    form.locator("[name=household_province]").select_option("43")
    expect(save).to_have_text("下一步")
    save.click()
    expect(page.locator("#enroll-form .err")).to_have_text("邮政编码应为6位数字")
    form.locator("[name=postal_code]").fill("410000")
    save.click()
    screen(page, "submit")
    expect(page.locator("#submit dl")).to_contain_text("530302")
    snap(page, "41-h5-submit-held-form")

    page.click("#submit-edit")
    screen(page, "form")
    expect(form.locator("[name=postal_code]")).to_have_value("410000")
    expect(form.locator("[name=contact_phone]")).to_have_value(PHONE)
    expect(form.locator("[name=region]")).to_have_value("01")
    form.locator("[name=email]").fill("kaosheng@example.com")
    page.click("#form-save")
    screen(page, "submit")

    page.click("#submit-open")
    confirm = page.locator("#submit-confirm")
    expect(confirm).to_be_enabled(timeout=10_000)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/me/form")) as put:
        confirm.click()
    body = json.loads(put.value.post_data or "{}")
    assert body["submit"] is True and body["notice_version"]
    assert body["email"] == "kaosheng@example.com"
    expect(page.locator(".modal h2")).to_have_text("提交成功")
    page.click("#submit-done")
    screen(page, "mine")
    expect(page.locator("#state-label")).to_have_text(STATE_LABELS[AppState.SUBMITTED])
    assert page.evaluate(HELD) == []


def recorded_page(stack: DevStack, browser: Browser) -> tuple[Page, list[str]]:
    """The H5 on a phone, and the API calls it makes from now on (`api_call`)."""
    page = new_page(browser, H5, stack.url)
    calls: list[str] = []
    page.on("request", lambda r: "/api/v1/" in r.url and calls.append(api_call(r)))
    return page, calls


def test_the_straight_path_sends_each_step_with_the_next(stack: DevStack, browser: Browser) -> None:
    pair = make_card_pair(seed=11, face_path=FACE, today=date.today())
    h5, calls = recorded_page(stack, browser)
    register(h5, pair.identity.id_number, stack.url, PHONE)
    card_refused_then_confirmed(h5, pair)
    face_and_notice(h5)
    form_held_then_submitted(h5)
    assert "POST /me/id-card/confirm" not in calls
    assert "POST /me/submit" not in calls and "POST /me/notice/accept" not in calls
    assert [c for c in calls if c.startswith("PUT /me/form")] == ["PUT /me/form submit"]
    assert h5.js_errors == []  # type: ignore[attr-defined]
    withdrawn_for_the_next_walk(h5, stack)


def at_the_held_summary(
    stack: DevStack, browser: Browser, phone: str, seed: int
) -> tuple[Page, list[str]]:
    """A candidate on the first pass's summary, the form held in the tab and nothing of it sent;
    the page and the API calls it makes (`api_call`), recorded from the start."""
    pair = make_card_pair(seed=seed, face_path=FACE, today=date.today())
    page, calls = recorded_page(stack, browser)
    register(page, pair.identity.id_number, stack.url, phone)
    card_and_photo(page, pair)
    face_and_notice(page)
    fill_form(page, phone)
    page.click("#form-save")
    screen(page, "submit")
    return page, calls


def test_keep_saves_the_held_form_without_submitting(stack: DevStack, browser: Browser) -> None:
    """「暂存」 on the summary saves the held form alone: the case is a draft, the candidate is told
    so on the submit screen, and 「提交」 there submits the saved draft as before."""
    h5, calls = at_the_held_summary(stack, browser, "13900002469", seed=12)
    h5.click("#submit-keep")
    expect(h5.locator("#carried-note")).to_have_text("报名信息已暂存，可稍后再提交。")
    screen(h5, "submit")
    expect(h5.locator("#app")).to_have_attribute("data-state", "DRAFT")
    expect(h5.locator("#submit-keep")).to_have_count(0)  # the summary of the saved draft
    assert h5.evaluate(HELD) == []
    submitted_in_the_dialog(h5)
    assert [c for c in calls if c.startswith("PUT /me/form")] == ["PUT /me/form"]
    assert "POST /me/submit" in calls and "POST /me/id-card/confirm" not in calls
    assert h5.js_errors == []  # type: ignore[attr-defined]
    withdrawn_for_the_next_walk(h5, stack)


def test_a_held_form_is_saved_when_the_candidate_leaves_the_page(
    stack: DevStack, browser: Browser
) -> None:
    """The form held on the summary lives in the tab only; a candidate who leaves it (another
    app, the phone locked) could come back on another device, so leaving saves it once: the
    server has the draft as typed. Back on the tab, 「提交」 submits it without the notice, which
    went with the save, and nothing is sent twice."""
    phone = "13900003571"
    h5, calls = at_the_held_summary(stack, browser, phone, seed=13)
    assert candidate_get(h5, "/me")["state"] == AppState.NOTICE_PENDING  # held, not sent

    saved_on_leave = lambda r: r.url.endswith("/api/v1/me/form") and r.request.method == "PUT"  # noqa: E731
    with h5.expect_response(saved_on_leave) as saved:
        visibility(h5, "hidden")
    assert saved.value.ok, saved.value.text()
    draft = candidate_get(h5, "/me")  # what another device of the candidate finds
    assert draft["state"] == AppState.DRAFT
    assert (draft["form"]["major"], draft["form"]["contact_phone"]) == ("530302", phone)
    visibility(h5, "visible")
    visibility(h5, "hidden")  # unchanged since: nothing is sent again
    visibility(h5, "visible")
    h5.reload()  # a leave too, with nothing new; the summary is still the held form
    screen(h5, "submit")
    expect(h5.locator("#submit dl")).to_contain_text("530302")
    expect(h5.locator("#submit-keep")).to_be_visible()
    visibility(h5, "hidden")  # the reloaded tab still knows the form was saved
    visibility(h5, "visible")

    submitted_in_the_dialog(h5)
    assert [c for c in calls if c.startswith("PUT /me/form")] == [
        "PUT /me/form",
        "PUT /me/form submit",
    ]
    assert "POST /me/submit" not in calls and "POST /me/notice/accept" not in calls
    assert h5.js_errors == []  # type: ignore[attr-defined]
    withdrawn_for_the_next_walk(h5, stack)


def test_a_held_form_is_saved_on_leave_after_the_access_token_ran_out(
    stack: DevStack, browser: Browser
) -> None:
    """The access token lives 2 hours; a candidate slow over the form leaves the page with one
    the server refuses. The save on leave renews it as any other call does and goes again, so
    the draft is on the server all the same, under the renewed sign-in."""
    phone = "13900003572"
    h5, calls = at_the_held_summary(stack, browser, phone, seed=17)
    refresh = h5.evaluate("localStorage.getItem('ruji.h5.refresh')")
    h5.evaluate("localStorage.setItem('ruji.h5.token', 'ran.out.token')")  # refused as expired

    saved_on_leave = lambda r: r.url.endswith("/api/v1/me/form") and r.status == 200  # noqa: E731
    with h5.expect_response(saved_on_leave) as saved:
        visibility(h5, "hidden")
    assert saved.value.ok, saved.value.text()
    assert calls[-3:] == ["PUT /me/form", "POST /candidate/token/refresh", "PUT /me/form"]
    assert h5.evaluate("localStorage.getItem('ruji.h5.refresh')") != refresh  # renewed
    draft = candidate_get(h5, "/me")
    assert draft["state"] == AppState.DRAFT and draft["form"]["contact_phone"] == phone
    visibility(h5, "visible")
    assert h5.js_errors == []  # type: ignore[attr-defined]
    withdrawn_for_the_next_walk(h5, stack)


def visibility(page: Page, state: str) -> None:
    """What the browser does when the candidate switches apps or locks the phone, and back."""
    page.evaluate(
        """(state) => {
            Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",  # noqa: E501
        state,
    )


def withdrawn_for_the_next_walk(page: Page, stack: DevStack) -> None:
    """The stack is shared with test_browser_flow.py, whose examiner expects its own case alone
    in the queue: this one leaves it."""
    token = page.evaluate("localStorage.getItem('ruji.h5.token')")
    r = httpx.post(f"{stack.url}/api/v1/me/withdraw", headers={"authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["state"] == "WITHDRAWN", r.text
