"""The guide's paths walked over HTTP as a candidate and an examiner would, against the real
workflows on the dev server: detours the straight path never takes (a return answered by a
change of choice, an ended application looked up again). Identities of area 430121 (长沙县),
which no other test uses."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, select

from domain.closeout import CLOSED_OUT_REASON, CloseOutNotice, WindowClosedNotice
from domain.states import AppState
from infra.db import Period, SmsCode
from synthetic.forms import BENKE_MAJOR, ZHUANKE_MAJOR, form_fields
from tests.api.server import jpeg_bytes
from tests.security.stack import reach_draft, register, walked_stack
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

AREA = "430121"
NURSING = "520201"  # 护理 (专科), Attachment 1: a 中专 nursing diploma, or licence + in service
PROOF = "NURSING_SECONDARY_DIPLOMA"


def number(serial: int) -> str:
    return valid_id_number(serial, area=AREA)


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("guide-paths")
    async with walked_stack(dev_env.client, tmp_path) as (http, sms, examiner, engine):
        yield http, sms, examiner, engine, dev_env.client


async def upload(http: httpx.AsyncClient, me: dict, code: str, seed: int) -> httpx.Response:
    files = {"file": (f"{code}.jpg", jpeg_bytes(seed=seed), "image/jpeg")}
    return await http.post(f"/api/v1/me/attachments/{code}", files=files, headers=me)


async def examiner_call(
    http: httpx.AsyncClient, examiner: dict, app_id: str, action: str, body: dict | None = None
) -> httpx.Response:
    path = f"/api/v1/examiner/applications/{app_id}/{action}"
    return await http.post(path, json=body, headers=examiner)


async def submitted_for_nursing(http: httpx.AsyncClient, sms, serial: int) -> tuple[str, dict]:
    """A candidate of 护理 (520201) who submitted with the nursing diploma as his proof."""
    app_id, me = await register(http, sms, number(serial), f"1371210{serial:04d}")
    await reach_draft(http, me, number(serial), None)
    r = await http.put("/api/v1/me/form", json=form_fields(major=NURSING), headers=me)
    assert r.status_code == 200, r.text
    assert (await upload(http, me, PROOF, 60 + serial)).status_code == 200
    r = await http.post("/api/v1/me/submit", headers=me)
    assert r.status_code == 200 and r.json()["state"] == "SUBMITTED", r.text
    return app_id, me


async def test_a_return_for_a_proof_the_candidate_no_longer_needs_does_not_hold_the_case(world):
    """Returned for the nursing diploma of 护理, the candidate chooses a major without
    conditions instead: the proof is no longer asked for (its upload is refused as not
    required), so the return must not wait for it — he resubmits with the new major."""
    http, sms, examiner, _engine, _client = world
    app_id, me = await submitted_for_nursing(http, sms, 1)

    assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
    reasons = {"items": [{"item": PROOF, "reason": "毕业证书照片模糊，请重新上传"}]}
    r = await examiner_call(http, examiner, app_id, "return", reasons)
    assert r.status_code == 200 and r.json()["state"] == "RETURNED", r.text

    r = await http.put("/api/v1/me/form", json=form_fields(major=ZHUANKE_MAJOR), headers=me)
    assert r.status_code == 200 and r.json()["state"] == "RETURNED", r.text
    assert r.json()["required_attachments"] == []
    assert r.json()["return_pending"] == []  # what the H5 lists as still to do
    refused = await upload(http, me, PROOF, 91)
    assert refused.json()["code"] == "ATTACHMENT_NOT_REQUIRED", refused.text
    r = await http.post("/api/v1/me/submit", headers=me)
    assert r.status_code == 200 and r.json()["state"] == "SUBMITTED", r.text


def cooldown_passed(engine) -> None:
    """The phone's last code as if sent two minutes ago (the 60 s resend cooldown is over)."""
    with Session(engine) as s:
        for row in s.exec(select(SmsCode)):
            row.created_at = row.created_at - timedelta(minutes=2)
            s.add(row)
        s.commit()


async def state_of(http: httpx.AsyncClient, me: dict, wanted: AppState) -> dict:
    for _ in range(60):
        view = (await http.get("/api/v1/me", headers=me)).json()
        if view["state"] == wanted:
            return view
        await asyncio.sleep(0.25)
    raise AssertionError(f"still {view['state']}, not {wanted}")


async def test_a_candidate_whose_case_was_closed_out_logs_in_and_reads_why(world):
    """The close-out's SMS says 「详情请登录入籍系统查看」: the candidate who submitted and was
    never reviewed logs in by phone + code and lands on his ended application with its reason
    — not on 「未找到入籍申请」."""
    http, sms, _examiner, engine, client = world
    phone = "13712100002"
    app_id, me = await register(http, sms, number(2), phone)
    await reach_draft(http, me, number(2), None)
    assert (await http.put("/api/v1/me/form", json=form_fields(), headers=me)).status_code == 200
    assert (await http.post("/api/v1/me/submit", headers=me)).json()["state"] == "SUBMITTED"

    # what the period's close-out activity sends every case still waiting
    handle = client.get_workflow_handle(app_id)
    await handle.signal(EnrollmentWorkflow.close_out, CloseOutNotice(period_id="2026-2"))
    await state_of(http, me, AppState.EXPIRED)
    await handle.result()  # the run has ended: what the login finds is its history

    cooldown_passed(engine)
    r = await http.post("/api/v1/candidate/login/code", json={"phone": phone})
    assert r.status_code == 200, r.text
    r = await http.post(
        "/api/v1/candidate/login", json={"phone": phone, "code": sms.last_code(phone)}
    )
    assert r.status_code == 200, r.text
    application = r.json()["application"]
    assert application["application_id"] == app_id
    assert (application["state"], application["state_label"]) == ("EXPIRED", "已失效")
    assert application["closed_reason"] == CLOSED_OUT_REASON[AppState.SUBMITTED]


async def test_a_refusal_says_why_for_where_the_case_stands(world):
    """Steps pressed where they no longer apply: each refusal keeps its stable code and says,
    in Chinese, where the case stands — not only 「当前状态不能进行此操作」."""
    http, sms, examiner, _engine, _client = world
    app_id, me = await register(http, sms, number(4), "13712100004")
    # the 寸照 before the ID card: which step is next
    photo = {"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}
    r = await http.post("/api/v1/me/photo", files=photo, headers=me)
    assert r.json()["code"] == "STEP_NOT_REACHED" and "待上传身份证" in r.json()["message"], r.text
    await reach_draft(http, me, number(4), None)
    r = await http.put("/api/v1/me/form", json=form_fields(major=BENKE_MAJOR), headers=me)
    assert r.status_code == 200 and r.json()["chsi_status"] == "pending", r.text

    # R9: 「学信网校验失败」, then the QR codes asked again (or the button pressed twice)
    assert (await http.post("/api/v1/me/chsi/failed", headers=me)).status_code == 200
    for path in ("/api/v1/me/chsi/codes", "/api/v1/me/chsi/failed"):
        r = await http.post(path, headers=me)
        assert r.json()["code"] == "CHSI_CLOSED", r.text
        assert "上传" in r.json()["message"] and "无需" not in r.json()["message"]

    assert (await upload(http, me, "DIPLOMA", 62)).status_code == 200
    assert (await http.post("/api/v1/me/submit", headers=me)).json()["state"] == "SUBMITTED"
    r = await http.post("/api/v1/me/submit", headers=me)
    assert r.json()["code"] == "NOT_EDITABLE" and "已提交" in r.json()["message"], r.text

    r = await examiner_call(http, examiner, app_id, "approve", {})
    assert r.json()["code"] == "WRONG_STATE" and "领取" in r.json()["message"], r.text
    assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
    r = await http.post("/api/v1/me/withdraw", headers=me)
    assert r.json()["code"] == "WRONG_STATE" and "审核中" in r.json()["message"], r.text
    r = await http.put("/api/v1/me/form", json=form_fields(major=BENKE_MAJOR), headers=me)
    assert (r.json()["code"], r.json()["message"]) == (
        "UNDER_REVIEW_LOCKED",
        "审核已开始，不能修改",
    )
    assert (await examiner_call(http, examiner, app_id, "approve", {})).status_code == 200
    r = await http.put("/api/v1/me/form", json=form_fields(major=BENKE_MAJOR), headers=me)
    assert r.json()["code"] == "UNDER_REVIEW_LOCKED" and "审核通过" in r.json()["message"], r.text


@contextmanager
def period_moved(engine, field: str, when: datetime):
    """One date of period 2026-2 as an admin moved it (the read model the case asks), put back
    afterwards for the module's other registrations."""
    with Session(engine) as s:
        period = s.get(Period, "2026-2")
        assert period is not None
        before = getattr(period, field)
        setattr(period, field, when)
        s.add(period)
        s.commit()
    try:
        yield
    finally:
        with Session(engine) as s:
            period = s.get(Period, "2026-2")
            assert period is not None
            setattr(period, field, before)
            s.add(period)
            s.commit()


def window_closed_at(engine, closes_at: datetime):
    return period_moved(engine, "closes_at", closes_at)


async def test_a_draft_the_window_closed_on_tells_its_candidate_why(world):
    """Mid-form when the window closes: the case ends, and 「我的考籍信息」 says why — the
    window closed before it was submitted — not a bare 「已失效」."""
    http, sms, _examiner, engine, client = world
    app_id, me = await register(http, sms, number(5), "13712100005")
    await reach_draft(http, me, number(5), None)
    closes_at = datetime.now(UTC) - timedelta(seconds=1)
    with window_closed_at(engine, closes_at):
        notice = WindowClosedNotice(period_id="2026-2", closes_at=closes_at)
        await client.get_workflow_handle(app_id).signal(EnrollmentWorkflow.window_closed, notice)
        view = await state_of(http, me, AppState.EXPIRED)
    assert view["state_label"] == "已失效"
    assert "截止" in view["closed_reason"] and "未提交" in view["closed_reason"], view


async def test_a_rejected_candidate_registering_again_is_told_his_application_stands(world):
    """REJECTED keeps the identity for the period (DESIGN.md). Registering again with the same
    card and phone must say so — and where to read the result — not 「该申请已结束，不能再操作」."""
    http, sms, examiner, _engine, _client = world
    phone = "13712100006"
    app_id, me = await register(http, sms, number(6), phone)
    await reach_draft(http, me, number(6), None)
    assert (await http.put("/api/v1/me/form", json=form_fields(), headers=me)).status_code == 200
    assert (await http.post("/api/v1/me/submit", headers=me)).status_code == 200
    assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
    reasons = {"items": [{"item": "其他", "reason": "不符合报考条件"}]}
    r = await examiner_call(http, examiner, app_id, "reject", reasons)
    assert r.status_code == 200 and r.json()["state"] == "REJECTED", r.text

    texts = len(sms.sent[phone])
    r = await http.post("/api/v1/candidate/register", json={"id_number": number(6), "phone": phone})
    assert (r.status_code, r.json()["code"]) == (409, "APPLICATION_CONCLUDED"), r.text
    assert "审核不通过" in r.json()["message"] and "登录" in r.json()["message"]
    assert len(sms.sent[phone]) == texts  # no code texted for a registration refused
    r = await http.get("/api/v1/me", headers=me)  # the result stays readable
    assert r.json()["state_label"] == "审核不通过", r.text


async def test_a_proof_returned_after_the_window_closed_is_replaced_upload_first(world):
    """Review comes after the window: returned for a blurry diploma, the candidate cannot
    delete the only copy first (the case could not go in again, 「入籍已截止」) — the refusal says
    how to replace it — uploads the new one, deletes the old, and resubmits."""
    http, sms, examiner, engine, client = world
    app_id, me = await submitted_for_nursing(http, sms, 7)
    [old] = (await http.get("/api/v1/me/attachments", headers=me)).json()

    closes_at = datetime.now(UTC) - timedelta(seconds=1)
    with window_closed_at(engine, closes_at):
        notice = WindowClosedNotice(period_id="2026-2", closes_at=closes_at)
        await client.get_workflow_handle(app_id).signal(EnrollmentWorkflow.window_closed, notice)
        assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
        reasons = {"items": [{"item": PROOF, "reason": "毕业证书照片模糊，请重新上传"}]}
        r = await examiner_call(http, examiner, app_id, "return", reasons)
        assert r.json()["state"] == "RETURNED", r.text

        r = await http.delete(f"/api/v1/me/attachments/{PROOF}/{old['id']}", headers=me)
        assert r.json()["code"] == "WINDOW_CLOSED", r.text
        assert "先上传" in r.json()["message"], r.text
        assert "等待入籍考期开启" not in r.json()["message"]  # the window is not what he waits for
        assert (await upload(http, me, PROOF, 71)).status_code == 200
        r = await http.delete(f"/api/v1/me/attachments/{PROOF}/{old['id']}", headers=me)
        assert r.status_code == 200 and r.json()["state"] == "RETURNED", r.text
        r = await http.post("/api/v1/me/submit", headers=me)
        assert r.status_code == 200 and r.json()["state"] == "SUBMITTED", r.text
        # 「修改」 to a choice that needs more (a 专升本 major: the CHSI step) cannot be undone now
        r = await http.put("/api/v1/me/form", json=form_fields(major=BENKE_MAJOR), headers=me)
        assert r.json()["code"] == "WINDOW_CLOSED", r.text
        assert "等待入籍考期开启" not in r.json()["message"] and "修改" in r.json()["message"]


async def test_an_id_number_typed_under_another_id_type_is_refused_at_registration(world):
    """The identity key is (ID type, number): the same resident ID number typed as a pass or
    permit (护照/通行证, read by an examiner, no OCR) started a second application of the same
    person in the period — beside his live one, or after his rejection. A valid 18-digit ID
    number under another type is refused at once, as is a mistyped check digit: before any
    SMS is sent, with the rule's own code and Chinese text."""
    http, sms, _examiner, _engine, _client = world
    phone = "13712100008"
    await register(http, sms, number(8), phone)  # his application, as a resident ID card
    texts = len(sms.sent[phone])
    for id_type in ("passport", "hmt_residence"):
        r = await http.post(
            "/api/v1/candidate/register",
            json={"id_type": id_type, "id_number": number(8), "phone": "13712100009"},
        )
        assert (r.status_code, r.json()["code"]) == (422, "ID_TYPE_MISMATCH"), r.text
        assert "居民身份证" in r.json()["message"], r.text
    typo = number(8)[:-1] + ("1" if number(8)[-1] != "1" else "2")
    r = await http.post("/api/v1/candidate/register", json={"id_number": typo, "phone": phone})
    assert (r.status_code, r.json()["code"]) == (422, "ID_CHECK_DIGIT"), r.text
    assert len(sms.sent[phone]) == texts and "13712100009" not in sms.sent


async def test_a_mistyped_old_id_number_is_refused_on_the_form_with_what_to_check(world):
    """R12 as the candidate meets it: 「是」, the old number typed a digit short. The save answers
    422 with a stable code and the reason in Chinese, and keeps nothing; the number typed whole
    (a first-generation card's 15 digits) is saved and asks for the police certificate."""
    http, sms, _examiner, _engine, _client = world
    app_id, me = await register(http, sms, number(9), "13712100009")
    await reach_draft(http, me, number(9), None)
    renamed = form_fields() | {"identity_changed": True, "old_name": "", "old_id_number": ""}

    r = await http.put(
        "/api/v1/me/form", json=renamed | {"old_id_number": "43012185061100"}, headers=me
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "OLD_ID_NUMBER_INVALID"
    assert "15位或18位" in r.json()["message"]
    assert (await http.get("/api/v1/me", headers=me)).json()["form"] is None

    r = await http.put(
        "/api/v1/me/form", json=renamed | {"old_id_number": "430121850611002"}, headers=me
    )
    assert r.status_code == 200, r.text
    assert r.json()["form"]["old_id_number"] == "430121850611002"
    assert "POLICE_IDENTITY_CHANGE_CERT" in str(r.json()["required_attachments"])
