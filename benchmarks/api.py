"""`ruji bench api [--rate 20] [--seconds 60]`: the HTTP API (`ruji api`, its own process) at a
fixed request rate — status reads (GET /api/v1/me) and one update (PUT /api/v1/me/form, a
「修改」 of a submitted application) — for a fixed time, with p50/p99 and the error count.
The stack behind it is benchmarks/stack.py (vision in bench mode; not on this path anyway)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx

from benchmarks.orchestration import FORM, Latencies, lifecycle
from benchmarks.report import record
from benchmarks.stack import BenchStack, Stack
from domain.roles import Role
from infra import event_loop
from infra.tokens import issue_token
from ruji_cli.dev_procs import free_port
from workflows.enrollment import EnrollmentWorkflow

APPLICATIONS = 20


async def _wait_ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"ruji api exited with {proc.returncode}")
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("ruji api did not answer in time")


async def _submitted_applications(stack: Stack) -> list[str]:
    run_id = uuid.uuid4().hex[:6]
    ids = []
    for i in range(APPLICATIONS):
        await lifecycle(stack, 50_000 + i, run_id, Latencies(), stop_before="claim")
        ids.append(f"enroll-bench-{run_id}-{50_000 + i}")
    return ids


async def _load(url: str, tokens: list[str], rate: float, seconds: float) -> dict[str, Any]:
    reads: list[float] = []
    updates: list[float] = []
    errors = 0
    form = FORM.model_dump()

    async def one(http: httpx.AsyncClient, k: int) -> None:
        nonlocal errors
        headers = {"authorization": f"Bearer {tokens[k % len(tokens)]}"}
        is_update = k % 10 == 9  # one update for nine reads
        started = time.perf_counter()
        try:
            if is_update:
                r = await http.put(
                    "/api/v1/me/form",
                    json={**form, "postal_code": f"41{k % 10000:04d}"},
                    headers=headers,
                )
            else:
                r = await http.get("/api/v1/me", headers=headers)
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        (updates if is_update else reads).append(time.perf_counter() - started)
        errors += not ok

    async with httpx.AsyncClient(
        base_url=url, timeout=30, limits=httpx.Limits(max_connections=200)
    ) as http:
        tasks, started, k = [], time.perf_counter(), 0
        while (elapsed := time.perf_counter() - started) < seconds:
            due = int(elapsed * rate) + 1
            while k < due:  # open loop: requests leave on schedule whatever the answers do
                tasks.append(asyncio.create_task(one(http, k)))
                k += 1
            await asyncio.sleep(1 / rate / 2)
        await asyncio.gather(*tasks)

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[max(int(len(values) * q) - 1, 0)] * 1000, 1)

    return {
        "rate_per_s": rate, "seconds": seconds, "requests": k, "errors": errors,
        "read_p50_ms": round(statistics.median(reads) * 1000, 1), "read_p99_ms": pct(reads, 0.99),
        "update_p50_ms": round(statistics.median(updates) * 1000, 1),
        "update_p99_ms": pct(updates, 0.99),
    }  # fmt: skip


async def measure(rate: float, seconds: float) -> dict[str, Any]:
    async with BenchStack() as stack:
        app_ids = await _submitted_applications(stack)
        port = free_port()
        env = {**os.environ, **stack.env_for_api()}
        proc = subprocess.Popen(
            [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "api", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            await _wait_ready(url, proc)
            tokens = [issue_token("bench-token-key", a, Role.CANDIDATE) for a in app_ids]
            result = await _load(url, tokens, rate, seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        view = await stack.client.get_workflow_handle(app_ids[0]).query(EnrollmentWorkflow.view)
        result["read_model"] = stack.database
        result["state_after"] = view.state.value
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench api")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    result = event_loop.run(measure(args.rate, args.seconds))
    record("api", result, {"errors": "= 0"})
    return 0
