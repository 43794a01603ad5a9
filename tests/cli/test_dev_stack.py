"""`ruji dev` as a developer uses it: it comes up, Ctrl-C stops everything it started, and a
second start on the same var dir finds the same accounts and the same period workflow.

Runs on free non-default ports, so a developer's own stack on :7233/:8000 is never touched.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from ruji_cli.period import default_period

ROOT = Path(__file__).resolve().parents[2]
UP_MARKER = "ruji dev is up"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process below `pid`, from /proc; the start time tells a
    process apart from a later one that reuses its pid."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found: set[tuple[int, str]] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def alive(proc: tuple[int, str]) -> bool:
    try:
        fields = Path(f"/proc/{proc[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == proc[1] and fields[0] != "Z"


class DevStack:
    def __init__(self, var_dir: Path, log: Path, ports: dict[str, int]):
        self.var_dir, self.log, self.ports = var_dir, log, ports
        self.proc: subprocess.Popen[bytes] | None = None
        self.children: set[tuple[int, str]] = set()
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = {**os.environ, "RUJI_VAR_DIR": str(self.var_dir), "RUJI_ENV": "dev"}
        argv = [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "dev"]
        for name, port in self.ports.items():
            argv += [f"--{name}-port", str(port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_up(self) -> None:
        """Until the Web UI and the API docs answer and the banner is printed."""
        assert self.proc is not None
        deadline = time.monotonic() + START_TIMEOUT
        urls = [
            f"http://127.0.0.1:{self.ports['ui']}/",
            f"http://127.0.0.1:{self.ports['api']}/docs",
        ]
        pending = list(urls)
        while pending or self.output().count(UP_MARKER) < self.starts:
            assert self.proc.poll() is None, f"ruji dev exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"not up in {START_TIMEOUT} s:\n{self.output()}"
            if pending:
                try:
                    if httpx.get(pending[0], timeout=2).status_code == 200:
                        pending.pop(0)
                        continue
                except httpx.TransportError:
                    pass
            time.sleep(0.25)
        self.children = descendants(self.proc.pid)

    def interrupt(self) -> int:
        """Ctrl-C, as the terminal sends it; returns the exit code."""
        assert self.proc is not None
        self.children |= descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=STOP_TIMEOUT)

    def kill_leftovers(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.children |= descendants(self.proc.pid)
            self.proc.kill()
        for pid, started in self.children:
            if alive((pid, started)):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def stack(tmp_path) -> Iterator[DevStack]:
    temporal, ui, api, chsi = free_ports(4)
    ports = {"temporal": temporal, "ui": ui, "api": api, "chsi": chsi}
    dev = DevStack(tmp_path / "var", tmp_path / "dev.log", ports)
    yield dev
    dev.kill_leftovers()


async def period_run_id(address: str) -> str:
    client = await Client.connect(address)
    period_id = default_period(datetime.now(UTC)).period_id
    return (await client.get_workflow_handle(f"period-{period_id}").describe()).run_id


@pytest.mark.timeout(150)
def test_dev_stack_starts_stops_and_keeps_its_data(stack: DevStack) -> None:
    address = f"127.0.0.1:{stack.ports['temporal']}"
    credentials = stack.var_dir / "secrets" / "dev-accounts.json"

    stack.start()
    stack.wait_up()
    first_run = asyncio.run(period_run_id(address))
    first_credentials = credentials.read_text()
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    assert stack.children, "ruji dev started no child processes"

    assert stack.interrupt() == 0, stack.output()
    assert not [p for p in stack.children if alive(p)], (
        f"children outlived Ctrl-C:\n{stack.output()}"
    )

    stack.start()
    stack.wait_up()
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
