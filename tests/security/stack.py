"""The running system for the security tests: the real app over HTTP, the real enrollment
activities, vision stand-ins, and an SMS provider that keeps nothing (as production providers).

Unlike tests/workflows/harness.py the SMS provider is pluggable: the dev outbox keeps the phone
number in the read model by design, which the at-rest scan must not see.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from api.app import create_app
from api.deps import Services
from domain.otp import code_in_message
from infra.config import Settings
from infra.db import create_schema, make_engine
from infra.otp import OtpService
from infra.pii import pii_sealer_for
from infra.storage import LocalObjectStore
from ruji_cli.api import server_options
from ruji_cli.dev_procs import free_port
from synthetic.forms import form_fields
from tests.api.server import jpeg_bytes, seed, serve_app
from tests.stand_ins import VISION_STAND_INS
from tests.workflows.harness import SECRET, proof_checkers
from worker import enrollment_activities
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

API_SECRET = "security-test-key"
FORM = form_fields()
#: an ID card as a candidate confirms it (for the number 430104199903120012)
CARD = {
    "name": "张三",
    "sex": "男",
    "ethnicity": "汉",
    "birth_date": "1999-03-12",
    "address": "湖南省长沙市芙蓉区五一大道1号",
    "id_number": "430104199903120012",
    "issuer": "长沙市公安局芙蓉分局",
    "valid_from": "2020-01-01",
    "valid_until": "2040-01-01",
}


class MemorySms:
    """Delivers into a dict; like a real gateway, nothing of the message is kept in the DB."""

    keeps_text = False

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}

    def send(self, phone: str, text: str, key: str) -> None:
        self.sent.setdefault(phone, []).append(text)

    def last_code(self, phone: str) -> str:
        return code_in_message(self.sent[phone][-1])


def settings_for(tmp_path: Path, task_queue: str, **kw) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path,
        secret_key=API_SECRET,
        identity_hmac_key=SECRET,
        enrollment_task_queue=task_queue,
        vision_task_queue=f"{task_queue}-vision",
        **kw,
    )


@asynccontextmanager
async def running_stack(
    client: Client | None,
    engine: Engine,
    tmp_path: Path,
    vision_activities: list | None = None,
    vision_slots: int | None = None,
    extra_activities: list | None = None,
    **settings_kw,
):
    """Yields (http client, settings, sms). Workers run only when a Temporal client is given;
    the vision worker runs `vision_activities` (the stand-ins unless given), `vision_slots` at
    a time when given; `extra_activities` join the enrollment worker's own list."""
    task_queue = f"tq-{uuid.uuid4().hex[:10]}"
    settings = settings_for(tmp_path, task_queue, **settings_kw)
    sms = MemorySms()
    otp = OtpService(engine, sms, SECRET)
    async with AsyncExitStack() as stack:
        if client is not None:
            executor = stack.enter_context(ThreadPoolExecutor(max_workers=16))
            activities = enrollment_activities(
                engine, client, sms, SECRET, pii_sealer_for(settings)
            )  # the worker's own list: a period's close-out or window telling finds its activity
            for worker in (
                Worker(
                    client,
                    task_queue=task_queue,
                    workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow],
                    activities=[*activities, *(extra_activities or [])],
                    activity_executor=executor,
                    interceptors=proof_checkers(client),
                ),
                Worker(
                    client,
                    task_queue=settings.vision_task_queue,
                    activities=vision_activities or VISION_STAND_INS,
                    activity_executor=executor,
                    max_concurrent_activities=vision_slots,
                ),
            ):
                await stack.enter_async_context(worker)
        services = Services(
            settings=settings,
            engine=engine,
            store=LocalObjectStore(tmp_path / "objects"),
            otp=otp,
            temporal=client,
        )
        url = await stack.enter_async_context(
            serve_app(create_app(settings, services), free_port(), **server_options(settings))
        )
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))
        yield http, settings, sms


@asynccontextmanager
async def api_only(engine: Engine, tmp_path: Path, **settings_kw):
    """The API over HTTP without Temporal, period 2026-2 open: for refusals made before the
    workflow is asked. Yields the HTTP client."""
    seed(engine, "2026-2")
    async with running_stack(None, engine, tmp_path, **settings_kw) as (http, _settings, _sms):
        yield http


def seeded_database(tmp_path: Path) -> Engine:
    """A read model of its own (for a module-wide stack) with period 2026-2 open and staff."""
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    create_schema(engine)
    seed(engine, "2026-2")
    return engine


@asynccontextmanager
async def walked_stack(client: Client, tmp_path: Path, **stack_kw):
    """What the walks of the guide's paths share: a read model of their own, the stack on it
    and the examiner of region 01 signed in. Yields (http client, sms, examiner headers, engine)."""
    engine = seeded_database(tmp_path)
    async with running_stack(client, engine, tmp_path, **stack_kw) as (http, _settings, sms):
        yield http, sms, bearer(await staff_token(http, "examiner")), engine


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def staff_token(http: httpx.AsyncClient, username: str) -> str:
    r = await http.post(
        "/api/v1/staff/login", json={"username": username, "password": f"pw-{username}"}
    )
    assert r.status_code == 200, r.text
    return r.json()["token"]


async def register(http: httpx.AsyncClient, sms: MemorySms, number: str, phone: str):
    """Registration and SMS verification; returns (application id, candidate headers)."""
    r = await http.post("/api/v1/candidate/register", json={"id_number": number, "phone": phone})
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    r = await http.post(
        "/api/v1/candidate/verify",
        json={"application_id": app_id, "code": sms.last_code(phone)},
    )
    assert r.status_code == 200, r.text
    return app_id, bearer(r.json()["token"])


async def submit_application(
    http: httpx.AsyncClient,
    me: dict,
    number: str,
    name: str | None,
    region: str = "01",
) -> None:
    """ID card → photo → liveness → notice → form → submit, as the H5 client does. A `name`
    is typed over what the card read (a correction: the case is flagged for manual review);
    None confirms the card exactly as read."""
    await reach_draft(http, me, number, name)
    r = await http.put("/api/v1/me/form", json={**FORM, "region": region}, headers=me)
    assert r.status_code == 200, r.text
    r = await http.post("/api/v1/me/submit", headers=me)
    assert r.status_code == 200 and r.json()["state"] == "SUBMITTED", r.text


async def through_face(
    http: httpx.AsyncClient, me: dict, number: str, name: str | None, face_seed: int = 10
) -> httpx.Response:
    """ID card → confirm → photo → liveness; returns the liveness answer."""
    files = {
        "front": ("front.jpg", jpeg_bytes(seed=1), "image/jpeg"),
        "back": ("back.jpg", jpeg_bytes(seed=2), "image/jpeg"),
    }
    r = await http.post("/api/v1/me/id-card", files=files, headers=me)
    assert r.status_code == 200, r.text
    confirm = dict(name=name, sex="男", ethnicity="汉", id_number=number, birth_date="1999-03-12")
    if name is None:
        confirm = r.json()["id_card_read"]
    r = await http.post("/api/v1/me/id-card/confirm", json=confirm, headers=me)
    assert r.status_code == 200, r.text
    photo = {"photo": ("p.jpg", jpeg_bytes(seed=3), "image/jpeg")}
    assert (await http.post("/api/v1/me/photo", files=photo, headers=me)).status_code == 200
    r = await http.post("/api/v1/me/liveness/challenge", headers=me)
    nonce = r.json()["liveness_challenge"]["nonce"]
    frames = [
        ("frames", (f"{i}.jpg", jpeg_bytes(seed=face_seed + i), "image/jpeg")) for i in range(3)
    ]
    return await http.post("/api/v1/me/liveness", data={"nonce": nonce}, files=frames, headers=me)


async def reach_draft(http: httpx.AsyncClient, me: dict, number: str, name: str | None) -> None:
    """ID card → photo → liveness → notice: the form is next."""
    r = await through_face(http, me, number, name)
    assert r.status_code == 200, r.text
    assert (await http.post("/api/v1/me/notice/accept", headers=me)).status_code == 200


@asynccontextmanager
async def two_apis_over_one_database(engine: Engine, tmp_path: Path, **settings_kw):
    """Two API processes without Temporal over one database, period 2026-2 open, as two
    replicas behind one ingress: for the limits that must hold across them. Yields both HTTP
    clients."""
    seed(engine, "2026-2")
    async with AsyncExitStack() as stack:
        apis = []
        for name in ("a", "b"):
            running = running_stack(None, engine, tmp_path / name, **settings_kw)
            http, _settings, _sms = await stack.enter_async_context(running)
            apis.append(http)
        yield apis
