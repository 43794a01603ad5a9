"""The real app over real HTTP (uvicorn) on a read model with a small connection pool, and a
Temporal stand-in that answers as a loaded worker does: late, or only when the test lets it.
For the peak tests: many requests at once, fewer connections than requests."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from api.deps import Services
from domain.enrollment import ApplicationView, CodeSent
from domain.ids import keyed_hash
from domain.states import STATE_LABELS, AppState
from infra.config import DatabasePool
from infra.db import Application, create_schema, make_engine
from infra.otp import OtpService
from infra.storage import LocalObjectStore
from ruji_cli.dev_procs import free_port
from tests.api.server import serve_app
from tests.security.stack import MemorySms, settings_for
from tests.workflows.harness import SECRET


def small_pool(engine: Engine, size: int, timeout_s: float) -> Engine:
    """An engine on `engine`'s database holding at most `size` connections."""
    url = engine.url.render_as_string(hide_password=False)
    return make_engine(url, DatabasePool(pool_size=size, max_overflow=0, pool_timeout_s=timeout_s))


def view_of(application_id: str) -> ApplicationView:
    return ApplicationView(
        application_id=application_id,
        period_id="2026-2",
        state=AppState.DRAFT,
        state_label=STATE_LABELS[AppState.DRAFT],
        id_number="430104********0012",
        phone="139****1111",
    )


@dataclass
class SlowTemporal:
    """Every query and update answers `view_of(its workflow)` after `delay_s`, and not before
    `gate` is set; `asked` is set once a request reached it."""

    delay_s: float = 0.0
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    asked: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.gate.set()

    def get_workflow_handle(self, workflow_id: str) -> _Handle:
        return _Handle(self, workflow_id)

    async def start_workflow(self, _run: Any, _arg: Any, *, id: str, **_options: Any) -> _Handle:
        return _Handle(self, id)

    async def execute_update_with_start_workflow(
        self, update: Any, *_args: Any, **_options: Any
    ) -> ApplicationView | CodeSent:
        """The first contact (update-with-start); its view does not depend on the workflow."""
        return await self.answer("", update.__name__)

    async def answer(self, workflow_id: str, name: str) -> ApplicationView | CodeSent:
        self.asked.set()
        await self.gate.wait()
        await asyncio.sleep(self.delay_s)
        if name == "request_phone_code":
            return CodeSent(phone_masked="139****1111", resend_after_s=60)
        return view_of(workflow_id)


async def until_waiting(temporal: SlowTemporal, pending: asyncio.Future[httpx.Response]) -> None:
    """Until the request reached Temporal and waits there; fails if it was answered first."""
    asked = asyncio.ensure_future(temporal.asked.wait())
    await asyncio.wait([asked, pending], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if not asked.done():
        asked.cancel()
        answer = pending.result().text if pending.done() else "no answer in 30 s"
        raise AssertionError(f"the request did not reach Temporal: {answer}")


@dataclass
class _Handle:
    temporal: SlowTemporal
    id: str

    async def query(self, query: Any, *_args: Any) -> ApplicationView | CodeSent:
        return await self.temporal.answer(self.id, query.__name__)

    async def execute_update(
        self, update: Any, *_args: Any, **_options: Any
    ) -> ApplicationView | CodeSent:
        return await self.temporal.answer(self.id, update.__name__)

    async def describe(self) -> None:
        """Registration asks what runs at the ID before it starts one: nothing, here."""
        self.temporal.asked.set()
        await self.temporal.gate.wait()
        raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")


def add_application(engine: Engine, phone: str, submitted: bool = False) -> str:
    """An application of this phone, its phone verified (DRAFT) or submitted in region 01 (in
    the Changsha examiner's queue); returns its ID."""
    workflow_id = f"enroll-2026-2-{phone}"
    with Session(engine) as s:
        s.add(
            Application(
                workflow_id=workflow_id,
                period_id="2026-2",
                status=(AppState.SUBMITTED if submitted else AppState.DRAFT).value,
                id_hash=keyed_hash("id", phone),
                phone_hash=keyed_hash(SECRET, phone),
                region="01",
                submitted_at=datetime.now(UTC) if submitted else None,
            )
        )
        s.commit()
    return workflow_id


@dataclass
class Peak:
    http: httpx.AsyncClient
    sms: MemorySms
    services: Services


@asynccontextmanager
async def peak_api(
    engine: Engine,
    tmp_path: Path,
    temporal: SlowTemporal,
    otp: type[OtpService] = OtpService,
    **settings_kw: Any,
):
    """Yields a `Peak`: the app served on `engine` (schema created) with `temporal`."""
    create_schema(engine)
    sms = MemorySms()
    settings = settings_for(tmp_path, "tq-peak", **settings_kw)
    services = Services(
        settings=settings,
        engine=engine,
        store=LocalObjectStore(tmp_path / "objects"),
        otp=otp(engine, sms, SECRET),
        temporal=temporal,  # type: ignore[arg-type]
    )
    async with (
        serve_app(create_app(settings, services), free_port()) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        yield Peak(http, sms, services)
