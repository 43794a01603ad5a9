"""「请到考区现场核验」 over HTTP against the real workflows: a candidate whose live face check
fails five times is locked out for the day and told to go to the office; an examiner there finds
his case by the ID number on his card (before submission, which examiners otherwise never see),
records the check in person, and the case moves on past the face step. Who may do it: examiners
(any, while the case has no region yet; its region's once it has one) and admins — not
candidates nor operators; a case outside its face step is refused with nothing recorded."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlmodel import Session, select
from temporalio import activity
from temporalio.client import Client

from api.routes.face_on_site import NOT_AT_FACE_STEP
from domain.enrollment import EnrollmentState
from domain.errors import Refusal
from domain.liveness import MAX_ATTEMPTS_PER_DAY
from domain.masking import mask_id_number
from domain.objects import StoredObject
from domain.vision import VERIFY_FACE, FaceMatch, VerifyFaceInput, VerifyFaceResult
from infra.db import StaffAudit
from tests import stand_ins
from tests.api.server import jpeg_bytes
from tests.security.stack import (
    bearer,
    register,
    running_stack,
    seeded_database,
    staff_token,
    submit_application,
)
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

#: applications whose candidate the face model never recognises (the one stuck at the counter)
UNRECOGNISED: set[str] = set()
LOOKUP = "/api/v1/examiner/face-on-site"
REASON = "考区现场核验：本人与身份证原件一致"


@activity.defn(name=VERIFY_FACE)
async def verify_face(inp: VerifyFaceInput) -> VerifyFaceResult:
    if inp.best_frame_key.split("/", 1)[0] not in UNRECOGNISED:
        return await stand_ins.verify_face(inp)
    return VerifyFaceResult(
        live=True,
        best_frame=StoredObject(
            key=inp.best_frame_key, sha256="0" * 64, size=1, content_type="image/jpeg"
        ),
        matches=[FaceMatch(reference="id_portrait", distance=0.9, threshold=0.5, matched=False)],
        refusals=[Refusal(code="FACE_MISMATCH", message="人脸与身份证照片不一致")],
    )


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("face-on-site")
    engine = seeded_database(tmp_path)
    vision = [stand_ins.read_id_card, stand_ins.check_photo, stand_ins.fix_photo, verify_face]
    async with running_stack(dev_env.client, engine, tmp_path, vision_activities=vision) as (
        http,
        _settings,
        sms,
    ):
        staff = {
            name: bearer(await staff_token(http, name))
            for name in ("examiner", "examiner2", "admin", "operator")
        }
        yield http, sms, staff, engine, dev_env.client


async def at_face_step(http: httpx.AsyncClient, sms, number: str, phone: str):
    """Registered, ID card read and confirmed, photo taken: the live face check is next."""
    application_id, me = await register(http, sms, number, phone)
    files = {
        "front": ("front.jpg", jpeg_bytes(seed=1), "image/jpeg"),
        "back": ("back.jpg", jpeg_bytes(seed=2), "image/jpeg"),
    }
    r = await http.post("/api/v1/me/id-card", files=files, headers=me)
    assert r.status_code == 200, r.text
    r = await http.post("/api/v1/me/id-card/confirm", json=r.json()["id_card_read"], headers=me)
    assert r.status_code == 200, r.text
    photo = {"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}
    r = await http.post("/api/v1/me/photo", files=photo, headers=me)
    assert r.status_code == 200 and r.json()["state"] == "FACE_PENDING", r.text
    return application_id, me


async def live_check(http: httpx.AsyncClient, me: dict) -> httpx.Response:
    r = await http.post("/api/v1/me/liveness/challenge", headers=me)
    if r.status_code != 200:
        return r
    nonce = r.json()["liveness_challenge"]["nonce"]
    frames = [("frames", (f"{i}.jpg", jpeg_bytes(seed=40 + i), "image/jpeg")) for i in range(3)]
    return await http.post("/api/v1/me/liveness", data={"nonce": nonce}, files=frames, headers=me)


async def lookup(http: httpx.AsyncClient, headers: dict, number: str) -> list[dict]:
    r = await http.get(
        "/api/v1/examiner/face-on-site", params={"id_number": number}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()["cases"]


async def case_state(client: Client, application_id: str) -> EnrollmentState:
    case_file = await client.get_workflow_handle(application_id).query(EnrollmentWorkflow.case_file)
    return case_file.state


def on_site(http: httpx.AsyncClient, headers: dict, application_id: str, reason: str = REASON):
    path = f"/api/v1/examiner/applications/{application_id}/face-on-site"
    return http.post(path, json={"reason": reason}, headers=headers)


async def test_a_candidate_locked_out_of_the_face_check_is_checked_in_person(world) -> None:
    http, sms, staff, engine, client = world
    number = valid_id_number(901)
    application_id, me = await at_face_step(http, sms, number, "13733330901")
    UNRECOGNISED.add(application_id)
    for _ in range(MAX_ATTEMPTS_PER_DAY):
        assert (await live_check(http, me)).json()["code"] == "FACE_MISMATCH"
    locked = await live_check(http, me)
    assert locked.json()["code"] == "FACE_LOCKED_TODAY" and "请到考区现场核验" in locked.text

    # at the counter: found by the number on the card, by an examiner of any region (the case
    # has none yet), while the case itself stays closed to examiners until it is submitted
    for examiner in ("examiner", "examiner2"):
        [found] = await lookup(http, staff[examiner], f" {number.lower()} ")
        assert found["row"]["application_id"] == application_id
    assert (found["row"]["status"], found["row"]["status_label"]) == ("FACE_PENDING", "待人脸核验")
    assert (found["row"]["name"], found["row"]["id_number"]) == ("张*", mask_id_number(number))
    assert found["face_attempts"] == MAX_ATTEMPTS_PER_DAY
    assert {"id_portrait", "photo", "face_frame"} <= set(found["files"])
    r = await http.get(f"/api/v1/examiner/applications/{application_id}", headers=staff["examiner"])
    assert (r.status_code, r.json()["code"]) == (404, "APPLICATION_NOT_FOUND")

    r = await on_site(http, staff["examiner"], application_id)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["face_passed"], r.json()["needs_manual_review"]) == (
        "NOTICE_PENDING",
        True,
        True,
    )
    case = (
        await client.get_workflow_handle(application_id).query(EnrollmentWorkflow.case_file)
    ).state
    assert (case.face.on_site.examiner, case.face.on_site.reason) == ("ex-changsha", REASON)
    assert case.history[-1][1:] == ("examiner:ex-changsha", "face_verified_on_site")

    # the candidate goes on from where the face check stopped him
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "NOTICE_PENDING"
    r = await http.post("/api/v1/me/notice/accept", headers=me)
    assert r.status_code == 200 and r.json()["state"] == "DRAFT", r.text

    # once past the face step: not offered again, and refused with nothing recorded
    assert await lookup(http, staff["examiner"], number) == []
    again = await on_site(http, staff["admin"], application_id)
    assert (again.status_code, again.json()) == (
        409,
        {"code": "WRONG_STATE", "message": NOT_AT_FACE_STEP},
    )
    after = (
        await client.get_workflow_handle(application_id).query(EnrollmentWorkflow.case_file)
    ).state
    assert [action for _at, _actor, action in after.history].count("face_verified_on_site") == 1

    with Session(engine) as s:
        searches = s.exec(select(StaffAudit).where(StaffAudit.actor == "ex-changsha")).all()
    kept = [json.loads(a.filters) for a in searches if a.action == "search"]
    assert {"by": ["id_number"], "for": "face_on_site"} in kept
    assert all(number not in a.filters for a in searches)


async def test_a_case_outside_its_face_step_is_refused_and_never_listed(world) -> None:
    http, sms, staff, _engine, _client = world
    submitted_number = valid_id_number(902)
    submitted_id, me = await register(http, sms, submitted_number, "13733330902")
    await submit_application(http, me, submitted_number, None)
    early_number = valid_id_number(903)
    early_id, _ = await register(http, sms, early_number, "13733330903")  # no ID card yet

    for number in (submitted_number, early_number):
        assert await lookup(http, staff["admin"], number) == []
    for application_id in (submitted_id, early_id):
        r = await on_site(http, staff["examiner"], application_id)
        assert (r.status_code, r.json()["code"], r.json()["message"]) == (
            409,
            "WRONG_STATE",
            NOT_AT_FACE_STEP,
        )
    r = await on_site(http, staff["examiner"], "enroll-2026-2-nobody")
    assert (r.status_code, r.json()["code"]) == (404, "APPLICATION_NOT_FOUND")


async def test_neither_a_candidate_nor_an_operator_records_an_on_site_check(world) -> None:
    http, sms, staff, _engine, _client = world
    number = valid_id_number(904)
    application_id, me = await at_face_step(http, sms, number, "13733330904")
    for headers in (me, staff["operator"]):
        r = await on_site(http, headers, application_id)
        assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
        r = await http.get(LOOKUP, params={"id_number": number}, headers=headers)
        assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
    r = await on_site(http, {}, application_id)
    assert (r.status_code, r.json()["code"]) == (401, "AUTH_REQUIRED")
    assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "FACE_PENDING"


async def test_a_returned_case_is_checked_in_person_only_in_its_region(world) -> None:
    """Returned for the face check, a case has its region: another region's examiner neither
    finds it nor records the check; its own does, and the candidate can resubmit."""
    http, sms, staff, _engine, _client = world
    number = valid_id_number(905)
    application_id, me = await register(http, sms, number, "13733330905")
    await submit_application(http, me, number, None, region="01")
    case = f"/api/v1/examiner/applications/{application_id}"
    assert (await http.post(f"{case}/claim", headers=staff["examiner"])).status_code == 200
    items = {"items": [{"item": "face", "reason": "核验帧与本人不符，请重新核验"}]}
    r = await http.post(f"{case}/return", json=items, headers=staff["examiner"])
    assert r.status_code == 200 and r.json()["state"] == "RETURNED", r.text

    assert await lookup(http, staff["examiner2"], number) == []
    r = await on_site(http, staff["examiner2"], application_id)
    assert (r.status_code, r.json()["code"]) == (403, "REGION_FORBIDDEN")

    [found] = await lookup(http, staff["examiner"], number)
    assert (found["row"]["status"], found["row"]["region"]) == ("RETURNED", "01")
    r = await on_site(http, staff["examiner"], application_id)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["face_passed"]) == ("RETURNED", True)
    assert (await http.get("/api/v1/me", headers=me)).json()["return_pending"] == []
    r = await http.post("/api/v1/me/submit", headers=me)
    assert r.status_code == 200 and r.json()["state"] == "SUBMITTED", r.text
