"""The API over real HTTP against the local Temporal dev server: candidate registration and
login, the steps as updates, a query, an examiner decision, and the errors people see."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import httpx
from pypdf import PdfWriter
from sqlmodel import Session, select

from domain.notice import NOTICE_VERSION
from domain.otp import code_in_message
from infra.db import SmsCode
from synthetic.forms import form_fields
from tests.api.server import jpeg_bytes, seed, serve, upload_card
from tests.workflows.harness import Harness, valid_id_number

FORM = form_fields()


async def outbox_code(http: httpx.AsyncClient, phone: str) -> str:
    messages = (await http.get("/dev/outbox", params={"phone": phone})).json()
    return code_in_message(messages[0]["text"])


async def test_candidate_to_examiner_decision_over_http(api, engine):
    http, phone, number = api, "13700001234", valid_id_number(11)
    r = await http.post("/api/v1/candidate/register", json={"id_number": number, "phone": phone})
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    assert number not in app_id and phone not in app_id

    r = await http.post(
        "/api/v1/candidate/verify", json={"application_id": app_id, "code": "000000"}
    )
    assert (
        r.status_code == 422
        and r.json()["code"] == "SMS_CODE_WRONG"
        and r.json()["message"] == "验证码错误"
    )
    r = await http.post(
        "/api/v1/candidate/verify",
        json={"application_id": app_id, "code": await outbox_code(http, phone)},
    )
    assert r.status_code == 200, r.text
    verified = r.json()
    me = {"authorization": f"Bearer {verified['token']}"}
    assert verified["application"]["state"] == "ID_PENDING"

    # a second registration of the same identity resumes the same application; within the
    # cooldown no new code is sent, but the client learns the application and when to ask again
    r = await http.post("/api/v1/candidate/register", json={"id_number": number, "phone": phone})
    assert r.status_code == 201 and r.json()["application_id"] == app_id, r.text
    assert r.json()["new_code"] is False and 0 < r.json()["code_sent"]["resend_after_s"] <= 60

    # past the access token's life, the refresh token keeps the place without a new SMS code
    r = await http.post(
        "/api/v1/candidate/token/refresh", json={"refresh_token": verified["refresh_token"]}
    )
    assert r.status_code == 200 and r.json()["application"]["application_id"] == app_id, r.text
    me = {"authorization": f"Bearer {r.json()['token']}"}

    r = await upload_card(http, me)
    assert r.status_code == 200, r.text
    fields = r.json()["id_card"]
    assert fields["id_number"].startswith("430") and "*" in fields["id_number"]  # masked view
    assert r.json()["id_card_read"]["id_number"] == number  # the uploader checks the full read

    r = await http.get("/api/v1/me", headers=me)
    assert r.json()["state"] == "ID_PENDING"

    r = await http.post(
        "/api/v1/me/photo",
        files={"photo": ("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")},
        headers=me,
    )
    assert r.status_code == 422 and r.json()["code"].startswith("UPLOAD_")

    # the remaining steps through the workflow client would repeat tests/workflows; the examiner
    # part needs a submitted case, so finish it through the same HTTP routes
    confirm = {
        "name": "张三",
        "sex": "男",
        "ethnicity": "汉",
        "id_number": number,
        "birth_date": "1999-03-12",
    }
    r = await http.post("/api/v1/me/id-card/confirm", json=confirm, headers=me)
    assert r.status_code == 200 and r.json()["state"] == "PHOTO_PENDING", r.text
    r = await http.post(
        "/api/v1/me/photo", files={"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}, headers=me
    )
    assert r.json()["state"] == "FACE_PENDING", r.text
    nonce = r.json()["liveness_challenge"]["nonce"]  # the accepted photo brings the challenge
    frames = [("frames", (f"{i}.jpg", jpeg_bytes(seed=10 + i), "image/jpeg")) for i in range(3)]
    r = await http.post("/api/v1/me/liveness", data={"nonce": nonce}, files=frames, headers=me)
    assert r.json()["state"] == "NOTICE_PENDING", r.text
    # the notice accepted on its screen comes with the form's first save, as the H5 sends it
    outdated = {**FORM, "notice_version": "2020-1"}
    r = await http.put("/api/v1/me/form", json=outdated, headers=me)
    assert (r.status_code, r.json()["code"]) == (409, "NOTICE_OUTDATED")
    accepted = {**FORM, "notice_version": NOTICE_VERSION}
    r = await http.put("/api/v1/me/form", json={**accepted, "postal_code": "41"}, headers=me)
    assert (
        r.status_code == 422
        and r.json()["code"] == "FORM_INVALID"
        and "邮政编码" in r.json()["message"]
    )
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "NOTICE_PENDING"
    r = await http.put("/api/v1/me/form", json=accepted, headers=me)
    assert r.status_code == 200 and r.json()["state"] == "DRAFT", r.text
    await pdf_proof_uploaded_once_listed_and_deleted(http, me)
    assert (await http.put("/api/v1/me/form", json=FORM, headers=me)).status_code == 200
    r = await http.post("/api/v1/me/submit", headers=me)
    assert r.json()["state"] == "SUBMITTED", r.text

    # examiners: out-of-region refused, in-region claims and approves
    other = (
        await http.post(
            "/api/v1/staff/login", json={"username": "examiner2", "password": "pw-examiner2"}
        )
    ).json()
    r = await http.post(
        f"/api/v1/examiner/applications/{app_id}/claim",
        headers={"authorization": f"Bearer {other['token']}"},
    )
    assert r.status_code == 403 and r.json()["code"] == "REGION_FORBIDDEN"
    r = await http.post("/api/v1/staff/login", json={"username": "examiner", "password": "wrong"})
    assert r.status_code == 401 and r.json()["message"] == "用户名或密码错误"
    staff = (
        await http.post(
            "/api/v1/staff/login", json={"username": "examiner", "password": "pw-examiner"}
        )
    ).json()
    ex = {"authorization": f"Bearer {staff['token']}"}
    queue = (
        await http.get("/api/v1/examiner/applications", params={"status": "SUBMITTED"}, headers=ex)
    ).json()
    assert [row["application_id"] for row in queue["rows"]] == [app_id]
    case = (await http.get(f"/api/v1/examiner/applications/{app_id}", headers=ex)).json()
    assert (
        case["case"]["identity"]["id_number"] == number
        and case["audit"][0]["action"] == "registered"
    )
    assert (await http.post(f"/api/v1/examiner/applications/{app_id}/claim", headers=ex)).json()[
        "state"
    ] == "UNDER_REVIEW"
    r = await http.put("/api/v1/me/form", json=FORM, headers=me)
    assert r.status_code == 409 and r.json()["message"] == "审核已开始，不能修改"
    note = "原件已现场核验"  # an examiner's note is for staff, as is who decided
    r = await http.post(
        f"/api/v1/examiner/applications/{app_id}/approve",
        json={"override_reason": note},
        headers=ex,
    )
    assert r.status_code == 200 and r.json()["state"] == "APPROVED", r.text
    mine = (await http.get("/api/v1/me", headers=me)).json()
    assert mine["review"]["decision"] == "approved"
    assert mine["review"]["examiner"] is None and note not in str(mine), mine
    staff_page = (await http.get(f"/api/v1/examiner/applications/{app_id}", headers=ex)).json()
    review = staff_page["case"]["state"]["review"]
    assert review["examiner"] and review["override_reason"] == note

    # a returning candidate logs in by phone + code and lands on the same application
    r = await http.post("/api/v1/candidate/login/code", json={"phone": phone})
    assert r.status_code == 429 and r.json()["code"] == "SMS_COOLDOWN"
    age_codes(engine, minutes=2)  # the cooldown has passed
    r = await http.post("/api/v1/candidate/login/code", json={"phone": phone})
    assert r.status_code == 200, r.text
    r = await http.post(
        "/api/v1/candidate/login", json={"phone": phone, "code": await outbox_code(http, phone)}
    )
    assert r.status_code == 200 and r.json()["application"]["application_id"] == app_id
    assert r.json()["application"]["state"] == "APPROVED"

    # 「退出登录」 ends the sign-in: its refresh token no longer renews, and its access token
    # stops once this API process has read the ended sign-ins (every 5 s)
    signed_in = {"authorization": f"Bearer {r.json()['token']}"}
    newest = {"refresh_token": r.json()["refresh_token"]}
    assert (await http.get("/api/v1/me", headers=signed_in)).status_code == 200
    assert (await http.post("/api/v1/candidate/logout", json=newest)).status_code == 204
    r = await http.post("/api/v1/candidate/token/refresh", json=newest)
    assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID", r.text
    for _ in range(30):
        if (r := await http.get("/api/v1/me", headers=signed_in)).status_code != 200:
            break
        await asyncio.sleep(0.5)
    assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID", r.text


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def pdf_proof_uploaded_once_listed_and_deleted(http: httpx.AsyncClient, me: dict) -> None:
    """A restricted major's proof as a PDF, sent twice with one idempotency key (a retry after
    a lost answer): one attachment, rendered for the examiner, deletable before submit."""
    r = await http.put("/api/v1/me/form", json={**FORM, "major": "520201"}, headers=me)
    assert r.status_code == 200, r.text
    code = next(r for r in r.json()["required_attachments"] if not r["satisfied"])["options"][0][0][
        "code"
    ]
    retry = me | {"idempotency-key": "proof-upload-0001"}
    for _ in range(2):
        r = await http.post(
            f"/api/v1/me/attachments/{code}",
            files={"file": ("社保证明.pdf", pdf_bytes(), "application/pdf")},
            headers=retry,
        )
        assert r.status_code == 200 and code in r.json()["uploaded_attachments"], r.text
    (listed,) = (await http.get("/api/v1/me/attachments", headers=me)).json()
    assert listed["content_type"] == "application/pdf" and listed["has_preview"]
    r = await http.delete(f"/api/v1/me/attachments/{code}/{listed['id']}", headers=me)
    assert r.status_code == 200 and code not in r.json()["uploaded_attachments"], r.text
    assert (await http.get("/api/v1/me/attachments", headers=me)).json() == []


def age_codes(engine, minutes: int) -> None:
    with Session(engine) as s:
        for row in s.exec(select(SmsCode)):
            row.created_at = row.created_at - timedelta(minutes=minutes)
            s.add(row)
        s.commit()


async def test_closed_window_and_auth_errors(dev_env, engine, task_queue, tmp_path):
    seed(engine, "2026-1", open_now=False)
    async with (
        Harness(dev_env, engine, task_queue) as h,
        serve(dev_env.client, engine, tmp_path, task_queue, h.vision_queue) as url,
    ):
        async with httpx.AsyncClient(base_url=url) as http:
            r = await http.post(
                "/api/v1/candidate/register",
                json={"id_number": valid_id_number(12), "phone": "13700005678"},
            )
            assert r.status_code == 403 and r.json() == {
                "code": "WINDOW_CLOSED",
                "message": "非新生入籍时间，请等待入籍考期开启！",
            }
            r = await http.get("/api/v1/me")
            assert r.status_code == 401 and r.json()["code"] == "AUTH_REQUIRED"
            r = await http.get("/api/v1/me", headers={"authorization": "Bearer forged.token"})
            assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
