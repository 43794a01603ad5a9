"""The system as separate OS processes, for fault tests: the file-backed Temporal dev server, the
real enrollment worker (`ruji worker --queues enrollment`), a stand-in vision worker and, when
asked, the CHSI simulator. Each child runs in its own session (process group), so a kill reaches
exactly the process the test means, never anything found by name.

Children read the same RUJI_* settings as in production: the test's server address, SQLite read
model, task queues, codec and PII keys. Output goes to one log file per child under the test's
tmp dir, which is also how readiness is seen (a line the child prints once it polls)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio.client import Client

from domain.search import cli_flags
from infra.caller_proof import CallerProofSigner
from infra.codec import EncryptionCodec, build_data_converter
from infra.db import make_engine
from infra.keyring import new_key_entry, parse_key_ring
from infra.migrations import upgrade
from ruji_cli.dev_procs import find_binary, free_port, port_in_use
from tests.faults.driver import Driver, Progress
from tests.faults.vision_worker import READY_LINE as VISION_READY
from tests.workflows.harness import SECRET

ROOT = Path(__file__).resolve().parents[2]
RUJI = [sys.executable, "-c", "import ruji_cli; ruji_cli.main()"]
ENROLLMENT_READY = "workers running: enrollment"
CHSI_READY = "Uvicorn running"
CHSI_SECRET = "fault-chsi-secret"
START_TIMEOUT = 60.0  # a cold import of the worker takes seconds on the shared 2 cores
STOP_GRACE = 10.0


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    ready_line: str
    port: int | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class FaultStack:
    """`async with FaultStack(tmp_path) as stack:`; kill/restart children by name."""

    def __init__(self, tmp_path: Path, *, chsi: bool = False):
        self.dir = tmp_path
        self.tag = uuid.uuid4().hex[:6]
        self.queue, self.vision_queue = f"fault-{self.tag}", f"fault-{self.tag}-vision"
        self.codec_keys, self.pii_keys = new_key_entry("fault1"), new_key_entry("faultpii")
        self.proof_keys = new_key_entry("faultproof")  # the driver signs as the API does
        self.db_url = f"sqlite:///{tmp_path / 'read.db'}"
        self.temporal_port, self.chsi_port = free_port(), free_port()
        self.address = f"127.0.0.1:{self.temporal_port}"
        self.with_chsi = chsi
        self.engine: Engine = make_engine(self.db_url)
        self.client: Client | None = None
        self.procs: dict[str, Proc] = {}

    # --- set-up -----------------------------------------------------------------------------
    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            RUJI_ENV="test",
            RUJI_VAR_DIR=str(self.dir / "var"),
            RUJI_DATABASE_URL=self.db_url,
            RUJI_TEMPORAL_ADDRESS=self.address,
            RUJI_ENROLLMENT_TASK_QUEUE=self.queue,
            RUJI_VISION_TASK_QUEUE=self.vision_queue,
            RUJI_CODEC_KEYS=self.codec_keys,
            RUJI_PII_KEYS=self.pii_keys,
            RUJI_CALLER_PROOF_KEYS=self.proof_keys,
            RUJI_IDENTITY_HMAC_KEY=SECRET,
            RUJI_CHSI_CALLBACK_SECRET=CHSI_SECRET,
            RUJI_CHSI_BASE_URL=f"http://127.0.0.1:{self.chsi_port}",
            RUJI_TEMPORAL_METRICS_BIND="",
            RUJI_METRICS_PORT="0",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
        )
        return env

    async def __aenter__(self) -> FaultStack:
        upgrade(self.engine)  # the real worker refuses an unmigrated read model
        self._env = self.child_env()
        temporal = [
            find_binary("temporal"), "server", "start-dev", "--headless",
            "--db-filename", str(self.dir / "temporal.db"),
            "--ip", "127.0.0.1", "--port", str(self.temporal_port),
            "--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
            "--log-level", "error", *cli_flags(),
        ]  # fmt: skip
        self._add("temporal", temporal, "", port=self.temporal_port)
        self._add("enrollment", [*RUJI, "worker", "--queues", "enrollment"], ENROLLMENT_READY)
        self._add("vision", [sys.executable, "-m", "tests.faults.vision_worker"], VISION_READY)
        if self.with_chsi:
            sim = [*RUJI, "chsi-sim", "--port", str(self.chsi_port), "--log-level", "warning"]
            self._add("chsi", sim, "", port=self.chsi_port)
        try:
            await self.start("temporal")
            self.client = await self._connect()
            await asyncio.gather(*(self.start(n) for n in self.procs if n != "temporal"))
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def _connect(self) -> Client:
        """The server's port answers a moment before its frontend serves ("Frontend is not
        healthy yet"): connecting is retried until START_TIMEOUT."""
        converter = build_data_converter(EncryptionCodec(parse_key_ring(self.codec_keys)))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while True:
            try:
                return await Client.connect(
                    self.address,
                    data_converter=converter,
                    interceptors=[CallerProofSigner(parse_key_ring(self.proof_keys), "api")],
                )
            except RuntimeError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.2)  # the frontend's health has no event to await

    def driver(
        self, period_id: str, *, budget: float, phone_prefix: str, progress: Progress | None = None
    ) -> Driver:
        """A candidate driver on this stack's server, queues and read model."""
        assert self.client is not None
        return Driver(
            self.client,
            self.engine,
            period_id=period_id,
            queue=self.queue,
            vision_queue=self.vision_queue,
            budget=budget,
            phone_prefix=phone_prefix,
            progress=progress,
        )

    async def __aexit__(self, *_exc) -> None:
        for name in reversed(list(self.procs)):
            await self.stop(name, signal.SIGTERM)
        self.engine.dispose()

    def _add(self, name: str, argv: list[str], ready: str, port: int | None = None) -> None:
        self.procs[name] = Proc(name, argv, self.dir / f"{name}.log", ready, port)

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self, name: str) -> None:
        """Start the child and return once it serves: its port answers or it printed its line."""
        p = self.procs[name]
        assert not p.alive, f"{name} already running"
        mark = len(p.log_text())
        with p.log.open("ab") as out:
            p.proc = subprocess.Popen(
                p.argv, cwd=ROOT, env=self._env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        p.starts += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while not self._ready(p, mark):
            if not p.alive:
                raise RuntimeError(f"{name} exited at start:\n{p.log_text()[mark:][-3000:]}")
            if loop.time() > deadline:
                raise RuntimeError(f"{name} not ready in {START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.1)  # a child's readiness has no event to await

    def _ready(self, p: Proc, mark: int) -> bool:
        if p.port is not None:
            return port_in_use(p.port)
        return p.ready_line in p.log_text()[mark:]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the child's own process group (it leads it), then reap it."""
        self.send_signal(name, sig).wait()

    def send_signal(self, name: str, sig: int) -> subprocess.Popen[bytes]:
        """Only send `sig` to the child's process group: synchronous, so a fault can strike
        between two steps of the event loop."""
        p = self.procs[name]
        assert p.proc is not None and p.alive, f"{name} not running"
        os.killpg(p.proc.pid, sig)
        return p.proc

    async def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        """`sig`, then SIGKILL after a grace period; waits for the exit without blocking."""
        p = self.procs[name]
        if p.proc is None or not p.alive:
            return
        self.send_signal(name, sig)
        await self.reap(name)

    async def reap(self, name: str) -> None:
        """Wait for a signalled child to exit (SIGKILL after a grace period), and its port to
        be free again before anyone restarts on it."""
        p = self.procs[name]
        assert p.proc is not None
        try:
            await asyncio.wait_for(asyncio.to_thread(p.proc.wait), STOP_GRACE)
        except TimeoutError:
            os.killpg(p.proc.pid, signal.SIGKILL)
            await asyncio.to_thread(p.proc.wait)
        if p.port is not None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STOP_GRACE
            while port_in_use(p.port) and loop.time() < deadline:
                await asyncio.sleep(0.1)
