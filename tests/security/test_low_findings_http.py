"""The low findings of issue 14 over HTTP: inputs that were 500s, refusals in English, PII
answers that could be cached, frameable pages, a period that closes before it opens."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.errors import from_update_failure
from domain.chsi import callback_headers
from infra.config import DEV_PLACEHOLDER
from infra.tokens import issue_token
from tests.security.stack import API_SECRET, api_only, bearer, staff_token

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
async def http(engine, tmp_path):
    async with api_only(engine, tmp_path) as client:
        yield client


def _refused(r, status: int | None = None) -> dict:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    if status:
        assert r.status_code == status, r.text
    body = r.json()
    assert re.fullmatch(r"[A-Z][A-Z0-9_]+", body["code"]) and HAN.search(body["message"]), body
    return body


async def test_queue_filters_that_were_500s(http) -> None:
    staff = bearer(await staff_token(http, "examiner"))
    for query in (
        {"page": 2**62},
        {"submitted_from": "2026-01-01T00:00:00"},  # naive
        {"submitted_from": "0001-01-01T00:00:00Z"},
        {"submitted_to": "0001-01-01T00:00:00+14:00"},
    ):
        r = await http.get("/api/v1/examiner/applications", params=query, headers=staff)
        assert r.status_code < 500, (query, r.text)
        if r.status_code >= 400:
            _refused(r)


async def test_a_lone_surrogate_in_json_is_refused(http) -> None:
    raw = '{"username": "\\ud800", "password": "\\udfff"}'
    r = await http.post(
        "/api/v1/staff/login", content=raw, headers={"content-type": "application/json"}
    )
    _refused(r)
    raw = '{"phone": "\\ud800", "code": "1"}'
    r = await http.post(
        "/api/v1/candidate/login", content=raw, headers={"content-type": "application/json"}
    )
    _refused(r)


async def test_a_nul_in_a_static_path_is_not_found(http) -> None:
    _refused(await http.get("/h5/%00.html"), 404)
    _refused(await http.get("/console/a%00b/index.html"), 404)


async def test_signed_callback_without_a_usable_application_ref_is_refused(http) -> None:
    for ref in ("", "period-2026-2", "x" * 500):
        body = json.dumps(
            {
                "token": "t",
                "kind": "xueji",
                "application_ref": ref,
                "outcome": "verified",
                "scanned_at": datetime.now(UTC).isoformat(),
            }
        ).encode()
        headers = callback_headers(
            DEV_PLACEHOLDER, body, now=datetime.now(UTC), nonce=f"nonce-{len(ref):04d}"
        )
        r = await http.post(
            "/api/v1/chsi/callback",
            content=body,
            headers={**headers, "content-type": "application/json"},
        )
        assert _refused(r)["code"] == "CHSI_TOKEN_WRONG_APPLICATION"


async def test_an_unsigned_callback_with_an_odd_timestamp_is_refused_not_a_500(http) -> None:
    # header bytes arrive as latin-1: 0xB2 is "²", a digit to str.isdigit() but not to int()
    for stamp in (b"\xb2", b"9" * 5000):
        r = await http.post(
            "/api/v1/chsi/callback",
            content=b"{}",
            headers=[
                (b"x-chsi-timestamp", stamp),
                (b"x-chsi-nonce", b"nonce-0123"),
                (b"x-chsi-signature", b"v1=00"),
            ],
        )
        assert _refused(r, 401)["code"] == "CHSI_BAD_SIGNATURE"


async def test_an_id_number_in_other_digits_or_with_controls_is_refused_at_registration(
    http,
) -> None:
    # Arabic-Indic digits pass str.isdigit() and re's \\d: the number opened an application
    # under another identity hash than the person's, that no card read could ever match
    arabic = "".join(chr(0x0660 + int(d)) for d in "43010419990312001") + "2"
    for id_type, number in (
        ("resident_id", arabic),
        ("resident_id", "43010419990312001\u00b2"),
        ("passport", "E1234\u202e5678"),
        ("passport", "E1234\x005678"),
    ):
        r = await http.post(
            "/api/v1/candidate/register",
            json={"id_type": id_type, "id_number": number, "phone": "13900001111"},
        )
        assert _refused(r, 422)["code"] == "ID_NUMBER_INVALID", (id_type, number)


async def test_a_period_closing_before_it_opens_is_refused(http) -> None:
    admin = bearer(await staff_token(http, "admin"))
    r = await http.post(
        "/api/v1/admin/periods",
        json={
            "period_id": "2027-1",
            "opens_at": "2027-03-01T00:00:00Z",
            "closes_at": "2027-02-01T00:00:00Z",
            "review_deadline": "2027-04-01T00:00:00Z",
        },
        headers=admin,
    )
    assert _refused(r)["code"] == "PERIOD_INVALID"


async def test_personal_data_is_never_cached(http) -> None:
    staff = bearer(await staff_token(http, "examiner"))
    me = bearer(issue_token(API_SECRET, "enroll-2026-2-0123456789abcdef0123", "candidate"))
    answers = [
        await http.get("/api/v1/examiner/applications", headers=staff),
        await http.post(
            "/api/v1/staff/login", json={"username": "examiner", "password": "pw-examiner"}
        ),
        await http.get("/api/v1/me", headers=me),
        await http.get("/api/v1/me/id-card", headers=me),
        await http.get("/api/v1/examiner/applications/enroll-2026-2-x", headers=staff),
    ]
    for r in answers:
        assert "no-store" in r.headers.get("cache-control", ""), (r.url, r.headers)


async def test_signed_document_files_are_not_cached(http, tmp_path) -> None:
    """Faces and ID cards behind the examiner's short-lived links: not even the browser keeps
    them (they were `private, max-age=60`)."""
    from infra.storage import sign_object_url

    key = "enroll-2026-2-0123456789abcdef0123/photo/p.jpg"
    path = tmp_path / "objects" / key
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 a photo")
    r = await http.get(sign_object_url(API_SECRET, key))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_every_html_page_has_a_csp_and_cannot_be_framed(http) -> None:
    for path in ("/h5/", "/console/", "/api/v1/staff/codec-session"):
        r = await http.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        csp = r.headers.get("content-security-policy", "")
        assert "default-src" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        assert r.headers.get("x-frame-options") == "DENY", path


@pytest.mark.parametrize("exc_type", ["ValueError", "TypeError", "RuntimeError"])
def test_internal_errors_of_an_update_are_not_shown_as_codes(exc_type) -> None:
    cause = ApplicationError(
        "Update handler for 'chsi_callback' expected but not found, known updates: "
        "[set_review_deadline, set_window, start_supplementary_issuing]",
        type=exc_type,
    )
    error = from_update_failure(WorkflowUpdateFailedError(cause))
    assert re.fullmatch(r"[A-Z][A-Z0-9_]+", error.body.code), error.body.code
    assert HAN.search(error.body.message) and "set_window" not in error.body.message


@pytest.mark.parametrize(
    ("setting", "proxy_headers"), [("", False), ("10.0.0.5", True)], ids=["default", "proxy"]
)
def test_forwarded_for_is_trusted_only_from_configured_proxies(
    monkeypatch, setting, proxy_headers
) -> None:
    """uvicorn's default trusts X-Forwarded-For from 127.0.0.1, so any local peer (a sidecar, a
    port-forward) could pick the client IP that the per-IP SMS cap counts."""
    import ruji_cli.api
    from infra.config import get_settings

    seen: dict = {}
    monkeypatch.setattr(ruji_cli.api.uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("RUJI_FORWARDED_ALLOW_IPS", setting)
    get_settings.cache_clear()
    try:
        ruji_cli.api.main([])
    finally:
        get_settings.cache_clear()
    assert seen.get("proxy_headers") is proxy_headers
    if proxy_headers:
        assert seen["forwarded_allow_ips"] == setting


async def test_a_period_id_in_other_digits_is_refused(http) -> None:
    arabic = "".join(chr(0x0660 + int(d)) for d in "2027") + "-1"
    admin = bearer(await staff_token(http, "admin"))
    period = {
        "period_id": arabic,
        "opens_at": "2027-03-01T00:00:00Z",
        "closes_at": "2027-04-01T00:00:00Z",
        "review_deadline": "2027-05-01T00:00:00Z",
    }
    r = await http.post("/api/v1/admin/periods", json=period, headers=admin)
    assert r.status_code == 422, r.text
    operator = bearer(await staff_token(http, "operator"))
    r = await http.get("/api/v1/stats", params={"period_id": arabic}, headers=operator)
    assert r.status_code == 422, r.text
