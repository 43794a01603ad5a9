"""Every route that changes a case, tried by who must not: no login, the candidate's own token,
an expired staff token, a staff token from before its account's 「退出」, a disabled account's
token, a token signed with another key. Each is refused (401/403, a stable code and a Chinese
message) and the case, claimed by its examiner, stays exactly as it was.

The routes are read from the app (a new route that changes a case is tried without being
listed here). Over HTTP on the real workflows. Identities of area 430121 (长沙县)."""

from __future__ import annotations

import re

import pytest

from domain.roles import Role
from infra.tokens import issue_token
from tests.security.stack import (
    API_SECRET,
    bearer,
    register,
    running_stack,
    seeded_database,
    staff_token,
    submit_application,
)
from tests.security.test_authorization import app_routes
from tests.web.test_examiner_walk_browser import trail
from tests.workflows.harness import valid_id_number

ITEMS = {"items": [{"item": "form", "reason": "邮政编码有误"}]}
BODIES = {
    "approve": {"override_reason": "已现场核验原件"},
    "reject": ITEMS,
    "return": ITEMS,
    "reassign": {"examiner": "ex-changsha"},
    "face-on-site": {"reason": "已核对身份证原件"},
}
CHINESE = re.compile("[\u4e00-\u9fff]")


def case_changing_routes(settings) -> list[str]:
    """Every non-GET route on one application, and the bulk approval."""
    routes = (r.split(" ", 1) for r in app_routes(settings))
    return sorted(
        path
        for method, path in routes
        if method != "GET"
        and not path.startswith("/api/v1/me")
        and ("{application_id}" in path or path.endswith("/bulk-approve"))
    )


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("case-changes-refused")
    engine = seeded_database(tmp)
    async with running_stack(dev_env.client, engine, tmp) as (http, settings, sms):
        yield http, settings, sms, engine
    engine.dispose()


async def staff_account(http, admin: dict, username: str) -> dict:
    body = {"username": username, "role": "examiner", "regions": ["01"]}
    r = await http.post("/api/v1/admin/accounts", json=body, headers=admin)
    assert r.status_code == 201, r.text
    login = {"username": username, "password": r.json()["password"]}
    r = await http.post("/api/v1/staff/login", json=login)
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


async def test_no_one_but_the_holder_changes_a_claimed_case(world):
    http, settings, sms, engine = world
    number = valid_id_number(30, area="430121")
    app_id, me = await register(http, sms, number, "13570140030")
    await submit_application(http, me, number, None)
    examiner = bearer(await staff_token(http, "examiner"))
    r = await http.post(f"/api/v1/examiner/applications/{app_id}/claim", headers=examiner)
    assert r.status_code == 200, r.text
    before = trail(engine, app_id)

    admin = bearer(await staff_token(http, "admin"))
    signed_out = await staff_account(http, admin, "examiner-out")
    assert (await http.post("/api/v1/staff/logout", headers=signed_out)).status_code == 204
    disabled = await staff_account(http, admin, "examiner-off")
    r = await http.post("/api/v1/admin/accounts/examiner-off/disable", headers=admin)
    assert r.status_code == 200, r.text
    callers = {
        "anonymous": {},
        "the candidate himself": me,
        "an expired examiner token": bearer(
            issue_token(API_SECRET, "ex-changsha", Role.EXAMINER, ["01"], ttl_s=-1)
        ),
        "an examiner after 退出": signed_out,
        "a disabled examiner": disabled,
        "an admin token signed elsewhere": bearer(issue_token("other-key", "admin", Role.ADMIN)),
    }
    routes = case_changing_routes(settings)
    assert len(routes) >= 8, routes  # claim approve reject return face release reassign bulk
    for path in routes:
        verb = path.rsplit("/", 1)[-1]
        body = BODIES.get(verb, {"application_ids": [app_id]} if verb == "bulk-approve" else {})
        url = path.replace("{application_id}", app_id)
        for who, headers in callers.items():
            r = await http.post(url, json=body, headers=headers)
            assert r.status_code in (401, 403), (path, who, r.status_code, r.text)
            refusal = r.json()
            assert refusal["code"] and CHINESE.search(refusal["message"]), (path, who, refusal)
    assert trail(engine, app_id) == before
    mine = (await http.get("/api/v1/me", headers=me)).json()
    assert mine["state"] == "UNDER_REVIEW", mine
