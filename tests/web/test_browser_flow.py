"""Both clients in Debian's Chromium against a running `ruji dev`: one candidate through every H5
step to submission (real OCR, photo and face workers, images of one generated person), an examiner
claims and returns the case for its photo (the dialog offers only what the candidate can redo),
the candidate redoes the photo and the face check it voids and resubmits, the examiner approves,
an admin moves the window end and the review deadline in the console, and the candidate sees the
admission-ticket number; the window-closed page follows.

Every page is checked for horizontal overflow at its viewport (H5 375×812, console 1440×900) and
screenshotted to tests/artifacts/web/. Waits are on selectors and page state, never sleeps."""

from __future__ import annotations

import io
import re
import time
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect
from pypdf import PdfWriter

from domain.case_rules import RETURN_REOPENS
from domain.otp import code_in_message
from domain.states import STATE_LABELS, AppState
from synthetic.idcard import make_card_pair
from synthetic.liveness import burst
from synthetic.photo import photo
from synthetic.photo_camera import Wall, camera_photo
from tests.devstack import ROOT, DevStack
from tests.workflows.harness import valid_id_number

FACE = ROOT / "tests" / "fixtures" / "faces" / "obama.jpg"
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
# The first start on a cold disk imports the vision models as well; the CLI test allows 60 s.
START_TIMEOUT = 150.0
PHONE = "13912345678"
VISION_WAIT_MS = 120_000  # the first vision call may wait for the worker to load its models
STEP_WAIT_MS = 30_000
H5 = {"width": 375, "height": 812}
CONSOLE = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def stack(h5_stack: DevStack) -> DevStack:
    """The package's `ruji dev` (tests/web/conftest.py)."""
    return h5_stack


def snap(page: Page, name: str) -> None:
    """No horizontal scrolling at this viewport, then a screenshot as a test artefact."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{name}: page is {width}px wide in a {inner}px viewport"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def jpeg(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def pdf_file(name: str) -> dict:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return {"name": name, "mimeType": "application/pdf", "buffer": out.getvalue()}


def new_page(browser: Browser, viewport: dict, base: str) -> Page:
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", base_url=base, permissions=["camera"]
    )
    context.set_default_timeout(STEP_WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def candidate_get(page: Page, path: str) -> dict:
    """An API answer as the page's candidate gets it (his token, the page's origin)."""
    return page.evaluate(
        """async (path) => (await fetch(`/api/v1${path}`, {
            headers: { authorization: `Bearer ${localStorage.getItem("ruji.h5.token")}` },
        })).json()""",
        path,
    )


def api_call(request: Request) -> str:
    """`PUT /me/form`, with ` submit` when the form goes with the submission (issue 18)."""
    path = request.url.split("/api/v1", 1)[1].split("?", 1)[0]
    submits = request.method == "PUT" and '"submit":true' in (request.post_data or "")
    return f"{request.method} {path}{' submit' if submits else ''}"


def screen(page: Page, name: str, timeout: int = STEP_WAIT_MS) -> None:
    expect(page.locator("#app")).to_have_attribute("data-screen", name, timeout=timeout)


def sms_code(base: str) -> str:
    text = httpx.get(f"{base}/dev/outbox", params={"phone": PHONE}).json()[0]["text"]
    return re.search(r"(\d{6})", text).group(1)


def register(page: Page, id_number: str, base: str, phone: str) -> None:
    """「新生注册」 with the code the dev outbox shows, on to the ID card's screen."""
    page.goto("/h5/")
    page.fill("#register [name=id_number]", id_number)
    page.fill("#register [name=phone]", phone)
    page.click("#send-code")
    expect(page.locator("#register .ok")).to_contain_text("验证码已发送")
    text = httpx.get(f"{base}/dev/outbox", params={"phone": phone}).json()[0]["text"]
    page.fill("#register [name=code]", code_in_message(text))
    page.click("#register-next")
    screen(page, "idcard")


def register_with_wrong_code_first(page: Page, id_number: str, base: str) -> None:
    page.goto("/h5/")
    page.fill("#register [name=id_number]", id_number)
    page.fill("#register [name=phone]", PHONE)
    page.click("#send-code")
    expect(page.locator("#register .ok")).to_contain_text("验证码已发送至 139****5678")
    snap(page, "01-h5-register")
    page.fill("#register [name=code]", "000000")
    page.click("#register-next")
    expect(page.locator("#register .err")).to_have_text("验证码错误")
    snap(page, "02-h5-wrong-sms-code")
    page.fill("#register [name=code]", sms_code(base))
    page.click("#register-next")
    screen(page, "idcard")


def id_card_and_photo(page: Page, pair) -> None:
    page.set_input_files("input[name=front]", jpeg("front.jpg", pair.front_jpeg))
    page.set_input_files("input[name=back]", jpeg("back.jpg", pair.back_jpeg))
    snap(page, "03-h5-id-card")
    page.click("#upload-id")
    name = page.locator("#confirm-id [name=name]")
    expect(name).to_have_value(pair.identity.name, timeout=VISION_WAIT_MS)
    expect(page.locator("#confirm-id [name=id_number]")).to_have_value(pair.identity.id_number)
    snap(page, "04-h5-id-card-check")
    page.click("#confirm-id-ok")
    screen(page, "photo")
    # issue 18: the confirmation waits on the phone for the photo upload, also across a reload
    page.reload()
    screen(page, "photo")
    expect(page.locator("#back-to-id-card")).to_be_visible()

    # the guidance is there before the camera opens
    expect(page.locator("#photo-guide")).to_be_visible()
    # a phone-camera original (12 MP, EXIF-rotated, white wall): refused rule by rule with the
    # measured values, then cropped, scaled and put on the standard blue — the candidate accepts
    camera = camera_photo(FACE, 3, Wall.WHITE)
    assert len(camera) > 3 * 1024 * 1024
    page.set_input_files("input[name=photo]", jpeg("IMG_0001.jpg", camera))
    page.click("#upload-photo")
    expect(page.locator(".err .err-msg")).to_have_text("照片不符合要求", timeout=VISION_WAIT_MS)
    # the refused photo kept the confirmation it carried: the card is no longer the phone's
    expect(page.locator("#back-to-id-card")).to_have_count(0)
    assert candidate_get(page, "/me")["state"] == AppState.PHOTO_PENDING
    assert candidate_get(page, "/me/id-card")["confirmed"]["id_number"] == pair.identity.id_number
    expect(page.locator('#photo-rules [data-rule="PHOTO_SIZE_PX"]')).to_contain_text("3000 × 4000")
    expect(page.locator('#photo-rules [data-rule="PHOTO_BG_COLOR"]')).to_be_visible()
    expect(page.locator("#photo-bg-offer")).to_be_visible()
    snap(page, "05-h5-photo-refused")
    page.click("#photo-fix")
    expect(page.locator("#photo-fixed")).to_be_visible(timeout=VISION_WAIT_MS)
    expect(page.locator("#photo-bg-replaced")).to_be_visible()
    snap(page, "06-h5-photo-fixed")
    page.click("#photo-accept-fix")
    screen(page, "face")


def burst_chosen_from_the_album(page: Page, seed: int) -> None:
    """The liveness challenge answered by a burst from the album (no camera in the test): frames
    that make the challenge's actions, chosen but not sent."""
    actions = page.locator("#liveness").get_attribute("data-actions").split(",")
    page.click("text=无法使用摄像头？从相册选择连拍照片")
    frames = burst(FACE, actions, seed=seed)
    page.set_input_files("#burst-files", [jpeg(f"{i:02d}.jpg", f) for i, f in enumerate(frames)])


def liveness_camera_then_file_burst(page: Page) -> None:
    # the accepted photo's answer brought the challenge: its actions show without asking
    expect(page.locator("#liveness")).to_be_visible()
    expect(page.locator("#liveness-start")).to_have_count(0)
    nonce = page.locator("#liveness").get_attribute("data-nonce")
    page.click("#camera-start")
    page.click("#camera-record")
    refusal = page.locator("#liveness .err .err-msg")  # the API's Chinese message, whichever it is
    expect(refusal).to_have_text(re.compile(r"[\u4e00-\u9fff]"), timeout=VISION_WAIT_MS)
    snap(page, "07-h5-liveness-camera-refused")
    page.click("#liveness-again")  # a challenge is single use
    expect(page.locator("#liveness")).not_to_have_attribute("data-nonce", nonce)
    burst_chosen_from_the_album(page, seed=5)
    snap(page, "08-h5-liveness-burst")
    page.click("#burst-send")
    screen(page, "notice", timeout=VISION_WAIT_MS)


def notice_and_form(page: Page) -> None:
    expect(page.locator("#notice-go")).to_be_disabled()
    page.check("#notice-agree")
    snap(page, "09-h5-notice")
    page.click("#notice-go")
    screen(page, "form")
    form = page.locator("#enroll-form")
    form.locator("[name=postal_code]").fill("410000")
    form.locator("[name=household_type]").select_option("1")
    expect(form.locator("[name=household_province]")).to_have_value("43")  # from the ID number
    form.locator("[name=occupation]").select_option("2")
    form.locator("[name=political_status]").select_option("13")
    form.locator("[name=contact_phone]").fill(PHONE)
    form.locator("[name=region]").select_option("01")

    # first a 专升本 major: the CHSI screen with both QR codes, a refresh, then 「学信网校验失败」
    form.locator("[name=major]").select_option("530302")
    expect(page.locator("#form-save")).to_have_text("下一步")  # nothing more to ask: held
    form.locator("[name=major]").select_option("120203K")
    expect(page.locator("#form-save")).to_have_text("保存并继续")  # CHSI first: saved now
    page.click("#form-save")
    screen(page, "chsi")
    page.click("#chsi-start")
    expect(page.locator('#chsi-codes img[data-kind="xueli"]')).to_be_visible()
    first = page.locator('#chsi-codes img[data-kind="xueji"]').get_attribute("src")
    page.click("#chsi-refresh")
    expect(page.locator('#chsi-codes img[data-kind="xueji"]')).not_to_have_attribute("src", first)
    snap(page, "10-h5-chsi-qr")
    page.click("#chsi-failed")
    screen(page, "attachments")
    expect(page.locator('[data-req="CHSI_MANUAL_PROOF"] .state')).to_have_text("待上传")
    page.set_input_files('[data-doc="DIPLOMA"]', jpeg("diploma.jpg", photo(FACE, 4)))
    expect(page.locator('[data-req="CHSI_MANUAL_PROOF"] .state')).to_have_text("✓ 已满足")
    snap(page, "11-h5-attachments")
    # his own file, deleted after a confirmation, then sent again as a PDF proof
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('[data-req="CHSI_MANUAL_PROOF"] [data-file]')
    expect(page.locator('[data-req="CHSI_MANUAL_PROOF"] .state')).to_have_text("待上传")
    page.set_input_files('[data-doc="DIPLOMA"]', pdf_file("学历证明.pdf"))
    expect(page.locator('[data-req="CHSI_MANUAL_PROOF"] .state')).to_have_text("✓ 已满足")
    expect(page.locator('[data-req="CHSI_MANUAL_PROOF"] .files li')).to_contain_text("PDF")

    # then the 专科 major the test submits (no CHSI step, no attachments for a Hunan household)
    page.goto("/h5/#form")
    screen(page, "form")
    page.locator("#enroll-form [name=major]").select_option("530302")
    # a case past the CHSI step keeps the old path (save, then submit): no guess at what it needs
    expect(page.locator("#form-save")).to_have_text("保存并继续")
    snap(page, "12-h5-form")
    page.click("#form-save")
    screen(page, "submit")


def submit_with_countdown(page: Page) -> None:
    page.click("#submit-open")
    confirm = page.locator("#submit-confirm")
    expect(confirm).to_be_disabled()
    expect(confirm).to_contain_text("秒")
    # the period's dates as they stand now, not a fixed promise (api/deadline_notes.py)
    expect(page.locator("#submit-note")).to_contain_text("准考证号在审核截止时间（")
    snap(page, "13-h5-submit-countdown")
    expect(confirm).to_be_enabled(timeout=10_000)
    confirm.click()
    page.click("#submit-done")
    screen(page, "mine")
    expect(page.locator("#state-label")).to_have_text("已提交，待审核")
    # 「修改」 until review starts
    page.click("#modify")
    screen(page, "form")
    page.locator("#enroll-form [name=email]").fill("kaosheng@example.com")
    page.click("#form-save")
    screen(page, "mine")
    snap(page, "14-h5-my-application")


def console_login(page: Page, username: str, password: str) -> None:
    page.goto("/console/#/login")
    page.fill("#login [name=username]", username)
    page.fill("#login [name=password]", password)
    page.click("#login button[type=submit]")


PHOTO_REASON = "寸照不符合图像采集规范，请重新拍摄上传"
#: what a return may name for this case (专科, Hunan household: no attachments): the workflow's
#: rule, each something the H5 lets the candidate redo; 学信网校验 and 其他 only for a rejection
RETURNABLE = list(RETURN_REOPENS)


def examiner_claims(page: Page, stack: DevStack, application_id: str) -> None:
    console_login(page, "examiner", "wrong-password")
    expect(page.locator("#login .err")).to_have_text("用户名或密码错误")
    console_login(page, "examiner", stack.password("examiner"))
    row = page.locator(f'#queue tr[data-id="{application_id}"]')
    expect(row).to_be_visible()
    expect(page.locator('#counts [data-status="SUBMITTED"] b')).to_have_text("1")
    snap(page, "15-console-queue")
    page.keyboard.press("k")  # j/k move the selection, Enter opens it
    page.keyboard.press("Enter")
    expect(page.locator("#case")).to_have_attribute("data-state", "SUBMITTED")
    expect(page.locator("#ocr-table tbody tr")).to_have_count(10)
    # the official photo is the accepted fix: its report is the one shown, every rule met
    expect(page.locator("#photo-report tbody tr").first).to_be_visible()
    expect(page.locator("#photo-report tr.failed")).to_have_count(0)
    expect(page.locator("#photo-background-replaced")).to_be_visible()  # marked for the examiner
    expect(page.locator("#face-matches tbody tr")).to_have_count(2)
    expect(page.locator("#audit tbody tr").first).to_be_visible()
    page.keyboard.press("c")
    expect(page.locator("#case")).to_have_attribute("data-state", "UNDER_REVIEW")
    snap(page, "16-console-case")


def examiner_returns_the_photo(page: Page) -> None:
    """The return dialog offers only what the candidate can redo, each with its own reasons."""
    page.keyboard.press("t")
    dialog = page.locator(".dialog")
    offered = dialog.locator("input[data-item]").evaluate_all("els => els.map(e => e.dataset.item)")
    assert offered == RETURNABLE
    dialog.locator("[data-item=photo]").check()
    photo_reasons = dialog.locator('[data-row="photo"] [data-pick]')
    expect(photo_reasons).to_have_count(2)
    expect(dialog.locator('[data-row="face"] [data-pick]')).to_be_hidden()  # only the ticked row's
    dialog.locator(f'[data-row="photo"] [data-pick="{PHOTO_REASON}"]').click()
    expect(dialog.locator("[data-reason=photo]")).to_have_value(PHOTO_REASON)
    snap(page, "17-console-return-reasons")
    page.click("#dialog-send")
    expect(page.locator("#case")).to_have_attribute("data-state", "RETURNED")
    expect(page.locator('.review [data-item="photo"]')).to_have_text(f"寸照：{PHOTO_REASON}")
    snap(page, "18-console-returned")


def candidate_redoes_the_photo(page: Page) -> None:
    """The H5 names the returned item and the face check it voids, opens exactly those steps,
    and lets the application go in again only when both are redone."""
    expect(page.locator("#state-label")).to_have_text(STATE_LABELS[AppState.RETURNED])
    items = page.locator("#review-reasons li")
    expect(items).to_have_count(2)
    photo_item = page.locator('#review-reasons [data-item="photo"]')
    expect(photo_item).to_contain_text("寸照")
    expect(photo_item).to_contain_text(f"审核意见：{PHOTO_REASON}")
    expect(photo_item.locator(".state")).to_have_text("待完成")
    expect(page.locator('#review-reasons [data-item="face"] .state')).to_have_text("待完成")
    expect(page.locator("#resubmit")).to_be_disabled()
    expect(page.locator("#resubmit-hint")).to_have_text("请先完成：寸照、人脸核验，再重新提交。")
    expect(page.locator("#resubmit-by")).to_contain_text("前按退回意见修改并重新提交")
    snap(page, "19-h5-returned")

    photo_item.locator("[data-redo=photo]").click()
    screen(page, "photo")
    expect(page.locator("#return-note")).to_contain_text(PHOTO_REASON)
    # another phone original, on a light-blue wall this time: cropped and scaled, nothing replaced
    page.set_input_files(
        "input[name=photo]", jpeg("IMG_0002.jpg", camera_photo(FACE, 3, Wall.LIGHT_BLUE))
    )
    page.click("#upload-photo")
    expect(page.locator(".err .err-msg")).to_have_text("照片不符合要求", timeout=VISION_WAIT_MS)
    page.click("#photo-fix")
    expect(page.locator("#photo-fixed")).to_be_visible(timeout=VISION_WAIT_MS)
    snap(page, "20-h5-photo-redone")
    page.click("#photo-accept-fix")

    screen(page, "face")  # the new photo voids the face check: the H5 goes on to it
    expect(page.locator("#return-note")).to_contain_text("须重新进行人脸核验")
    page.click("#liveness-start")
    burst_chosen_from_the_album(page, seed=6)
    page.click("#burst-send")

    screen(page, "mine", timeout=VISION_WAIT_MS)
    expect(photo_item.locator(".state")).to_have_text("✓ 已完成")
    expect(page.locator('#review-reasons [data-item="face"] .state')).to_have_text("✓ 已完成")
    expect(page.locator("#resubmit-hint")).to_be_hidden()
    # shown from an update's answer, which carries no dates: asked of /me
    expect(page.locator("#resubmit-by")).to_contain_text("前按退回意见修改并重新提交")
    snap(page, "21-h5-return-answered")
    page.click("#resubmit")
    screen(page, "submit")
    submitted_in_the_dialog(page)


def submitted_in_the_dialog(page: Page) -> None:
    """「提交」, the dialog's countdown, its confirmation: the case is submitted."""
    page.click("#submit-open")
    expect(page.locator("#submit-confirm")).to_be_enabled(timeout=10_000)
    page.click("#submit-confirm")
    page.click("#submit-done")
    screen(page, "mine")
    expect(page.locator("#state-label")).to_have_text(STATE_LABELS[AppState.SUBMITTED])


def examiner_approves_the_resubmission(page: Page, application_id: str) -> None:
    page.keyboard.press("Escape")  # back to the queue, which shows the case waiting again
    row = page.locator(f'#queue tr[data-id="{application_id}"]')
    expect(row.locator("[data-resubmitted]")).to_have_text("退回后重新提交")
    page.keyboard.press("Enter")
    expect(page.locator("#case")).to_have_attribute("data-state", "SUBMITTED")
    expect(page.locator('#resubmitted [data-item="photo"]')).to_have_text(f"寸照：{PHOTO_REASON}")
    # the new photo is the one shown: a crop of the light-blue original, no background replaced
    expect(page.locator("#photo-report tr.failed")).to_have_count(0)
    expect(page.locator("#photo-background-replaced")).to_have_count(0)
    snap(page, "22-console-resubmitted")
    page.keyboard.press("c")
    expect(page.locator("#case")).to_have_attribute("data-state", "UNDER_REVIEW")
    page.keyboard.press("a")
    page.keyboard.press("Enter")
    expect(page.locator("#case")).to_have_attribute("data-state", "APPROVED")
    snap(page, "23-console-approved")


def admin_moves_deadline(page: Page, stack: DevStack) -> None:
    page.click("#logout")
    console_login(page, "admin", stack.password("admin"))
    expect(page.locator("#app")).to_have_attribute("data-view", "queue")
    page.click('[data-nav="periods"]')
    period = page.locator(".period").first
    period.locator('[data-now="closes_at"]').click()
    period.locator('[data-now="review_deadline"]').click()
    period.locator("button.primary").click()
    expect(page.locator(".period").first).to_have_attribute("data-state", "ISSUED", timeout=60_000)
    snap(page, "25-console-periods")


def test_a_candidate_withdraws_only_after_confirming(stack: DevStack, browser: Browser) -> None:
    """Runs before the straight path closes the window. Withdrawing is offered in the header from
    the first step on, behind a dialog that can be dismissed."""
    phone, number = "13900002468", valid_id_number(88)
    h5 = new_page(browser, H5, stack.url)
    h5.goto("/h5/")
    expect(h5.locator("#period-dates")).to_contain_text("入籍时间")
    h5.fill("#register [name=id_number]", number)
    h5.fill("#register [name=phone]", phone)
    h5.click("#send-code")
    expect(h5.locator("#register .ok")).to_contain_text("验证码已发送")  # the code is out
    text = httpx.get(f"{stack.url}/dev/outbox", params={"phone": phone}).json()[0]["text"]
    h5.fill("#register [name=code]", code_in_message(text))
    h5.click("#register-next")
    screen(h5, "idcard")
    h5.click("#withdraw")
    h5.click("#withdraw-cancel")  # dismissed: nothing happens
    screen(h5, "idcard")
    h5.click("#withdraw")
    expect(h5.locator("#withdraw-confirm")).to_be_visible()
    snap(h5, "00-h5-withdraw-confirm")
    h5.click("#withdraw-confirm")
    screen(h5, "mine")
    expect(h5.locator("#state-label")).to_have_text(STATE_LABELS[AppState.WITHDRAWN])
    expect(h5.locator("#withdraw")).to_be_hidden()
    # an access token past its life (here: spoilt) is renewed once by the refresh token, which the
    # server replaces; the candidate stays where he was
    first_refresh = h5.evaluate("localStorage.getItem('ruji.h5.refresh')")
    h5.evaluate("localStorage.setItem('ruji.h5.token', 'spoilt.token')")
    # a renewal lost to the network keeps the refresh token for the next try
    renew_route = "**/api/v1/candidate/token/refresh"
    h5.route(renew_route, lambda route: route.abort())
    with h5.expect_event("requestfailed", lambda r: "/candidate/token/refresh" in r.url):
        h5.reload()
    h5.unroute(renew_route)
    assert h5.evaluate("localStorage.getItem('ruji.h5.refresh')") == first_refresh
    renewals: list[str] = []
    h5.on("request", lambda r: "/candidate/token/refresh" in r.url and renewals.append(r.url))
    with h5.expect_response("**/api/v1/candidate/token/refresh") as renewed_once:
        h5.reload()
    assert renewed_once.value.status == 200
    screen(h5, "mine")
    expect(h5.locator("#state-label")).to_have_text(STATE_LABELS[AppState.WITHDRAWN])
    refresh = h5.evaluate("localStorage.getItem('ruji.h5.refresh')")
    assert len(renewals) == 1 and refresh != first_refresh
    # 「退出登录」 ends the sign-in on the server, not only on the phone
    with h5.expect_response("**/api/v1/candidate/logout") as logged_out:
        h5.click("#logout")
    assert logged_out.value.status == 204
    assert h5.evaluate("localStorage.getItem('ruji.h5.refresh')") is None
    for token in (refresh, first_refresh):  # nor the token the renewal replaced
        renewed = httpx.post(
            f"{stack.url}/api/v1/candidate/token/refresh", json={"refresh_token": token}
        )
        assert renewed.status_code == 401 and renewed.json()["code"] == "AUTH_INVALID"
    assert h5.js_errors == []


def tabs_share_one_renewal(h5: Page, base: str) -> None:
    """Two tabs of the H5 share the tokens. Both meet a spoilt access token; the renewal of the
    first is held until the second has met its 401 too: the second waits for the first's
    renewal instead of renewing at the same time, and the refresh token the tabs keep is the one
    the server holds now (a replaced one would end the sign-in at its next use)."""
    other = h5.context.new_page()
    errors: list[str] = []
    other.on("pageerror", lambda e: errors.append(str(e)))
    other.goto("/h5/")
    screen(other, "idcard")
    held: list[Route] = []
    renewals: list[str] = []
    h5.context.on(
        "request", lambda r: "/candidate/token/refresh" in r.url and renewals.append(r.url)
    )
    h5.context.route("**/api/v1/candidate/token/refresh", lambda route: held.append(route))
    h5.evaluate("localStorage.setItem('ruji.h5.token', 'spoilt.token')")
    with h5.expect_request("**/api/v1/candidate/token/refresh"):
        h5.reload(wait_until="commit")
    with other.expect_response(lambda r: r.url.endswith("/api/v1/me") and r.status == 401):
        other.reload(wait_until="commit")
    other.wait_for_timeout(1000)  # where it would send a renewal of its own
    assert len(renewals) == 1
    held[0].continue_()
    h5.context.unroute("**/api/v1/candidate/token/refresh")
    screen(h5, "idcard")
    screen(other, "idcard")
    assert errors == []
    other.close()
    h5.wait_for_timeout(500)  # what a tab stored reaches the others a moment later
    kept = h5.evaluate("localStorage.getItem('ruji.h5.refresh')")
    renewed = httpx.post(f"{base}/api/v1/candidate/token/refresh", json={"refresh_token": kept})
    assert renewed.status_code == 200, renewed.text  # the server's current token
    h5.evaluate(
        "([token, refresh]) => { localStorage.setItem('ruji.h5.token', token);"
        " localStorage.setItem('ruji.h5.refresh', refresh); }",
        [renewed.json()["token"], renewed.json()["refresh_token"]],
    )


def test_signing_out_everywhere_ends_every_sign_in(stack: DevStack, browser: Browser) -> None:
    """「退出所有设备」 (a lost or shared phone), behind a dialog that can be dismissed: the server
    ends the application's sign-ins, this page's too, and the page forgets its tokens."""
    phone, number = "13900002470", valid_id_number(89)
    h5 = new_page(browser, H5, stack.url)
    register(h5, number, stack.url, phone)
    tabs_share_one_renewal(h5, stack.url)
    refresh = h5.evaluate("localStorage.getItem('ruji.h5.refresh')")
    access = h5.evaluate("localStorage.getItem('ruji.h5.token')")
    h5.click("#logout-all")
    h5.click("#logout-all-cancel")  # dismissed: still signed in
    screen(h5, "idcard")
    h5.click("#logout-all")
    snap(h5, "00-h5-sign-out-everywhere")
    with h5.expect_response("**/api/v1/me/sign-out-everywhere") as ended:
        h5.click("#logout-all-confirm")
    assert ended.value.status == 204
    screen(h5, "welcome")
    assert h5.evaluate("localStorage.getItem('ruji.h5.refresh')") is None
    expect(h5.locator("#logout-all")).to_be_hidden()
    renewed = httpx.post(
        f"{stack.url}/api/v1/candidate/token/refresh", json={"refresh_token": refresh}
    )
    assert renewed.status_code == 401 and renewed.json()["code"] == "AUTH_INVALID"
    # the access token a copy of this page would hold stops too, once the API reads the list of
    # ended sign-ins (every 5 s)
    deadline, mine = time.monotonic() + 15, {"authorization": f"Bearer {access}"}
    while (me := httpx.get(f"{stack.url}/api/v1/me", headers=mine)).status_code == 200:
        assert time.monotonic() < deadline, "the ended sign-in's access token still works"
        time.sleep(0.5)
    assert me.status_code == 401 and me.json()["code"] == "AUTH_INVALID"
    assert h5.js_errors == []


def test_candidate_to_ticket_in_the_browser(stack: DevStack, browser: Browser) -> None:
    pair = make_card_pair(seed=7, face_path=FACE, today=date.today())
    h5 = new_page(browser, H5, stack.url)
    step_keys: list[str | None] = []  # issue 18: each step names itself for the server's dedup
    calls: list[str] = []
    h5.on("request", lambda r: "/api/v1/" in r.url and calls.append(api_call(r)))
    h5.on(
        "request",
        lambda r: (
            r.method == "POST"
            and "/api/v1/" in r.url
            and step_keys.append(r.headers.get("idempotency-key"))
        ),
    )
    register_with_wrong_code_first(h5, pair.identity.id_number, stack.url)
    id_card_and_photo(h5, pair)
    liveness_camera_then_file_burst(h5)
    notice_and_form(h5)
    submit_with_countdown(h5)
    # the ID card's confirmation rode with the photo; this case (CHSI, then attachments) saved its
    # form before submitting it, as before
    assert "POST /me/id-card/confirm" not in calls
    assert "POST /me/submit" in calls and "PUT /me/form submit" not in calls
    token = h5.evaluate("localStorage.getItem('ruji.h5.token')")
    me = httpx.get(f"{stack.url}/api/v1/me", headers={"authorization": f"Bearer {token}"})
    application_id = me.json()["application_id"]

    console = new_page(browser, CONSOLE, stack.url)
    examiner_claims(console, stack, application_id)
    examiner_returns_the_photo(console)
    candidate_redoes_the_photo(h5)  # the H5 refreshes itself to the return
    examiner_approves_the_resubmission(console, application_id)
    expect(h5.locator("#state-label")).to_have_text("审核通过")
    snap(h5, "24-h5-approved")
    assert step_keys and all(key and len(key) >= 8 for key in step_keys), step_keys
    assert len(set(step_keys)) == len(step_keys)  # one per step, not one per page

    admin_moves_deadline(console, stack)
    expect(h5.locator("#ticket-number")).to_have_text(re.compile(r"^\d{12}$"))
    snap(h5, "26-h5-ticket-number")

    closed = new_page(browser, H5, stack.url)
    closed.goto("/h5/")
    expect(closed.locator("#window-closed")).to_contain_text("非新生入籍时间，请等待入籍考期开启！")
    snap(closed, "27-h5-window-closed")
    assert h5.js_errors == [] and console.js_errors == [] and closed.js_errors == []
