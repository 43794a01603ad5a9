"""The merged steps over real HTTP (issue 18, shape 3): the ID card's confirmation sent as the
photo upload's `confirm` field, the form sent with `submit: true`; what a bad confirmation gets
back, and that nothing is lost."""

from __future__ import annotations

import json

import httpx
from sqlmodel import Session, select

from domain.notice import NOTICE_VERSION
from infra.db import AuditEvent
from synthetic.forms import BENKE_MAJOR, form_fields
from tests.api.server import jpeg_bytes, upload_card
from tests.api.test_http_flow import outbox_code
from tests.workflows.harness import valid_id_number


async def signed_in_with_card_read(http: httpx.AsyncClient, serial: int) -> tuple[dict, dict]:
    phone, number = f"1370003{serial:04d}", valid_id_number(serial)
    r = await http.post("/api/v1/candidate/register", json={"id_number": number, "phone": phone})
    assert r.status_code == 201, r.text
    r = await http.post(
        "/api/v1/candidate/verify",
        json={"application_id": r.json()["application_id"], "code": await outbox_code(http, phone)},
    )
    me = {"authorization": f"Bearer {r.json()['token']}"}
    r = await upload_card(http, me)
    assert r.status_code == 200, r.text
    return me, r.json()["id_card_read"]


async def at_the_form(http: httpx.AsyncClient, serial: int) -> dict:
    """Signed in, the card confirmed with the photo, the face checked: the notice and the form
    are next. Returns the sign-in's headers."""
    me, read = await signed_in_with_card_read(http, serial)
    r = await http.post(
        "/api/v1/me/photo", data={"confirm": json.dumps(read)}, files=photo(), headers=me
    )
    assert r.status_code == 200 and r.json()["state"] == "FACE_PENDING", r.text
    nonce = r.json()["liveness_challenge"]["nonce"]
    frames = [("frames", (f"{i}.jpg", jpeg_bytes(seed=10 + i), "image/jpeg")) for i in range(3)]
    r = await http.post("/api/v1/me/liveness", data={"nonce": nonce}, files=frames, headers=me)
    assert r.json()["state"] == "NOTICE_PENDING", r.text
    return me


def photo() -> dict:
    return {"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}


async def state(http: httpx.AsyncClient, me: dict) -> str:
    return str((await http.get("/api/v1/me", headers=me)).json()["state"])


async def test_the_card_confirmed_with_the_photo_and_the_form_with_the_submit(api):
    http = api
    me = await at_the_form(http, 31)
    body = {**form_fields(), "notice_version": NOTICE_VERSION, "submit": True}
    r = await http.put("/api/v1/me/form", json=body, headers=me)
    assert r.status_code == 200 and r.json()["state"] == "SUBMITTED", r.text


async def test_a_bad_confirmation_is_refused_before_the_photo_and_changes_nothing(api):
    http = api
    me, read = await signed_in_with_card_read(http, 32)
    for text in ("{not json", json.dumps({**read, "birth_date": "someday"})):
        r = await http.post("/api/v1/me/photo", data={"confirm": text}, files=photo(), headers=me)
        assert r.status_code == 422 and r.json()["code"] in ("INVALID_REQUEST", "FIELD_INVALID")
        assert r.json()["message"], r.text
    other = {**read, "id_number": valid_id_number(99)}
    r = await http.post(
        "/api/v1/me/photo", data={"confirm": json.dumps(other)}, files=photo(), headers=me
    )
    assert r.status_code == 422 and r.json()["code"] == "ID_NUMBER_INVALID", r.text
    assert await state(http, me) == "ID_PENDING"  # neither the card nor the photo moved on
    # the confirmation alone still works, as before
    r = await http.post("/api/v1/me/id-card/confirm", json=read, headers=me)
    assert r.status_code == 200 and r.json()["state"] == "PHOTO_PENDING", r.text


async def test_a_submit_with_a_form_that_needs_more_keeps_the_form(api):
    http = api
    me = await at_the_form(http, 33)
    body = {**form_fields(major=BENKE_MAJOR), "notice_version": NOTICE_VERSION, "submit": True}
    r = await http.put("/api/v1/me/form", json=body, headers=me)
    assert r.status_code == 422 and r.json()["code"] == "ATTACHMENTS_MISSING", r.text
    view = (await http.get("/api/v1/me", headers=me)).json()
    assert view["state"] == "DRAFT" and view["form"]["major"] == BENKE_MAJOR
    assert view["chsi_status"] == "pending"  # the H5 goes on to the CHSI step


async def test_a_submit_sent_again_after_it_went_through_gets_its_answer_again(api, engine):
    """The answer was lost on the way (a tunnel, a dropped connection): the H5 sends the same
    request with the same Idempotency-Key. It is the same step, answered again; nothing is
    recorded twice. Without the key the submitted case refuses it and says where changes go."""
    http = api
    me = await at_the_form(http, 34)
    body = {**form_fields(), "notice_version": NOTICE_VERSION, "submit": True}
    keyed = {**me, "idempotency-key": "submit-retry-0034"}
    first = await http.put("/api/v1/me/form", json=body, headers=keyed)
    again = await http.put("/api/v1/me/form", json=body, headers=keyed)
    assert first.status_code == again.status_code == 200, again.text
    assert first.json()["state"] == again.json()["state"] == "SUBMITTED"
    app_id = first.json()["application_id"]
    with Session(engine) as s:
        trail = s.exec(select(AuditEvent.action).where(AuditEvent.workflow_id == app_id)).all()
    assert trail.count("submitted") == 1 and "modified" not in trail

    r = await http.put("/api/v1/me/form", json=body, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "NOT_EDITABLE", r.text
    assert "修改" in r.json()["message"]
