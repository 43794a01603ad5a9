"""`ruji dev`: the whole system on embedded defaults, one command, nothing by hand.

Temporal's CLI dev server (SQLite file under var/), the enrollment and vision workers, the CHSI
simulator and the API run as child processes, each in its own process group so the terminal's
Ctrl-C reaches only this supervisor, which then stops them in order: API and workers first,
Temporal last. Everything persistent lives under `RUJI_VAR_DIR` (var/), so a restart finds the
same workflows, accounts and keys.

Once the stack is up, a child that dies (a crash, an OOM kill) is started again after a pause
that grows while it keeps dying (1 s, 2 s, 5 s, 15 s, then every minute), and the rest keeps
serving; only Ctrl-C stops everything. The vision worker is optional at start: it loads models
and may fail where they are missing; vision activities wait in their task queue until a vision
worker polls, so nothing is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ruji_cli.dev_procs import Child, Stack, StackError, StopRequested, find_binary, port_in_use

if TYPE_CHECKING:
    from infra.config import Settings
    from ruji_cli.db import DemoAccount

RUJI = [sys.executable, "-c", "import ruji_cli; ruji_cli.main()"]
READY_TIMEOUT = 90.0  # the first start on a cold disk imports a lot


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ruji dev", description=__doc__.splitlines()[0])
    parser.add_argument("--temporal-port", type=int, default=7233)
    parser.add_argument("--ui-port", type=int, default=8233)
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--chsi-port", type=int, default=8010)
    return parser.parse_args(argv)


def configure_environment(args: argparse.Namespace) -> None:
    """The ports chosen here are the truth for this process and every child (settings read
    RUJI_* from the environment), so a second stack on other ports never talks to the first.
    Its signing secrets are var/secrets' own (infra/dev_secrets.py), for every child alike."""
    host = "127.0.0.1"
    var_dir = Path(os.environ.get("RUJI_VAR_DIR", "var")).resolve()
    os.environ.update(
        RUJI_VAR_DIR=str(var_dir),
        RUJI_TEMPORAL_ADDRESS=f"{host}:{args.temporal_port}",
        RUJI_API_BASE_URL=f"http://{host}:{args.api_port}",
        RUJI_CHSI_BASE_URL=f"http://{host}:{args.chsi_port}",
        RUJI_UI_ORIGIN=f"http://{host}:{args.ui_port}",
        PYTHONUNBUFFERED="1",
    )
    from infra.config import get_settings

    get_settings.cache_clear()


def temporal_child(args: argparse.Namespace, var_dir: Path) -> Child:
    from domain.search import cli_flags

    argv = [
        find_binary("temporal"), "server", "start-dev",
        "--db-filename", str(var_dir / "temporal.db"),
        "--ip", "127.0.0.1", "--port", str(args.temporal_port), "--ui-port", str(args.ui_port),
        "--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
        "--ui-codec-endpoint", f"http://127.0.0.1:{args.api_port}/codec",
        "--log-level", "warn",
        *cli_flags(),
    ]  # fmt: skip
    # Its shutdown logs a page of "connection refused" warnings from its own internal workers.
    return Child("temporal", argv, quiet_when_stopping=True, stop_timeout=20.0)


def prepare(settings: Settings) -> list[DemoAccount]:
    """var/ dirs, offline weights, dev codec and caller-proof keys (before any child could race
    to create them), schema and seed data. Returns the demo accounts to print."""
    from infra.caller_proof import caller_proof_ring
    from infra.db import engine_for
    from infra.face_models import export_deepface_home, provision_weights
    from infra.temporal import codec_for
    from ruji_cli import db

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_storage_dir.mkdir(parents=True, exist_ok=True)
    export_deepface_home(settings)
    provision_weights()
    codec_for(settings)
    caller_proof_ring(settings)
    engine = engine_for(settings)
    db.upgrade(engine)
    return db.seed(engine, settings).accounts


def banner(
    args: argparse.Namespace, accounts: list[DemoAccount], period_line: str, creds: Path
) -> str:
    api = f"http://127.0.0.1:{args.api_port}"
    lines = [
        "",
        "ruji dev is up — Ctrl-C stops everything it started.",
        f"  Temporal Web UI    http://127.0.0.1:{args.ui_port}",
        f"  Temporal gRPC      127.0.0.1:{args.temporal_port}",
        f"  API docs           {api}/docs",
        f"  candidate H5       {api}/h5/",
        f"  examiner console   {api}/console/",
        f"  CHSI simulator     http://127.0.0.1:{args.chsi_port}/docs",
        f"  {period_line}",
        f"  demo accounts (kept in {creds}):",
        *(f"    {a.role:<9} {a.username} / {a.password}" for a in accounts),
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace, stack: Stack) -> int:
    from infra.config import get_settings
    from infra.db import engine_for
    from ruji_cli import period
    from ruji_cli.db import credentials_path

    settings = get_settings()
    if settings.env not in ("dev", "test"):
        raise StackError(f"ruji dev runs embedded dev defaults; RUJI_ENV={settings.env} refused")
    ports = {"temporal": args.temporal_port, "ui": args.ui_port, "api": args.api_port,
             "chsi": args.chsi_port}  # fmt: skip
    busy = [f"{name} :{port}" for name, port in ports.items() if port_in_use(port)]
    if busy:
        raise StackError(f"ports in use ({', '.join(busy)}): is another `ruji dev` running?")

    accounts = prepare(settings)
    stack.start(temporal_child(args, settings.var_dir))
    stack.wait_for_port("temporal", args.temporal_port, READY_TIMEOUT)
    stack.wait_for_port("temporal", args.ui_port, READY_TIMEOUT)
    stack.start(Child("enrollment", [*RUJI, "worker", "--queues", "enrollment"]))
    stack.start(Child("vision", [*RUJI, "worker", "--queues", "vision"], optional=True))
    stack.start(Child("chsi-sim", [*RUJI, "chsi-sim", "--port", str(args.chsi_port)]))
    stack.start(Child("api", [*RUJI, "api", "--port", str(args.api_port)]))
    ensured = asyncio.run(period.ensure(settings, period.default_period(datetime.now(UTC))))
    period.wait_until_projected(engine_for(settings), ensured.config.period_id, READY_TIMEOUT)
    stack.wait_for_port("chsi-sim", args.chsi_port, READY_TIMEOUT)
    stack.wait_for_port("api", args.api_port, READY_TIMEOUT)
    period_line = f"{period.describe(ensured)}, run {ensured.run_id}"
    stack.say(banner(args, accounts, period_line, credentials_path(settings)))
    return stack.supervise()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_environment(args)
    stack = Stack()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stack.request_stop())
    try:
        return run(args, stack)
    except StopRequested:
        return 0
    except StackError as exc:
        stack.say(f"ruji dev: {exc}")
        return 1
    finally:
        stack.stop()
