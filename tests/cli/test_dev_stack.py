"""`ruji dev` as a developer uses it: it comes up, Ctrl-C stops everything it started, and a
second start on the same var dir finds the same accounts and the same period workflow; its
enrollment worker (worker.py as deployed) runs no activity an outsider's workflow asks for.

Runs on free non-default ports, so a developer's own stack on :7233/:8000 is never touched.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from domain.messages import NOTIFY_CANDIDATE, Notification
from infra.config import Settings
from infra.temporal import connect
from ruji_cli.period import default_period
from tests.devstack import UP_MARKER, DevStack, alive
from tests.workflows.harness import OutsidersErrand

START_TIMEOUT = 60.0


@pytest.fixture
def stack(tmp_path) -> Iterator[DevStack]:
    dev = DevStack(tmp_path, START_TIMEOUT)
    yield dev
    dev.stop()


async def outsiders_errand(address: str, var_dir: Path) -> str:
    """What `ruji dev`'s enrollment worker (worker.py) answers an outsider's errand: the
    failure's type, or "ran". Read from the errand's history with the stack's own codec (an
    outsider's errand needs no keys: the worker takes plaintext; it is the answer, encrypted,
    that only ruji can read) and no caller proof."""
    settings = Settings(var_dir=var_dir, env="dev", temporal_address=address)
    client = await connect(settings)
    note = Notification(workflow_id="w", event="e", phone="13900005050", phone_hash="h", text="x")
    async with Worker(client, task_queue="outsider-errands", workflows=[OutsidersErrand]):
        handle = await client.start_workflow(
            "OutsidersErrand",
            args=[NOTIFY_CANDIDATE, note, "ruji-enrollment"],
            id="errand-ruji-enrollment",
            task_queue="outsider-errands",
        )
        return await activity_outcome(client, handle)


async def activity_outcome(client: Client, handle: WorkflowHandle) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                return "ran"
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
                failure = event.activity_task_failed_event_attributes.failure
                error = await client.data_converter.decode_failure(failure)
                return getattr(error, "type", None) or repr(error)
        await asyncio.sleep(0.5)
    return "no answer"


async def period_run_id(address: str) -> str:
    client = await Client.connect(address)
    period_id = default_period(datetime.now(UTC)).period_id
    return (await client.get_workflow_handle(f"period-{period_id}").describe()).run_id


@pytest.mark.timeout(150)
def test_dev_stack_starts_stops_and_keeps_its_data(stack: DevStack) -> None:
    address = f"127.0.0.1:{stack.ports['temporal']}"
    credentials = stack.var_dir / "secrets" / "dev-accounts.json"

    stack.start()
    first_run = asyncio.run(period_run_id(address))
    first_credentials = credentials.read_text()
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    assert stack.children, "ruji dev started no child processes"

    assert stack.interrupt() == 0, stack.output()
    assert not [p for p in stack.children if alive(p)], (
        f"children outlived Ctrl-C:\n{stack.output()}"
    )

    stack.start()
    assert credentials.read_text() == first_credentials
    assert asyncio.run(period_run_id(address)) == first_run, "the period workflow was restarted"
    second_banner = stack.output().rsplit(UP_MARKER, 1)[1]
    assert f"run {first_run}" in second_banner
    for account in json.loads(first_credentials):
        assert (
            f"{account['role']:<9} {account['username']} / {account['password']}" in second_banner
        )
    # the enrollment worker runs only what ruji's own workflows scheduled (it texted the
    # outsider's phone before); asked last, after the restart: the errand's client and worker
    # must not be about while the stack rebinds its ports (a CI run found the gRPC port taken)
    assert asyncio.run(outsiders_errand(address, stack.var_dir)) == "UNTRUSTED_CALLER"

    assert stack.interrupt() == 0, stack.output()
    assert not [p for p in stack.children if alive(p)], (
        f"children outlived Ctrl-C:\n{stack.output()}"
    )


def test_dev_temporal_and_its_web_ui_listen_on_loopback_only(tmp_path) -> None:
    """The dev server's UI cannot be made read-only (no CLI flag; it ignores
    TEMPORAL_DISABLE_WRITE_ACTIONS), so it must not be reachable from the network; the worker
    refuses its writes anyway (tests/security/test_ui_http_api.py)."""
    from ruji_cli.dev import parse_args, temporal_child

    argv = temporal_child(parse_args([]), tmp_path).argv
    assert argv[argv.index("--ip") + 1] == "127.0.0.1"
    assert "--ui-ip" not in argv or argv[argv.index("--ui-ip") + 1] == "127.0.0.1"
