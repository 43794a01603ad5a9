"""The admin's and operator's period work in Debian's Chromium, on Beijing time, against the real
app and period workflow: an admin creates a period in 系统管理 and sees it listed at once, in
Chinese; an operator extends its review deadline on 考期管理; 「立即截止入籍」 asks before it ends
every unsubmitted application of the period; the statistics page opens for the operator.

Waits are on selectors, never sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, async_playwright, expect

from domain.roles import Role
from tests.security.stack import bearer, running_stack, seeded_database, staff_token
from tests.web.conftest import ARGS, CHROMIUM
from tests.web.test_examiner_walk_browser import console_as, sign_in_runs_out, signed_in_again

PERIOD = "2031-1-o4"  # its own period workflow on the session's dev server
OPENING = "2031-1-o5"  # opens a few seconds after it is created
BEIJING = ZoneInfo("Asia/Shanghai")
WAIT_MS = 30_000


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory) -> AsyncIterator[tuple]:
    tmp = tmp_path_factory.mktemp("period-console")
    engine = seeded_database(tmp)
    async with running_stack(dev_env.client, engine, tmp) as (http, _settings, _sms):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield http, browser
            await browser.close()
    engine.dispose()


def local(at: datetime) -> str:
    """As a datetime-local input of a Beijing browser holds it."""
    return at.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M:%S")


async def signed_in(browser, base: str, username: str) -> Page:
    return await console_as(browser, base, username, f"pw-{username}", timezone_id="Asia/Shanghai")


async def create_period(admin: Page, period_id: str, opens_at: datetime) -> None:
    """Through 系统管理's form: closing three days and reviewed five days after `opens_at`."""
    form = admin.locator("#new-period")
    await form.locator("[name=period_id]").fill(period_id)
    await form.locator("[name=opens_at]").fill(local(opens_at))
    await form.locator("[name=closes_at]").fill(local(opens_at + timedelta(days=3)))
    await form.locator("[name=review_deadline]").fill(local(opens_at + timedelta(days=5)))
    await form.locator("button[type=submit]").click()


async def test_an_admin_opens_a_period_an_operator_extends_it_and_closing_asks_first(world):
    http, browser = world
    now = datetime.now(UTC).replace(microsecond=0)
    admin = await signed_in(browser, str(http.base_url), "admin")
    await admin.click('[data-nav="admin"]')
    opens = now - timedelta(minutes=1)
    await create_period(admin, PERIOD, opens)
    said = admin.locator("#app > section > .ok-line")
    await expect(admin.locator("#admin-periods .err")).to_be_hidden()
    await expect(said).to_contain_text(f"考期 {PERIOD} 已创建")
    listed = admin.locator(f'#admin-periods li[data-period="{PERIOD}"]')
    await expect(listed).to_be_visible()  # listed with the answer, not after a manual reload
    await expect(listed).to_contain_text("入籍中", timeout=WAIT_MS)  # in Chinese, not OPEN

    operator = await signed_in(browser, str(http.base_url), "operator")
    card = operator.locator(f'.period[data-period="{PERIOD}"]')
    await expect(card).to_have_attribute("data-state", "OPEN", timeout=WAIT_MS)
    later = now + timedelta(days=9)
    await card.locator("[name=review_deadline]").fill(local(later))
    await card.locator(f"#save-{PERIOD}").click()
    await expect(card.locator(".ok-line")).to_contain_text("已保存", timeout=WAIT_MS)
    op = bearer(await staff_token(http, "operator"))
    config = (await http.get(f"/api/v1/admin/periods/{PERIOD}", headers=op)).json()["config"]
    assert datetime.fromisoformat(config["review_deadline"]) == later, config
    await operator.click('[data-nav="stats"]')
    await expect(operator.locator("#chart-regions")).to_be_visible(timeout=WAIT_MS)

    await admin.reload()
    close = admin.locator(f'#admin-periods [data-close="{PERIOD}"]')
    await close.click()  # asked first: cancelled, nothing moved
    await admin.keyboard.press("Escape")
    config = (await http.get(f"/api/v1/admin/periods/{PERIOD}", headers=op)).json()["config"]
    assert datetime.fromisoformat(config["closes_at"]) == opens + timedelta(days=3), config
    await close.click()
    await admin.click("#dialog-ok")
    await expect(said).to_contain_text(f"考期 {PERIOD} 已截止入籍")
    config = (await http.get(f"/api/v1/admin/periods/{PERIOD}", headers=op)).json()["config"]
    assert datetime.fromisoformat(config["closes_at"]) <= datetime.now(UTC), config
    assert admin.errors == [] and operator.errors == []  # type: ignore[attr-defined]


async def test_the_admin_list_follows_a_period_that_opens_while_it_is_shown(world):
    """The list was read once per page: a period that opened while the admin kept the page open
    still said 未开始, with no 「立即截止入籍」, until a reload."""
    http, browser = world
    now = datetime.now(UTC).replace(microsecond=0)
    admin = await signed_in(browser, str(http.base_url), "admin")
    await admin.click('[data-nav="admin"]')
    await create_period(admin, OPENING, now + timedelta(seconds=20))
    listed = admin.locator(f'#admin-periods li[data-period="{OPENING}"]')
    await expect(listed).to_contain_text("未开始")
    await expect(listed.locator("[data-close]")).to_be_hidden()
    typed = "2031-2-typing"  # the creation form keeps what the admin is typing meanwhile
    form = admin.locator("#new-period")
    await form.locator("[name=period_id]").fill(typed)

    await expect(listed).to_contain_text("入籍中", timeout=20_000 + WAIT_MS)
    await expect(listed.locator("[data-close]")).to_be_visible()
    await expect(form.locator("[name=period_id]")).to_have_value(typed)
    assert admin.errors == []  # type: ignore[attr-defined]


async def test_a_download_after_the_sign_in_ran_out_goes_by_the_login_form_and_back(world):
    """Downloads and the bulk stream fetch on their own: a 401 there was only a red line on the
    page, the console still looking signed in; now it is the same as any other request's."""
    http, browser = world
    operator = await signed_in(browser, str(http.base_url), "operator")
    await operator.click('[data-nav="exports"]')
    await sign_in_runs_out(operator, "operator", Role.OPERATOR)
    await operator.click("#export-csv")
    await signed_in_again(operator, "operator", "pw-operator")
    await expect(operator.locator("#app")).to_have_attribute("data-view", "exports")
    async with operator.expect_download(timeout=WAIT_MS) as download:
        await operator.click("#export-csv")
    assert (await download.value).suggested_filename.endswith(".csv")
    assert operator.errors == []  # type: ignore[attr-defined]
