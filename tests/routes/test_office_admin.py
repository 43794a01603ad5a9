"""Administration through the API (issue 17): accounts made, changed and disabled by an admin
with the CLI's rules, each change audited; majors edited per period as new versions that reach
new choices only; the statistics as JSON and CSV; the accepted notice's version."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from domain.enrollment import ApplicationView, EnrollmentForm
from domain.majors import MajorChoice
from domain.notice import NOTICE_VERSION, NoticeAcceptance
from domain.states import STATE_LABELS, AppState
from infra.db import Application, StaffAudit
from tests.routes.conftest import CALLERS, MINE, PERIOD
from tests.routes.temporal_double import refused
from tests.routes.test_authorisation import PERIOD_VIEW
from tests.routes.test_client_life import open_period  # noqa: F401 - the fixture

#: the majors routes answer for an existing period only
pytestmark = pytest.mark.usefixtures("open_period")
ADMIN = CALLERS["admin"]
FORM = {
    "postal_code": "410000",
    "household_type": "1",
    "household_province": "43",
    "occupation": "2",
    "political_status": "13",
    "contact_phone": "13912345678",
    "region": "01",
    "major": "530302",
}


def audit_rows(app_services, action: str) -> list[dict]:
    with Session(app_services[1].engine) as session:
        rows = session.exec(select(StaffAudit).where(StaffAudit.action == action)).all()
        return [{"actor": r.actor, **json.loads(r.filters)} for r in rows]


# --- accounts ----------------------------------------------------------------------------------
def test_an_admin_creates_an_examiner_who_can_then_log_in(http, app_services):
    r = http.post(
        "/api/v1/admin/accounts",
        json={"username": "lin.examiner", "role": "examiner", "regions": ["01", "03"]},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["account"]["regions"] == ["01", "03"] and len(issued["password"]) >= 12
    login = {"username": "lin.examiner", "password": issued["password"]}
    assert http.post("/api/v1/staff/login", json=login).json()["role"] == "examiner"
    assert {
        "actor": "admin",
        "account": "lin.examiner",
        "role": "examiner",
        "regions": "01,03",
    } in (audit_rows(app_services, "account_created"))

    r = http.post("/api/v1/admin/accounts/lin.examiner/disable", headers=ADMIN)
    assert (r.status_code, r.json()["active"]) == (200, False)
    assert http.post("/api/v1/staff/login", json=login).json()["code"] == "LOGIN_FAILED"
    http.post("/api/v1/admin/accounts/lin.examiner/enable", headers=ADMIN)
    new = http.post("/api/v1/admin/accounts/lin.examiner/password", headers=ADMIN).json()
    assert http.post("/api/v1/staff/login", json=login).json()["code"] == "LOGIN_FAILED"
    fresh = {"username": "lin.examiner", "password": new["password"]}
    assert http.post("/api/v1/staff/login", json=fresh).status_code == 200
    actions = [r["account"] for r in audit_rows(app_services, "password_reset")]
    assert "lin.examiner" in actions


def test_a_staff_logout_ends_the_accounts_tokens_and_a_new_login_works(http):
    issued = http.post(
        "/api/v1/admin/accounts",
        json={"username": "he.examiner", "role": "examiner", "regions": ["01"]},
        headers=ADMIN,
    ).json()
    login = {"username": "he.examiner", "password": issued["password"]}
    office, laptop = (
        {"authorization": f"Bearer {http.post('/api/v1/staff/login', json=login).json()['token']}"}
        for _ in range(2)
    )
    queue = "/api/v1/examiner/applications"
    assert http.get(queue, headers=laptop).status_code == 200
    assert http.post("/api/v1/staff/logout", headers=office).status_code == 204
    for device in (office, laptop):  # the other device's token ends too
        r = http.get(queue, headers=device)
        assert (r.status_code, r.json()["code"]) == (401, "AUTH_INVALID")
    again = http.post("/api/v1/staff/login", json=login).json()["token"]
    assert http.get(queue, headers={"authorization": f"Bearer {again}"}).status_code == 200


def test_a_staff_logout_ends_the_web_uis_codec_cookie_too(http):
    issued = http.post(
        "/api/v1/admin/accounts",
        json={"username": "qi.operator", "role": "operator"},
        headers=ADMIN,
    ).json()
    login = {"username": "qi.operator", "password": issued["password"]}
    try:
        assert http.post("/api/v1/staff/codec-session", data=login).status_code == 200
        empty = {"payloads": []}
        assert http.post("/codec/decode", json=empty).status_code == 200  # the cookie opens it
        token = http.post("/api/v1/staff/login", json=login).json()["token"]
        out = http.post("/api/v1/staff/logout", headers={"authorization": f"Bearer {token}"})
        assert out.status_code == 204
        r = http.post("/codec/decode", json=empty)
        assert (r.status_code, r.json()["code"]) == (401, "AUTH_INVALID")
    finally:
        http.cookies.clear()  # the client is shared by the package's tests


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (("zhou", "examiner", []), 422, "ACCOUNT_REGIONS_REQUIRED"),
        (("zhou", "examiner", ["99"]), 422, "ACCOUNT_REGIONS_UNKNOWN"),
        (("zhou", "operator", ["01"]), 422, "ACCOUNT_REGIONS_NOT_ALLOWED"),
        (("zhou", "root", []), 422, "ACCOUNT_ROLE_UNKNOWN"),
        (("admin", "admin", []), 409, "ACCOUNT_EXISTS"),
    ],
)  # fmt: skip
def test_refused_accounts_say_why_in_chinese_and_change_nothing(http, body, status, code):
    body = dict(zip(("username", "role", "regions"), body, strict=True))
    before = http.get("/api/v1/admin/accounts", headers=ADMIN).json()
    r = http.post("/api/v1/admin/accounts", json=body, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])
    assert http.get("/api/v1/admin/accounts", headers=ADMIN).json() == before


def test_an_admin_cannot_lock_himself_out(http):
    r = http.post("/api/v1/admin/accounts/admin/disable", headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (409, "ACCOUNT_SELF_LOCKOUT")
    r = http.put("/api/v1/admin/accounts/admin/access", json={"role": "operator"}, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (409, "ACCOUNT_SELF_LOCKOUT")
    assert http.get("/api/v1/admin/accounts", headers=ADMIN).status_code == 200  # still admin


def test_a_changed_role_ends_the_old_tokens_and_a_new_login_carries_it(http):
    made = http.post(
        "/api/v1/admin/accounts",
        json={"username": "he.ops", "role": "operator", "regions": []},
        headers=ADMIN,
    ).json()
    login = {"username": "he.ops", "password": made["password"]}
    ops = _signed_in(http, login)
    assert http.get("/api/v1/stats", params={"period_id": PERIOD}, headers=ops).status_code == 200
    r = http.put(
        "/api/v1/admin/accounts/he.ops/access",
        json={"role": "examiner", "regions": ["02"]},
        headers=ADMIN,
    )
    assert r.json() | {"id": ""} == {
        "id": "",
        "username": "he.ops",
        "role": "examiner",
        "regions": ["02"],
        "active": True,
    }
    r = http.get("/api/v1/stats", params={"period_id": PERIOD}, headers=ops)
    assert (r.status_code, r.json()["code"]) == (401, "AUTH_INVALID")
    r = http.get("/api/v1/stats", params={"period_id": PERIOD}, headers=_signed_in(http, login))
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")


QUEUE = "/api/v1/examiner/applications"


def _signed_in(http, login: dict) -> dict:
    r = http.post("/api/v1/staff/login", json=login)
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def _new_examiner(http, username: str) -> dict:
    made = http.post(
        "/api/v1/admin/accounts",
        json={"username": username, "role": "examiner", "regions": ["01"]},
        headers=ADMIN,
    ).json()
    return {"username": username, "password": made["password"]}


def _assert_ended(r, code: str = "AUTH_INVALID") -> None:
    assert (r.status_code, r.json()["code"]) == (401, code), r.text


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("POST", "password", None),
        ("PUT", "access", {"role": "examiner", "regions": ["01", "02"]}),
        ("POST", "enable", None),
    ],
)
def test_an_admins_change_of_an_account_ends_the_tokens_issued_before_it(
    http, method, action, body
):
    login = _new_examiner(http, f"ex9-{action}")
    before = _signed_in(http, login)
    assert http.get(QUEUE, headers=before).status_code == 200
    r = http.request(
        method, f"/api/v1/admin/accounts/{login['username']}/{action}", json=body, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    _assert_ended(http.get(QUEUE, headers=before))
    if action == "password":
        login["password"] = r.json()["password"]
    assert http.get(QUEUE, headers=_signed_in(http, login)).status_code == 200


def test_a_token_held_through_a_disabling_does_not_come_back_with_the_account(http):
    login = _new_examiner(http, "ex9-disabled")
    before = _signed_in(http, login)
    http.post("/api/v1/admin/accounts/ex9-disabled/disable", headers=ADMIN)
    _assert_ended(http.get(QUEUE, headers=before), "ACCOUNT_DISABLED")
    http.post("/api/v1/admin/accounts/ex9-disabled/enable", headers=ADMIN)
    _assert_ended(http.get(QUEUE, headers=before))
    assert http.get(QUEUE, headers=_signed_in(http, login)).status_code == 200


def test_a_password_reset_ends_the_web_uis_codec_cookie(http):
    made = http.post(
        "/api/v1/admin/accounts", json={"username": "ex9.ops", "role": "operator"}, headers=ADMIN
    ).json()
    login = {"username": "ex9.ops", "password": made["password"]}
    empty = {"payloads": []}
    try:
        assert http.post("/api/v1/staff/codec-session", data=login).status_code == 200
        assert http.post("/codec/decode", json=empty).status_code == 200
        assert http.post("/api/v1/admin/accounts/ex9.ops/password", headers=ADMIN).is_success
        _assert_ended(http.post("/codec/decode", json=empty))
    finally:
        http.cookies.clear()  # the client is shared by the package's tests


# --- majors ------------------------------------------------------------------------------------
def _major(http, code: str) -> dict:
    [found] = [m for m in http.get("/api/v1/majors", params={"period_id": PERIOD}).json()
               if m["code"] == code]  # fmt: skip
    return found


def test_a_major_edit_is_a_new_version_seen_by_candidates(http, app_services):
    seed = _major(http, "101101")
    assert seed["restricted"] and seed["version"] == 0 and "护理学" in seed["condition_text"]
    edit = {
        "name": "护理学",
        "level": "benke",
        "restricted": True,
        "condition_text": "须持有护士执业资格证书，并在医疗卫生机构从事护理工作。",
    }
    path = f"/api/v1/admin/periods/{PERIOD}/majors/101101"
    assert http.put(path, json=edit, headers=ADMIN).json()["version"] == 1
    assert (
        http.put(path, json=edit | {"condition_text": "第二版条件"}, headers=ADMIN).json()[
            "version"
        ]
        == 2
    )
    shown = _major(http, "101101")
    assert (shown["version"], shown["condition_text"]) == (2, "第二版条件")
    versions = http.get(f"{path}/versions", headers=ADMIN).json()
    assert [(v["version"], v["edited_by"]) for v in versions] == [(2, "admin"), (1, "admin")]
    assert {"actor": "admin", "period": PERIOD, "major": "101101", "version": 2} in audit_rows(
        app_services, "major_edited"
    )


@pytest.mark.parametrize(
    ("code", "edit", "refusal"),
    [
        ("101101", {"name": "护理学", "level": "zhuanke", "restricted": True},
         "MAJOR_ATTACHMENT1_FIXED"),
        ("101101", {"name": "护理学", "level": "benke", "restricted": False},
         "MAJOR_ATTACHMENT1_FIXED"),
        ("080902", {"name": "软件工程", "level": "benke", "restricted": True},
         "MAJOR_CONDITION_REQUIRED"),
    ],
)  # fmt: skip
def test_edits_the_rules_forbid_are_refused(http, code, edit, refusal):
    r = http.put(f"/api/v1/admin/periods/{PERIOD}/majors/{code}", json=edit, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (422, refusal)


def test_a_new_major_and_a_withdrawn_one(http):
    path = f"/api/v1/admin/periods/{PERIOD}/majors"
    added = {"name": "软件工程", "level": "benke", "restricted": False}
    assert http.put(f"{path}/080902", json=added, headers=ADMIN).status_code == 200
    assert _major(http, "080902")["name"] == "软件工程"
    withdrawn = {"name": "电子商务", "level": "zhuanke", "offered": False}
    assert http.put(f"{path}/530701", json=withdrawn, headers=ADMIN).status_code == 200
    public = {m["code"] for m in http.get("/api/v1/majors", params={"period_id": PERIOD}).json()}
    assert "530701" not in public and "080902" in public
    everything = {m["code"]: m["offered"] for m in http.get(path, headers=ADMIN).json()}
    assert everything["530701"] is False


def _view_with(form: EnrollmentForm | None) -> ApplicationView:
    return ApplicationView(
        application_id=MINE,
        period_id=PERIOD,
        state=AppState.DRAFT,
        state_label=STATE_LABELS[AppState.DRAFT],
        id_number="430104********0012",
        phone="139****1111",
        form=form,
    )


def test_a_saved_form_carries_the_edition_shown_and_a_kept_major_keeps_its_own(http, temporal):
    path = f"/api/v1/admin/periods/{PERIOD}/majors/530302"
    edit = {"name": "大数据与会计", "level": "zhuanke", "condition_text": "版本甲"}
    http.put(path, json=edit, headers=ADMIN)
    temporal.answer = _view_with(None)
    assert http.put("/api/v1/me/form", json=FORM, headers=CALLERS["candidate"]).status_code == 200
    chosen = temporal.calls[-1].args[0].major_choice
    assert (chosen.code, chosen.condition_text) == ("530302", "版本甲")

    http.put(path, json=edit | {"condition_text": "版本乙"}, headers=ADMIN)
    temporal.calls.clear()
    temporal.answer = _view_with(EnrollmentForm(**FORM, major_choice=chosen))
    http.put("/api/v1/me/form", json=FORM | {"postal_code": "410001"}, headers=CALLERS["candidate"])
    assert temporal.calls[-1].args[0].major_choice == chosen  # the case keeps what it chose
    forged = MajorChoice(code="530302", name="x", level="zhuanke", condition_text="伪造")
    body = FORM | {"major_choice": forged.model_dump(mode="json")}
    temporal.answer = _view_with(None)
    http.put("/api/v1/me/form", json=body, headers=CALLERS["candidate"])
    assert temporal.calls[-1].args[0].major_choice.condition_text == "版本乙"  # never the client's


def test_a_major_no_longer_offered_is_refused_to_a_new_choice(http, temporal):
    withdrawn = {"name": "工商企业管理", "level": "zhuanke", "offered": False}
    http.put(f"/api/v1/admin/periods/{PERIOD}/majors/530601", json=withdrawn, headers=ADMIN)
    temporal.answer = _view_with(None)
    r = http.put("/api/v1/me/form", json=FORM | {"major": "530601"}, headers=CALLERS["candidate"])
    assert (r.status_code, r.json()["code"]) == (422, "MAJOR_NOT_OFFERED")
    assert [c.name for c in temporal.calls] == ["view"]  # refused before any update


# --- statistics and the notice -------------------------------------------------------------------
def test_statistics_as_json_and_each_table_as_csv(http):
    r = http.get("/api/v1/stats", params={"period_id": PERIOD}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["by_region"][0]["key"] == "01"
    r = http.get("/api/v1/stats/regions.csv", params={"period_id": PERIOD}, headers=ADMIN)
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["cache-control"] == "no-store"
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "代码,名称,合计,待审/退回,通过,不通过"
    assert lines[1].startswith("01,长沙市,1,1,0,0")
    r = http.get("/api/v1/stats/nothing.csv", params={"period_id": PERIOD}, headers=ADMIN)
    assert r.status_code == 422


def test_the_notice_accepted_names_its_version(http, temporal):
    notice = http.get("/api/v1/notice").json()
    assert notice["version"] == NOTICE_VERSION and len(notice["paragraphs"]) == 8
    r = http.post(
        "/api/v1/me/notice/accept", json={"version": "2020-1"}, headers=CALLERS["candidate"]
    )
    assert (r.status_code, r.json()["code"]) == (409, "NOTICE_OUTDATED")
    assert temporal.calls == []
    r = http.post(
        "/api/v1/me/notice/accept", json={"version": NOTICE_VERSION}, headers=CALLERS["candidate"]
    )
    assert r.status_code == 200
    assert temporal.calls[-1].args == (NoticeAcceptance(version=NOTICE_VERSION),)


def test_period_changes_made_in_the_console_are_audited(http, temporal, app_services):
    temporal.answer = PERIOD_VIEW
    now = datetime.now(UTC)
    body = {
        "period_id": "2027-1",
        "opens_at": (now + timedelta(days=60)).isoformat(),
        "closes_at": (now + timedelta(days=70)).isoformat(),
        "review_deadline": (now + timedelta(days=80)).isoformat(),
    }
    assert http.post("/api/v1/admin/periods", json=body, headers=ADMIN).status_code == 201
    [start] = [c for c in temporal.calls if c.name == "run"]
    assert start.args[0].config.close_out_after == timedelta(days=14)  # RUJI_CLOSE_OUT_AFTER_DAYS
    closes = {"closes_at": now.isoformat()}
    assert http.put("/api/v1/admin/periods/2027-1/window", json=closes, headers=ADMIN).is_success
    assert {"actor": "admin", "period_id": "2027-1"} in audit_rows(app_services, "period_created")
    assert {"actor": "admin", "period_id": "2027-1", "closes_at": now.isoformat()} in audit_rows(
        app_services, "window_moved"
    )


def test_a_refused_period_change_leaves_no_audit_row(http, temporal, app_services):
    temporal.answer = refused("DEADLINE_INVALID", "入籍已截止，不能再调整开放时间")
    closes = {"closes_at": datetime.now(UTC).isoformat()}
    r = http.put("/api/v1/admin/periods/2027-2/window", json=closes, headers=ADMIN)
    assert r.json()["code"] == "DEADLINE_INVALID"
    assert [r for r in audit_rows(app_services, "window_moved") if r["period_id"] == "2027-2"] == []


def _times_from_now(**days: int) -> dict[str, str]:
    now = datetime.now(UTC)
    return {name: (now + timedelta(days=d)).isoformat() for name, d in days.items()}


LAST_OF_TIME = "9999-12-31T23:59:59-14:00"  # past datetime.max once in UTC
#: the horizon is five years; a review deadline just inside it leaves no room for its close-out
FAR = 5 * 365 - 1


@pytest.mark.parametrize(
    "times",
    [
        {"opens_at": "9999-12-31T00:00:00+00:00", "closes_at": LAST_OF_TIME,
         "review_deadline": LAST_OF_TIME},
        {"opens_at": "0001-01-01T00:00:00+14:00"} | _times_from_now(closes_at=10,
                                                                    review_deadline=20),
        _times_from_now(opens_at=6 * 365, closes_at=6 * 365 + 10, review_deadline=6 * 365 + 20),
        _times_from_now(opens_at=10, closes_at=20, review_deadline=FAR),
    ],
    ids=["last-of-time", "before-time", "six-years-ahead", "close-out-beyond"],
)  # fmt: skip
def test_a_period_at_unusable_times_is_refused_and_nothing_started(
    http, temporal, app_services, times
):
    r = http.post("/api/v1/admin/periods", json={"period_id": "2099-1", **times}, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (422, "PERIOD_INVALID"), r.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])
    assert temporal.calls == []
    created = audit_rows(app_services, "period_created")
    assert [row for row in created if row["period_id"] == "2099-1"] == []


@pytest.mark.parametrize(
    ("move", "body"),
    [
        ("review-deadline", {"review_deadline": LAST_OF_TIME}),
        ("review-deadline", _times_from_now(review_deadline=FAR)),
        ("review-deadline", {"review_deadline": "2027-05-01T00:00:00"}),  # no zone
        ("window", {"closes_at": LAST_OF_TIME}),
        ("window", {"opens_at": "0001-01-01T00:00:00+14:00"}),
        ("window", _times_from_now(closes_at=6 * 365)),
    ],
)
def test_moving_a_period_to_unusable_times_is_refused_before_the_workflow(
    http, temporal, move, body
):
    r = http.put(f"/api/v1/admin/periods/{PERIOD}/{move}", json=body, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (422, "PERIOD_INVALID"), r.text
    assert temporal.calls == []


def _submitted(
    app_services, workflow_id: str, major: str = "050101", at: datetime | None = None
) -> None:
    """A SUBMITTED row of region 02 (`at`: its submission time, which the queue lists by)."""
    with Session(app_services[1].engine) as session:
        session.add(
            Application(
                workflow_id=workflow_id,
                period_id=PERIOD,
                status="SUBMITTED",
                id_hash=workflow_id,
                phone_hash=workflow_id,
                region="02",
                major=major,
                level="benke",
                submitted_at=at,
            )
        )
        session.commit()


def test_the_csv_names_majors_as_the_period_names_them_now(http, app_services):
    _submitted(app_services, "enroll-2026-2-benke1")
    path = f"/api/v1/admin/periods/{PERIOD}/majors/050101"
    renamed = {"name": "汉语言文学（师范方向）", "level": "benke"}
    assert http.put(path, json=renamed, headers=ADMIN).status_code == 200
    r = http.get("/api/v1/stats/majors.csv", params={"period_id": PERIOD}, headers=ADMIN)
    assert "050101,汉语言文学（师范方向）,1,1,0,0" in r.content.decode("utf-8-sig").splitlines()


def test_a_major_name_typed_as_a_formula_stays_text_in_the_csv(http, app_services):
    _submitted(app_services, "enroll-2026-2-benke2")
    path = f"/api/v1/admin/periods/{PERIOD}/majors/050101"
    formula = {"name": '=HYPERLINK("http://x","汉语言")', "level": "benke"}
    assert http.put(path, json=formula, headers=ADMIN).status_code == 200
    r = http.get("/api/v1/stats/majors.csv", params={"period_id": PERIOD}, headers=ADMIN)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows if row[0] == "050101"] == ["'" + formula["name"]]


def test_the_queue_names_a_cases_major_as_its_period_names_it_now(http, app_services):
    """A major an admin renamed or added shows with its name in the examiners' list (the console
    showed the seed table's name, or the bare code of a new major)."""
    cases = {"enroll-2026-2-named1": "050101", "enroll-2026-2-named2": "080902"}
    for workflow_id, major in cases.items():
        _submitted(app_services, workflow_id, major, at=datetime.now(UTC))
    path = f"/api/v1/admin/periods/{PERIOD}/majors"
    renamed = {"name": "汉语言文学（师范方向）", "level": "benke"}
    assert http.put(f"{path}/050101", json=renamed, headers=ADMIN).status_code == 200
    added = {"name": "软件工程", "level": "benke", "restricted": False}
    assert http.put(f"{path}/080902", json=added, headers=ADMIN).status_code == 200
    r = http.get(QUEUE, params={"region": "02", "size": 200}, headers=ADMIN)
    names = {row["application_id"]: row["major_name"] for row in r.json()["rows"]}
    assert names["enroll-2026-2-named1"] == "汉语言文学（师范方向）"
    assert names["enroll-2026-2-named2"] == "软件工程"


def test_staff_filter_by_every_periods_majors_as_the_newest_period_names_them(http):
    """The console's filters list the majors of every period: one added this period, one
    renamed, with the seed table's others; staff only."""
    path = f"/api/v1/admin/periods/{PERIOD}/majors"
    added = {"name": "数据科学与大数据技术", "level": "benke", "restricted": False}
    assert http.put(f"{path}/080910", json=added, headers=ADMIN).status_code == 200
    renamed = {"name": "汉语言文学（师范方向）", "level": "benke"}
    assert http.put(f"{path}/050101", json=renamed, headers=ADMIN).status_code == 200
    r = http.get("/api/v1/office/majors", headers=CALLERS["ex-changsha"])
    assert r.status_code == 200, r.text
    majors = {m["code"]: (m["name"], m["level_label"]) for m in r.json()}
    assert majors["080910"] == ("数据科学与大数据技术", "专升本")
    assert majors["050101"] == ("汉语言文学（师范方向）", "专升本")
    assert majors["530302"][0]  # the seed table's
    r = http.get("/api/v1/office/majors")
    assert (r.status_code, r.json()["code"]) == (401, "AUTH_REQUIRED")
