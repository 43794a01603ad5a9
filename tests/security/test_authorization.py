"""Authorisation matrix: every route of the app × every kind of caller → the expected answer.

A route missing from MATRIX fails the test, so a new route cannot ship without a decision about
who may call it. Callers:
- anon: no token
- cand_a_on_b: candidate A, aiming at B's case. Candidate routes (`/me…`) take no application
  id: the token *is* the case, so A's token reaches A's application only (shown below); on
  routes that take an id, A is refused as a candidate.
- cand_own: candidate B on B's own case
- ex_in / ex_out: examiner of region 01 / of region 06, on a case submitted in region 01
- admin, operator

Expected: 401 / 403 exactly, or OK = passed authorisation (any answer that is neither 401, 403
nor a 5xx: a 409 for a step in the wrong state is a business answer, not an access decision).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.app import create_app
from infra.tokens import issue_token
from tests.security.stack import (
    FORM,
    bearer,
    register,
    running_stack,
    seeded_database,
    staff_token,
    submit_application,
)
from tests.workflows.harness import valid_id_number

OK = "OK"
CALLERS = ("anon", "cand_a_on_b", "cand_own", "ex_in", "ex_out", "admin", "operator")
PUBLIC = dict.fromkeys(CALLERS, OK)
CANDIDATE = {"anon": 401, "cand_a_on_b": OK, "cand_own": OK} | dict.fromkeys(
    ("ex_in", "ex_out", "admin", "operator"), 403
)
EXAMINER_CASE = {"anon": 401, "cand_a_on_b": 403, "cand_own": 403, "ex_in": OK, "ex_out": 403}
EXAMINER_CASE |= {"admin": OK, "operator": 403}
EXAMINER_QUEUE = EXAMINER_CASE | {"ex_out": OK}  # sees only his regions (asserted below)
OPERATOR = {"anon": 401, "admin": OK, "operator": OK} | dict.fromkeys(
    ("cand_a_on_b", "cand_own", "ex_in", "ex_out"), 403
)
ADMIN = OPERATOR | {"operator": 403}
STAFF = EXAMINER_QUEUE | {
    "operator": OK
}  # each sees his own scope (tests/routes/test_office_routes.py)
STAFF_CASE = EXAMINER_CASE | {"operator": OK}  # read-only for operators
SIGNED = dict.fromkeys(CALLERS, 403)  # only a signed URL opens a file; no token does
CHSI_SIGNED = dict.fromkeys(CALLERS, 401)  # only CHSI's HMAC signature is accepted

MATRIX: dict[str, dict[str, object]] = {
    # public: documentation, clients, health, code tables, logins
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /": PUBLIC,
    "GET /h5": PUBLIC,
    "GET /h5/{path:path}": PUBLIC,
    "GET /console": PUBLIC,
    "GET /console/{path:path}": PUBLIC,
    "GET /common": PUBLIC,
    "GET /common/{path:path}": PUBLIC,
    "GET /api/v1/catalogs": PUBLIC,
    "GET /api/v1/majors": PUBLIC,  # the majors a period offers, with Attachment 1's conditions
    "GET /api/v1/notice": PUBLIC,
    "GET /api/v1/period": PUBLIC,
    "POST /api/v1/candidate/register": PUBLIC,
    "POST /api/v1/candidate/verify": PUBLIC,
    "POST /api/v1/candidate/login/code": PUBLIC,
    "POST /api/v1/candidate/login": PUBLIC,
    "POST /api/v1/candidate/token/refresh": PUBLIC,  # the refresh token in the body is the key
    "POST /api/v1/candidate/logout": PUBLIC,  # as refresh: the refresh token is the key
    "POST /api/v1/staff/login": PUBLIC,
    "POST /api/v1/staff/logout": STAFF,  # asked last: it ends the callers' staff tokens
    "GET /api/v1/staff/codec-session": PUBLIC,
    "POST /api/v1/staff/codec-session": PUBLIC,
    "DELETE /api/v1/staff/codec-session": PUBLIC,
    "GET /dev/outbox": PUBLIC,  # mounted only when RUJI_ENV is dev or test
    "POST /api/v1/chsi/callback": CHSI_SIGNED,
    "GET /files/{key:path}": SIGNED,
    # the candidate's own application
    "GET /api/v1/me": CANDIDATE,
    "POST /api/v1/me/sign-out-everywhere": CANDIDATE,  # asked last: it ends the caller's sign-ins
    "GET /api/v1/me/id-card": CANDIDATE,
    "GET /api/v1/me/photo/{which}.jpg": CANDIDATE,
    "POST /api/v1/me/id-card": CANDIDATE,
    "POST /api/v1/me/id-card/confirm": CANDIDATE,
    "POST /api/v1/me/photo": CANDIDATE,
    "POST /api/v1/me/photo/fix": CANDIDATE,
    "POST /api/v1/me/photo/accept-fix": CANDIDATE,
    "POST /api/v1/me/liveness/challenge": CANDIDATE,
    "POST /api/v1/me/liveness": CANDIDATE,
    "GET /api/v1/me/uploads/{update_id}": CANDIDATE,
    "POST /api/v1/me/notice/accept": CANDIDATE,
    "PUT /api/v1/me/form": CANDIDATE,
    "POST /api/v1/me/chsi/failed": CANDIDATE,
    "POST /api/v1/me/chsi/codes": CANDIDATE,
    "GET /api/v1/me/chsi/qr/{kind}.png": CANDIDATE,
    "POST /api/v1/me/attachments/{code}": CANDIDATE,
    "GET /api/v1/me/attachments": CANDIDATE,
    "DELETE /api/v1/me/attachments/{code}/{file_id}": CANDIDATE,
    "POST /api/v1/me/submit": CANDIDATE,
    "POST /api/v1/me/withdraw": CANDIDATE,
    # examiners, in their regions
    "GET /api/v1/examiner/applications": EXAMINER_QUEUE,
    "GET /api/v1/examiner/applications/{application_id}": EXAMINER_CASE,
    "POST /api/v1/examiner/applications/{application_id}/claim": EXAMINER_CASE,
    "POST /api/v1/examiner/applications/{application_id}/approve": EXAMINER_CASE,
    "POST /api/v1/examiner/applications/{application_id}/reject": EXAMINER_CASE,
    "POST /api/v1/examiner/applications/{application_id}/return": EXAMINER_CASE,
    # 「现场核验」: a case in its face step, found by ID number (test_face_on_site_http.py)
    "GET /api/v1/examiner/face-on-site": EXAMINER_QUEUE,  # lists only what the caller may reach
    "POST /api/v1/examiner/applications/{application_id}/face-on-site": EXAMINER_CASE,
    # periods: operators run them, admins also create and move windows
    "GET /api/v1/admin/periods": OPERATOR,
    "POST /api/v1/admin/periods": ADMIN,
    "GET /api/v1/admin/periods/{period_id}": OPERATOR,
    "PUT /api/v1/admin/periods/{period_id}/review-deadline": OPERATOR,
    "PUT /api/v1/admin/periods/{period_id}/window": ADMIN,
    "POST /api/v1/admin/periods/{period_id}/supplementary-issuing": OPERATOR,
    # the office's statistics: operators and admins
    "GET /api/v1/stats": OPERATOR,
    "GET /api/v1/stats/{table}.csv": OPERATOR,
    # administration: accounts and each period's majors, admins only
    "GET /api/v1/admin/accounts": ADMIN,
    "POST /api/v1/admin/accounts": ADMIN,
    "PUT /api/v1/admin/accounts/{username}/access": ADMIN,
    "POST /api/v1/admin/accounts/{username}/disable": ADMIN,
    "POST /api/v1/admin/accounts/{username}/enable": ADMIN,
    "POST /api/v1/admin/accounts/{username}/password": ADMIN,
    "GET /api/v1/admin/periods/{period_id}/majors": ADMIN,
    "PUT /api/v1/admin/periods/{period_id}/majors/{code}": ADMIN,
    "GET /api/v1/admin/periods/{period_id}/majors/{code}/versions": ADMIN,
    # the back office: finding cases, claim moves, bulk approval, exports
    "GET /api/v1/office/cases": STAFF,
    "GET /api/v1/office/majors": STAFF,
    "GET /api/v1/office/cases/{application_id}": STAFF_CASE,
    "POST /api/v1/office/cases/{application_id}/release": EXAMINER_CASE,
    "POST /api/v1/office/cases/{application_id}/reassign": ADMIN,
    "POST /api/v1/office/bulk-approve": EXAMINER_QUEUE,  # out of region: refused case by case
    "GET /api/v1/office/exports/approved.csv": OPERATOR,
    "GET /api/v1/office/exports/approved.xlsx": OPERATOR,
    "GET /api/v1/office/exports/photos.zip": OPERATOR,
    "GET /api/v1/office/feed/candidates": OPERATOR,
    # decrypted Temporal payloads: operators only
    "POST /codec/encode": OPERATOR,
    "POST /codec/decode": OPERATOR,
}


def app_routes(settings) -> set[str]:
    try:  # FastAPI ≥ 0.160 keeps included routers as nodes; this walks them
        from fastapi.routing import iter_route_contexts

        contexts = list(iter_route_contexts(create_app(settings).routes))
    except ImportError:
        contexts = create_app(settings).routes
    return {
        f"{method} {route.path}"
        for route in contexts
        for method in (route.methods or ()) - {"HEAD"}
    }


def _fill(path: str, case_id: str) -> str:
    return (
        path.replace("{application_id}", case_id)
        .replace("{period_id}", "2027-1")
        .replace("{code}", "DIPLOMA")
        .replace("{file_id}", "diploma-0123456789ab.jpg")
        .replace("{kind}", "xueji")
        .replace("{which}", "official")
        .replace("{update_id}", "upload-" + "0" * 32)
        .replace("{key:path}", "x/y.jpg")
        .replace("{path:path}", "index.html")
        .replace("{username}", "nobody")
        .replace("{table}", "regions")
    )


def _request_kwargs(route: str) -> dict:
    now = datetime.now(UTC)
    bodies = {
        "PUT /api/v1/me/form": {"json": FORM},
        "POST /codec/encode": {"json": {"payloads": []}},
        "POST /codec/decode": {"json": {"payloads": []}},
        "POST /api/v1/admin/periods": {
            "json": {
                "period_id": "2027-1",
                "opens_at": (now + timedelta(days=60)).isoformat(),
                "closes_at": (now + timedelta(days=70)).isoformat(),
                "review_deadline": (now + timedelta(days=80)).isoformat(),
            }
        },
        "POST /api/v1/examiner/applications/{application_id}/reject": {"json": {"items": []}},
        "POST /api/v1/examiner/applications/{application_id}/return": {"json": {"items": []}},
        "GET /api/v1/examiner/face-on-site": {"params": {"id_number": valid_id_number(501)}},
        "POST /api/v1/examiner/applications/{application_id}/face-on-site": {
            "json": {"reason": "现场核验本人与身份证一致"}
        },
        "GET /files/{key:path}": {"params": {"exp": 1, "sig": "0" * 32}},
        "POST /api/v1/office/cases/{application_id}/reassign": {"json": {"examiner": "admin"}},
        "POST /api/v1/office/bulk-approve": {"json": {"application_ids": ["enroll-2027-1-none"]}},
        "GET /dev/outbox": {"params": {"phone": "13700000000"}},
    }
    return bodies.get(route, {})


def _order(route: str) -> int:
    """Examiner decisions before the candidate can withdraw; withdraw, then 「退出所有设备」 (it
    ends the candidates' tokens), then staff logout (the staff callers'), last of all. A
    candidate token asked for a staff route is refused for its role first (403)."""
    if route.endswith("/staff/logout"):
        return 5
    if route.endswith("/sign-out-everywhere"):
        return 4
    if route.endswith("/withdraw"):
        return 3
    if "/examiner/" in route:
        return 1
    return 2


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("authz")
    engine = seeded_database(tmp_path)
    async with running_stack(dev_env.client, engine, tmp_path) as (http, settings, sms):
        a_id, a_headers = await register(http, sms, valid_id_number(501), "13711110001")
        await submit_application(http, a_headers, valid_id_number(501), "李四")
        b_id, b_headers = await register(http, sms, valid_id_number(502), "13711110002")
        callers = {
            "anon": {},
            "cand_a_on_b": a_headers,
            "cand_own": b_headers,
            "ex_in": bearer(await staff_token(http, "examiner")),
            "ex_out": bearer(await staff_token(http, "examiner2")),
            "admin": bearer(await staff_token(http, "admin")),
            "operator": bearer(await staff_token(http, "operator")),
        }
        yield http, settings, callers, a_id, b_id
    engine.dispose()


async def test_every_route_is_in_the_matrix(world) -> None:
    _, settings, *_ = world
    assert app_routes(settings) == set(MATRIX), "decide who may call each new route"


async def test_candidate_token_reaches_only_its_own_application(world) -> None:
    http, settings, callers, a_id, b_id = world
    r = await http.get("/api/v1/me", headers=callers["cand_a_on_b"])
    assert r.json()["application_id"] == a_id != b_id
    # B's application id in a token A did not get from us: refused, not served
    forged = issue_token("not-our-key", b_id, "candidate")
    r = await http.get("/api/v1/me", headers=bearer(forged))
    assert (r.status_code, r.json()["code"]) == (401, "AUTH_INVALID")
    expired = issue_token(settings.secret_key, a_id, "candidate", ttl_s=-1)
    assert (await http.get("/api/v1/me", headers=bearer(expired))).status_code == 401
    # a candidate token is no examiner's: A cannot open even A's own case file
    r = await http.get(f"/api/v1/examiner/applications/{a_id}", headers=callers["cand_a_on_b"])
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")


async def test_authorisation_matrix(world) -> None:
    http, _, callers, a_id, _ = world
    queue = await http.get("/api/v1/examiner/applications", headers=callers["ex_out"])
    assert queue.json()["rows"] == []  # examiner of region 06 does not see region 01's case
    case = await http.get(f"/api/v1/examiner/applications/{a_id}", headers=callers["ex_in"])
    assert [a["action"] for a in case.json()["audit"]][:1] == ["registered"]  # the audit trail

    wrong = []
    for route in sorted(MATRIX, key=_order):
        method, path = route.split(" ", 1)
        for caller in CALLERS:
            expected = MATRIX[route][caller]
            r = await http.request(
                method, _fill(path, a_id), headers=callers[caller], **_request_kwargs(route)
            )
            got = r.status_code
            fine = got == expected if expected != OK else got not in (401, 403) and got < 500
            if not fine:
                wrong.append(f"{route} as {caller}: expected {expected}, got {got} {r.text[:120]}")
    assert wrong == []
