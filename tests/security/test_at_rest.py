"""Acceptance: after a full application over HTTP, neither Temporal's SQLite file nor the read
model holds the candidate's ID number, name or phone in clear; operators (and only they) read the
history through the codec endpoint, also after a key rotation."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from google.protobuf import json_format
from sqlmodel import Session, select
from temporalio.api.common.v1 import Payloads
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from api.app import create_app
from api.deps import Services
from domain import search
from infra.codec import EncryptionCodec, build_data_converter
from infra.db import Application, create_schema, make_engine
from infra.keyring import new_key_entry, parse_key_ring
from infra.pii import pii_sealer_for
from infra.storage import LocalObjectStore
from ruji_cli.dev_procs import free_port
from tests.api.server import seed, serve_app
from tests.conftest import _binary
from tests.security.stack import bearer, register, running_stack, staff_token, submit_application
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

K1, K2 = new_key_entry("k1"), new_key_entry("k2")
NAME = "欧阳明远"  # the stand-in OCR reads 张三; the candidate's correction is this name
PHONE = "13912345678"
NUMBER = valid_id_number(417)


@pytest.fixture(scope="module")
async def finished(tmp_path_factory):
    """One application from registration to approval on a file-backed dev server (ring k1)."""
    root = tmp_path_factory.mktemp("at-rest")
    temporal_db = root / "temporal" / "temporal.db"
    temporal_db.parent.mkdir()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        data_converter=build_data_converter(EncryptionCodec(parse_key_ring(K1))),
        search_attributes=list(search.ALL),
        ui=False,
        dev_server_extra_args=["--db-filename", str(temporal_db)],
    )
    engine = make_engine(f"sqlite:///{root / 'read' / 'read.db'}")
    (root / "read").mkdir()
    create_schema(engine)
    seed(engine, "2026-2")
    try:
        async with running_stack(env.client, engine, root, codec_keys=K1) as (http, settings, sms):
            app_id, me = await register(http, sms, NUMBER, PHONE)
            await submit_application(http, me, NUMBER, NAME)
            ex = bearer(await staff_token(http, "examiner"))
            for step in ("claim", "approve"):
                r = await http.post(f"/api/v1/examiner/applications/{app_id}/{step}", headers=ex)
                assert r.status_code == 200, r.text
            history = await env.client.get_workflow_handle(app_id).fetch_history()
            operator = await staff_token(http, "operator")
            with Session(engine) as s:
                row = s.get(Application, app_id)
            yield {
                "root": root,
                "temporal_dir": temporal_db.parent,
                "read_dir": root / "read",
                "history": history,
                "operator": operator,
                "settings": settings,
                "row": row,
                "engine": engine,
                "http": http,
            }
    finally:
        engine.dispose()
        await env.shutdown()


def _needles() -> dict[str, bytes]:
    return {
        "id number": NUMBER.encode(),
        "name": NAME.encode(),
        "phone": PHONE.encode(),
        # a name stored as UTF-16 or escaped JSON would dodge the plain search
        "name (json escaped)": json.dumps(NAME).strip('"').encode(),
        "name (utf-16)": NAME.encode("utf-16-le"),
    }


def _scan(directory) -> dict[str, list[str]]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files, f"nothing to scan in {directory}"
    hits: dict[str, list[str]] = {}
    for path in files:
        data = path.read_bytes()
        for label, needle in _needles().items():
            if needle in data:
                hits.setdefault(label, []).append(path.name)
    return hits


async def test_no_plaintext_pii_in_temporal_sqlite_file(finished) -> None:
    files = list(finished["temporal_dir"].iterdir())
    assert any(p.stat().st_size > 100_000 for p in files), files  # the history is in there
    assert _scan(finished["temporal_dir"]) == {}


async def test_no_plaintext_pii_in_read_model_file(finished) -> None:
    with finished["engine"].connect() as conn:  # flush the WAL into the main file, scan both
        conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
    assert _scan(finished["read_dir"]) == {}


async def test_read_model_holds_ciphertext_and_lookup_hashes(finished) -> None:
    row: Application = finished["row"]
    sealer = pii_sealer_for(finished["settings"])
    assert row.id_number_enc.startswith("pii1:") and row.name_enc.startswith("pii1:")
    assert sealer.cipher.decrypt(row.id_number_enc, field="id_number") == NUMBER
    assert sealer.cipher.decrypt(row.name_enc, field="name") == NAME
    with Session(finished["engine"]) as s:  # an exact lookup without decrypting every row
        found = s.exec(
            select(Application).where(Application.name_hash == sealer.name_hash(NAME))
        ).one()
        assert found.workflow_id == row.workflow_id
        assert s.exec(
            select(Application).where(Application.id_number_hash == sealer.id_number_hash(NUMBER))
        ).one()
    assert (row.id_masked, row.phone_masked, row.name_masked)[1:] == ("139****5678", "欧***")


def _started_input(history) -> dict:
    started = history.events[0].workflow_execution_started_event_attributes
    return json_format.MessageToDict(Payloads(payloads=list(started.input.payloads)))


async def test_operator_decodes_history_through_codec_endpoint(finished) -> None:
    http: httpx.AsyncClient = finished["http"]
    body = _started_input(finished["history"])
    assert NUMBER not in json.dumps(body)

    r = await http.post("/codec/decode", json=body, headers=bearer(finished["operator"]))
    assert r.status_code == 200, r.text
    decoded = base64.b64decode(r.json()["payloads"][0]["data"]).decode()
    assert NUMBER in decoded and PHONE in decoded

    refused = await http.post("/codec/decode", json=body)
    assert refused.status_code == 401 and refused.json()["code"] == "AUTH_REQUIRED"
    examiner = bearer(await staff_token(http, "examiner"))
    refused = await http.post("/codec/decode", json=body, headers=examiner)
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    assert "payloads" not in refused.json()


async def test_web_ui_operator_decodes_with_the_codec_cookie(finished) -> None:
    http: httpx.AsyncClient = finished["http"]
    body = _started_input(finished["history"])
    ui = finished["settings"].ui_origin

    # the browser's preflight from the Web UI: credentials allowed for that origin only
    pre = await http.options(
        "/codec/decode",
        headers={
            "origin": ui,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-namespace",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == ui
    assert pre.headers["access-control-allow-credentials"] == "true"
    evil = await http.options(
        "/codec/decode",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert "access-control-allow-origin" not in evil.headers

    r = await http.post(
        "/api/v1/staff/codec-session", data={"username": "examiner", "password": "pw-examiner"}
    )
    assert r.status_code == 403 and "set-cookie" not in r.headers
    r = await http.post(
        "/api/v1/staff/codec-session", data={"username": "operator", "password": "pw-operator"}
    )
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/codec" in cookie

    async with httpx.AsyncClient(base_url=str(http.base_url)) as browser:
        browser.cookies.update(r.cookies)
        decoded = await browser.post("/codec/decode", json=body, headers={"origin": ui})
        assert decoded.status_code == 200, decoded.text
        assert decoded.headers["access-control-allow-origin"] == ui
        assert NUMBER in base64.b64decode(decoded.json()["payloads"][0]["data"]).decode()
        # the cookie is scoped to /codec and is no bearer anywhere else
        assert (await browser.get("/api/v1/admin/periods")).status_code == 401
        await browser.delete("/api/v1/staff/codec-session")
        assert (await browser.post("/codec/decode", json=body)).status_code == 401


async def test_history_written_under_k1_replays_and_decodes_after_k2_is_current(
    finished, tmp_path
) -> None:
    rotated = build_data_converter(EncryptionCodec(parse_key_ring(f"{K2},{K1}")))
    replayer = Replayer(
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow], data_converter=rotated
    )
    result = await replayer.replay_workflow(finished["history"], raise_on_replay_failure=False)
    assert result.replay_failure is None

    body = _started_input(finished["history"])
    for ring, status in ((f"{K2},{K1}", 200), (K2, 400)):
        settings = finished["settings"].model_copy(update={"codec_keys": ring})
        services = Services(
            settings=settings,
            engine=finished["engine"],
            store=LocalObjectStore(tmp_path),
            otp=None,  # type: ignore[arg-type]  # the codec routes never send SMS
        )
        async with (
            serve_app(create_app(settings, services), free_port()) as url,
            httpx.AsyncClient(base_url=url) as api,
        ):
            r = await api.post("/codec/decode", json=body, headers=bearer(finished["operator"]))
        assert r.status_code == status, r.text
        if status == 200:
            assert NUMBER in base64.b64decode(r.json()["payloads"][0]["data"]).decode()
        else:
            assert r.json()["code"] == "CODEC_UNKNOWN_KEY"
