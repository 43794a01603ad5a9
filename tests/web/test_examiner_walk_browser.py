"""The examiner's path through the console in Debian's Chromium, end to end on the real app over
HTTP and the real workflows (vision stand-ins): sign in, find the queue, open a submitted case,
claim it (a double click claims once), look at its card, photos and checks, approve; reject with
reasons; return with items; release a claim; a second examiner of the same region cannot act on
a case the first holds; an admin reassigns it to him by name and he approves it.

Identities of area 430121 (长沙县), which no other test uses. Waits are on selectors, never
sleeps."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlmodel import Session, select

from domain.roles import Role
from infra.db import AuditEvent
from infra.tokens import issue_token
from tests.api.test_guide_paths_http import PROOF, submitted_for_nursing
from tests.security.stack import (
    API_SECRET,
    bearer,
    register,
    running_stack,
    seeded_database,
    staff_token,
    submit_application,
)
from tests.web.conftest import ARGS, CHROMIUM
from tests.web.test_browser_flow import ARTIFACTS, CONSOLE
from tests.workflows.harness import valid_id_number

AREA = "430121"
WAIT_MS = 30_000
#: submitted clean, but for "typed"; one more for a restricted major with its proof
CASES = (
    *("approve", "reject", "return", "release", "contested"),
    *("typed", "expiry", "bulk", "draft", "stale"),
)


def number(serial: int) -> str:
    return valid_id_number(serial, area=AREA)


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory) -> AsyncIterator[tuple]:
    tmp = tmp_path_factory.mktemp("examiner-walk")
    engine = seeded_database(tmp)
    async with running_stack(dev_env.client, engine, tmp) as (http, _settings, sms):
        admin = bearer(await staff_token(http, "admin"))
        second = {"username": "examiner3", "role": "examiner", "regions": ["01"]}
        r = await http.post("/api/v1/admin/accounts", json=second, headers=admin)
        assert r.status_code == 201, r.text
        second_login = {"username": "examiner3", "password": r.json()["password"]}
        second_id = r.json()["account"]["id"]
        cases = {}
        for serial, name in enumerate(CASES, start=20):
            app_id, me = await register(http, sms, number(serial), f"1357014{serial:04d}")
            # "typed": the candidate typed another name over what the card read
            await submit_application(http, me, number(serial), "李四" if name == "typed" else None)
            cases[name] = (app_id, me)
        cases["nursing"] = await submitted_for_nursing(http, sms, 39)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield http, engine, browser, cases, (second_id, second_login)
            await browser.close()
    engine.dispose()


async def console_as(
    browser: Browser, base: str, username: str, password: str, **context_kw
) -> Page:
    """Signed in on the console's login form; the page keeps its script errors in `errors`."""
    context = await browser.new_context(
        viewport=CONSOLE, locale="zh-CN", base_url=base, **context_kw
    )
    page = await context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    await page.goto("/console/#/login")
    await page.fill("#login [name=username]", username)
    await page.fill("#login [name=password]", password)
    await page.click("#login button[type=submit]")
    await expect(page.locator("#nav")).to_be_visible(timeout=WAIT_MS)
    return page


async def open_case(page: Page, app_id: str) -> None:
    await page.goto(f"/console/#/case/{app_id}")
    await expect(page.locator("#case[data-state]")).to_be_visible(timeout=WAIT_MS)


async def state_is(page: Page, state: str) -> None:
    await expect(page.locator("#case")).to_have_attribute("data-state", state, timeout=WAIT_MS)


async def sign_in_runs_out(page: Page, account: str, role: Role) -> None:
    """The console's token swapped for the same account's, expired: as after 30 minutes."""
    expired = issue_token(API_SECRET, account, role, ["01"], ttl_s=-1)
    await page.evaluate(
        """token => {
            const s = JSON.parse(sessionStorage.getItem("ruji.console.session"));
            sessionStorage.setItem("ruji.console.session", JSON.stringify({ ...s, token }));
        }""",
        expired,
    )


async def claimed_then_signed_out(page: Page, app_id: str) -> None:
    """The examiner has claimed the case; then his 30 minutes are up."""
    await open_case(page, app_id)
    await page.click("#act-claim")
    await state_is(page, "UNDER_REVIEW")
    await sign_in_runs_out(page, "ex-changsha", Role.EXAMINER)


async def signed_in_again(page: Page, username: str, password: str) -> None:
    """On the login form a run-out sign-in led to, which says why."""
    await expect(page.locator("#login .err")).to_contain_text("登录已失效", timeout=WAIT_MS)
    await page.fill("#login [name=username]", username)
    await page.fill("#login [name=password]", password)
    await page.click("#login button[type=submit]")


async def in_chinese(page: Page) -> None:
    """The case's trail names who did what in Chinese: no action code, no account id."""
    cells = await page.locator("#audit td:nth-child(n+3)").all_text_contents()
    raw = [c for c in cells if re.search(r"[a-z]+_[a-z]+|acct-", c)]
    assert cells and raw == [], raw


def trail(engine, app_id: str) -> list[tuple[str, str]]:
    with Session(engine) as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.workflow_id == app_id)).all()
        return [(a.actor, a.action) for a in sorted(rows, key=lambda a: a.seq)]


async def test_an_examiner_claims_reads_and_decides_in_the_console(world):
    http, engine, browser, cases, _ = world
    page = await console_as(browser, str(http.base_url), "examiner", "pw-examiner")
    queue = page.locator("#queue tbody tr[data-id]")
    await expect(queue).to_have_count(len(cases), timeout=WAIT_MS)
    app_id, me = cases["approve"]
    await page.click(f'#queue tr[data-id="{app_id}"]')
    await state_is(page, "SUBMITTED")
    await expect(page.locator("#act-approve")).to_be_disabled()  # not his until claimed

    await page.dblclick("#act-claim")  # a double click claims once, and says nothing wrong
    await state_is(page, "UNDER_REVIEW")
    await expect(page.locator("#case .err")).to_be_hidden()
    await expect(page.locator("#case")).to_contain_text("领取人我")
    assert [a for a in trail(engine, app_id) if a[1] == "claimed"] == [
        ("examiner:ex-changsha", "claimed")
    ]
    # what he judges by: card images and OCR beside the confirmed values, the 寸照 and its
    # report, the live frame and its scores, the CHSI / proofs section. What the candidate
    # uploaded loads through its signed URL (the card's portrait and the live frame are cut by
    # the vision activities, whose stand-ins here store no image)
    images = page.locator("#case img.doc-img")
    await expect(images).to_have_count(5)
    for alt in ("头像面", "国徽面", "寸照"):
        shown = page.locator(f'#case img.doc-img[alt="{alt}"]')
        await expect(shown).to_have_js_property("complete", True)
        assert await shown.evaluate("i => i.naturalWidth") > 0, alt
    await expect(page.locator("#ocr-table tr[data-field=id_number]")).to_contain_text(number(20))
    await expect(page.locator("#photo-report tbody tr")).not_to_have_count(0)
    await expect(page.locator("#face-matches tbody tr")).not_to_have_count(0)
    await expect(page.locator("#checklist")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "50-console-case-claimed.png", full_page=True)

    await page.click("#act-approve")
    await page.click("#dialog-ok")
    await state_is(page, "APPROVED")
    for action in ("claim", "approve", "reject", "return", "release"):
        await expect(page.locator(f"#act-{action}")).to_be_disabled()
    mine = (await http.get("/api/v1/me", headers=me)).json()
    assert mine["state"] == "APPROVED", mine

    app_id, me = cases["reject"]
    await open_case(page, app_id)
    await page.click("#act-claim")
    await state_is(page, "UNDER_REVIEW")
    await page.click("#act-reject")
    await page.check('.dialog [data-item="photo"]')
    await page.click('.dialog [data-row="photo"] [data-pick]')
    await page.click("#dialog-send")
    await state_is(page, "REJECTED")
    await expect(page.locator("#case .review [data-item=photo]")).to_contain_text("寸照")
    mine = (await http.get("/api/v1/me", headers=me)).json()
    assert mine["state"] == "REJECTED", mine
    assert [i["item"] for i in mine["review"]["items"]] == ["photo"], mine

    app_id, me = cases["return"]
    await open_case(page, app_id)
    await page.click("#act-claim")
    await state_is(page, "UNDER_REVIEW")
    await page.click("#act-return")
    await page.click("#dialog-send")  # nothing ticked: told so in Chinese, nothing sent
    await expect(page.locator(".dialog .err")).to_contain_text("请至少勾选一项")
    await page.check('.dialog [data-item="form"]')
    await page.fill('.dialog [data-reason="form"]', "邮政编码与住址不符，请核对")
    await page.click("#dialog-send")
    await state_is(page, "RETURNED")
    mine = (await http.get("/api/v1/me", headers=me)).json()
    assert mine["state"] == "RETURNED" and mine["editable"], mine
    assert mine["review"]["items"] == [{"item": "form", "reason": "邮政编码与住址不符，请核对"}]

    app_id, _ = cases["release"]
    await open_case(page, app_id)
    await page.click("#act-claim")
    await state_is(page, "UNDER_REVIEW")
    await page.click("#act-release")  # on his own case page, asked first
    await page.click("#dialog-ok")
    await state_is(page, "SUBMITTED")
    await expect(page.locator("#act-claim")).to_be_enabled()
    await expect(page.locator("#case")).to_contain_text("领取人未领取")
    assert trail(engine, app_id)[-2:] == [
        ("examiner:ex-changsha", "claimed"),
        ("examiner:ex-changsha", "claim_released"),
    ]
    await in_chinese(page)
    await expect(page.locator("#audit tr").last).to_contain_text("审核员（我）释放领取")
    await page.goto("/console/#/queue")  # back in the queue, nobody's
    row = page.locator(f'#queue tr[data-id="{app_id}"]')
    await expect(row).to_be_visible(timeout=WAIT_MS)
    await expect(row.locator("td").last).to_have_text("")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_second_examiner_cannot_act_until_an_admin_reassigns_the_case(world):
    http, engine, browser, cases, (second_id, second_login) = world
    app_id, me = cases["contested"]
    first = bearer(await staff_token(http, "examiner"))
    path = f"/api/v1/examiner/applications/{app_id}"
    assert (await http.post(f"{path}/claim", headers=first)).status_code == 200
    found = (await http.get("/api/v1/office/cases?mine=true", headers=first)).json()
    assert app_id in [r["application_id"] for r in found["rows"]], found
    assert found["staff"] == {"ex-changsha": "examiner"}, found  # the search shows names too

    page = await console_as(browser, str(http.base_url), **second_login)
    await open_case(page, app_id)
    await state_is(page, "UNDER_REVIEW")
    await expect(page.locator("#case")).to_contain_text(
        "领取人其他审核员（examiner）"
    )  # whom to ask
    for action in ("claim", "approve", "reject", "return", "release"):
        await expect(page.locator(f"#act-{action}")).to_be_disabled()
    await expect(page.locator("#to-reassign")).to_have_count(0)  # an admin's move
    await page.goto("/console/#/queue?status=UNDER_REVIEW")
    holder = page.locator(f'#queue tr[data-id="{app_id}"] td').last
    await expect(holder).to_have_text("examiner", timeout=WAIT_MS)
    # nor over HTTP, by any route that changes a case
    second = bearer((await http.post("/api/v1/staff/login", json=second_login)).json()["token"])
    items = {"items": [{"item": "form", "reason": "x"}]}
    for route, body in (
        (f"{path}/claim", None),
        (f"{path}/approve", {"override_reason": "已现场核验"}),
        (f"{path}/reject", items),
        (f"{path}/return", items),
        (f"/api/v1/office/cases/{app_id}/release", None),
        (f"/api/v1/office/cases/{app_id}/reassign", {"examiner": second_id}),
    ):
        r = await http.post(route, json=body, headers=second)
        assert r.status_code in (403, 409), (route, r.text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"]), (route, r.text)
    r = await http.post(
        "/api/v1/office/bulk-approve", json={"application_ids": [app_id]}, headers=second
    )
    assert '"ok":false' in r.text.replace(" ", ""), r.text
    assert trail(engine, app_id)[-1] == ("examiner:ex-changsha", "claimed")  # nothing moved

    admin = await console_as(browser, str(http.base_url), "admin", "pw-admin")
    await open_case(admin, app_id)
    await admin.click("#to-reassign")
    target = admin.locator("#office-case select[name=examiner]")
    await expect(target).to_be_visible(timeout=WAIT_MS)
    labels = await target.locator("option").all_text_contents()
    assert "examiner3（审核员）" in labels and not any("examiner2" in t for t in labels), labels
    await target.select_option(label="examiner3（审核员）")
    await admin.click("#reassign")
    await expect(admin.locator("#holder")).to_have_text("examiner3", timeout=WAIT_MS)
    reassigned = admin.locator(f'#trail tr[data-action="claim_reassigned:{second_id}"]')
    await expect(reassigned).to_contain_text("管理员（我）")
    await expect(reassigned).to_contain_text("改派给 examiner3")
    assert trail(engine, app_id)[-1] == ("admin:admin", f"claim_reassigned:{second_id}")

    await open_case(page, app_id)
    await state_is(page, "UNDER_REVIEW")
    await expect(page.locator("#case")).to_contain_text("领取人我")
    await in_chinese(page)
    await expect(page.locator("#audit tr").last).to_contain_text("管理员 admin改派给 examiner3")
    await page.click("#act-approve")
    await page.click("#dialog-ok")
    await state_is(page, "APPROVED")
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "APPROVED"
    assert page.errors == [] and admin.errors == []  # type: ignore[attr-defined]


async def test_the_examiner_sees_what_was_typed_over_the_card_and_the_major_s_proof(world):
    http, _engine, browser, cases, _ = world
    page = await console_as(browser, str(http.base_url), "examiner", "pw-examiner")
    await open_case(page, cases["typed"][0])
    name = page.locator("#ocr-table tr[data-field=name]")
    await expect(name).to_have_class("corrected")
    await expect(name.locator("td").nth(2)).to_contain_text("李四")
    await expect(name.locator("td").nth(2)).to_contain_text("考生修改")
    await expect(page.locator("#case .case-head")).to_contain_text("需人工复核")

    await open_case(page, cases["nursing"][0])
    await expect(page.locator("#case")).to_contain_text("限制性专业")
    proof = page.locator("#checklist > li.ok")
    await expect(proof).to_have_count(1)
    link = proof.locator("a.file")
    await expect(link).to_have_count(1)
    shown = await page.request.get(await link.get_attribute("href"))
    assert (shown.status, shown.headers["content-type"]) == (200, "image/jpeg"), PROOF
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_sign_in_that_ran_out_mid_case_comes_back_to_the_case(world):
    """Staff sign-ins last 30 minutes: one that runs out while he reads a case sends him to the
    login form saying why, and signed in again he is back on that case, not at the queue."""
    http, _engine, browser, cases, _ = world
    app_id, me = cases["expiry"]
    page = await console_as(browser, str(http.base_url), "examiner", "pw-examiner")
    await claimed_then_signed_out(page, app_id)
    await page.click("#act-approve")
    await page.click("#dialog-ok")
    await signed_in_again(page, "examiner", "pw-examiner")
    await state_is(page, "UNDER_REVIEW")
    assert page.url.endswith(f"#/case/{app_id}"), page.url
    await page.click("#act-approve")
    await page.click("#dialog-ok")
    await state_is(page, "APPROVED")
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "APPROVED"
    assert page.errors == []  # type: ignore[attr-defined]


async def test_bulk_approval_asks_before_it_approves(world):
    http, _engine, browser, cases, _ = world
    app_id, me = cases["bulk"]
    page = await console_as(browser, str(http.base_url), "examiner", "pw-examiner")
    await page.click('[data-nav="bulk"]')
    await page.check(f'#bulk-list tr[data-id="{app_id}"] input')
    await page.click("#bulk-approve")
    await expect(page.locator(".dialog")).to_contain_text("确认批量审核通过已勾选的 1 件申请")
    await page.keyboard.press("Escape")  # changed his mind: nothing sent
    await expect(page.locator(".dialog")).to_have_count(0)
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "SUBMITTED"
    await page.click("#bulk-approve")
    await page.click("#dialog-ok")
    status = page.locator("#bulk-status[data-done]")
    await expect(status).to_have_text("完成：通过 1 件，未通过 0 件", timeout=WAIT_MS)
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "APPROVED"
    assert page.errors == []  # type: ignore[attr-defined]


async def test_reasons_written_when_the_sign_in_ran_out_are_offered_again(world):
    """He wrote why the form goes back, the sign-in had run out: the return was refused and the
    dialog gone. Signed in again, the dialog reopens with what he wrote, and it goes through."""
    http, _engine, browser, cases, _ = world
    app_id, me = cases["draft"]
    page = await console_as(browser, str(http.base_url), "examiner", "pw-examiner")
    await claimed_then_signed_out(page, app_id)
    reason = "联系电话与本人手机号不一致，请核对"
    await page.click("#act-return")
    await page.check('.dialog [data-item="form"]')
    await page.fill('.dialog [data-reason="form"]', reason)
    await page.click("#dialog-send")
    await signed_in_again(page, "examiner", "pw-examiner")
    await state_is(page, "UNDER_REVIEW")
    await page.click("#act-return")
    await expect(page.locator('.dialog [data-item="form"]')).to_be_checked()
    await expect(page.locator('.dialog [data-reason="form"]')).to_have_value(reason)
    await page.click("#dialog-send")
    await state_is(page, "RETURNED")
    mine = (await http.get("/api/v1/me", headers=me)).json()
    assert mine["review"]["items"] == [{"item": "form", "reason": reason}], mine
    kept = await page.evaluate("Object.keys(sessionStorage).filter(k => k.includes('draft'))")
    assert kept == [], kept
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_case_claimed_by_another_meanwhile_is_shown_as_it_now_is(world):
    """He opened a waiting case; another examiner claimed it before he pressed 领取: he reads
    why it was refused and the page shows the case as it now is, held by the other."""
    http, _engine, browser, cases, (_, second_login) = world
    app_id, _ = cases["stale"]
    page = await console_as(browser, str(http.base_url), "examiner", "pw-examiner")
    await open_case(page, app_id)
    await state_is(page, "SUBMITTED")
    second = bearer((await http.post("/api/v1/staff/login", json=second_login)).json()["token"])
    r = await http.post(f"/api/v1/examiner/applications/{app_id}/claim", headers=second)
    assert r.status_code == 200, r.text
    await page.click("#act-claim")
    await expect(page.locator("#case .err")).to_contain_text("已被其他审核员", timeout=WAIT_MS)
    await state_is(page, "UNDER_REVIEW")
    await expect(page.locator("#case")).to_contain_text("领取人其他审核员（examiner3）")
    await expect(page.locator("#act-claim")).to_be_disabled()
    assert page.errors == []  # type: ignore[attr-defined]
