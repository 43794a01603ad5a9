"""More of the guide's paths walked over HTTP on the real workflows (after
test_guide_paths_http.py): a CHSI scan that confirms nothing, a login before the registration
was verified, a withdrawal the case no longer allows, an approval after the review deadline, a
step the return did not reopen.
Identities of area 430181 (浏阳市), which
no other test uses."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domain.chsi import callback_headers
from domain.closeout import WindowClosedNotice
from infra.config import DEV_PLACEHOLDER
from synthetic.forms import BENKE_MAJOR, form_fields
from tests.api.server import jpeg_bytes
from tests.api.test_guide_paths_http import cooldown_passed, examiner_call, period_moved
from tests.security.stack import reach_draft, register, walked_stack
from tests.workflows.harness import valid_id_number
from tests.workflows.test_lifecycle_model import issue_chsi_codes
from workflows.enrollment import EnrollmentWorkflow

AREA = "430181"


def number(serial: int) -> str:
    return valid_id_number(serial, area=AREA)


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("candidate-paths")
    chsi = [issue_chsi_codes]
    async with walked_stack(dev_env.client, tmp_path, extra_activities=chsi) as world:
        yield world


async def chsi_scanned(
    http: httpx.AsyncClient, app_id: str, token: str, kind: str, outcome: str
) -> httpx.Response:
    """CHSI's signed callback for one scan, as the CHSI app's scan sends it."""
    record = {
        "kind": kind,
        "name": "张三",
        "id_number_masked": "4301**********0000",
        "school": "湖南财经工业职业技术学院",
        "major_name": "大数据与会计",
        "level": "专科",
    }
    body = json.dumps(
        {
            "token": token,
            "kind": kind,
            "application_ref": app_id,
            "outcome": outcome,
            "scanned_at": datetime.now(UTC).isoformat(),
            "record": record if outcome == "verified" else None,
        }
    ).encode()
    headers = callback_headers(DEV_PLACEHOLDER, body, now=datetime.now(UTC), nonce=uuid.uuid4().hex)
    return await http.post(
        "/api/v1/chsi/callback",
        content=body,
        headers={**headers, "content-type": "application/json"},
    )


async def qr_codes(http: httpx.AsyncClient, me: dict) -> dict[str, str]:
    r = await http.post("/api/v1/me/chsi/codes", headers=me)
    assert r.status_code == 200, r.text
    return {code["kind"]: code["token"] for code in r.json()["chsi_codes"]}


async def test_a_scan_that_confirms_nothing_is_shown_under_its_code(world):
    """R8: the candidate scans the left code (学籍) from a relative's CHSI app; refreshed, he
    scans it with his own, and CHSI has no 学籍 of his (he graduated). Each code is spent by its
    scan and CHSI's answer went to CHSI only: his screen kept showing the code as valid and
    waited. A spent code now says what CHSI answered and what to do next."""
    http, sms, _examiner, _engine = world
    app_id, me = await register(http, sms, number(1), "13918100001")
    await reach_draft(http, me, number(1), None)
    r = await http.put("/api/v1/me/form", json=form_fields(major=BENKE_MAJOR), headers=me)
    assert r.status_code == 200 and r.json()["chsi_status"] == "pending", r.text
    tokens = await qr_codes(http, me)

    r = await chsi_scanned(http, app_id, tokens["xueji"], "xueji", "identity_mismatch")
    assert r.json()["result"] == "CHSI_IDENTITY_MISMATCH", r.text
    view = (await http.get("/api/v1/me", headers=me)).json()
    assert view["chsi_status"] == "pending"
    [scan] = view["chsi_scans"]
    assert (scan["kind"], scan["code"]) == ("xueji", "CHSI_IDENTITY_MISMATCH"), scan
    assert "本人" in scan["message"] and "刷新" in scan["message"], scan

    tokens = await qr_codes(http, me)  # new codes: nothing spent shows under them
    assert (await http.get("/api/v1/me", headers=me)).json()["chsi_scans"] == []
    r = await chsi_scanned(http, app_id, tokens["xueji"], "xueji", "no_record")
    assert r.json()["result"] == "CHSI_NO_RECORD", r.text
    view = (await http.get("/api/v1/me", headers=me)).json()
    [scan] = view["chsi_scans"]
    assert (scan["kind"], scan["code"]) == ("xueji", "CHSI_NO_RECORD"), scan
    assert "右侧" in scan["message"] and "学信网校验失败" in scan["message"], scan

    r = await chsi_scanned(http, app_id, tokens["xueli"], "xueli", "verified")
    assert r.json()["result"] == "VERIFIED", r.text
    view = (await http.get("/api/v1/me", headers=me)).json()
    assert (view["chsi_status"], view["chsi_scans"]) == ("verified", []), view


async def login(http: httpx.AsyncClient, sms, engine, phone: str) -> httpx.Response:
    cooldown_passed(engine)
    r = await http.post("/api/v1/candidate/login/code", json={"phone": phone})
    assert r.status_code == 200, r.text
    return await http.post(
        "/api/v1/candidate/login", json={"phone": phone, "code": sms.last_code(phone)}
    )


async def test_a_login_before_the_registration_was_verified_says_to_register(world):
    """R2 left half-way: the code of the registration never typed, the candidate comes back
    and logs in by phone instead. His phone is proven, but it has no verified application:
    the refusal says to finish the registration, not a bare 「未找到入籍申请」."""
    http, sms, _examiner, engine = world
    phone = "13918100002"
    r = await http.post("/api/v1/candidate/register", json={"id_number": number(2), "phone": phone})
    assert r.status_code == 201, r.text

    r = await login(http, sms, engine, phone)
    assert (r.status_code, r.json()["code"]) == (404, "APPLICATION_NOT_FOUND"), r.text
    assert "新生注册" in r.json()["message"] and "验证码" in r.json()["message"], r.text


async def claimed_case(world, id_number: str, phone: str) -> tuple[str, dict]:
    """A 专科 candidate's case submitted and claimed by the examiner of region 01."""
    http, sms, examiner, _engine = world
    app_id, me = await register(http, sms, id_number, phone)
    await reach_draft(http, me, id_number, None)
    assert (await http.put("/api/v1/me/form", json=form_fields(), headers=me)).status_code == 200
    assert (await http.post("/api/v1/me/submit", headers=me)).status_code == 200
    assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
    return app_id, me


async def test_a_withdrawal_refused_after_the_decision_says_what_to_do(world):
    """「撤回」 on an approved case: it is refused (the decision stands), and the refusal says
    so and where to turn — not 「不能进行此操作」."""
    http, _sms, examiner, _engine = world
    app_id, me = await claimed_case(world, number(3), "13918100003")
    assert (await examiner_call(http, examiner, app_id, "approve", {})).status_code == 200

    r = await http.post("/api/v1/me/withdraw", headers=me)
    assert (r.status_code, r.json()["code"]) == (409, "WRONG_STATE"), r.text
    message = r.json()["message"]
    assert "审核通过" in message and "不能撤回" in message and "自考办" in message, message
    assert "不能进行此操作" not in message


async def test_a_case_approved_after_the_review_deadline_is_not_promised_its_number_then(
    world, dev_env
):
    """R16: numbers are issued at the review deadline to the cases approved by then. A case
    approved later (returned and resubmitted late, held at the close-out) gets its number from a
    supplementary run an operator starts — the SMS and 「我的考籍信息」 promised it 「在审核截止
    时间后」, a time already past. Both now say it comes separately, by SMS."""
    http, sms, examiner, engine = world
    phone = "13918100004"
    app_id, me = await claimed_case(world, number(4), phone)

    # the window closed (the period tells the case), then the review deadline passed
    closes_at = datetime.now(UTC) - timedelta(seconds=2)
    with (
        period_moved(engine, "closes_at", closes_at),
        period_moved(engine, "review_deadline", closes_at + timedelta(seconds=1)),
    ):
        notice = WindowClosedNotice(period_id="2026-2", closes_at=closes_at)
        await dev_env.client.get_workflow_handle(app_id).signal(
            EnrollmentWorkflow.window_closed, notice
        )
        r = await examiner_call(http, examiner, app_id, "approve", {})
    assert r.status_code == 200 and r.json()["state"] == "APPROVED", r.text
    note = (await http.get("/api/v1/me", headers=me)).json()["ticket_note"]
    assert "另行生成" in note and "审核截止时间后生成" not in note, note
    assert "另行生成" in sms.sent[phone][-1], sms.sent[phone]


async def test_a_step_the_return_did_not_reopen_says_so(world):
    """Returned for the form, the candidate also tries a new 寸照: the return reopened only
    what it names, so the photo is refused — saying that the return did not ask for it, not
    only 「不能修改；报名信息和附件请在…「修改」」, which does not say why the photo is closed."""
    http, _sms, examiner, _engine = world
    app_id, me = await claimed_case(world, number(5), "13918100005")
    reasons = {"items": [{"item": "form", "reason": "邮政编码有误"}]}
    r = await examiner_call(http, examiner, app_id, "return", reasons)
    assert r.json()["state"] == "RETURNED", r.text

    photo = {"photo": ("p.jpg", jpeg_bytes(seed=31), "image/jpeg")}
    r = await http.post("/api/v1/me/photo", files=photo, headers=me)
    assert (r.status_code, r.json()["code"]) == (409, "NOT_EDITABLE"), r.text
    assert "退回意见未要求" in r.json()["message"] and "寸照" in r.json()["message"], r.text
