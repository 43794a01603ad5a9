"""M1: an upload the workflow refuses leaves nothing in storage, whatever refused it (the step
not reached, the wrong state, an attachment not required, a stale liveness nonce, an ID card the
OCR cannot read), and one application cannot fill the store (quota)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError

from api.errors import from_update_failure
from api.routes import attachments
from domain.enrollment import AttachmentUpload
from domain.errors import Refusal
from domain.objects import StoredObject
from domain.vision import READ_ID_CARD, ReadIdCardInput, ReadIdCardResult
from tests import stand_ins
from tests.api.server import jpeg_bytes
from tests.infra.test_pdf_proofs import pdf
from tests.security.stack import FORM, api_only, register, running_stack, seeded_database
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

UNREADABLE = valid_id_number(881)  # the stand-in OCR cannot read this candidate's card


@activity.defn(name=READ_ID_CARD)
async def read_id_card(inp: ReadIdCardInput) -> ReadIdCardResult:
    if inp.typed_id_number == UNREADABLE:
        return ReadIdCardResult(
            refusals=[Refusal(code="OCR_BLURRY", message="身份证照片模糊，请重新拍摄")]
        )
    return await stand_ins.read_id_card(inp)


VISION = [read_id_card, stand_ins.check_photo, stand_ins.fix_photo, stand_ins.verify_face]


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("uploads")
    engine = seeded_database(tmp_path)
    async with running_stack(dev_env.client, engine, tmp_path, vision_activities=VISION) as (
        http,
        _settings,
        sms,
    ):
        yield http, sms, tmp_path / "objects"


def _bytes_of(objects: Path, app_id: str, under: str = "") -> int:
    root = objects / app_id / under
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _card():
    return {
        "front": ("front.jpg", jpeg_bytes(seed=1), "image/jpeg"),
        "back": ("back.jpg", jpeg_bytes(seed=2), "image/jpeg"),
    }


def _frames(n: int):
    return [("frames", (f"{i}.jpg", jpeg_bytes(seed=10 + i), "image/jpeg")) for i in range(n)]


async def test_uploads_before_their_step_leave_nothing(world) -> None:
    http, sms, objects = world
    app_id, me = await register(http, sms, valid_id_number(880), "13744440880")
    refused = [
        await http.post("/api/v1/me/liveness", data={"nonce": "x"}, files=_frames(30), headers=me),
        await http.post(
            "/api/v1/me/photo", files={"photo": ("p.jpg", jpeg_bytes(seed=3))}, headers=me
        ),
        await http.post(
            "/api/v1/me/attachments/DIPLOMA", files={"file": ("d.jpg", jpeg_bytes())}, headers=me
        ),
    ]
    assert [r.status_code // 100 for r in refused] == [4, 4, 4], [r.text for r in refused]
    assert _bytes_of(objects, app_id) == 0
    # and after the application has ended: the wrong state
    assert (await http.post("/api/v1/me/withdraw", headers=me)).status_code == 200
    r = await http.post("/api/v1/me/id-card", files=_card(), headers=me)
    assert r.status_code // 100 == 4, r.text
    assert _bytes_of(objects, app_id) == 0


async def test_both_id_sides_after_a_failed_read_leave_nothing(world) -> None:
    http, sms, objects = world
    app_id, me = await register(http, sms, UNREADABLE, "13744440881")
    r = await http.post("/api/v1/me/id-card", files=_card(), headers=me)
    assert (r.status_code, r.json()["code"]) == (422, "OCR_BLURRY"), r.text
    assert _bytes_of(objects, app_id) == 0


async def test_stale_nonce_and_unrequired_attachment_leave_nothing(world) -> None:
    http, sms, objects = world
    app_id, me = await _to_the_face_step(http, sms, 882, "13744440882")
    r = await http.post("/api/v1/me/liveness/challenge", headers=me)
    nonce = r.json()["liveness_challenge"]["nonce"]
    r = await http.post(
        "/api/v1/me/liveness", data={"nonce": "bogus"}, files=_frames(5), headers=me
    )
    assert r.status_code // 100 == 4, r.text
    assert _bytes_of(objects, app_id, "face") == 0
    # a real answer still passes afterwards (with a new challenge)
    r = await http.post("/api/v1/me/liveness/challenge", headers=me)
    nonce = r.json()["liveness_challenge"]["nonce"]
    r = await http.post("/api/v1/me/liveness", data={"nonce": nonce}, files=_frames(3), headers=me)
    assert r.status_code == 200, r.text
    assert (await http.post("/api/v1/me/notice/accept", headers=me)).status_code == 200
    assert (await http.put("/api/v1/me/form", json=FORM, headers=me)).status_code == 200
    r = await http.post(
        "/api/v1/me/attachments/NOT_REQUIRED", files={"file": ("d.jpg", jpeg_bytes())}, headers=me
    )
    assert (r.status_code, r.json()["code"]) == (422, "ATTACHMENT_NOT_REQUIRED"), r.text
    assert _bytes_of(objects, app_id, "attachments") == 0


async def test_one_application_cannot_fill_the_store(engine, tmp_path) -> None:
    app_id = "enroll-2026-2-0123456789abcdef0123"
    from infra.tokens import issue_token
    from tests.security.stack import API_SECRET, bearer

    me = bearer(issue_token(API_SECRET, app_id, "candidate"))
    photo = jpeg_bytes(seed=3)
    quota = 3 * len(photo)
    (tmp_path / "objects" / app_id / "photo").mkdir(parents=True)
    (tmp_path / "objects" / app_id / "photo" / "earlier.jpg").write_bytes(b"\0" * (quota - 10))
    async with api_only(engine, tmp_path, storage_quota_bytes=quota) as http:
        r = await http.post("/api/v1/me/photo", files={"photo": ("p.jpg", photo)}, headers=me)
    assert (r.status_code, r.json()["code"]) == (413, "STORAGE_QUOTA"), r.text
    assert _bytes_of(tmp_path / "objects", app_id) == quota - 10


async def _to_the_face_step(http, sms, serial: int, phone: str) -> tuple[str, dict]:
    number = valid_id_number(serial)
    app_id, me = await register(http, sms, number, phone)
    assert (await http.post("/api/v1/me/id-card", files=_card(), headers=me)).status_code == 200
    confirm = dict(name="张三", sex="男", ethnicity="汉", id_number=number, birth_date="1999-03-12")
    assert (await http.post("/api/v1/me/id-card/confirm", json=confirm, headers=me)).is_success
    photo = {"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}
    assert (await http.post("/api/v1/me/photo", files=photo, headers=me)).status_code == 200
    return app_id, me


async def _to_a_required_attachment(http, sms, serial: int, phone: str) -> tuple[str, dict, str]:
    app_id, me = await _to_the_face_step(http, sms, serial, phone)
    r = await http.post("/api/v1/me/liveness/challenge", headers=me)
    nonce = r.json()["liveness_challenge"]["nonce"]
    r = await http.post("/api/v1/me/liveness", data={"nonce": nonce}, files=_frames(3), headers=me)
    assert r.status_code == 200, r.text
    assert (await http.post("/api/v1/me/notice/accept", headers=me)).status_code == 200
    r = await http.put("/api/v1/me/form", json={**FORM, "major": "520201"}, headers=me)
    assert r.status_code == 200, r.text
    wanted = next(item for item in r.json()["required_attachments"] if not item["satisfied"])
    return app_id, me, wanted["options"][0][0]["code"]


def _stored_files(objects: Path, app_id: str) -> dict[str, str]:
    root = objects / app_id / "attachments"
    files = root.rglob("*") if root.exists() else []
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


async def test_a_key_used_again_after_its_file_was_deleted_leaves_no_file_behind(world) -> None:
    """The server answers a used update ID with its first answer; the file sent with it is not
    attached, so it must not stay in the store (and count against the quota)."""
    http, sms, objects = world
    app_id, me, code = await _to_a_required_attachment(http, sms, 883, "13744440883")
    keyed = me | {"idempotency-key": "attach-again-0001"}
    proof = {"file": ("d.jpg", jpeg_bytes(seed=21), "image/jpeg")}
    r = await http.post(f"/api/v1/me/attachments/{code}", files=proof, headers=keyed)
    assert r.status_code == 200, r.text
    (listed,) = (await http.get("/api/v1/me/attachments", headers=me)).json()
    r = await http.delete(f"/api/v1/me/attachments/{code}/{listed['id']}", headers=me)
    assert r.status_code == 200, r.text
    r = await http.post(f"/api/v1/me/attachments/{code}", files=proof, headers=keyed)
    assert r.status_code == 200, r.text
    assert (await http.get("/api/v1/me/attachments", headers=me)).json() == []
    assert _stored_files(objects, app_id) == {}


async def test_two_files_sent_at_once_under_one_key_keep_their_own_bytes(world) -> None:
    """Every stored attachment is exactly the file the case records (its SHA-256), and nothing
    else of the pair stays in the store."""
    http, sms, objects = world
    app_id, me, code = await _to_a_required_attachment(http, sms, 884, "13744440884")
    keyed = me | {"idempotency-key": "attach-twice-0001"}
    sent = [
        http.post(
            f"/api/v1/me/attachments/{code}",
            files={"file": ("d.jpg", jpeg_bytes(seed=seed), "image/jpeg")},
            headers=keyed,
        )
        for seed in (22, 23)
    ]
    answers = await asyncio.gather(*sent)
    assert all(r.status_code in (200, 409) for r in answers), [r.text for r in answers]
    listed = (await http.get("/api/v1/me/attachments", headers=me)).json()
    assert len(listed) == 1
    assert _stored_files(objects, app_id) == {listed[0]["id"]: listed[0]["sha256"]}


async def _workflow_answer(dev_env, app_id: str, code: str) -> tuple[int, str, str]:
    """What the workflow's own validator answers an upload of `code` (a file it never keeps)."""
    handle = dev_env.client.get_workflow_handle(app_id)
    never = StoredObject(key=f"{app_id}/attachments/x.pdf", sha256="0" * 64, size=1)
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(
            EnrollmentWorkflow.upload_attachment, AttachmentUpload(code=code, file=never)
        )
    answer = from_update_failure(failed.value)
    return answer.status, answer.body.code, answer.body.message


async def test_a_pdf_the_case_cannot_take_is_refused_as_the_workflow_would_without_a_render(
    world, dev_env, monkeypatch
) -> None:
    """Before its step, and off the checklist of a draft: the route's early refusal is the
    workflow's, word for word, and no page is drawn for it."""
    http, sms, objects = world

    async def render_preview(_data: bytes) -> bytes:
        raise AssertionError("rendered a PDF the case cannot take")

    monkeypatch.setattr(attachments, "render_preview", render_preview)
    proof = {"file": ("证明.pdf", pdf(), "application/pdf")}
    app_id, me = await _to_the_face_step(http, sms, 885, "13744440885")
    r = await http.post("/api/v1/me/attachments/DIPLOMA", files=proof, headers=me)
    answer = (r.status_code, r.json()["code"], r.json()["message"])
    assert answer == await _workflow_answer(dev_env, app_id, "DIPLOMA")
    assert answer[1] == "STEP_NOT_REACHED"

    app_id, me, wanted = await _to_a_required_attachment(http, sms, 886, "13744440886")
    assert wanted != "DIPLOMA"  # the restricted major's checklist asks for other proofs
    r = await http.post("/api/v1/me/attachments/DIPLOMA", files=proof, headers=me)
    answer = (r.status_code, r.json()["code"], r.json()["message"])
    assert answer == await _workflow_answer(dev_env, app_id, "DIPLOMA")
    assert answer[1] == "ATTACHMENT_NOT_REQUIRED"
    assert _bytes_of(objects, app_id, "attachments") == 0
