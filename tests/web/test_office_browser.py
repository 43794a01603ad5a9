"""The back office in Debian's Chromium against the real app over HTTP, real workflows on the
Temporal dev server and vision stand-ins: 20 candidates submit clean applications; an operator
finds one by ID number and by phone; an examiner approves all 20 in one bulk action; the
review deadline passes and tickets are issued; an operator downloads the XLSX and the photo ZIP
and both are read back (every approved case once, with its 准考证号; photos named by it).

The candidates are driven over HTTP (the H5 has its own browser test): the browser part is the
console. Waits are on selectors and page state, never sleeps."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlmodel import Session, col, select

from domain.masking import mask_id_number
from infra.db import Application, AuditEvent, StaffAudit, Ticket, create_schema, make_engine
from tests.api.server import seed
from tests.security.stack import (
    bearer,
    register,
    running_stack,
    staff_token,
    submit_application,
)
from tests.web.conftest import ARGS, CHROMIUM
from tests.web.test_browser_flow import ARTIFACTS
from tests.workflows.harness import valid_id_number

PERIOD = "2026-2-office"  # its own period workflow on the shared dev server
CASES = 20
CONSOLE = {"width": 1440, "height": 900}
WAIT_MS = 30_000
#: the bulk action decides 20 cases of 2 updates each on the shared 2 cores
BULK_WAIT_MS = 120_000


def number(i: int) -> str:
    return valid_id_number(800 + i)


def phone(i: int) -> str:
    return f"1378800{i:04d}"


async def submit_clean(http, sms, i: int) -> str:
    """Confirmed exactly as read: a corrected field would flag the case for an examiner's look."""
    app_id, me = await register(http, sms, number(i), phone(i))
    await submit_application(http, me, number(i), None)
    return app_id


@pytest.fixture(scope="module")
async def office(dev_env, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("office-web")
    engine = make_engine(f"sqlite:///{tmp / 'read.db'}")
    create_schema(engine)
    seed(engine, PERIOD)
    # 20 candidates register from one test address: above the per-address probe limit
    limits = {"probe_limit_per_ip": 10 * (CASES + 1)}
    async with running_stack(dev_env.client, engine, tmp, **limits) as (http, settings, sms):
        admin = bearer(await staff_token(http, "admin"))
        now = datetime.now(UTC)
        period = {
            "period_id": PERIOD,
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(minutes=30)).isoformat(),
            "review_deadline": (now + timedelta(minutes=30)).isoformat(),
        }
        r = await http.post("/api/v1/admin/periods", json=period, headers=admin)
        assert r.status_code == 201, r.text
        while not (await http.get("/api/v1/period")).json()["open"]:  # the workflow opens it
            await asyncio.sleep(0.1)
        gate = asyncio.Semaphore(4)

        async def one(i: int) -> str:
            async with gate:
                return await submit_clean(http, sms, i)

        # one more, which an admin claims while the examiner has it ticked
        ids = await asyncio.gather(*(one(i) for i in range(CASES + 1)))
        yield http, engine, admin, ids[:CASES], ids[CASES]
    engine.dispose()


@pytest.fixture(scope="module")
async def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/setup.sh"
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


async def console_as(browser: Browser, base: str, username: str) -> Page:
    page = await (await browser.new_context(viewport=CONSOLE, accept_downloads=True)).new_page()
    await page.goto(f"{base}/console/#/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", f"pw-{username}")
    await page.click("#login button[type=submit]")
    await expect(page.locator("#nav")).to_be_visible(timeout=WAIT_MS)
    return page


async def snap(page: Page, name: str) -> None:
    """No horizontal scrolling at the console's viewport, then a screenshot as an artefact."""
    width, inner = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{name}: page is {width}px wide in a {inner}px viewport"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


async def test_an_operator_finds_a_case_by_id_number_and_by_phone(office, browser):
    http, engine, _, ids, _ = office
    page = await console_as(browser, str(http.base_url), "operator")
    await page.click('#nav a[data-nav="search"]')
    await page.select_option("#search select[name=kind]", "id_number")
    await page.fill("#search input[name=value]", number(7).lower())
    await page.click("#search button[type=submit]")
    rows = page.locator("#search-results tbody tr[data-id]")
    await expect(rows).to_have_count(1, timeout=WAIT_MS)
    await expect(rows.first).to_have_attribute("data-id", ids[7])
    await expect(rows.first).to_contain_text(mask_id_number(number(7)))
    await snap(page, "office-01-search")

    await page.select_option("#search select[name=kind]", "phone")
    await page.fill("#search input[name=value]", phone(3))
    await page.click("#search button[type=submit]")
    await expect(rows.first).to_have_attribute("data-id", ids[3], timeout=WAIT_MS)
    await expect(rows).to_have_count(1)
    await rows.first.locator("a").click()
    web_ui = page.locator("#office-case #web-ui")
    await expect(web_ui).to_have_attribute(
        "href", f"http://127.0.0.1:8233/namespaces/default/workflows/{ids[3]}", timeout=WAIT_MS
    )
    await expect(page.locator('#trail tr[data-action="submitted"]')).to_contain_text("提交申请")
    await expect(page.locator("#release")).to_have_count(0)  # operators read, never act
    await snap(page, "office-02-case")
    with Session(engine) as s:
        searches = s.exec(select(StaffAudit).where(StaffAudit.action == "search")).all()
        assert [(a.actor, a.filters) for a in searches][-2:] == [
            ("operator", '{"by": ["id_number"], "page": 1}'),
            ("operator", '{"by": ["phone"], "page": 1}'),
        ]


async def test_an_examiner_approves_twenty_clean_cases_in_one_action(office, browser):
    """21 ticked; one is claimed by an admin meanwhile: 20 approved, that one listed as failed
    with its Chinese reason and left with its holder."""
    http, engine, admin, ids, contested = office
    # a major the admin adds this period is one the examiner can filter by
    added = {"name": "数据科学与大数据技术", "level": "benke", "restricted": False}
    edit = f"/api/v1/admin/periods/{PERIOD}/majors/080910"
    assert (await http.put(edit, json=added, headers=admin)).status_code == 200
    page = await console_as(browser, str(http.base_url), "examiner")
    await page.click('#nav a[data-nav="bulk"]')
    listed = page.locator("#bulk-list tbody tr[data-id]")
    await expect(listed).to_have_count(CASES + 1, timeout=WAIT_MS)
    await expect(listed.first).to_contain_text("530302 ")  # code and name
    await page.select_option("select[name=major]", "080910")  # nobody chose it
    await expect(page.locator("#bulk-list .empty")).to_be_visible(timeout=WAIT_MS)
    await page.select_option("select[name=major]", "530302")
    await expect(listed).to_have_count(CASES + 1, timeout=WAIT_MS)
    await page.check("#bulk-all")
    await expect(page.locator("#bulk-approve")).to_have_text(f"批量审核通过（{CASES + 1} 件）")
    claim = f"/api/v1/examiner/applications/{contested}/claim"
    assert (await http.post(claim, headers=admin)).status_code == 200
    await page.click("#bulk-approve")
    await page.click("#dialog-ok")  # asked first: many approvals at once are not undone
    status = page.locator("#bulk-status[data-done]")
    await expect(status).to_have_text(f"完成：通过 {CASES} 件，未通过 1 件", timeout=BULK_WAIT_MS)
    failure = page.locator("#bulk-failures li")
    await expect(failure).to_have_count(1)
    await expect(failure).to_have_attribute("data-id", contested)
    await expect(failure).to_contain_text(
        "该申请不符合批量审核条件，请逐件审核：已被其他审核员（admin）领取"
    )
    await expect(page.locator("#bulk-approve")).to_have_text("批量审核通过（1 件）")  # what is left
    await snap(page, "office-03-bulk")
    with Session(engine) as s:
        rows = s.exec(select(Application).where(col(Application.workflow_id).in_(ids))).all()
        assert len(rows) == CASES and {r.status for r in rows} == {"APPROVED"}
        for app_id in ids:  # each case decided on its own: its own claim and approval rows
            trail = s.exec(select(AuditEvent).where(AuditEvent.workflow_id == app_id)).all()
            actions = [(a.actor, a.action) for a in trail]
            assert actions[-2:] == [
                ("examiner:ex-changsha", "claimed"),
                ("examiner:ex-changsha", "approved"),
            ]
        held = s.get(Application, contested)
        assert held is not None and (held.status, held.claimed_by) == ("UNDER_REVIEW", "admin")


async def issued_tickets(http, engine, admin, ids) -> dict[str, str]:
    closes = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    r = await http.put(
        f"/api/v1/admin/periods/{PERIOD}/window", json={"closes_at": closes}, headers=admin
    )
    assert r.status_code == 200, r.text
    r = await http.put(
        f"/api/v1/admin/periods/{PERIOD}/review-deadline",
        json={"review_deadline": closes},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    for _ in range(600):  # the coordinator numbers and delivers; wait for the read model
        with Session(engine) as s:
            issued = s.exec(
                select(Application).where(
                    col(Application.workflow_id).in_(ids), Application.status == "TICKET_ISSUED"
                )
            ).all()
            if len(issued) == len(ids):
                tickets = s.exec(select(Ticket).where(col(Ticket.workflow_id).in_(ids))).all()
                return {t.workflow_id: t.number for t in tickets}
        await asyncio.sleep(0.2)
    raise AssertionError("tickets were not issued")


async def test_after_the_ticket_run_the_xlsx_and_the_photo_zip_carry_every_ticket_once(
    office, browser
):
    http, engine, admin, ids, _ = office
    tickets = await issued_tickets(http, engine, admin, ids)
    page = await console_as(browser, str(http.base_url), "operator")
    await page.click('#nav a[data-nav="exports"]')
    await page.fill("input[name=period]", PERIOD)
    await snap(page, "office-04-exports")

    async with page.expect_download(timeout=WAIT_MS) as xlsx:
        await page.click("#export-xlsx")
    workbook = await xlsx.value
    assert workbook.suggested_filename == f"approved-{PERIOD}.xlsx"
    sheet = load_workbook(
        io.BytesIO(Path(await workbook.path()).read_bytes()), read_only=True
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("准考证号", "姓名", "证件号码")
    assert sorted((r[0], r[2]) for r in rows[1:]) == sorted(
        (tickets[app_id], number(i)) for i, app_id in enumerate(ids)
    )

    async with page.expect_download(timeout=WAIT_MS) as package:
        await page.click("#export-photos")
    archive = zipfile.ZipFile(io.BytesIO(Path(await (await package.value).path()).read_bytes()))
    assert sorted(archive.namelist()) == sorted(f"{t}.jpg" for t in tickets.values())
    assert all(archive.read(name)[:2] == b"\xff\xd8" for name in archive.namelist())

    with Session(engine) as s:
        exports = s.exec(
            select(StaffAudit).where(col(StaffAudit.action).startswith("export:"))
        ).all()
        assert [(a.actor, a.action, a.rows, a.finished_at is not None) for a in exports][-2:] == [
            ("operator", "export:xlsx", CASES, True),
            ("operator", "export:photos", CASES, True),
        ]
