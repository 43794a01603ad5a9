"""Who may call what, on one representative route of each router: no token or a bad one is
asked to log in, a token of the wrong role or region is refused, and the right caller reaches
the workflow of his own case (the token's, never one he names)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.ids import period_workflow_id
from domain.period import PeriodConfig, PeriodState, PeriodView
from tests.routes.conftest import CALLERS, CASE, MINE, PERIOD, bearer

OK = 200
NOW = datetime.now(UTC)
PERIOD_VIEW = PeriodView(
    config=PeriodConfig(
        period_id=PERIOD,
        year=2026,
        window=2,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=10),
        review_deadline=NOW + timedelta(days=20),
    ),
    state=PeriodState(state="OPEN"),
)
#: route -> (json body, what each caller gets: OK, or the refusal's status and code)
ROUTES: dict[str, tuple[object, dict[str, int | tuple[int, str]]]] = {
    "GET /api/v1/me": (None, {"candidate": OK}),
    "POST /api/v1/me/chsi/codes": (None, {"candidate": OK}),
    f"GET /api/v1/me/uploads/upload-{'0' * 32}": (None, {"candidate": OK}),
    f"POST /api/v1/examiner/applications/{CASE}/claim": (
        None,
        {"ex-changsha": OK, "ex-yueyang": (403, "REGION_FORBIDDEN"), "admin": OK},
    ),
    f"GET /api/v1/admin/periods/{PERIOD}": (None, {"admin": OK, "operator": OK}),
    f"PUT /api/v1/admin/periods/{PERIOD}/window": (
        {"closes_at": (NOW + timedelta(days=1)).isoformat()},
        {"admin": OK},
    ),
    "POST /codec/decode": ({"payloads": []}, {"admin": OK, "operator": OK}),
    f"GET /api/v1/stats?period_id={PERIOD}": (None, {"admin": OK, "operator": OK}),
    "GET /api/v1/admin/accounts": (None, {"admin": OK}),
    "POST /api/v1/admin/accounts/nobody/password": (None, {"admin": (404, "ACCOUNT_NOT_FOUND")}),
    "GET /api/v1/office/cases?mine=true": (
        None,
        {"ex-changsha": OK, "ex-yueyang": OK, "admin": OK, "operator": OK},
    ),
    f"GET /api/v1/office/cases/{CASE}": (
        None,
        {"ex-changsha": OK, "ex-yueyang": (403, "REGION_FORBIDDEN"), "admin": OK, "operator": OK},
    ),
    f"POST /api/v1/office/cases/{CASE}/release": (
        None,
        {"ex-changsha": OK, "ex-yueyang": (403, "REGION_FORBIDDEN"), "admin": OK},
    ),
    f"POST /api/v1/office/cases/{CASE}/reassign": ({"examiner": "ex-changsha"}, {"admin": OK}),
    "POST /api/v1/office/bulk-approve": (
        {"application_ids": [CASE]},
        {"ex-changsha": OK, "ex-yueyang": OK, "admin": OK},
    ),
    "GET /api/v1/office/exports/approved.xlsx": (None, {"admin": OK, "operator": OK}),
    "GET /api/v1/office/feed/candidates": (None, {"admin": OK, "operator": OK}),
}
#: everyone else (with a live account) is refused as the wrong kind of caller
FORBIDDEN = (403, "FORBIDDEN")
REFUSED_TEXT = {
    "FORBIDDEN": "无权进行此操作",
    "REGION_FORBIDDEN": "无权审核该地区的申请",
    "ACCOUNT_NOT_FOUND": "账号不存在",
}
CASES = [
    (route, caller, expected.get(caller, FORBIDDEN))
    for route, (_, expected) in ROUTES.items()
    for caller in CALLERS
    if caller != "ex-gone"
]


def call(http, route: str, headers: dict):
    method, path = route.split(" ", 1)
    return http.request(method, path, json=ROUTES[route][0], headers=headers)


def tampered(headers: dict) -> dict:
    """The same token with its payload raised to admin, the signature left as it was."""
    payload, sig = headers["authorization"].removeprefix("Bearer ").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(claims | {"role": "admin"}).encode())
    return {"authorization": f"Bearer {forged.decode().rstrip('=')}.{sig}"}


@pytest.mark.parametrize(("route", "caller", "expected"), CASES)
def test_each_caller_gets_what_his_role_allows(http, temporal, route, caller, expected):
    if "/admin/" in route:
        temporal.answer = PERIOD_VIEW
    r = call(http, route, CALLERS[caller])
    if expected == OK:
        assert r.status_code == OK, r.text
        return
    assert isinstance(expected, tuple)
    status, code = expected
    assert (r.status_code, r.json()) == (status, {"code": code, "message": REFUSED_TEXT[code]})
    assert temporal.calls == []  # refused before any workflow was asked


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Basic YWRtaW46cHc="}, {"authorization": "bearer"}],
    ids=["none", "basic", "empty"],
)
def test_without_a_bearer_token_every_router_asks_to_log_in(http, temporal, route, headers):
    r = call(http, route, headers)
    assert (r.status_code, r.json()) == (401, {"code": "AUTH_REQUIRED", "message": "请先登录"})
    assert temporal.calls == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        tampered(CALLERS["candidate"]),
        tampered(CALLERS["operator"]),
        bearer("admin", "admin", key="someone-elses-key"),
        bearer(MINE, "candidate", ttl_s=-1),
        {"authorization": "Bearer not-a-token"},
    ],
    ids=["candidate-raised", "operator-raised", "foreign-key", "expired", "garbage"],
)
def test_a_tampered_foreign_or_expired_token_is_refused(http, temporal, route, headers):
    r = call(http, route, headers)
    assert (r.status_code, r.json()) == (
        401,
        {"code": "AUTH_INVALID", "message": "登录已失效，请重新登录"},
    )
    assert temporal.calls == []


def test_a_disabled_account_is_refused_while_its_token_is_still_valid(http, temporal):
    r = call(http, f"POST /api/v1/examiner/applications/{CASE}/claim", CALLERS["ex-gone"])
    assert (r.status_code, r.json()["code"]) == (401, "ACCOUNT_DISABLED")
    assert temporal.calls == []


def test_the_role_is_the_accounts_not_the_tokens(http, temporal):
    """A token minted as admin for an examiner's account acts as the examiner he is now."""
    temporal.answer = PERIOD_VIEW
    r = call(http, f"GET /api/v1/admin/periods/{PERIOD}", bearer("ex-changsha", "admin"))
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
    assert temporal.calls == []


def test_the_candidate_reaches_only_the_application_of_his_token(http, temporal):
    assert call(http, "GET /api/v1/me", CALLERS["candidate"]).status_code == OK
    assert call(http, "POST /api/v1/me/chsi/codes", CALLERS["candidate"]).status_code == OK
    assert [(c.workflow_id, c.name) for c in temporal.calls] == [
        (MINE, "view"),
        (MINE, "request_chsi_codes"),
    ]


def test_an_examiner_acts_on_a_case_in_his_name(http, temporal):
    r = call(http, f"POST /api/v1/examiner/applications/{CASE}/claim", CALLERS["ex-changsha"])
    assert r.status_code == OK
    [claim] = temporal.calls
    assert (claim.workflow_id, claim.name, claim.args[0].examiner) == (CASE, "claim", "ex-changsha")


def test_an_examiner_cannot_filter_the_queue_by_anothers_region(http):
    headers = CALLERS["ex-changsha"]
    r = http.get("/api/v1/examiner/applications", params={"region": "06"}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (403, "REGION_FORBIDDEN")
    r = http.get("/api/v1/examiner/applications", params={"region": "01"}, headers=headers)
    assert r.status_code == OK and [row["application_id"] for row in r.json()["rows"]] == [CASE]
    r = http.get("/api/v1/examiner/applications", headers=CALLERS["ex-yueyang"])
    assert r.status_code == OK and r.json()["rows"] == []  # his queue holds region 06 only


def test_an_operator_changes_the_review_deadline_of_the_period_workflow(http, temporal):
    temporal.answer = PERIOD_VIEW
    body = {"review_deadline": (NOW + timedelta(days=30)).isoformat()}
    r = http.put(
        f"/api/v1/admin/periods/{PERIOD}/review-deadline", json=body, headers=CALLERS["operator"]
    )
    assert r.status_code == OK
    assert [(c.workflow_id, c.name) for c in temporal.calls] == [
        (period_workflow_id(PERIOD), "set_review_deadline")
    ]


def test_a_file_opens_only_with_its_signature_whoever_asks(http):
    r = http.get(
        "/files/enroll-x/photo.jpg",
        params={"exp": 9999999999, "sig": "00"},
        headers=CALLERS["admin"],
    )
    assert (r.status_code, r.json()) == (403, {"code": "FORBIDDEN", "message": "链接已失效"})
