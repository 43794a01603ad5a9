"""CHSI unreachable or silent: the candidate is never stuck on the QR step. With the simulator
process stopped, asking for QR codes is refused in Chinese after the activity's retries and the
candidate takes 「学信网校验失败」 → manual proof → submit; with CHSI silent after the codes were
shown, the timeout opens the same manual path."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.enrollment import ApplicationView, AttachmentUpload
from domain.states import AppState
from simulators.chsi_identities import IDENTITIES
from tests.faults.audit import start_period
from tests.faults.driver import Candidate, Driver
from tests.faults.stack import FaultStack
from tests.workflows.flow import obj, zhuanke_form
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

BENKE_FORM = zhuanke_form(major="120203K")  # 会计学 (专升本): needs the CHSI check
CHSI_TIMEOUT = timedelta(seconds=3)
BUDGET = 90.0


async def benke_draft(driver: Driver, c: Candidate, **input_kw) -> None:
    await driver.register(c, **input_kw)
    await driver.drive(c, AppState.DRAFT)
    assert await driver.update(c, "form", EnrollmentWorkflow.save_form, BENKE_FORM)
    assert (await driver.view(c)).chsi_status == "pending"


async def wait_for_view(driver: Driver, c: Candidate, ok, seconds: float) -> ApplicationView:
    """Poll the query: the CHSI timeout is a timer inside the workflow, nothing to await."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not ok(view := await driver.view(c)) and loop.time() < deadline:
        await asyncio.sleep(0.3)
    return view


async def manual_proof_and_submit(driver: Driver, c: Candidate) -> None:
    view = await driver.view(c)
    assert view.chsi_status == "failed" and view.chsi_codes == []
    assert [item.code for item in view.required_attachments] == ["CHSI_MANUAL_PROOF"]
    proof = AttachmentUpload(code="DIPLOMA", file=obj(f"{c.key}/diploma.jpg"))
    assert await driver.update(c, "proof", EnrollmentWorkflow.upload_attachment, proof)
    assert await driver.update(c, "submit", EnrollmentWorkflow.submit)
    assert (await driver.view(c)).state == AppState.SUBMITTED


async def silent_chsi_times_out(driver: Driver, c: Candidate) -> None:
    await wait_for_view(driver, c, lambda v: v.chsi_status != "pending", CHSI_TIMEOUT.seconds + 30)
    await manual_proof_and_submit(driver, c)


async def chsi_down_then_fallback(driver: Driver, c: Candidate) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await c.handle.execute_update(EnrollmentWorkflow.request_chsi_codes)  # type: ignore[union-attr]
    cause = refused.value.cause
    assert cause.type == "CHSI_UNAVAILABLE", cause  # type: ignore[attr-defined]
    assert "学信网" in cause.message and "「学信网校验失败」" in cause.message  # names the way out
    assert (await driver.view(c)).chsi_status == "pending"  # nothing changed: he may try again
    assert await driver.update(c, "chsi_failed", EnrollmentWorkflow.chsi_failed)
    await manual_proof_and_submit(driver, c)


async def test_chsi_down_or_silent_leads_to_the_manual_path(stack: FaultStack):
    assert stack.client is not None
    period_id = f"2026-2-c{stack.tag}"
    driver = stack.driver(period_id, budget=BUDGET, phone_prefix="1393")
    await start_period(stack.client, stack.queue, period_id)
    silent = driver.candidate(0, IDENTITIES["nurse"].id_number)
    down = driver.candidate(1, valid_id_number(391))
    await asyncio.gather(
        benke_draft(driver, silent, chsi_timeout=CHSI_TIMEOUT), benke_draft(driver, down)
    )

    sim_url = f"http://127.0.0.1:{stack.chsi_port}"
    async with httpx.AsyncClient(base_url=sim_url, timeout=10) as sim:
        await sim.put("/mode", json={"mode": "silent"})
        view = await silent.handle.execute_update(EnrollmentWorkflow.request_chsi_codes)  # type: ignore[union-attr]
        token = next(code.token for code in view.chsi_codes if code.kind == "xueji")
        r = await sim.post("/scan", json={"token": token, "identity_key": "nurse"})
        assert r.status_code == 200 and not r.json()["delivered"], r.text
        await sim.put("/mode", json={"mode": "now"})

    await stack.stop("chsi")  # SIGTERM: CHSI is now unreachable
    try:
        await asyncio.gather(
            silent_chsi_times_out(driver, silent), chsi_down_then_fallback(driver, down)
        )
    finally:
        await stack.start("chsi")
    assert driver.journal.unexplained() == [], driver.journal.log
