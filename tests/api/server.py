"""Serve the real app over real HTTP (uvicorn on a free loopback port) inside the test's loop."""

from __future__ import annotations

import asyncio
import io
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import uvicorn
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.deps import Services
from infra.config import Settings
from infra.db import Account, Period
from infra.otp import OtpService
from infra.passwords import hash_password
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore
from ruji_cli.dev_procs import free_port
from tests.workflows.harness import SECRET


def jpeg_bytes(w: int = 480, h: int = 640, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


async def upload_card(http: httpx.AsyncClient, me: dict[str, str]) -> httpx.Response:
    """Both sides of an ID card (noise JPEGs: the stand-in OCR reads the registered identity)."""
    files = {
        "front": ("front.jpg", jpeg_bytes(seed=1), "image/jpeg"),
        "back": ("back.jpg", jpeg_bytes(seed=2), "image/jpeg"),
    }
    return await http.post("/api/v1/me/id-card", files=files, headers=me)


def seed(engine: Engine, period_id: str, *, open_now: bool = True) -> None:
    now = datetime.now(UTC)
    with Session(engine) as s:
        s.add(
            Period(
                id=period_id,
                year=2026,
                window=2,
                opens_at=now - timedelta(days=1),
                closes_at=now + (timedelta(days=10) if open_now else -timedelta(hours=1)),
                review_deadline=now + timedelta(days=20),
                state="OPEN" if open_now else "CLOSED",
            )
        )
        s.add(
            Account(
                id="ex-changsha",
                username="examiner",
                password_hash=hash_password("pw-examiner"),
                role="examiner",
                regions="01",
            )
        )
        s.add(
            Account(
                id="ex-yueyang",
                username="examiner2",
                password_hash=hash_password("pw-examiner2"),
                role="examiner",
                regions="06",
            )
        )
        s.add(
            Account(
                id="admin", username="admin", password_hash=hash_password("pw-admin"), role="admin"
            )
        )
        s.add(
            Account(
                id="operator",
                username="operator",
                password_hash=hash_password("pw-operator"),
                role="operator",
            )
        )
        s.commit()


@asynccontextmanager
async def serve(
    client,
    engine: Engine,
    tmp_path,
    task_queue: str,
    vision_queue: str,
    port: int | None = None,
    **settings_kw,
):
    settings = Settings(
        env="test",
        var_dir=tmp_path,
        secret_key="api-test-key",
        identity_hmac_key=SECRET,
        enrollment_task_queue=task_queue,
        vision_task_queue=vision_queue,
        **settings_kw,
    )
    provider = OutboxProvider()
    services = Services(
        settings=settings,
        engine=engine,
        store=LocalObjectStore(tmp_path / "objects"),
        otp=OtpService(engine, provider, SECRET),
        temporal=client,
    )
    port = port or free_port()
    async with serve_app(create_app(settings, services), port) as url:
        yield url


@asynccontextmanager
async def serve_app(app, port: int, **options):
    """`options`: more of uvicorn's settings (`ruji api`'s own: ruji_cli/api.server_options)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
