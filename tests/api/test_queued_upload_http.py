"""The queued upload end to end: the real app over HTTP, the real workflow on the Temporal dev
server, a vision worker with one slot whose photo check waits for the test. An upload that cannot
be answered within `upload_wait_s` is answered 202 with its place in line, counted by Temporal;
the candidate polls until the upload's own answer, and the case moves on as it always did."""

from __future__ import annotations

import asyncio
import time

import pytest
from temporalio import activity

from api.vision_backpressure import VisionQueue
from domain.vision import CHECK_PHOTO, CheckPhotoInput, PhotoReport
from tests import stand_ins
from tests.api.server import jpeg_bytes, upload_card
from tests.security.stack import register, running_stack, seeded_database
from tests.workflows.harness import valid_id_number

pytestmark = pytest.mark.timeout(120)


class PhotoGate:
    """The photo check as a busy vision worker does it: not before the test opens the gate."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.started = asyncio.Event()

    def activities(self) -> list:
        @activity.defn(name=CHECK_PHOTO)
        async def check_photo(inp: CheckPhotoInput) -> PhotoReport:
            self.started.set()
            await self.open.wait()
            return await stand_ins.check_photo(inp)

        others = [a for a in stand_ins.VISION_STAND_INS if a is not stand_ins.check_photo]
        return [*others, check_photo]


async def upload_photo(http, me):
    photo = {"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}
    return await http.post("/api/v1/me/photo", files=photo, headers=me)


async def until_answered(http, me, update_id: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = await http.get(f"/api/v1/me/uploads/{update_id}", headers=me)
        if r.status_code != 202:
            return r
        await asyncio.sleep(0.2)
    raise AssertionError(f"upload {update_id} still in line after {seconds} s")


async def backlog_counted(queue: VisionQueue, tasks: int) -> None:
    """Temporal refreshes its count every few seconds: awaited, not assumed."""
    deadline = time.monotonic() + 30
    while (place := await queue.place()) is None or place.ahead != tasks:
        assert time.monotonic() < deadline, f"Temporal counts {place}, not {tasks} waiting"
        await asyncio.sleep(0.5)


async def photo_pending(http, sms, n: int):
    """A candidate registered, his ID card read and confirmed: the photo step is next."""
    number = valid_id_number(700 + n, area="430105")  # its own identities on the shared dev server
    _, me = await register(http, sms, number, f"1371111{n:04d}")
    r = await upload_card(http, me)
    if r.status_code == 202:  # the card's check may itself have waited in line
        r = await until_answered(http, me, r.json()["update_id"])
    assert r.status_code == 200, r.text
    confirm = dict(name="张三", sex="男", ethnicity="汉", id_number=number, birth_date="1999-03-12")
    r = await http.post("/api/v1/me/id-card/confirm", json=confirm, headers=me)
    assert (r.status_code, r.json()["state"]) == (200, "PHOTO_PENDING"), r.text
    return me


async def test_a_queued_photo_is_answered_in_line_then_by_polling(dev_env, tmp_path):
    gate = PhotoGate()
    engine = seeded_database(tmp_path)
    async with running_stack(
        dev_env.client, engine, tmp_path, gate.activities(), vision_slots=1, upload_wait_s=0.5
    ) as (http, settings, sms):
        queue_name = settings.vision_task_queue
        first, second, third = [await photo_pending(http, sms, n) for n in (1, 2, 3)]

        r = await upload_photo(http, first)  # takes the only vision slot and keeps it
        assert r.status_code == 202, r.text
        assert r.json()["message"].startswith("排队中，预计")
        first_upload = r.json()["update_id"]
        await gate.started.wait()

        r = await upload_photo(http, second)  # waits behind it in Temporal's task queue
        assert r.status_code == 202, r.text
        second_upload = r.json()["update_id"]
        r = await http.get(f"/api/v1/me/uploads/{second_upload}", headers=second)
        assert r.status_code == 202, r.text
        await backlog_counted(VisionQueue(lambda: dev_env.client, queue_name, 0.5), 1)

        r = await upload_photo(http, third)  # answered with its place: one check before it
        assert (r.status_code, r.json()["position"]) == (202, 2), r.text
        third_upload = r.json()["update_id"]
        assert (await http.get("/api/v1/me", headers=first)).json()["state"] == "PHOTO_PENDING"

        gate.open.set()
        done = ((first, first_upload), (second, second_upload), (third, third_upload))
        for me, update_id in done:
            r = await until_answered(http, me, update_id)
            assert (r.status_code, r.json()["state"]) == (200, "FACE_PENDING"), r.text
            assert (await http.get("/api/v1/me", headers=me)).json()["state"] == "FACE_PENDING"

        # an upload answered long ago is still answered the same; another's ID is not found
        r = await http.get(f"/api/v1/me/uploads/{first_upload}", headers=first)
        assert (r.status_code, r.json()["state"]) == (200, "FACE_PENDING")
        r = await http.get(f"/api/v1/me/uploads/{first_upload}", headers=second)
        assert (r.status_code, r.json()["code"]) == (404, "UPLOAD_NOT_FOUND")
    engine.dispose()
