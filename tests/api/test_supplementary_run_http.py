"""R16's supplementary run walked end to end over HTTP on the real period workflow: three cases
approved before the review deadline get their numbers from the regular run; a fourth, claimed in
time but approved after the deadline, is told its number comes separately; an operator starts
the supplementary run from the console's 考期管理 (Debian's Chromium), pressing twice; the fourth
reads his number in 「我的考籍信息」, the sequence continues, nothing is given twice and the
regular run's numbers are unchanged.

Identities of area 430121 (长沙县), which no other test uses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect
from sqlmodel import Session, select

from infra.db import Ticket, create_schema, make_engine
from tests.api.server import seed
from tests.api.test_guide_paths_http import examiner_call
from tests.security.stack import bearer, register, running_stack, staff_token, submit_application
from tests.web.conftest import ARGS, CHROMIUM
from tests.web.test_examiner_walk_browser import console_as
from tests.workflows.harness import valid_id_number

AREA = "430121"
PERIOD = "2026-2-supp"  # its own period workflow on the session's dev server
WAIT_S = 60


def number(serial: int) -> str:
    return valid_id_number(serial, area=AREA)


async def eventually(check: Callable, what: str):
    """Polls an async check until it returns something truthy (the workflows run on their own)."""
    for _ in range(WAIT_S * 5):
        if found := await check():
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {WAIT_S} s")


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("supplementary")
    engine = make_engine(f"sqlite:///{tmp / 'read.db'}")
    create_schema(engine)
    seed(engine, PERIOD)
    async with running_stack(dev_env.client, engine, tmp) as (http, _settings, sms):
        yield http, sms, engine
    engine.dispose()


async def period_state(http: httpx.AsyncClient, admin: dict) -> dict:
    r = await http.get(f"/api/v1/admin/periods/{PERIOD}", headers=admin)
    assert r.status_code == 200, r.text
    return r.json()["state"]


async def test_a_late_approval_gets_its_number_from_the_supplementary_run(world):
    http, sms, engine = world
    admin = bearer(await staff_token(http, "admin"))
    examiner = bearer(await staff_token(http, "examiner"))
    now = datetime.now(UTC)
    body = {
        "period_id": PERIOD,
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
        "review_deadline": (now + timedelta(hours=2)).isoformat(),
    }
    assert (await http.post("/api/v1/admin/periods", json=body, headers=admin)).status_code == 201
    await eventually(lambda: period_open(http), "the period opens")

    cases: list[tuple[str, dict]] = []
    for serial in range(40, 44):
        app_id, me = await register(http, sms, number(serial), f"1357012{serial:04d}")
        await submit_application(http, me, number(serial), None)
        assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
        cases.append((app_id, me))
    for app_id, _ in cases[:3]:
        r = await examiner_call(http, examiner, app_id, "approve", {})
        assert r.json()["state"] == "APPROVED", r.text

    # the window and the review deadline end now: the regular run numbers the three
    end = {"closes_at": (datetime.now(UTC) + timedelta(seconds=1)).isoformat()}
    path = f"/api/v1/admin/periods/{PERIOD}"
    assert (await http.put(f"{path}/window", json=end, headers=admin)).status_code == 200
    deadline = {"review_deadline": end["closes_at"]}
    assert (await http.put(f"{path}/review-deadline", json=deadline, headers=admin)).is_success

    async def issued() -> bool:
        return (await period_state(http, admin))["state"] == "ISSUED"

    await eventually(issued, "the regular run")
    regular = {app_id: await ticket_of(http, me) for app_id, me in cases[:3]}
    assert all(regular.values()) and len(set(regular.values())) == 3, regular

    late_id, late_me = cases[3]
    r = await examiner_call(http, examiner, late_id, "approve", {})
    assert r.json()["state"] == "APPROVED", r.text
    mine = (await http.get("/api/v1/me", headers=late_me)).json()
    assert mine["ticket_number"] is None and "另行生成" in mine["ticket_note"], mine

    await supplementary_run_in_the_console(http)
    late = await eventually(lambda: ticket_of(http, late_me), "the late case's number")
    mine = (await http.get("/api/v1/me", headers=late_me)).json()
    assert mine["state"] == "TICKET_ISSUED" and mine["ticket_number"] == late, mine
    told = await eventually(lambda: told_by_sms(sms, "13570120043", late), "the SMS")
    assert told == 1  # once, though the run was asked for twice
    assert late == max([*regular.values(), late]) and late not in regular.values()
    assert {app_id: await ticket_of(http, me) for app_id, me in cases[:3]} == regular
    with Session(engine) as s:
        numbers = [t.number for t in s.exec(select(Ticket).where(Ticket.period_id == PERIOD))]
    assert sorted(numbers) == sorted([*regular.values(), late])
    state = await period_state(http, admin)
    assert (state["state"], state["issued"]) == ("ISSUED", 4), state


async def period_open(http: httpx.AsyncClient) -> bool:
    return (await http.get("/api/v1/period")).json()["open"]


async def told_by_sms(sms, phone: str, number: str) -> int:
    return sum(number in text for text in sms.sent.get(phone, []))


async def ticket_of(http: httpx.AsyncClient, me: dict) -> str | None:
    return (await http.get("/api/v1/me", headers=me)).json()["ticket_number"]


async def supplementary_run_in_the_console(http: httpx.AsyncClient) -> None:
    """The operator's way (docs/operations.md): 考期管理 →「补充生成准考证号」, pressed twice."""
    assert Path(CHROMIUM).exists()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await console_as(browser, str(http.base_url), "operator", "pw-operator")
        card = page.locator(f'.period[data-period="{PERIOD}"]')
        await expect(card).to_have_attribute("data-state", "ISSUED", timeout=WAIT_S * 1000)
        await expect(card.locator("[data-waiting]")).to_have_text("1", timeout=WAIT_S * 1000)
        run = card.locator("button[data-supplementary]")
        await run.dblclick()
        await expect(page.locator(f'.period[data-period="{PERIOD}"] .ok-line')).to_contain_text(
            "补充生成准考证号", timeout=WAIT_S * 1000
        )
        await expect(card.locator(".issued")).to_have_text("4", timeout=WAIT_S * 1000)
        await expect(card.locator("[data-waiting]")).to_have_text("0", timeout=WAIT_S * 1000)
        assert page.errors == []  # type: ignore[attr-defined]
        await browser.close()
