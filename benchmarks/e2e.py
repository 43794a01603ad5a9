"""`ruji bench e2e [--candidates 4]`: the real path — `ruji dev` with the real vision worker
(RapidOCR, the photo checker, dlib/deepface), the CHSI simulator and the API — driven by the
same client as `ruji demo`. Reports candidates per minute on this machine and the CPU seconds
each step costs the whole stack (all its processes, from /proc), measured on one candidate
running alone."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.report import record
from infra import event_loop
from ruji_cli import demo as demo_cli
from ruji_cli.dev_procs import descendants, free_ports, process_stats

CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """utime + stime of `root` and every descendant still alive."""
    stats = process_stats()
    return sum(
        (int(stats[pid][11]) + int(stats[pid][12])) / CLK_TCK
        for pid in [root, *descendants(root, stats)]
        if pid in stats
    )


class MeteredDemo(demo_cli.Demo):
    """Records the stack's CPU seconds between the demo's step messages."""

    def __init__(self, *args: Any, stack_pid: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stack_pid = stack_pid
        self.last = tree_cpu_seconds(stack_pid)
        self.steps: dict[str, float] = {}

    def say(self, who: str, text: str) -> None:
        now = tree_cpu_seconds(self.stack_pid)
        step = re.split(r"[:(]", text)[0].strip()
        self.steps[step] = round(self.steps.get(step, 0.0) + now - self.last, 2)
        self.last = now
        super().say(who, text)


def start_stack(
    var_dir: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """`ruji dev` on free ports, its state in `var_dir`, `env` added to its environment."""
    ports = dict(zip(("temporal", "ui", "api", "chsi"), free_ports(4), strict=True))
    proc = subprocess.Popen(
        [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "dev",
         "--temporal-port", str(ports["temporal"]), "--ui-port", str(ports["ui"]),
         "--api-port", str(ports["api"]), "--chsi-port", str(ports["chsi"])],
        env={**os.environ, "RUJI_VAR_DIR": str(var_dir), **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    assert proc.stdout is not None
    for line in proc.stdout:
        if "ruji dev is up" in line:
            break
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("ruji dev did not come up")
    # keep reading the stack's output, so a full pipe never blocks it
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, ports


async def measure(candidates: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ruji-e2e-") as tmp:
        var_dir = Path(tmp)
        proc, ports = start_stack(var_dir)
        try:
            api, chsi = f"http://127.0.0.1:{ports['api']}", f"http://127.0.0.1:{ports['chsi']}"
            staff = demo_cli.staff_passwords(var_dir)
            async with (
                httpx.AsyncClient(base_url=api, timeout=300) as a,
                httpx.AsyncClient(base_url=chsi, timeout=60) as c,
            ):
                solo = MeteredDemo(a, c, staff, quiet=True, stack_pid=proc.pid)
                admin = await solo.login("admin")
                period = await demo_cli.open_demo_period(solo, admin)
                solo.last = tree_cpu_seconds(proc.pid)
                await demo_cli.candidate(solo, 0, seed=1)  # warm: models loaded, caches filled
                solo.steps.clear()
                solo.last = tree_cpu_seconds(proc.pid)
                first = await demo_cli.candidate(solo, 1, seed=2)
                per_step = dict(solo.steps)
                crowd = demo_cli.Demo(a, c, staff, quiet=True)
                started = time.perf_counter()
                apps = await asyncio.gather(
                    *(demo_cli.candidate(crowd, i + 2, seed=100 + i) for i in range(candidates))
                )
                elapsed = time.perf_counter() - started
                numbers = await demo_cli.review_and_issue(crowd, period, [first, *apps])
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    return {
        "candidates": candidates, "seconds": round(elapsed, 1),
        "candidates_per_min": round(candidates / elapsed * 60, 2),
        "cpu_s_per_step": per_step, "cpu_s_per_candidate": round(sum(per_step.values()), 1),
        "tickets": len(numbers),
    }  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench e2e")
    parser.add_argument("--candidates", type=int, default=4)
    args = parser.parse_args(argv)
    record("e2e", event_loop.run(measure(args.candidates)))
    return 0
