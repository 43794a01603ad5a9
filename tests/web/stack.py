"""A `ruji dev` stack for the browser test: free non-default ports, a temporary var dir, stopped
with Ctrl-C (SIGINT) as a developer stops it, leftovers killed by pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.cli.test_dev_stack import UP_MARKER, alive, descendants, free_ports

ROOT = Path(__file__).resolve().parents[2]
# The first start on a cold disk imports the vision models as well; the CLI test allows 60 s.
START_TIMEOUT = 150.0
STOP_TIMEOUT = 40.0


class RunningStack:
    def __init__(self, tmp: Path):
        self.var_dir, self.log = tmp / "var", tmp / "dev.log"
        temporal, ui, api, chsi = free_ports(4)
        self.ports = {"temporal": temporal, "ui": ui, "api": api, "chsi": chsi}
        self.url = f"http://127.0.0.1:{api}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.children: set[tuple[int, str]] = set()

    def start(self) -> None:
        env = {**os.environ, "RUJI_VAR_DIR": str(self.var_dir), "RUJI_ENV": "dev"}
        argv = [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "dev"]
        for name, port in self.ports.items():
            argv += [f"--{name}-port", str(port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + START_TIMEOUT
        while UP_MARKER not in self.output() or not self._healthy():
            assert self.proc.poll() is None, f"ruji dev exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"not up in {START_TIMEOUT} s:\n{self.output()}"
            time.sleep(0.25)
        self.children = descendants(self.proc.pid)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def password(self, username: str) -> str:
        accounts = json.loads((self.var_dir / "secrets" / "dev-accounts.json").read_text())
        return next(a["password"] for a in accounts if a["username"] == username)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.children |= descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for pid, started in self.children:
            if alive((pid, started)):
                os.kill(pid, signal.SIGKILL)
