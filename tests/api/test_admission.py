"""Admission control: past its kind's limit a request is answered at once with 429, Retry-After
and a Chinese message, while the admitted ones and every other route carry on."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
from fastapi import UploadFile
from PIL import Image
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from api import admission
from api.admission import (
    SIGN_IN_PATHS,
    STAFF_LOGIN_PATHS,
    AdmissionControl,
    RequestKind,
)
from api.applications import run_upload_update, store_upload
from api.errors import ApiRefusal
from infra.config import Settings
from infra.keyring import new_key_entry
from infra.storage import LocalObjectStore
from infra.uploads import DOCUMENT_POLICY
from tests.api.peak_stack import SlowTemporal, add_application, peak_api, until_waiting
from tests.security.test_authorization import app_routes
from workflows.enrollment import EnrollmentWorkflow

UPLOAD = {"files": {"photo": ("p.jpg", b"\xff\xd8", "image/jpeg")}}


def _client(app: AdmissionControl) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


class Held:
    """An app whose every request waits until the test lets it answer."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def test_past_the_limit_of_its_kind_a_request_is_refused_at_once() -> None:
    held = Held()
    limits = {RequestKind.SIGN_IN: 2, RequestKind.UPLOAD: 1, RequestKind.STAFF_LOGIN: 1}
    app = AdmissionControl(held, limits=limits)
    async with _client(app) as http:
        admitted = [
            asyncio.ensure_future(http.post("/api/v1/candidate/login", json={})) for _ in range(2)
        ] + [asyncio.ensure_future(http.post("/api/v1/me/photo", **UPLOAD))]
        while held.entered < 3:
            await asyncio.sleep(0.01)
        refused = await http.post("/api/v1/candidate/register", json={})
        upload_refused = await http.post("/api/v1/me/attachments/X1", **UPLOAD)
        other_kind = asyncio.ensure_future(http.post("/api/v1/staff/login", json={}))
        unlimited = asyncio.ensure_future(http.get("/api/v1/me"))
        while held.entered < 5:
            await asyncio.sleep(0.01)
        held.release.set()
        answered = await asyncio.gather(*admitted, other_kind, unlimited)
        again = await http.post("/api/v1/candidate/login", json={})
    for r in (refused, upload_refused):
        assert r.status_code == 429
        assert r.json()["code"] == ApiRefusal.TOO_MANY_CONCURRENT.value
        assert r.json()["message"] == "当前办理人数较多，请稍候几秒再试"
        assert 2 <= int(r.headers["retry-after"]) <= 4
    assert [r.status_code for r in answered] == [200] * 5
    assert again.status_code == 200  # the slots were given back


async def test_the_app_admits_by_its_settings(engine, tmp_path) -> None:
    """Through the real app: with one sign-in at a time, a second login waits for none."""
    phone = "13900003333"
    add_application(engine, phone)
    temporal = SlowTemporal()
    async with peak_api(engine, tmp_path, temporal, concurrent_sign_ins=1) as peak:
        await peak.http.post("/api/v1/candidate/login/code", json={"phone": phone})
        temporal.gate.clear()
        first = asyncio.ensure_future(
            peak.http.post(
                "/api/v1/candidate/login", json={"phone": phone, "code": peak.sms.last_code(phone)}
            )
        )
        await until_waiting(temporal, first)
        second = await peak.http.post(
            "/api/v1/candidate/login", json={"phone": phone, "code": "000000"}
        )
        elsewhere = await peak.http.get("/api/v1/period")
        temporal.gate.set()
        assert (await first).status_code == 200
    assert (second.status_code, second.json()["code"]) == (429, "TOO_MANY_CONCURRENT")
    assert "retry-after" in second.headers
    assert elsewhere.status_code == 200


def test_the_admission_paths_are_post_routes_of_the_app(tmp_path) -> None:
    """A renamed route would silently lose its limit."""
    routes = app_routes(Settings(env="test", var_dir=tmp_path, codec_keys=new_key_entry("a")))
    assert {f"POST {path}" for path in SIGN_IN_PATHS | STAFF_LOGIN_PATHS} <= routes


class Reader:
    """An app that reads the whole body first, as FastAPI does before it checks anything."""

    def __init__(self) -> None:
        self.entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        await Request(scope, receive).body()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _trickle() -> AsyncIterator[bytes]:
    yield b'{"username": "a'
    await asyncio.Event().wait()  # the rest never comes (slowloris)


async def test_a_client_that_never_finishes_its_body_loses_its_slot(monkeypatch) -> None:
    """Four slow staff logins held every slot for as long as they liked: nobody could sign in."""
    monkeypatch.setitem(admission.BODY_DEADLINE_S, RequestKind.STAFF_LOGIN, 0.2)
    reader = Reader()
    limits = {RequestKind.SIGN_IN: 1, RequestKind.UPLOAD: 1, RequestKind.STAFF_LOGIN: 1}
    app = AdmissionControl(reader, limits=limits)
    async with _client(app) as http:
        slow = asyncio.ensure_future(http.post("/api/v1/staff/login", content=_trickle()))
        while reader.entered < 1:
            await asyncio.sleep(0.01)
        cut = await asyncio.wait_for(slow, 5)
        after = await http.post("/api/v1/staff/login", json={"username": "a"})
    assert cut.status_code == 408
    assert cut.json()["code"] == ApiRefusal.BODY_TIMEOUT.value
    assert cut.json()["message"] == ApiRefusal.BODY_TIMEOUT.message
    assert after.status_code == 200


class StoredThenWaiting(Held):
    """An upload route that has stored its files and gives its slot back, then waits for vision."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        admission.release_slot()
        await super().__call__(scope, receive, send)


async def test_an_upload_waiting_for_vision_holds_no_slot() -> None:
    waiting = StoredThenWaiting()
    limits = {RequestKind.SIGN_IN: 1, RequestKind.UPLOAD: 1, RequestKind.STAFF_LOGIN: 1}
    app = AdmissionControl(waiting, limits=limits)
    async with _client(app) as http:
        first = asyncio.ensure_future(http.post("/api/v1/me/photo", **UPLOAD))
        while waiting.entered < 1:
            await asyncio.sleep(0.01)
        second = asyncio.ensure_future(http.post("/api/v1/me/liveness", **UPLOAD))
        while waiting.entered < 2 and not second.done():  # refused, it would be done at once
            await asyncio.sleep(0.01)
        assert waiting.entered == 2  # both admitted, though the limit is one at a time
        waiting.release.set()
        assert [(await r).status_code for r in (first, second)] == [200, 200]
    assert app.in_flight[RequestKind.UPLOAD] == 0  # given back once each, not twice


async def test_run_upload_update_gives_the_slot_back_once_the_workflow_accepted() -> None:
    released: list[str] = []
    answer = asyncio.Event()

    class Pending:
        id = "upload-1"

        async def result(self) -> str:  # awaited again once known, as the real handle is
            if "awaited the vision answer" not in released:
                released.append("awaited the vision answer")
            await answer.wait()
            return "view"

    class Handle:
        async def start_update(self, *_args: object, **_kwargs: object) -> Pending:
            return Pending()

    class Queue:
        async def place(self) -> None:
            return None

    services = SimpleNamespace(settings=SimpleNamespace(upload_wait_s=5), vision_queue=Queue())
    token = admission._slot_release.set(lambda: released.append("slot given back"))
    try:
        call = asyncio.ensure_future(
            run_upload_update(services, Handle(), EnrollmentWorkflow.submit_photo, None, [])  # type: ignore[arg-type]
        )
        while "awaited the vision answer" not in released:
            await asyncio.sleep(0.01)
        assert released == ["slot given back", "awaited the vision answer"]
        answer.set()
        assert await call == "view"
    finally:
        admission._slot_release.reset(token)
    assert released == ["slot given back", "awaited the vision answer"]


async def test_a_stored_upload_keeps_no_spooled_copy_while_it_waits(tmp_path) -> None:
    """What a request waiting for vision without a slot still holds: nothing of the upload."""
    image = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(image, "JPEG")
    upload = UploadFile(
        io.BytesIO(image.getvalue()), filename="card.jpg", size=len(image.getvalue())
    )
    services = SimpleNamespace(
        store=LocalObjectStore(tmp_path), settings=SimpleNamespace(storage_quota_bytes=10**8)
    )
    stored, _ = await store_upload(services, upload, DOCUMENT_POLICY, "enroll-x/id/front")  # type: ignore[arg-type]
    assert stored.size > 0
    assert upload.file.closed
