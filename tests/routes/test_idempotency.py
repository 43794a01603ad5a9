"""Client-supplied update IDs (issue 18, api/idempotency.py): the phone's `Idempotency-Key`
becomes the update's ID, named by the step; without one the SDK picks an ID; a malformed key is
refused before anything reaches the workflow."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.routes.conftest import MINE, bearer, view
from tests.routes.temporal_double import TemporalDouble

ME = bearer(MINE, "candidate")


def test_the_key_names_the_update(http: TestClient, temporal: TemporalDouble) -> None:
    temporal.answer = view()
    key = "k7Gx0-phone-retry_01"
    r = http.post("/api/v1/me/submit", headers={**ME, "Idempotency-Key": key})
    assert r.status_code == 200, r.text
    assert temporal.update_ids == [f"submit:{key}"]


def test_without_a_key_the_sdk_names_it(http: TestClient, temporal: TemporalDouble) -> None:
    temporal.answer = view()
    assert http.post("/api/v1/me/submit", headers=ME).status_code == 200
    assert temporal.update_ids == [None]


def test_a_malformed_key_is_refused_before_the_workflow(
    http: TestClient, temporal: TemporalDouble
) -> None:
    temporal.answer = view()
    for key in ("short", "has space in it ok", "x" * 65, "semi;colon-key-000"):
        r = http.post("/api/v1/me/submit", headers={**ME, "Idempotency-Key": key})
        assert r.status_code == 422, (key, r.text)
        assert r.json()["code"] == "IDEMPOTENCY_KEY_INVALID"
    assert temporal.calls == []
