"""The back office's routes on the real app (TestClient, Temporal double, a read model of their
own): finding cases by keyed hashes, the read-only case view, claim moves, exports and the
bulk approval, and the staff audit each of them leaves."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from api.deps import Services
from domain.catalogs import MAJORS_BY_CODE
from domain.enrollment import CaseFile, EnrollmentState, FaceStep, Identity, Review
from domain.identity import IdType
from domain.ids import identity_hash, keyed_hash
from domain.masking import mask_id_number, mask_name, mask_phone
from domain.states import AppState
from infra.config import Settings
from infra.db import Account, Application, Document, StaffAudit, Ticket, create_schema, make_engine
from infra.keyring import new_key_entry
from infra.otp import OtpService
from infra.pii import pii_sealer_for
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore
from tests.routes.conftest import CALLERS, STAFF, view
from tests.routes.temporal_double import TemporalDouble, refused
from tests.workflows.flow import zhuanke_form
from tests.workflows.harness import valid_id_number

HMAC = "office-hmac"
SECRET_KEY = "routes-test-key"  # the key CALLERS' tokens are signed with
#: (workflow id, status, region, name, phone, ticket, has a photo)
CASES = [
    ("enroll-2026-2-a", "TICKET_ISSUED", "01", "张三", "13900000001", "260120000001", True),
    ("enroll-2026-2-b", "TICKET_ISSUED", "06", "买买提·艾力", "13900000002", "260620000001", False),
    ("enroll-2026-2-c", "APPROVED", "01", "李四", "13900000003", None, False),
    ("enroll-2026-2-d", "SUBMITTED", "01", "王五", "13900000004", None, False),
    ("enroll-2026-2-e", "FACE_PENDING", None, "", "13900000005", None, False),
]
PHOTO = b"\xff\xd8\xff\xe0 a photo \xff\xd9"


def number_of(wid: str) -> str:
    return valid_id_number(600 + ord(wid[-1]))


def _seed(engine, settings: Settings, store: LocalObjectStore) -> None:
    sealer = pii_sealer_for(settings)
    now = datetime.now(UTC)
    with Session(engine) as s:
        for sub, (role, regions, active) in STAFF.items():
            s.add(
                Account(
                    id=sub,
                    username=sub,
                    password_hash="-",
                    role=role,
                    regions=regions,
                    active=active,
                )
            )
        for i, (wid, status, region, name, phone, ticket, photo) in enumerate(CASES):
            number = number_of(wid)
            sealed = sealer.seal(id_number=number, name=name)
            s.add(
                Application(
                    workflow_id=wid,
                    period_id="2026-2",
                    status=status,
                    id_hash=identity_hash(HMAC, IdType.RESIDENT_ID, number),
                    phone_hash=keyed_hash(HMAC, phone),
                    id_masked=mask_id_number(number),
                    phone_masked=mask_phone(phone),
                    name_masked=mask_name(name),
                    id_number_enc=sealed.id_number_enc,
                    id_number_hash=sealed.id_number_hash,
                    name_enc=sealed.name_enc,
                    name_hash=sealed.name_hash,
                    region=region,
                    major="530302" if region else None,
                    level="zhuanke" if region else None,
                    submitted_at=now - timedelta(hours=i) if region else None,
                    claimed_by="ex-changsha" if status == "SUBMITTED" else None,
                    ticket_number=ticket,
                )
            )
            if ticket:
                s.add(
                    Ticket(
                        workflow_id=wid,
                        number=ticket,
                        period_id="2026-2",
                        area=region or "",
                        submitted_at=now,
                    )
                )
            if photo:
                stored = store.put(f"{wid}/photo/official.jpg", PHOTO, "image/jpeg")
                s.add(
                    Document(
                        workflow_id=wid,
                        kind="photo",
                        object_key=stored.key,
                        sha256=stored.sha256,
                        size=stored.size,
                    )
                )
        s.commit()


@pytest.fixture(scope="module")
def office_app(tmp_path_factory) -> Iterator[tuple[TestClient, Services]]:
    tmp = tmp_path_factory.mktemp("office")
    engine = make_engine(f"sqlite:///{tmp / 'read.db'}")
    create_schema(engine)
    settings = Settings(
        env="test",
        var_dir=tmp,
        secret_key=SECRET_KEY,
        identity_hmac_key=HMAC,
        pii_keys=new_key_entry("p1"),
        ui_origin="https://temporal-ui.example.cn",
        temporal_namespace="ruji",
    )
    store = LocalObjectStore(tmp / "objects")
    _seed(engine, settings, store)
    services = Services(
        settings=settings,
        engine=engine,
        store=store,
        otp=OtpService(engine, OutboxProvider(), HMAC),
    )
    with TestClient(create_app(settings, services)) as client:
        yield client, services
    engine.dispose()


@pytest.fixture
def temporal(office_app) -> Iterator[TemporalDouble]:
    _, services = office_app
    services.temporal = double = TemporalDouble(answer=view())
    yield double
    services.temporal = None


@pytest.fixture
def http(office_app, temporal) -> TestClient:
    return office_app[0]


def audit_rows(office_app, action: str) -> list[StaffAudit]:
    with Session(office_app[1].engine) as s:
        query = select(StaffAudit).where(StaffAudit.action == action).order_by(col(StaffAudit.id))
        return list(s.exec(query).all())


def found(http, caller: str, **params) -> list[str]:
    r = http.get("/api/v1/office/cases", params=params, headers=CALLERS[caller])
    assert r.status_code == 200, r.text
    return [row["application_id"] for row in r.json()["rows"]]


# --- find ---------------------------------------------------------------------------------------
def test_a_search_needs_a_key_and_says_which_one_is_malformed(http):
    r = http.get("/api/v1/office/cases", params={"period": "2026-2"}, headers=CALLERS["admin"])
    assert (r.status_code, r.json()["code"]) == (422, "SEARCH_KEY_REQUIRED")
    assert "身份证号码" in r.json()["message"]
    for field, value in (("phone", "1390000"), ("ticket", "26012000000X"), ("id_number", "43-01")):
        r = http.get("/api/v1/office/cases", params={field: value}, headers=CALLERS["admin"])
        assert (r.status_code, r.json()["code"], r.json()["details"]) == (
            422,
            "SEARCH_KEY_INVALID",
            {"field": field},
        )
        assert r.json()["message"] == "查询内容格式不正确"


def test_each_key_finds_exactly_its_case_however_it_is_typed(http):
    number = number_of("enroll-2026-2-a")
    assert found(http, "admin", id_number=number) == ["enroll-2026-2-a"]
    assert found(http, "admin", id_number=f" {number[:6]} {number[6:].lower()}") == [
        "enroll-2026-2-a"
    ]
    assert found(http, "admin", phone="139-0000-0003") == ["enroll-2026-2-c"]
    assert found(http, "admin", name="买买提 • 艾力") == ["enroll-2026-2-b"]
    assert found(http, "admin", ticket="260620000001") == ["enroll-2026-2-b"]
    assert found(http, "admin", name="张") == []  # exact, never a prefix
    assert found(http, "admin", phone="13900000001", period="2025-1") == []


def test_a_found_case_names_its_major_from_the_periods_code_table(http):
    r = http.get(
        "/api/v1/office/cases", params={"ticket": "260620000001"}, headers=CALLERS["admin"]
    )
    [row] = r.json()["rows"]
    assert (row["major"], row["major_name"]) == ("530302", MAJORS_BY_CODE["530302"].name)


def test_an_answer_shows_masked_values_only(http):
    r = http.get("/api/v1/office/cases", params={"phone": "13900000001"}, headers=CALLERS["admin"])
    [row] = r.json()["rows"]
    number = number_of("enroll-2026-2-a")
    assert (row["name"], row["phone"], row["id_number"]) == (
        "张*",
        "139****0001",
        mask_id_number(number),
    )
    assert number not in r.text and "张三" not in r.text and "13900000001" not in r.text


def test_an_examiner_finds_submitted_cases_of_his_regions_staff_find_every_case(http):
    assert found(http, "ex-changsha", phone="13900000002") == []  # region 06
    assert found(http, "ex-yueyang", phone="13900000002") == ["enroll-2026-2-b"]
    assert found(http, "ex-changsha", phone="13900000005") == []  # not submitted yet
    assert found(http, "operator", phone="13900000005") == ["enroll-2026-2-e"]


def test_mine_lists_the_cases_i_hold(http):
    assert found(http, "ex-changsha", mine="true") == ["enroll-2026-2-d"]
    assert found(http, "ex-yueyang", mine="true") == []


def test_a_search_is_audited_by_the_kind_of_key_never_its_value(http, office_app):
    before = len(audit_rows(office_app, "search"))
    found(http, "operator", phone="13900000003", period="2026-2")
    [row] = audit_rows(office_app, "search")[before:]
    assert (row.actor, row.rows, row.finished_at is not None) == ("operator", 1, True)
    assert json.loads(row.filters) == {"by": ["phone"], "page": 1, "period": "2026-2"}
    assert "13900000003" not in row.filters and keyed_hash(HMAC, "13900000003") not in row.filters


def test_a_value_typed_into_the_period_filter_is_refused_not_audited(http, office_app):
    """The audit keeps a search's filters: only a period ID may get there, never an ID number."""
    before = len(audit_rows(office_app, "search"))
    number = number_of("enroll-2026-2-a")
    r = http.get(
        "/api/v1/office/cases", params={"period": number, "mine": "true"}, headers=CALLERS["admin"]
    )
    assert r.status_code == 422
    assert len(audit_rows(office_app, "search")) == before


# --- the case, claims -------------------------------------------------------------------------
def test_an_operator_reads_a_case_with_its_web_ui_link_and_the_view_is_audited(
    http, temporal, office_app
):
    r = http.get("/api/v1/office/cases/enroll-2026-2-e", headers=CALLERS["operator"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["web_ui_url"] == (
        "https://temporal-ui.example.cn/namespaces/ruji/workflows/enroll-2026-2-e"
    )
    assert body["row"]["status_label"] and body["view"]["application_id"] == view().application_id
    assert [(c.workflow_id, c.name) for c in temporal.calls] == [("enroll-2026-2-e", "view")]
    assert json.loads(audit_rows(office_app, "view")[-1].filters) == {"case": "enroll-2026-2-e"}


def test_the_case_page_still_shows_row_and_trail_when_temporal_cannot_answer(http, temporal):
    temporal.answer = RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")
    r = http.get("/api/v1/office/cases/enroll-2026-2-a", headers=CALLERS["operator"])
    assert r.status_code == 200, r.text
    assert (r.json()["view"], r.json()["row"]["ticket_number"]) == (None, "260120000001")


def test_the_holder_releases_through_the_workflow(http, temporal):
    r = http.post("/api/v1/office/cases/enroll-2026-2-d/release", headers=CALLERS["ex-changsha"])
    assert r.status_code == 200, r.text
    [call] = temporal.calls
    assert (call.workflow_id, call.name, call.args[0].examiner) == (
        "enroll-2026-2-d",
        "release_claim",
        "ex-changsha",
    )


def test_a_release_by_another_examiner_is_the_workflows_refusal(http, temporal):
    temporal.answer = refused("NOT_CLAIMED_BY_YOU", "该申请未由您领取")
    r = http.post("/api/v1/office/cases/enroll-2026-2-d/release", headers=CALLERS["admin"])
    assert (r.status_code, r.json()["code"]) == (409, "NOT_CLAIMED_BY_YOU")


@pytest.mark.parametrize(
    ("caller", "method", "path", "status", "code"),
    [
        ("ex-yueyang", "get", "/cases/enroll-2026-2-d", 403, "REGION_FORBIDDEN"),
        ("ex-yueyang", "post", "/cases/enroll-2026-2-d/release", 403, "REGION_FORBIDDEN"),
        ("ex-changsha", "get", "/cases/enroll-2026-2-e", 404, "APPLICATION_NOT_FOUND"),
        ("operator", "post", "/cases/enroll-2026-2-d/release", 403, "FORBIDDEN"),
        ("operator", "post", "/bulk-approve", 403, "FORBIDDEN"),
        ("ex-changsha", "post", "/cases/enroll-2026-2-d/reassign", 403, "FORBIDDEN"),
        ("candidate", "get", "/cases?phone=13900000004", 403, "FORBIDDEN"),
        ("candidate", "get", "/exports/approved.xlsx", 403, "FORBIDDEN"),
        ("candidate", "get", "/feed/candidates", 403, "FORBIDDEN"),
    ],
)
def test_no_case_is_reached_outside_the_callers_role_and_regions(
    http, temporal, caller, method, path, status, code
):
    body = {"application_ids": ["enroll-2026-2-d"]} if path == "/bulk-approve" else {}
    extra = {"json": body | {"examiner": "ex-changsha"}} if method == "post" else {}
    r = getattr(http, method)(f"/api/v1/office{path}", headers=CALLERS[caller], **extra)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert temporal.calls == []


@pytest.mark.parametrize("target", ["ex-yueyang", "ex-gone", "operator", "nobody"])
def test_a_claim_moves_only_to_an_active_reviewer_of_the_region(http, temporal, target):
    r = http.post(
        "/api/v1/office/cases/enroll-2026-2-d/reassign",
        json={"examiner": target},
        headers=CALLERS["admin"],
    )
    assert (r.status_code, r.json()) == (
        422,
        {
            "code": "REASSIGN_TARGET_INVALID",
            "message": "该审核员不存在、已停用或无权审核该申请所在地区",
        },
    )
    assert temporal.calls == []


def test_an_admin_moves_a_claim_through_the_workflow(http, temporal):
    r = http.post(
        "/api/v1/office/cases/enroll-2026-2-d/reassign",
        json={"examiner": "admin"},
        headers=CALLERS["admin"],
    )
    assert r.status_code == 200, r.text
    [call] = temporal.calls
    assert (call.name, call.args[0].admin, call.args[0].examiner) == (
        "reassign_claim",
        "admin",
        "admin",
    )


# --- exports ------------------------------------------------------------------------------------
def download(http, path: str, **params):
    r = http.get(f"/api/v1/office/{path}", params=params, headers=CALLERS["operator"])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return r


def test_the_csv_lists_numbered_candidates_in_ticket_order_then_the_approved(http, office_app):
    r = download(http, "exports/approved.csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["准考证号", "姓名", "证件号码"]
    assert [(t, n, i) for t, n, i, *_ in rows[1:]] == [
        ("260120000001", "张三", number_of("enroll-2026-2-a")),
        ("260620000001", "买买提·艾力", number_of("enroll-2026-2-b")),
        ("", "李四", number_of("enroll-2026-2-c")),
    ]
    assert rows[1][4:9] == ["01", "长沙市", "530302", "大数据与会计", "专科"]
    [audit] = audit_rows(office_app, "export:csv")[-1:]
    assert (audit.actor, audit.rows, audit.finished_at is not None) == ("operator", 3, True)
    assert json.loads(audit.filters) == {"planned": 3}


def test_the_xlsx_filtered_by_region_keeps_id_numbers_as_text(http, office_app):
    r = download(http, "exports/approved.xlsx", region="01", period="2026-2")
    assert 'filename="approved-2026-2-01.xlsx"' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("260120000001", number_of("enroll-2026-2-a")),
        (None, number_of("enroll-2026-2-c")),
    ]
    [audit] = audit_rows(office_app, "export:xlsx")[-1:]
    assert json.loads(audit.filters) == {"period": "2026-2", "planned": 2, "region": "01"}
    assert audit.rows == 2


def test_the_photo_zip_names_each_photo_by_its_ticket_and_lists_the_missing(http, office_app):
    r = download(http, "exports/photos.zip")
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.namelist() == ["260120000001.jpg", "缺少照片.txt"]
    assert archive.read("260120000001.jpg") == PHOTO
    assert archive.read("缺少照片.txt").decode() == "260620000001\n"
    assert audit_rows(office_app, "export:photos")[-1].rows == 1


def test_the_feed_pages_numbered_candidates_by_ticket(http, office_app):
    first = download(http, "feed/candidates", limit=1).json()
    assert [i["ticket_number"] for i in first["items"]] == ["260120000001"]
    assert first["items"][0]["name"] == "张三" and first["next_after"] == "260120000001"
    second = download(http, "feed/candidates", limit=1, after=first["next_after"]).json()
    assert [i["ticket_number"] for i in second["items"]] == ["260620000001"]
    last = download(http, "feed/candidates", limit=1, after="260620000001").json()
    assert last == {"items": [], "next_after": None}
    assert [a.rows for a in audit_rows(office_app, "export:feed")[-3:]] == [1, 1, 0]


def test_examiners_export_nothing(http):
    r = http.get("/api/v1/office/exports/approved.csv", headers=CALLERS["ex-changsha"])
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")


# --- bulk approval ------------------------------------------------------------------------------
def case_file(wid: str, **changes) -> CaseFile:
    state = EnrollmentState(
        state=AppState.SUBMITTED, form=zhuanke_form(), face=FaceStep(passed=True)
    ).model_copy(update=changes)
    return CaseFile(
        application_id=wid,
        period_id="2026-2",
        identity=Identity(id_number=number_of(wid), phone="13900000004"),
        state=state,
    )


def test_bulk_approval_claims_and_approves_a_clean_case_and_lists_why_another_is_not(
    http, temporal, office_app
):
    clean = case_file("enroll-2026-2-d")
    temporal.answers = {"case_file": clean, "approve": view(state=AppState.APPROVED)}
    r = http.post(
        "/api/v1/office/bulk-approve",
        json={"application_ids": ["enroll-2026-2-d", "enroll-2026-2-b", "enroll-2026-2-d"]},
        headers=CALLERS["ex-changsha"],
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert sorted(lines[:-1], key=lambda x: x["application_id"]) == [
        {
            "application_id": "enroll-2026-2-b",
            "ok": False,
            "code": "REGION_FORBIDDEN",
            "message": "无权审核该地区的申请",
        },
        {"application_id": "enroll-2026-2-d", "ok": True, "state": "APPROVED"},
    ]
    assert lines[-1] == {"done": True, "approved": 1, "failed": 1}
    assert [c.name for c in temporal.calls] == ["case_file", "claim", "case_file", "approve"]
    assert audit_rows(office_app, "bulk_approve")[-1].rows == 1


def test_bulk_approval_leaves_a_flagged_case_alone_and_says_why(http, temporal):
    temporal.answers = {"case_file": case_file("enroll-2026-2-d", needs_manual_review=True)}
    r = http.post(
        "/api/v1/office/bulk-approve",
        json={"application_ids": ["enroll-2026-2-d"]},
        headers=CALLERS["ex-changsha"],
    )
    first = json.loads(r.text.splitlines()[0])
    assert (first["code"], first["message"]) == (
        "NOT_CLEAN",
        "该申请不符合批量审核条件，请逐件审核：标记为需人工审核",
    )
    assert [c.name for c in temporal.calls] == ["case_file"]  # nothing claimed


def test_a_case_changed_between_the_look_and_the_claim_is_released_again(http, temporal):
    looks = iter(
        [
            case_file("enroll-2026-2-d"),
            case_file(
                "enroll-2026-2-d",
                state=AppState.UNDER_REVIEW,
                review=Review(examiner="ex-changsha"),
                needs_manual_review=True,
            ),
        ]
    )

    class Looks(dict):
        def get(self, name, default=None):
            return next(looks) if name == "case_file" else default

    temporal.answers = Looks()
    r = http.post(
        "/api/v1/office/bulk-approve",
        json={"application_ids": ["enroll-2026-2-d"]},
        headers=CALLERS["ex-changsha"],
    )
    assert json.loads(r.text.splitlines()[0])["code"] == "NOT_CLEAN"
    assert [c.name for c in temporal.calls] == ["case_file", "claim", "case_file", "release_claim"]


def test_bulk_approval_refuses_more_than_200_cases_at_once(http, temporal):
    ids = [f"enroll-2026-2-x{i}" for i in range(201)]
    r = http.post(
        "/api/v1/office/bulk-approve", json={"application_ids": ids}, headers=CALLERS["admin"]
    )
    assert (r.status_code, r.json()["code"], r.json()["message"]) == (
        422,
        "BULK_TOO_MANY",
        "一次最多批量审核 200 件",
    )
    assert temporal.calls == []
