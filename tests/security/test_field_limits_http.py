"""M7: every free-text value is bounded and clean before anything reaches Temporal. No Temporal
server runs here: a value that got past the API would answer 503 (TEMPORAL_UNAVAILABLE)."""

from __future__ import annotations

import json
import re

import pytest

from infra.tokens import issue_token
from tests.api.server import seed
from tests.security.stack import API_SECRET, CARD, FORM, bearer, running_stack, staff_token

APP_ID = "enroll-2026-2-0123456789abcdef0123"
HAN = re.compile(r"[\u4e00-\u9fff]")

BAD_VALUES = [
    ("nul", "张\x00三"),
    ("control", "张\x1b[31m三"),
    ("bidi override", "张\u202e三"),
    ("bidi isolate", "\u2066张三"),
    ("zero width", "张\u200b三"),
    ("line separator", "张\u2028三"),
    ("lone surrogate", "张\ud800三"),
    ("over the body budget", "张" * 12_000),  # 72 KB as JSON escapes (1 MB was the finding)
]


@pytest.fixture
async def api(engine, tmp_path):
    seed(engine, "2026-2")
    async with running_stack(None, engine, tmp_path) as (http, _settings, _sms):
        yield http, bearer(issue_token(API_SECRET, APP_ID, "candidate"))


def _ascii_json(body: dict) -> bytes:
    """Escaped, as a JSON client may send a lone surrogate (httpx cannot encode one raw)."""
    return json.dumps(body).encode()


def _json(headers: dict) -> dict:
    return {**headers, "content-type": "application/json"}


def _assert_field_invalid(r, field: str, *, sizes=(422,)) -> None:
    assert r.status_code in sizes, r.text
    body = r.json()
    if r.status_code == 413:
        assert body["code"] == "REQUEST_TOO_LARGE"
    else:
        assert body["code"] == "FIELD_INVALID", r.text
        assert body["details"]["field"] == field
    assert HAN.search(body["message"]), body


async def test_id_card_confirm_refuses_unclean_values(api) -> None:
    http, me = api
    for field in ("name", "sex", "ethnicity", "address", "issuer", "id_number"):
        for kind, value in BAD_VALUES:
            body = _ascii_json({**CARD, field: value})
            r = await http.post("/api/v1/me/id-card/confirm", content=body, headers=_json(me))
            _assert_field_invalid(r, field, sizes=(413,) if kind.startswith("over") else (422,))


async def test_form_refuses_unclean_values(api) -> None:
    http, me = api
    for field in ("old_name", "old_id_number", "email", "postal_code", "contact_phone"):
        for kind, value in BAD_VALUES:
            form = _ascii_json({**FORM, "identity_changed": True, field: value})
            r = await http.put("/api/v1/me/form", content=form, headers=_json(me))
            _assert_field_invalid(r, field, sizes=(413,) if kind.startswith("over") else (422,))


async def test_just_over_a_field_limit_is_refused_with_the_limit(api) -> None:
    http, me = api
    r = await http.post("/api/v1/me/id-card/confirm", json={**CARD, "name": "张" * 51}, headers=me)
    _assert_field_invalid(r, "name")
    assert "50" in r.json()["message"]


async def test_examiner_reasons_are_bounded_and_clean(api) -> None:
    http, _me = api
    staff = bearer(await staff_token(http, "examiner"))
    body = {"items": [{"item": "photo", "reason": "背景\u202e不符"}]}
    r = await http.post(f"/api/v1/examiner/applications/{APP_ID}/reject", json=body, headers=staff)
    _assert_field_invalid(r, "items.0.reason")
    # the reason an examiner gives for approving without a complete checklist: kept on the case
    override = {"override_reason": "材料已线下核验\u202e"}
    r = await http.post(
        f"/api/v1/examiner/applications/{APP_ID}/approve", json=override, headers=staff
    )
    _assert_field_invalid(r, "override_reason")


async def test_json_body_budget_is_far_below_temporals_payload_limit(api) -> None:
    """Temporal refuses payloads over 2 MiB (and warns from 512 KiB); one update's body is
    refused long before that."""
    http, me = api
    padding = {"x" * 10: "y" * 200_000}
    r = await http.put("/api/v1/me/form", json={**FORM, **padding}, headers=me)
    assert (r.status_code, r.json()["code"]) == (413, "REQUEST_TOO_LARGE")
    assert HAN.search(r.json()["message"])


async def test_a_json_route_keeps_its_budget_when_the_body_says_multipart(api) -> None:
    """The larger multipart budget is for the upload routes. A JSON route reads its body whole
    into memory before any token or signature is checked, so a body merely labelled multipart
    (48 MB each, dozens at once) must not get it."""
    http, me = api
    multipart = {"content-type": "multipart/form-data; boundary=x"}
    big = b"--x\r\n" + b"a" * 1_000_000
    for path, headers in (
        ("/api/v1/chsi/callback", multipart),
        ("/api/v1/candidate/register", multipart),
        ("/api/v1/me/submit", {**me, **multipart}),
    ):
        r = await http.post(path, content=big, headers=headers)
        assert r.status_code == 413, (path, r.status_code, r.text[:200])
        assert HAN.search(r.json()["message"])


async def test_clean_values_reach_the_workflow(api) -> None:
    """The limits are generous: a real card and form pass the API (and then find no Temporal)."""
    http, me = api
    r = await http.post("/api/v1/me/id-card/confirm", json=CARD, headers=me)
    assert (r.status_code, r.json()["code"]) == (503, "TEMPORAL_UNAVAILABLE"), r.text
    r = await http.put("/api/v1/me/form", json=FORM, headers=me)
    assert (r.status_code, r.json()["code"]) == (503, "TEMPORAL_UNAVAILABLE"), r.text
