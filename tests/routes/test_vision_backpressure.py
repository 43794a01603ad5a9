"""An upload while vision is busy: accepted by the workflow and answered 202 with its place in
line (no request waits longer than `upload_wait_s`), then polled until its own answer — the view,
or the refusal the synchronous upload would have given."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

import pytest
from PIL import Image

from api.vision_backpressure import QueuePlace, estimate
from domain.states import AppState
from tests.routes.conftest import CALLERS, MINE, view
from tests.routes.temporal_double import PENDING, refused, update_not_found

CANDIDATE = CALLERS["candidate"]


class FixedQueue:
    """The vision queue as Temporal would count it, fixed by the test."""

    def __init__(self, place: QueuePlace | None) -> None:
        self._place = place

    async def place(self) -> QueuePlace | None:
        return self._place


def case_keeping(*keys: str) -> SimpleNamespace:
    """The workflow's case file as `discard_unreferenced` reads it: which uploads it kept."""
    return SimpleNamespace(state=SimpleNamespace(model_dump_json=lambda: " ".join(keys)))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (480, 640), (100, 197, 255)).save(out, "JPEG", quality=90)
    return out.getvalue()


def upload_photo(http):
    return http.post(
        "/api/v1/me/photo", files={"photo": ("p.jpg", jpeg(), "image/jpeg")}, headers=CANDIDATE
    )


@pytest.fixture
def services(app_services, monkeypatch):
    _, services = app_services
    monkeypatch.setattr(services, "vision_queue", FixedQueue(None))
    return services


def test_a_long_queue_answers_at_once_with_the_place_in_line(http, temporal, services):
    services.vision_queue = FixedQueue(QueuePlace(ahead=40, estimate_s=80))
    temporal.answer = PENDING
    r = upload_photo(http)
    assert r.status_code == 202, r.text
    body = r.json()
    assert body | {"update_id": "-"} == {
        "queued": True,
        "update_id": "-",
        "position": 41,
        "estimate_s": 80,
        "poll_after_s": 3,
        "message": "排队中，预计 80 秒",
    }
    assert r.headers["retry-after"] == "3"
    assert r.headers["location"] == f"/api/v1/me/uploads/{body['update_id']}"
    [call] = temporal.calls
    assert (call.workflow_id, call.name) == (MINE, "submit_photo")  # the workflow has it
    assert body["update_id"] in temporal.updates


def test_a_short_queue_keeps_the_synchronous_answer(http, temporal, services):
    services.vision_queue = FixedQueue(QueuePlace(ahead=0, estimate_s=2))
    temporal.answer = view(state=AppState.FACE_PENDING)
    r = upload_photo(http)
    assert (r.status_code, r.json()["state"]) == (200, "FACE_PENDING")


def test_a_refusal_within_the_wait_is_answered_as_before(http, temporal, services):
    temporal.answers["submit_photo"] = refused(
        "PHOTO_NOT_COMPLIANT", "照片不符合要求", details={"rules": []}
    )
    temporal.answers["case_file"] = case_keeping()
    r = upload_photo(http)
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "PHOTO_NOT_COMPLIANT",
        {"rules": []},
    )


def test_no_upload_waits_longer_than_the_bound(http, temporal, services, monkeypatch):
    """Temporal cannot say how long the queue is (None): the bound still holds."""
    monkeypatch.setattr(services.settings, "upload_wait_s", 0.3)
    temporal.answer = PENDING
    started = time.monotonic()
    r = upload_photo(http)
    assert r.status_code == 202, r.text
    assert time.monotonic() - started < 5
    assert r.json()["position"] == 1  # nothing known ahead of it


def test_polling_answers_in_line_then_the_uploads_own_answer(http, temporal, services):
    services.vision_queue = FixedQueue(QueuePlace(ahead=5, estimate_s=30))
    temporal.answer = PENDING
    update_id = upload_photo(http).json()["update_id"]
    services.vision_queue = FixedQueue(QueuePlace(ahead=2, estimate_s=12))
    r = http.get(f"/api/v1/me/uploads/{update_id}", headers=CANDIDATE)
    assert (r.status_code, r.json()["message"]) == (202, "排队中，预计 12 秒")

    temporal.updates[update_id].answer = view(state=AppState.FACE_PENDING)
    r = http.get(f"/api/v1/me/uploads/{update_id}", headers=CANDIDATE)
    assert (r.status_code, r.json()["state"]) == (200, "FACE_PENDING")
    assert [c.name for c in temporal.calls] == ["submit_photo", "poll_update", "poll_update"]
    assert {c.workflow_id for c in temporal.calls} == {MINE}  # the token's, never another's


def test_a_queued_refusal_reaches_the_poll_with_its_report(http, temporal, services):
    services.vision_queue = FixedQueue(QueuePlace(ahead=5, estimate_s=30))
    temporal.answer = PENDING
    update_id = upload_photo(http).json()["update_id"]
    report = {"rules": [{"code": "PHOTO_BG_COLOR", "passed": False}], "fixable": True}
    temporal.answers["case_file"] = case_keeping()
    temporal.updates[update_id].answer = refused(
        "PHOTO_NOT_COMPLIANT", "照片不符合要求", details=report
    )
    r = http.get(f"/api/v1/me/uploads/{update_id}", headers=CANDIDATE)
    assert (r.status_code, r.json()["code"], r.json()["details"]) == (
        422,
        "PHOTO_NOT_COMPLIANT",
        report,
    )


def test_a_queued_refusal_leaves_no_bytes_behind(http, temporal, services):
    """As a refused upload answered at once: what the workflow did not keep is deleted."""
    services.vision_queue = FixedQueue(QueuePlace(ahead=5, estimate_s=30))
    temporal.answer = PENDING
    before = services.store.usage(f"{MINE}/id")
    files = {"front": ("f.jpg", jpeg(), "image/jpeg"), "back": ("b.jpg", jpeg(), "image/jpeg")}
    r = http.post("/api/v1/me/id-card", files=files, headers=CANDIDATE)
    assert r.status_code == 202, r.text
    assert services.store.usage(f"{MINE}/id") > before  # both sides wait with their upload
    temporal.answers["case_file"] = case_keeping()
    temporal.updates[r.json()["update_id"]].answer = refused("OCR_BLURRY", "身份证照片模糊")
    deadline = time.monotonic() + 10
    while services.store.usage(f"{MINE}/id") > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert services.store.usage(f"{MINE}/id") == before


def test_an_unknown_upload_is_not_found(http, temporal):
    temporal.answers["poll_update"] = update_not_found()
    r = http.get(f"/api/v1/me/uploads/upload-{'0' * 32}", headers=CANDIDATE)
    assert (r.status_code, r.json()) == (
        404,
        {"code": "UPLOAD_NOT_FOUND", "message": "没有找到这次上传的处理结果，请重新上传"},
    )


@pytest.mark.parametrize("update_id", ["upload-xyz", "other-" + "0" * 32, "upload-" + "0" * 33])
def test_a_malformed_upload_id_never_reaches_temporal(http, temporal, update_id):
    r = http.get(f"/api/v1/me/uploads/{update_id}", headers=CANDIDATE)
    assert r.status_code == 422
    assert temporal.calls == []


@pytest.mark.parametrize(
    ("backlog", "age_s", "rate", "expected"),
    [
        (0, 0.0, 0.0, 1),  # empty queue, nothing measured yet: one task's time
        (39, 0.0, 0.0, 20),  # 40 tasks at the fallback 0.5 s each
        (39, 0.0, 2.0, 20),  # 40 tasks taken at 2 a second
        (39, 0.0, 0.5, 80),
        (3, 95.0, 2.0, 95),  # the rate lags: the oldest task already waited longer
        (0, 95.0, 2.0, 1),  # an age with no backlog is stale
    ],
)
def test_the_estimate(backlog, age_s, rate, expected):
    assert estimate(backlog, age_s, rate, task_s=0.5) == QueuePlace(backlog, expected)
