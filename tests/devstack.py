"""`ruji dev` run as a developer runs it, for the tests that need the whole stack (tests/cli,
tests/web): free non-default ports (a developer's own stack on :7233/:8000 is never touched), a
temporary var dir, stopped with Ctrl-C (SIGINT), leftovers killed by pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ruji_cli.dev_procs import descendants, free_ports, process_stats

ROOT = Path(__file__).resolve().parents[1]
UP_MARKER = "ruji dev is up"
STOP_TIMEOUT = 40.0

Proc = tuple[int, str]  # pid and start time: tells a process from a later one reusing its pid


def children_of(pid: int) -> set[Proc]:
    stats = process_stats()
    return {(child, stats[child][19]) for child in descendants(pid, stats) if child in stats}


def alive(proc: Proc) -> bool:
    try:
        fields = Path(f"/proc/{proc[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == proc[1] and fields[0] != "Z"


class DevStack:
    def __init__(self, tmp: Path, start_timeout: float, env: dict[str, str] | None = None):
        self.var_dir, self.log = tmp / "var", tmp / "dev.log"
        self.env = env or {}  # settings of this stack (RUJI_*), over the test's environment
        self.ports = dict(zip(("temporal", "ui", "api", "chsi"), free_ports(4), strict=True))
        self.url = f"http://127.0.0.1:{self.ports['api']}"
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.children: set[Proc] = set()
        self.starts = 0

    def start(self) -> None:
        """Start and wait until the Web UI and the API docs answer and the banner is printed."""
        self.starts += 1
        env = {**os.environ, "RUJI_VAR_DIR": str(self.var_dir), "RUJI_ENV": "dev", **self.env}
        argv = [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "dev"]
        for name, port in self.ports.items():
            argv += [f"--{name}-port", str(port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + self.start_timeout
        pending = [f"http://127.0.0.1:{self.ports['ui']}/", f"{self.url}/docs"]
        while pending or self.output().count(UP_MARKER) < self.starts:
            assert self.proc.poll() is None, f"ruji dev exited early:\n{self.output()}"
            assert time.monotonic() < deadline, (
                f"not up in {self.start_timeout} s:\n{self.output()}"
            )
            if pending:
                try:
                    if httpx.get(pending[0], timeout=2).status_code == 200:
                        pending.pop(0)
                        continue
                except httpx.TransportError:
                    pass
            time.sleep(0.25)
        self.children = children_of(self.proc.pid)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def password(self, username: str) -> str:
        accounts = json.loads((self.var_dir / "secrets" / "dev-accounts.json").read_text())
        return next(a["password"] for a in accounts if a["username"] == username)

    def interrupt(self) -> int:
        """Ctrl-C, as the terminal sends it; returns the exit code."""
        assert self.proc is not None
        self.children |= children_of(self.proc.pid)
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """Ctrl-C if still running, then kill whatever it left behind."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.interrupt()
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for proc in self.children:
            if alive(proc):
                os.kill(proc[0], signal.SIGKILL)
