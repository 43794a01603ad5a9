"""`/readyz`: can this replica serve requests? Each dependency is probed with a short timeout;
the answer names every failing one, so an operator reading a 503 knows where to look.

Probes are cheap and have no side effect: `select 1`, the gRPC health service of the Temporal
frontend, and HEAD on the bucket (S3) or a writable directory (local). Error details go to the
log, not to the response, which may be reachable from outside.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio.client import Client

from infra.storage import LocalObjectStore, ObjectStore, S3ObjectStore

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 3.0  # a dependency slower than this is not ready for user traffic either


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, str]  # dependency -> "ok" or the kind of failure
    failing: list[str]


def _database(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("select 1"))


async def _temporal(client: Client | None) -> None:
    if client is None:
        raise ConnectionError("no Temporal client")
    ok = await client.service_client.check_health(timeout=timedelta(seconds=PROBE_TIMEOUT_S))
    if not ok:
        raise ConnectionError("Temporal frontend reports not serving")


def _storage(store: ObjectStore) -> None:
    if isinstance(store, S3ObjectStore):
        store.client.head_bucket(Bucket=store.bucket)
    elif isinstance(store, LocalObjectStore):
        if not (store.root.is_dir() and os.access(store.root, os.W_OK)):
            raise PermissionError(f"{store.root} is not a writable directory")
    else:
        store.exists("readyz-probe")


async def _probe(name: str, call: Awaitable[object]) -> tuple[str, str]:
    try:
        await asyncio.wait_for(call, PROBE_TIMEOUT_S)
    except Exception as exc:
        log.warning("readiness: %s failing: %r", name, exc)
        return name, f"failing: {type(exc).__name__}"
    return name, "ok"


async def check_readiness(engine: Engine, client: Client | None, store: ObjectStore) -> Readiness:
    results = await asyncio.gather(
        _probe("database", asyncio.to_thread(_database, engine)),
        _probe("temporal", _temporal(client)),
        _probe("storage", asyncio.to_thread(_storage, store)),
    )
    checks = dict(results)
    failing = [name for name, state in checks.items() if state != "ok"]
    return Readiness(ready=not failing, checks=checks, failing=failing)


#: a readiness answer is reused this long (infra/kept.py): each check probes the database,
#: Temporal and the object store, and whoever reaches the API's port can ask for /readyz as fast
#: as he likes; orchestrators ask every few seconds, and an answer 2 s old serves them as well
READY_FRESH_S = 2.0
