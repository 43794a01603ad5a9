"""A client's life around the steps (issue #15, item 7): registering again within the SMS
cooldown, keeping the session past the access token's two hours, the period's dates, and the
candidate's own attachments (listed, deleted, uploaded again with the same idempotency key)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.deps import Services
from domain.enrollment import CaseFile, EnrollmentForm, EnrollmentState, Identity
from domain.objects import StoredObject
from domain.states import AppState
from infra.db import Period
from infra.refresh_sessions import open_sign_in
from synthetic.forms import form_fields
from tests.api.server import jpeg_bytes
from tests.routes.conftest import CASE, MINE, PERIOD, SECRET_KEY, bearer, view
from tests.routes.temporal_double import Scripted, TemporalDouble, refused

NUMBER = "430104199903120014"
#: a proof the case of `_case_file` asks for
PROOF = "/api/v1/me/attachments/NURSE_QUALIFICATION_CERT"


@pytest.fixture
def open_period(app_services: tuple[TestClient, Services]) -> Iterator[Period]:
    _, services = app_services
    now = datetime.now(UTC).replace(microsecond=0)
    period = Period(
        id=PERIOD,
        year=2026,
        window=2,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        review_deadline=now + timedelta(days=20),
        state="OPEN",
    )
    with Session(services.engine) as s:
        s.add(period)
        s.commit()
        s.refresh(period)
        s.expunge(period)
    yield period
    with Session(services.engine) as s:
        s.delete(s.get(Period, PERIOD))
        s.commit()


def test_registering_again_within_the_cooldown_answers_the_application(
    http: TestClient, temporal: TemporalDouble, open_period: Period
) -> None:
    temporal.answers["request_phone_code"] = refused(
        "SMS_COOLDOWN", "验证码发送过于频繁，请稍后再试", measured=42
    )
    temporal.answers["view"] = view(state=AppState.REGISTERED)
    r = http.post("/api/v1/candidate/register", json={"id_number": NUMBER, "phone": "13900001111"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["application_id"].startswith(f"enroll-{PERIOD}-")
    assert body["new_code"] is False  # the code sent before is still the one to type
    assert body["code_sent"] == {"phone_masked": "139****1111", "resend_after_s": 42}


def test_other_sms_refusals_still_answer_as_refusals(
    http: TestClient, temporal: TemporalDouble, open_period: Period
) -> None:
    temporal.answers["request_phone_code"] = refused("SMS_DAILY_CAP", "今日获取验证码次数已达上限")
    r = http.post("/api/v1/candidate/register", json={"id_number": NUMBER, "phone": "13900001111"})
    assert r.status_code == 429 and r.json()["code"] == "SMS_DAILY_CAP"


def test_the_period_gives_its_dates(http: TestClient, open_period: Period) -> None:
    r = http.get("/api/v1/period")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["open"] is True and body["period_id"] == PERIOD
    assert datetime.fromisoformat(body["opens_at"]) == open_period.opens_at.replace(tzinfo=UTC)
    assert datetime.fromisoformat(body["closes_at"]) == open_period.closes_at.replace(tzinfo=UTC)
    assert datetime.fromisoformat(body["review_deadline"]) == open_period.review_deadline.replace(
        tzinfo=UTC
    )


@pytest.fixture
def refresh_token(app_services: tuple[TestClient, Services]) -> str:
    """A refresh token of a sign-in of MINE, as verify and login open one."""
    with Session(app_services[1].engine) as db:
        token = open_sign_in(db, SECRET_KEY, MINE)
        db.commit()
    return token


def test_a_refresh_token_renews_the_session_on_the_same_application(
    http: TestClient, temporal: TemporalDouble, refresh_token: str
) -> None:
    temporal.answers["view"] = view(state=AppState.DRAFT)
    refresh = refresh_token
    r = http.post("/api/v1/candidate/token/refresh", json={"refresh_token": refresh})
    assert r.status_code == 200, r.text
    session = r.json()
    assert session["application"]["application_id"] == MINE and session["refresh_token"]
    me = http.get("/api/v1/me", headers={"authorization": f"Bearer {session['token']}"})
    assert me.status_code == 200 and me.json()["state"] == "DRAFT"


def test_logout_ends_the_sign_in_of_the_refresh_token(
    http: TestClient, temporal: TemporalDouble, refresh_token: str
) -> None:
    temporal.answers["view"] = view(state=AppState.DRAFT)
    refresh = refresh_token
    renewed = http.post("/api/v1/candidate/token/refresh", json={"refresh_token": refresh})
    assert renewed.status_code == 200, renewed.text
    newest = renewed.json()["refresh_token"]
    assert http.post("/api/v1/candidate/logout", json={"refresh_token": newest}).status_code == 204
    for token in (newest, refresh):  # neither the last token nor the one it replaced
        r = http.post("/api/v1/candidate/token/refresh", json={"refresh_token": token})
        assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
    # any token is answered alike: logout tells a prober nothing
    assert http.post("/api/v1/candidate/logout", json={"refresh_token": "x.y"}).status_code == 204


def _signed_in(http: TestClient, services: Services) -> tuple[str, str]:
    """A device signed in by SMS: its access token (naming the sign-in) and refresh token."""
    with Session(services.engine) as db:
        first = open_sign_in(db, SECRET_KEY, MINE)
        db.commit()
    r = http.post("/api/v1/candidate/token/refresh", json={"refresh_token": first})
    assert r.status_code == 200, r.text
    return r.json()["token"], r.json()["refresh_token"]


def _me(http: TestClient, access: str) -> int:
    return http.get("/api/v1/me", headers={"authorization": f"Bearer {access}"}).status_code


def test_the_access_tokens_of_an_ended_sign_in_are_refused(
    http: TestClient,
    temporal: TemporalDouble,
    app_services: tuple[TestClient, Services],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = app_services[1]
    monkeypatch.setattr(services.ended_sign_ins.kept, "ttl_s", 0.0)  # read at each request here
    temporal.answers["view"] = view(state=AppState.DRAFT)
    phone, phone_refresh = _signed_in(http, services)
    laptop, _ = _signed_in(http, services)
    assert _me(http, phone) == 200
    r = http.post("/api/v1/candidate/logout", json={"refresh_token": phone_refresh})
    assert r.status_code == 204
    r = http.get("/api/v1/me", headers={"authorization": f"Bearer {phone}"})
    assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
    assert _me(http, laptop) == 200  # the candidate's other device is still signed in


def test_logout_everywhere_ends_every_sign_in_of_the_candidate(
    http: TestClient,
    temporal: TemporalDouble,
    app_services: tuple[TestClient, Services],
    refresh_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = app_services[1]
    monkeypatch.setattr(services.ended_sign_ins.kept, "ttl_s", 0.0)
    temporal.answers["view"] = view(state=AppState.DRAFT)
    with Session(services.engine) as db:  # a second device, signed in by SMS too
        other_device = open_sign_in(db, SECRET_KEY, MINE)
        db.commit()
    this_device, _ = _signed_in(http, services)
    r = http.post(
        "/api/v1/me/sign-out-everywhere", headers={"authorization": f"Bearer {this_device}"}
    )
    assert r.status_code == 204, r.text
    for token in (refresh_token, other_device):
        r = http.post("/api/v1/candidate/token/refresh", json={"refresh_token": token})
        assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
    assert _me(http, this_device) == 401
    # only a candidate's own access token opens it
    assert http.post("/api/v1/me/sign-out-everywhere").status_code == 401


def test_tokens_are_not_interchangeable(
    http: TestClient, temporal: TemporalDouble, refresh_token: str
) -> None:
    access = bearer(MINE, "candidate")["authorization"][7:]
    r = http.post("/api/v1/candidate/token/refresh", json={"refresh_token": access})
    assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
    refresh = refresh_token
    r = http.get("/api/v1/me", headers={"authorization": f"Bearer {refresh}"})
    assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
    assert not temporal.calls


def _case_file(**attachments: list[StoredObject]) -> CaseFile:
    return CaseFile(
        application_id=MINE,
        period_id=PERIOD,
        identity=Identity(id_number=NUMBER, phone="13900001111"),
        # a restricted major (护理): its checklist asks for NURSE_QUALIFICATION_CERT among others
        state=EnrollmentState(
            state=AppState.DRAFT,
            form=EnrollmentForm(**form_fields(major="520201")),
            attachments=attachments,
        ),
    )


def test_the_examiner_reads_a_pdf_proof_as_its_rendered_pages(
    http: TestClient, temporal: TemporalDouble
) -> None:
    preview = StoredObject(
        key=f"{CASE}/attachments/shebao-0123456789ab.pdf.jpg", sha256="b" * 64, size=9
    )
    pdf = StoredObject(
        key=f"{CASE}/attachments/shebao-0123456789ab.pdf",
        sha256="a" * 64,
        size=2048,
        content_type="application/pdf",
        preview=preview,
    )
    temporal.answers["case_file"] = _case_file(SHEBAO=[pdf]).model_copy(
        update={"application_id": CASE}
    )
    temporal.answers["view"] = view(CASE, AppState.SUBMITTED)
    r = http.get(f"/api/v1/examiner/applications/{CASE}", headers=bearer("ex-changsha", "examiner"))
    assert r.status_code == 200, r.text
    assert r.json()["files"]["attachment:SHEBAO:0"].startswith(f"/files/{preview.key}?")


def test_the_candidate_lists_his_attachments(http: TestClient, temporal: TemporalDouble) -> None:
    pdf = StoredObject(
        key=f"{MINE}/attachments/shebao-0123456789ab.pdf",
        sha256="a" * 64,
        size=2048,
        content_type="application/pdf",
        preview=StoredObject(
            key=f"{MINE}/attachments/shebao-0123456789ab.pdf.jpg",
            sha256="b" * 64,
            size=900,
            content_type="image/jpeg",
        ),
    )
    temporal.answers["case_file"] = _case_file(SHEBAO=[pdf])
    r = http.get("/api/v1/me/attachments", headers=bearer(MINE, "candidate"))
    assert r.status_code == 200, r.text
    assert r.json() == [
        {
            "id": "shebao-0123456789ab.pdf",
            "code": "SHEBAO",
            "content_type": "application/pdf",
            "size": 2048,
            "sha256": "a" * 64,
            "has_preview": True,
        }
    ]


def test_deleting_an_attachment_removes_it_from_the_case_and_the_store(
    http: TestClient, temporal: TemporalDouble, app_services: tuple[TestClient, Services]
) -> None:
    _, services = app_services
    key = f"{MINE}/attachments/shebao-00000000000a.jpg"
    stored = services.store.put(key, b"\xff\xd8 not looked at", "image/jpeg")
    temporal.answers["case_file"] = _case_file(SHEBAO=[stored])
    r = http.delete(
        "/api/v1/me/attachments/SHEBAO/shebao-00000000000a.jpg", headers=bearer(MINE, "candidate")
    )
    assert r.status_code == 200, r.text
    update = [c for c in temporal.calls if c.name == "remove_attachment"]
    assert len(update) == 1 and update[0].args[0].key == key and update[0].args[0].code == "SHEBAO"
    assert not services.store.exists(key)


def test_deleting_an_attachment_that_is_not_there_is_refused(
    http: TestClient, temporal: TemporalDouble
) -> None:
    temporal.answers["case_file"] = _case_file()
    r = http.delete(
        "/api/v1/me/attachments/SHEBAO/shebao-00000000000b.jpg", headers=bearer(MINE, "candidate")
    )
    assert r.status_code == 404 and r.json()["code"] == "ATTACHMENT_NOT_FOUND"
    assert [c.name for c in temporal.calls] == ["case_file"]


def test_an_upload_retried_with_its_idempotency_key_is_answered_without_a_second_file(
    http: TestClient, temporal: TemporalDouble, app_services: tuple[TestClient, Services]
) -> None:
    _, services = app_services
    me = bearer(MINE, "candidate") | {"idempotency-key": "retry-key-0001"}
    photo = jpeg_bytes(seed=5)

    def uploaded() -> list[StoredObject]:
        return [c.args[0].file for c in temporal.calls if c.name == "upload_attachment"]

    temporal.answers["case_file"] = Scripted(
        lambda: _case_file(NURSE_QUALIFICATION_CERT=uploaded())
    )
    r = http.post(PROOF, files={"file": ("a.jpg", photo)}, headers=me)
    assert r.status_code == 200, r.text
    (first,) = uploaded()
    assert hashlib.sha256(services.store.get(first.key)).hexdigest() == first.sha256

    temporal.calls.clear()
    temporal.answers["case_file"] = _case_file(NURSE_QUALIFICATION_CERT=[first])
    r = http.post(PROOF, files={"file": ("a.jpg", photo)}, headers=me)
    assert r.status_code == 200, r.text
    assert [c.name for c in temporal.calls] == ["case_file", "view"]  # no second upload

    other = jpeg_bytes(seed=6)
    r = http.post(PROOF, files={"file": ("b.jpg", other)}, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_a_sign_in_ended_everywhere_changes_nothing_more_at_once(
    http: TestClient, temporal: TemporalDouble, app_services: tuple[TestClient, Services]
) -> None:
    """「退出所有设备」 because the phone was stolen: the stolen phone's access token must not
    withdraw or edit the case in the seconds the API's list of ended sign-ins (read every 5 s)
    has not caught up. Writes ask the database; reads may lag."""
    services = app_services[1]
    temporal.answers["view"] = view(state=AppState.DRAFT)
    stolen, _ = _signed_in(http, services)
    mine, _ = _signed_in(http, services)
    assert _me(http, stolen) == 200  # the list is read now; the next read is 5 s away
    r = http.post("/api/v1/me/sign-out-everywhere", headers={"authorization": f"Bearer {mine}"})
    assert r.status_code == 204, r.text
    thief = {"authorization": f"Bearer {stolen}"}
    for method, path in (("POST", "/api/v1/me/withdraw"), ("POST", "/api/v1/me/submit")):
        r = http.request(method, path, headers=thief)
        assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID", (path, r.text)
    r = http.delete("/api/v1/me/attachments/NURSE_QUALIFICATION_CERT/f1", headers=thief)
    assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID", r.text
    assert not {"withdraw", "submit"} & {call.name for call in temporal.calls}
