"""Schemathesis against the app's own OpenAPI schema, on the real HTTP server with Temporal and
the real enrollment activities: no 5xx, and every answer matches its documented schema.

Schemathesis calls synchronously, so the server, its Temporal client and the workers run in a
thread with their own event loop. Each operation gets a few generated cases (MAX_EXAMPLES), with
the token its callers would hold, which keeps the run well inside a minute.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from temporalio.client import Client

from api.app import create_app
from infra.config import Settings
from infra.db import create_schema, make_engine
from infra.keyring import new_key_entry
from tests.api.server import seed
from tests.security.stack import bearer, register, running_stack, staff_token
from tests.workflows.harness import valid_id_number

MAX_EXAMPLES = 5
_calls: list[float] = []


@pytest.fixture(scope="module")
def live_api(dev_env, tmp_path_factory):
    """The app on a loopback port, served from its own thread; yields url and tokens."""
    target = dev_env.client.service_client.config.target_host
    converter = dev_env.client.data_converter
    tmp_path = tmp_path_factory.mktemp("schemathesis")
    ready, state = threading.Event(), {}

    async def serve() -> None:
        client = await Client.connect(
            target, data_converter=converter, interceptors=dev_env.client.config()["interceptors"]
        )
        engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
        create_schema(engine)
        seed(engine, "2026-2")
        state["stop"] = asyncio.Event()
        try:
            async with running_stack(client, engine, tmp_path) as (http, _settings, sms):
                _, candidate = await register(http, sms, valid_id_number(777), "13766660001")
                state["url"] = str(http.base_url).rstrip("/")
                state["candidate"] = candidate
                state["admin"] = bearer(await staff_token(http, "admin"))
                ready.set()
                await state["stop"].wait()
        except BaseException as exc:
            state["error"] = exc
            ready.set()
            raise
        finally:
            engine.dispose()

    def run() -> None:
        loop = asyncio.new_event_loop()
        state["loop"] = loop
        try:
            loop.run_until_complete(serve())
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="schemathesis-api", daemon=True)
    thread.start()
    assert ready.wait(120), "the API did not start"
    if "error" in state:
        raise state["error"]
    yield state
    state["loop"].call_soon_threadsafe(state["stop"].set)
    thread.join(60)
    print(  # noqa: T201 - the figures the report quotes
        f"\nschemathesis: {len(_calls)} calls, {sum(_calls):.1f} s in requests"
    )


def _app_schema() -> dict:
    """The schema the served app publishes (same routes and models; its codec keys are
    throwaway: the schema does not depend on them)."""
    with tempfile.TemporaryDirectory() as var_dir:
        settings = Settings(env="test", var_dir=Path(var_dir), codec_keys=new_key_entry("s"))
        return create_app(settings).openapi()


schema = schemathesis.openapi.from_dict(_app_schema())


def _headers_for(path: str, live_api: dict) -> dict[str, str]:
    """Who would call it: the candidate for /me, an admin for everything staff."""
    if path.startswith("/api/v1/me"):
        return live_api["candidate"]
    if path.startswith(("/api/v1/examiner", "/api/v1/admin", "/codec")):
        return live_api["admin"]
    return {}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, live_api) -> None:
    started = time.perf_counter()
    case.call_and_validate(
        base_url=live_api["url"],
        headers=_headers_for(case.path, live_api),
        checks=[not_a_server_error, response_schema_conformance],
        timeout=30,
    )
    _calls.append(time.perf_counter() - started)
