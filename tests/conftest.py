"""Shared fixtures: the real Temporal servers from their wheels, a read-model DB per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from domain import search
from infra.caller_proof import CallerProofSigner
from infra.codec import EncryptionCodec, build_data_converter
from infra.db import create_schema, make_engine
from infra.keyring import KeyRing, new_key_entry, parse_key_ring

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
os.environ.setdefault("RUJI_ENV", "test")


#: The SDK waits a few seconds for a test server to answer; a host that stalls for a moment (seen:
#: a 4 s file taking 54 s) failed a module's setup with "did not start within 5s".
SERVER_STARTUP = timedelta(seconds=60)


def _binary(name: str) -> str:
    found = shutil.which(name) or str(ROOT / ".venv" / "bin" / name)
    if not Path(found).exists():
        raise RuntimeError(f"{name} binary missing: run `make test` (uv sync installs it)")
    return found


@pytest.fixture(scope="session")
def test_codec() -> EncryptionCodec:
    return EncryptionCodec(parse_key_ring(new_key_entry("test1")))


@pytest.fixture(scope="session")
def test_proof_ring() -> KeyRing:
    """The caller-proof key of the test servers' clients: they sign as the API does, and the
    workers of tests/workflows/harness.py check with the same ring."""
    return parse_key_ring(new_key_entry("proof1"))


@asynccontextmanager
async def time_skipping_env(
    codec: EncryptionCodec, proof_ring: KeyRing
) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server"),
        test_server_startup_timeout=SERVER_STARTUP,
        data_converter=build_data_converter(codec),
        interceptors=[CallerProofSigner(proof_ring, "test")],
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in search.ALL
            },
        )
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def time_env(test_codec, test_proof_ring) -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_env(test_codec, test_proof_ring) as env:
        yield env


@pytest.fixture(scope="module")
async def module_time_env(test_codec, test_proof_ring) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the module's own, for tests that leave runs waiting on timers
    (locked face steps, lingering cases): the session's server skips time only when no run of
    a finished test still holds it."""
    async with time_skipping_env(test_codec, test_proof_ring) as env:
        yield env


@pytest.fixture(scope="session")
async def dev_env(
    test_codec, test_proof_ring, tmp_path_factory
) -> AsyncIterator[WorkflowEnvironment]:
    db_file = tmp_path_factory.mktemp("temporal") / "temporal.db"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        dev_server_startup_timeout=SERVER_STARTUP,
        data_converter=build_data_converter(test_codec),
        interceptors=[CallerProofSigner(test_proof_ring, "test")],
        search_attributes=list(search.ALL),
        ui=False,
        dev_server_extra_args=[
            "--db-filename",
            str(db_file),
            "--sqlite-pragma",
            "journal_mode=WAL",
            "--sqlite-pragma",
            "synchronous=NORMAL",
        ],
    )
    yield env
    await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


POSTGRES_URL = os.environ.get("RUJI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_admin_engine() -> Iterator[Engine]:
    """The server's `test` database; each test gets its own database created from it."""
    eng = make_engine(POSTGRES_URL)
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql("select 1")
    except Exception as exc:
        if os.environ.get("RUJI_REQUIRE_POSTGRES") == "1":
            raise RuntimeError(
                f"RUJI_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {exc}"
            ) from exc
        pytest.skip(
            f"PostgreSQL unreachable at {POSTGRES_URL} (RUJI_REQUIRE_POSTGRES=1 fails instead)"
        )
    yield eng
    eng.dispose()


@contextmanager
def fresh_database(request, tmp_path: Path, prefix: str) -> Iterator[Engine]:
    """A database of its own for one test, on the fixture's parameter: a SQLite file, or a
    PostgreSQL database created for it and dropped afterwards."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / f'{prefix}.db'}")
        yield eng
        eng.dispose()
        return
    admin = request.getfixturevalue("postgres_admin_engine")
    name = f"ruji_{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    eng = make_engine(POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}")
    yield eng
    eng.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BOTH_DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH_DATABASES)
def any_engine(request, tmp_path) -> Iterator[Engine]:
    """The read model on both databases it runs on."""
    with fresh_database(request, tmp_path, "t") as eng:
        create_schema(eng)
        yield eng


@pytest.fixture(params=BOTH_DATABASES)
def empty_engine(request, tmp_path) -> Iterator[Engine]:
    """Like `any_engine`, but nothing created: migrations start from an empty database."""
    with fresh_database(request, tmp_path, "m") as eng:
        yield eng


#: The files that take a minute or more, started first: `make test` hands files to two workers in
#: this order, and one of them left for the end kept the other idle (e.g. the model test, ~2 min)
LONGEST_FIRST = (
    "tests/workflows/test_lifecycle_model.py",
    "tests/web/",
    "tests/faults/",
    "tests/workflows/test_ticket_issuing.py",
    "tests/benchmarks/test_peak_smoke.py",
    "tests/cli/test_dev_stack.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (a stable sort: each keeps its own order). Schemathesis gives
    every operation's item the function's node id; pytest-xdist keys its scheduling by node id,
    so all but one operation would silently not run: named by operation."""
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))
    for item in items:
        if item.__class__.__name__ == "SchemathesisFunction" and "[" not in item.nodeid:
            named = f"{item.nodeid}[{item.name.split('[', 1)[1]}"
            item._id = type(item._id).parse(named)  # type: ignore[attr-defined]
