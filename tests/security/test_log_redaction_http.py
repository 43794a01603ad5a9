"""A signed `/files` link opens a candidate's ID photo for 5 minutes: whoever reads the access log
must not be able to open it too. The real app under uvicorn with its access log on."""

from __future__ import annotations

import asyncio
import io
import logging

import httpx
import uvicorn

from api.app import create_app
from api.deps import Services
from infra.otp import OtpService
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore, sign_object_url
from ruji_cli.dev_procs import free_port
from tests.api.server import seed
from tests.security.stack import settings_for
from tests.workflows.harness import SECRET

KEY = "enroll-2026-2-abc/idcard/front-1234abcd.jpg"


async def test_a_signed_file_link_leaves_its_route_but_not_its_signature_in_the_access_log(
    engine, tmp_path
) -> None:
    seed(engine, "2026-2")
    settings = settings_for(tmp_path, "tq-logs")
    store = LocalObjectStore(tmp_path / "objects")
    store.put(KEY, b"\xff\xd8 a photo", "image/jpeg")
    services = Services(
        settings=settings,
        engine=engine,
        store=store,
        otp=OtpService(engine, OutboxProvider(), SECRET),
    )
    access, written = logging.getLogger("uvicorn.access"), io.StringIO()
    handler = logging.StreamHandler(written)
    access.addHandler(handler)  # before the app starts: its lifespan installs the masking
    port = free_port()
    # log_config=None: uvicorn keeps the handlers it finds, as a deployment's logging does
    config = uvicorn.Config(
        create_app(settings, services), port=port, log_config=None, log_level="info"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        link = sign_object_url(settings.secret_key, KEY)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get(link)).status_code == 200
    finally:
        server.should_exit = True
        await task
        access.removeHandler(handler)
    line = written.getvalue()
    signature = link.rsplit("sig=", 1)[1]
    assert f"GET /files/{KEY}?" in line, line  # the route and the object stay for operators
    assert signature not in line, line
