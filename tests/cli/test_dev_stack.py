"""`ruji dev` as a developer uses it: it comes up, Ctrl-C stops everything it started, and a
second start on the same var dir finds the same accounts and the same period workflow.

Runs on free non-default ports, so a developer's own stack on :7233/:8000 is never touched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from temporalio.client import Client

from ruji_cli.period import default_period
from tests.devstack import UP_MARKER, DevStack, alive

START_TIMEOUT = 60.0


@pytest.fixture
def stack(tmp_path) -> Iterator[DevStack]:
    dev = DevStack(tmp_path, START_TIMEOUT)
    yield dev
    dev.stop()


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
