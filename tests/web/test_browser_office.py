"""The office's pages in Debian's Chromium (issue 17 acceptance): an admin edits a restricted
major's Attachment 1 condition in the console and a candidate picking that major in the H5 reads
the new text; the statistics page draws its charts and hands out the numbers as CSV; the
examiner's case page names the version of the notice the candidate accepted.

Against the real API over HTTP with the real enrollment worker and the vision stand-ins
(tests/security/stack.py), not `ruji dev`: the vision models are not what is tested here, and
loading them would cost minutes. Waits are on selectors, never sleeps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from domain.notice import NOTICE_VERSION
from tests.security.stack import (
    FORM,
    reach_draft,
    register,
    running_stack,
    seeded_database,
)
from tests.web.conftest import CHROMIUM
from tests.web.test_browser_flow import ARTIFACTS, CONSOLE, H5
from tests.workflows.harness import valid_id_number

NURSING = "520201"  # 护理 (专科), restricted by Attachment 1
CONDITION = "须持有护士执业资格证书，并在本省医疗卫生机构从事护理工作满一年（2026年修订）"
CHARTS = (
    "chart-regions",
    "chart-majors",
    "chart-levels",
    "chart-decisions",
    "chart-queue-age",
    "chart-examiners",
    "chart-daily",
)


@pytest.fixture(scope="module")
async def office(dev_env, tmp_path_factory) -> AsyncIterator[tuple]:
    tmp = tmp_path_factory.mktemp("office-web")
    engine = seeded_database(tmp)
    async with running_stack(dev_env.client, engine, tmp) as (http, _settings, sms):
        yield http, sms
    engine.dispose()


async def no_overflow(page: Page, name: str) -> None:
    width, inner = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{name}: page is {width}px wide in a {inner}px viewport"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


async def test_a_condition_edited_in_the_console_is_read_in_the_h5_and_stats_are_drawn(office):
    http, sms = office
    number = valid_id_number(611)
    application_id, me = await register(http, sms, number, "13722220611")
    await reach_draft(http, me, number, "张三")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        errors: list[str] = []
        console_context = await browser.new_context(
            viewport=CONSOLE, locale="zh-CN", base_url=str(http.base_url), accept_downloads=True
        )
        console = await console_context.new_page()
        console.on("pageerror", lambda exc: errors.append(str(exc)))
        await console.goto("/console/#/login")
        await console.fill("#login [name=username]", "admin")
        await console.fill("#login [name=password]", "pw-admin")
        await console.click("#login button[type=submit]")
        await console.click('[data-nav="admin"]')
        await console.click(f'#majors [data-edit="{NURSING}"]')
        editor = console.locator(f'[data-editing="{NURSING}"]')
        await editor.locator("[name=condition_text]").fill(CONDITION)
        await editor.locator("button").click()
        row = console.locator(f'#majors tr[data-major="{NURSING}"]')
        await expect(row.locator("td.condition")).to_have_text(CONDITION)
        await expect(row).to_contain_text("第 1 版")
        await no_overflow(console, "30-console-admin")

        h5_context = await browser.new_context(
            viewport=H5, locale="zh-CN", base_url=str(http.base_url)
        )
        token = me["authorization"].removeprefix("Bearer ")
        await h5_context.add_init_script(
            f"localStorage.setItem('ruji.h5.token', {json.dumps(token)})"
        )
        h5 = await h5_context.new_page()
        h5.on("pageerror", lambda exc: errors.append(str(exc)))
        await h5.goto("/h5/#form")
        await expect(h5.locator("#app")).to_have_attribute("data-screen", "form")
        condition = h5.locator("#major-condition")
        await expect(condition).to_be_hidden()
        await h5.select_option("#enroll-form [name=major]", NURSING)
        await expect(condition).to_be_visible()
        await expect(condition).to_contain_text(CONDITION)
        await no_overflow(h5, "31-h5-major-condition")
        await h5.select_option("#enroll-form [name=major]", FORM["major"])
        await expect(condition).to_be_hidden()

        r = await http.put("/api/v1/me/form", json=FORM, headers=me)
        assert r.status_code == 200, r.text
        assert (await http.post("/api/v1/me/submit", headers=me)).json()["state"] == "SUBMITTED"
        await console.click('[data-nav="stats"]')
        for chart in CHARTS:
            await expect(console.locator(f"#{chart}")).to_be_visible()
        await expect(console.locator("#chart-regions rect.bar")).to_have_count(1)
        await expect(console.locator("#chart-queue-age rect.bar")).to_have_count(1)
        await expect(console.locator("#chart-daily circle")).to_have_count(2)
        await no_overflow(console, "32-console-stats")
        await console.goto(f"/console/#/case/{application_id}")
        await expect(console.locator("#case")).to_contain_text(f"须知版本{NOTICE_VERSION}")

        await console.click('[data-nav="stats"]')
        async with console.expect_download() as download:
            await console.click('[data-table="regions"] [data-csv]')
        saved = await (await download.value).path()
        rows = Path(saved).read_text(encoding="utf-8-sig").splitlines()
        assert rows == ["代码,名称,合计,待审/退回,通过,不通过", "01,长沙市,1,1,0,0"]
        await browser.close()
    assert errors == []
