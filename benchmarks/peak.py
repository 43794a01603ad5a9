"""`ruji bench peak [--users 200]`: the morning the window opens. `ruji dev` (the real vision
worker, the API, Temporal; the read model on PostgreSQL when the local server answers) on free
ports, and N candidates arriving over `--ramp-s` seconds, each registering, verifying by SMS,
uploading an ID card, a photo and a liveness burst, filling in the form and submitting, with a
person's pauses, polling /me, and the H5's retries (benchmarks/peak_load.py, Locust).

Every candidate sends X-Forwarded-For with an address of his own (the stack trusts 127.0.0.1
as its proxy, as production trusts its ingress), so per-IP limits apply per candidate as they
would in the field, not to one machine's 200 users at once.

Last line: users, requests, errors_5xx, errors_by_code, per-route p50_ms/p99_ms,
vision_queue_max (the most vision tasks Temporal counted waiting), started, submitted (the
candidates whose submit answered SUBMITTED), completed_applications (SUBMITTED in the read
model) and lost (submitted but not SUBMITTED in the read model). Exits 1 on any 5xx or loss."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from temporalio.client import Client

from api.vision_backpressure import VisionQueue
from benchmarks.e2e import start_stack, tree_cpu_seconds
from benchmarks.peak_assets import prepare
from benchmarks.report import record
from benchmarks.stack import ROOT, fresh_database
from infra.config import Settings
from infra.db import make_engine
from ruji_cli import demo as demo_cli

#: the routes that wait for vision by design: the uploads (up to `upload_wait_s`) and their polls
VISION_ROUTES = ("/me/id-card", "/me/photo", "/me/liveness", "/me/uploads/")


class QueueWatch:
    """Samples the vision queue (as the API counts it) and the machine once a second."""

    def __init__(self, temporal: str, stack_pid: int) -> None:
        self.temporal, self.stack_pid = temporal, stack_pid
        self.backlog_max = self.estimate_max_s = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._watch()), daemon=True)

    async def _watch(self) -> None:
        client = await Client.connect(self.temporal)
        queue = VisionQueue(lambda: client, Settings().vision_task_queue, task_s=0.5)
        while not self.stop.is_set():
            place = await queue.place()
            if place is not None:
                self.backlog_max = max(self.backlog_max, place.ahead)
                self.estimate_max_s = max(self.estimate_max_s, place.estimate_s)
            await asyncio.sleep(1)

    def __enter__(self) -> QueueWatch:
        self.cpu_before = tree_cpu_seconds(self.stack_pid)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.stack_cpu_s = round(tree_cpu_seconds(self.stack_pid) - self.cpu_before, 1)


async def open_period(api: str, var_dir: Path) -> None:
    async with httpx.AsyncClient(base_url=api, timeout=60) as a, httpx.AsyncClient() as c:
        demo = demo_cli.Demo(a, c, demo_cli.staff_passwords(var_dir), quiet=True)
        await demo_cli.open_demo_period(demo, await demo.login("admin"))


def read_model_states(url: str, app_ids: list[str]) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT workflow_id, status FROM application")).all()
    finally:
        engine.dispose()
    wanted = set(app_ids)
    return {row[0]: row[1] for row in rows if row[0] in wanted}


def load(plan: dict[str, Any], workdir: Path) -> dict[str, Any]:
    plan_file, out_file = workdir / "plan.json", workdir / "load.json"
    plan_file.write_text(json.dumps(plan))
    code = subprocess.call(
        [sys.executable, "-m", "benchmarks.peak_load", str(plan_file), str(out_file)], cwd=ROOT
    )
    if code != 0:
        raise RuntimeError(f"the load process exited with {code}")
    result: dict[str, Any] = json.loads(out_file.read_text())
    return result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    loadavg_before = os.getloadavg()
    assets = prepare(ROOT / "var" / "bench-cache" / "peak", args.users, date.today())
    with tempfile.TemporaryDirectory(prefix="ruji-peak-") as tmp:
        workdir = Path(tmp)
        with fresh_database(workdir) as (url, database):
            env = {"RUJI_DATABASE_URL": url, "RUJI_FORWARDED_ALLOW_IPS": "127.0.0.1",
                   "RUJI_VISION_NICE": str(args.vision_nice),
                   "RUJI_UPLOAD_WAIT_S": str(args.upload_wait_s)}  # fmt: skip
            proc, ports = start_stack(workdir, env)
            try:
                api = f"http://127.0.0.1:{ports['api']}"
                asyncio.run(open_period(api, workdir))
                plan = {
                    "host": api, "assets": str(assets), "users": args.users,
                    "spawn_rate": args.users / args.ramp_s, "think_s": args.think_s,
                    "poll_s": args.poll_s, "bound_s": args.bound_s,
                }  # fmt: skip
                with QueueWatch(f"127.0.0.1:{ports['temporal']}", proc.pid) as watch:
                    run = load(plan, workdir)
                outcomes = run["outcomes"]
                submitted = [o["application_id"] for o in outcomes if o["steps_done"]]
                states = read_model_states(url, [o["application_id"] for o in outcomes])
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=90)
    return summary(args, run, watch, states, submitted) | {
        "read_model": database,
        "loadavg_before": [round(x, 2) for x in loadavg_before],
    }


def summary(
    args: argparse.Namespace,
    run: dict[str, Any],
    watch: QueueWatch,
    states: dict[str, str],
    submitted: list[str],
) -> dict[str, Any]:
    routes = {
        name: {"p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "requests": r["requests"]}
        for name, r in sorted(run["routes"].items())
    }
    others = [r["p99_ms"] for n, r in routes.items() if not any(v in n for v in VISION_ROUTES)]
    outcomes = run["outcomes"]
    abandoned = Counter(o["failed_at"] for o in outcomes if o["failed_at"])
    return {
        "users": args.users,
        "requests": run["requests"],
        "errors_5xx": sum(n for s, n in run["by_status"].items() if int(s) >= 500),
        "errors_network": run["by_status"].get("0", 0),
        "errors_by_code": run["errors_by_code"],
        "errors_by_route": run["errors_by_route"],
        "routes": routes,
        "non_vision_p99_ms": max(others, default=0),
        "vision_queue_max": watch.backlog_max,
        "vision_estimate_max_s": watch.estimate_max_s,
        "queued_uploads": sum(o["queued_uploads"] for o in outcomes),
        "queue_wait_max_s": round(max((o["queue_wait_s"] for o in outcomes), default=0), 1),
        "started": sum(1 for o in outcomes if o["application_id"]),
        "submitted": len(submitted),
        "completed_applications": sum(1 for s in states.values() if s == "SUBMITTED"),
        "lost": sorted(a for a in submitted if states.get(a) != "SUBMITTED"),
        "abandoned": dict(abandoned),
        "unfinished": sum(1 for o in outcomes if not (o["steps_done"] or o["failed_at"])),
        "seconds": run["seconds"],
        "ramp_s": args.ramp_s,
        "think_s": args.think_s,
        "vision_nice": args.vision_nice,
        "upload_wait_s": args.upload_wait_s,
        "stack_cpu_s": watch.stack_cpu_s,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench peak", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--ramp-s",
        type=float,
        default=None,
        help="seconds from 0 to N candidates (default: 0.9 s a candidate)",
    )
    parser.add_argument("--think-s", type=float, default=8.0, help="a person's pause per step")
    parser.add_argument("--poll-s", type=float, default=5.0, help="GET /me while pausing")
    parser.add_argument("--bound-s", type=float, default=900.0,
                        help="the load stops by then, whoever is not through yet")  # fmt: skip
    parser.add_argument("--vision-nice", type=int, default=Settings().vision_nice)
    parser.add_argument("--upload-wait-s", type=float, default=Settings().upload_wait_s)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a check that the benchmark works: no row in docs/benchmarks.md",
    )
    args = parser.parse_args(argv)
    args.ramp_s = args.ramp_s or max(args.users * 0.9, 1.0)
    result = measure(args)
    targets = {"errors_5xx": "= 0", "non_vision_p99_ms": "≤ 1000", "lost": "none"}
    record("peak", result, targets, append=not args.smoke)
    return 0 if result["errors_5xx"] == 0 and not result["lost"] else 1
