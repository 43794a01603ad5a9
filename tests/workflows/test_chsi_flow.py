"""The CHSI step in the local dev server with the CHSI simulator running over real HTTP: verified,
silent CHSI → timeout → manual upload, 「学信网校验失败」 with a late callback, refreshed codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError

from activities.chsi import ChsiActivities
from domain.enrollment import AttachmentUpload
from domain.states import AppState
from infra.chsi_gateway import HttpChsiGateway
from ruji_cli.dev_procs import free_port
from simulators.chsi import create_app as create_simulator
from simulators.chsi_identities import IDENTITIES
from tests.api.server import serve, serve_app
from tests.workflows.flow import obj, to_draft, zhuanke_form
from tests.workflows.harness import Harness
from workflows.enrollment import EnrollmentWorkflow

CALLBACK_SECRET = "chsi-test-secret"
BENKE_FORM = zhuanke_form(major="120203K")  # 会计学 (专升本)


@pytest.fixture
async def stack(dev_env, engine, task_queue, tmp_path):
    sim_port, api_port = free_port(), free_port()
    sim_url, api_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{api_port}"
    gateway = HttpChsiGateway(sim_url)
    chsi = ChsiActivities(gateway, CALLBACK_SECRET, api_url)
    async with (
        serve_app(create_simulator(secret=CALLBACK_SECRET), sim_port),
        Harness(dev_env, engine, task_queue, extra_activities=[chsi.issue_chsi_codes]) as h,
        serve(
            dev_env.client,
            engine,
            tmp_path,
            task_queue,
            h.vision_queue,
            port=api_port,
            chsi_callback_secret=CALLBACK_SECRET,
        ),
        httpx.AsyncClient(base_url=sim_url, timeout=30) as sim,
    ):
        yield h, sim, api_url
    await gateway.aclose()


async def benke_draft(h: Harness, identity_key: str, **kw):
    person = IDENTITIES[identity_key]
    phone = f"135{abs(hash(identity_key + str(kw))) % 10**8:08d}"
    inp = h.enrollment_input(
        "2026-2", person.id_number, phone, datetime.now(UTC) + timedelta(days=10), **kw
    )
    handle = await h.start_application(inp)
    await to_draft(h, handle, phone)
    view = await handle.execute_update(EnrollmentWorkflow.save_form, BENKE_FORM)
    assert view.chsi_status == "pending"
    return handle


async def codes(handle) -> dict[str, str]:
    view = await handle.execute_update(EnrollmentWorkflow.request_chsi_codes)
    return {c.kind: c.token for c in view.chsi_codes}


async def wait_for(handle, predicate, seconds: float = 30):
    """Poll the query: a timer firing inside the workflow has no event the test can await."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        view = await handle.query(EnrollmentWorkflow.view)
        if predicate(view) or asyncio.get_running_loop().time() > deadline:
            return view
        await asyncio.sleep(0.2)


async def test_verified_path_single_use_and_refresh(stack):
    h, sim, _ = stack
    handle = await benke_draft(h, "clinical")
    first = await codes(handle)
    second = await codes(handle)  # refresh: both old codes are retired
    r = await sim.post("/scan", json={"token": first["xueli"], "identity_key": "clinical"})
    assert r.json()["callback_status"] == 410  # superseded, refused by our callback
    r = await sim.post("/scan", json={"token": second["xueli"], "identity_key": "clinical"})
    assert r.status_code == 200 and r.json()["delivered"], r.text
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.chsi_status == "verified" and view.chsi_records["xueli"].major_name == "临床医学"
    r = await sim.post("/scan", json={"token": second["xueli"], "identity_key": "clinical"})
    assert r.status_code == 409  # a code can be scanned once
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_silent_chsi_times_out_to_manual_upload_then_submit(stack):
    h, sim, _ = stack
    handle = await benke_draft(h, "nurse", chsi_timeout=timedelta(seconds=2))
    await sim.put("/mode", json={"mode": "silent"})
    tokens = await codes(handle)
    r = await sim.post("/scan", json={"token": tokens["xueji"], "identity_key": "nurse"})
    assert r.status_code == 200 and not r.json()["delivered"]
    view = await wait_for(handle, lambda v: v.chsi_status == "failed")
    assert view.chsi_status == "failed"
    assert [item.code for item in view.required_attachments] == ["CHSI_MANUAL_PROOF"]

    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(EnrollmentWorkflow.submit)
    assert (
        err.value.cause.type == "ATTACHMENTS_MISSING"
        and "学历或学籍证明" in err.value.cause.message
    )
    await handle.execute_update(
        EnrollmentWorkflow.upload_attachment,
        AttachmentUpload(code="DIPLOMA", file=obj("diploma.jpg")),
    )
    assert (await handle.execute_update(EnrollmentWorkflow.submit)).state == AppState.SUBMITTED


async def test_failed_pressed_then_late_callback_is_recorded(stack):
    h, sim, _ = stack
    handle = await benke_draft(h, "pharmacist")
    tokens = await codes(handle)
    view = await handle.execute_update(EnrollmentWorkflow.chsi_failed)
    assert view.chsi_status == "failed" and view.chsi_codes == []
    r = await sim.post("/scan", json={"token": tokens["xueli"], "identity_key": "pharmacist"})
    assert r.json()["callback_status"] == 200
    case = await handle.query(EnrollmentWorkflow.case_file)
    assert case.state.chsi.status == "failed" and case.state.chsi.late_callbacks == 1
    assert "xueli" in case.state.chsi.records  # kept for the examiner beside the uploaded proof


async def test_wrong_person_scanning_is_refused_and_the_owner_can_still_scan(stack):
    h, sim, _ = stack
    handle = await benke_draft(h, "police")
    tokens = await codes(handle)
    r = await sim.post("/scan", json={"token": tokens["xueli"], "identity_key": "clinical"})
    assert r.json()["outcome"] == "identity_mismatch"
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.chsi_status == "pending"  # one code refused: the other may still verify
    r = await sim.post("/scan", json={"token": tokens["xueji"], "identity_key": "police"})
    assert r.json()["delivered"]
    assert (await handle.query(EnrollmentWorkflow.view)).chsi_status == "verified"


async def test_both_codes_scanned_from_another_account_leave_the_step_to_the_owner(stack):
    """Scanned from a relative's CHSI app, both codes come back `identity_mismatch`: CHSI said
    nothing about the candidate's own records, and its answer tells him to log in as himself,
    refresh and scan again. The step stays open for that (it closed, and the refresh the
    answer asks for was refused with CHSI_CLOSED: only the manual upload was left)."""
    h, sim, _ = stack
    handle = await benke_draft(h, "police")
    tokens = await codes(handle)
    for kind in ("xueji", "xueli"):
        r = await sim.post("/scan", json={"token": tokens[kind], "identity_key": "clinical"})
        assert r.json()["outcome"] == "identity_mismatch"
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.chsi_status == "pending"
    assert {s.code for s in view.chsi_scans} == {"CHSI_IDENTITY_MISMATCH"}
    assert all("刷新二维码后重新扫码" in s.message for s in view.chsi_scans)
    fresh = await codes(handle)  # the refresh the answer asks for
    r = await sim.post("/scan", json={"token": fresh["xueli"], "identity_key": "police"})
    assert r.json()["delivered"]
    assert (await handle.query(EnrollmentWorkflow.view)).chsi_status == "verified"


async def test_no_record_after_a_scan_from_another_account_keeps_the_step_open(stack):
    """One code scanned from another account, the other without a record: the candidate's own
    学籍 or 学历 was never asked about, so the step waits for his scan of a refreshed code."""
    h, sim, _ = stack
    handle = await benke_draft(h, "veteran")
    tokens = await codes(handle)
    r = await sim.post("/scan", json={"token": tokens["xueli"], "identity_key": "clinical"})
    assert r.json()["outcome"] == "identity_mismatch"
    r = await sim.post("/scan", json={"token": tokens["xueji"], "identity_key": "veteran"})
    assert r.json()["outcome"] == "no_record"
    assert (await handle.query(EnrollmentWorkflow.view)).chsi_status == "pending"
    fresh = await codes(handle)
    r = await sim.post("/scan", json={"token": fresh["xueli"], "identity_key": "veteran"})
    assert r.json()["delivered"]
    assert (await handle.query(EnrollmentWorkflow.view)).chsi_status == "verified"


async def test_a_graduate_without_xueji_who_scans_left_first_is_verified_by_the_right(stack):
    """The guide: unsure candidates scan the left (学籍) code first, then the right (学历)."""
    h, sim, _ = stack
    handle = await benke_draft(h, "veteran")
    tokens = await codes(handle)
    r = await sim.post("/scan", json={"token": tokens["xueji"], "identity_key": "veteran"})
    assert r.json()["outcome"] == "no_record"
    assert (await handle.query(EnrollmentWorkflow.view)).chsi_status == "pending"
    r = await sim.post("/scan", json={"token": tokens["xueli"], "identity_key": "veteran"})
    assert r.json()["delivered"]
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.chsi_status == "verified" and view.chsi_records["xueli"].graduated_on.year == 2006


async def test_no_record_on_both_codes_opens_the_manual_path(stack):
    h, sim, _ = stack
    handle = await benke_draft(h, "nobody")
    tokens = await codes(handle)
    for kind in ("xueji", "xueli"):
        r = await sim.post("/scan", json={"token": tokens[kind], "identity_key": "nobody"})
        assert r.json()["outcome"] == "no_record"
    view = await handle.query(EnrollmentWorkflow.view)
    assert view.chsi_status == "failed"
    assert [item.code for item in view.required_attachments] == ["CHSI_MANUAL_PROOF"]


def _decode_qr(image) -> str:
    """Decode like a phone would: OpenCV's classic detector misses ~2% of valid codes
    (measured: 57 of 3000 random tokens), the ArUco-based one read all of them."""
    import cv2

    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    if not decoded:
        decoded, _, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    return decoded


async def test_qr_images_encode_the_current_codes(stack):
    import cv2
    import numpy as np

    from infra.tokens import issue_token

    h, _, api_url = stack
    handle = await benke_draft(h, "student")
    token = issue_token(
        "api-test-key", handle.id, "candidate"
    )  # the key tests/api/server.py serves with
    async with httpx.AsyncClient(
        base_url=api_url, headers={"authorization": f"Bearer {token}"}
    ) as api:
        r = await api.get("/api/v1/me/chsi/qr/xueji.png")
        assert r.status_code == 404 and r.json()["code"] == "CHSI_NO_CODE"
        contents = []
        for _ in range(2):  # the second request refreshes: a different code
            view = (await api.post("/api/v1/me/chsi/codes")).json()
            r = await api.get("/api/v1/me/chsi/qr/xueji.png")
            assert r.headers["content-type"] == "image/png"
            image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_GRAYSCALE)
            decoded = _decode_qr(image)
            expected = next(c["content"] for c in view["chsi_codes"] if c["kind"] == "xueji")
            assert decoded == expected
            contents.append(decoded)
        assert contents[0] != contents[1]
