"""「现场核验」 in Debian's Chromium: an examiner opens the page from the console's menu, finds a
candidate waiting at his face step by the ID number on his card, is asked what he checked,
confirms, and reads the outcome; the candidate's case has moved on to the notice.

Against the real API over HTTP with the real enrollment worker and the vision stand-ins
(tests/security/stack.py). Waits are on selectors, never sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import async_playwright, expect

from tests.security.stack import running_stack, seeded_database
from tests.security.test_face_on_site_http import at_face_step
from tests.web.conftest import ARGS, CHROMIUM
from tests.web.test_browser_flow import ARTIFACTS, CONSOLE
from tests.workflows.harness import valid_id_number

WAIT_MS = 30_000


@pytest.fixture(scope="module")
async def stack(dev_env, tmp_path_factory) -> AsyncIterator[tuple]:
    tmp = tmp_path_factory.mktemp("face-on-site-web")
    engine = seeded_database(tmp)
    async with running_stack(dev_env.client, engine, tmp) as (http, _settings, sms):
        yield http, sms
    engine.dispose()


async def test_an_examiner_records_an_on_site_face_check_in_the_console(stack) -> None:
    http, sms = stack
    number = valid_id_number(931)
    application_id, me = await at_face_step(http, sms, number, "13733330931")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(
            viewport=CONSOLE, locale="zh-CN", base_url=str(http.base_url)
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto("/console/#/login")
        await page.fill("#login [name=username]", "examiner")
        await page.fill("#login [name=password]", "pw-examiner")
        await page.click("#login button[type=submit]")
        await page.click('[data-nav="face-on-site"]')
        await page.fill("#on-site-search [name=id_number]", number)
        await page.click("#on-site-search button[type=submit]")

        found = page.locator(f'.on-site[data-id="{application_id}"]')
        await expect(found).to_be_visible(timeout=WAIT_MS)
        await expect(found.locator(".tag")).to_have_text("待人脸核验")
        await expect(found.locator("figure")).to_have_count(3)
        confirm = found.locator(f'[data-on-site="{application_id}"]')
        await confirm.click()  # no reason yet: asked for one, nothing sent
        await expect(found.locator(".err")).to_contain_text("请填写核验说明")
        await found.locator("[name=reason]").fill("已核对身份证原件，本人与证件照片一致")
        await confirm.click()
        await page.click("#dialog-ok")
        outcome = found.locator(".ok-line")
        await expect(outcome).to_contain_text("已登记现场核验", timeout=WAIT_MS)
        await expect(outcome).to_contain_text("待阅读须知")
        await expect(found.locator(".tag")).to_have_text("待阅读须知")
        width, inner = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width <= inner, f"page is {width}px wide in a {inner}px viewport"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=ARTIFACTS / "40-console-face-on-site.png", full_page=True)

        await page.click("#on-site-search button[type=submit]")  # looked up again: gone
        await expect(page.locator("#on-site-out .empty")).to_be_visible(timeout=WAIT_MS)
        await browser.close()
    assert errors == []
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "NOTICE_PENDING"
