"""Another enrollment worker process for a BenchStack (`ruji bench orchestration
--worker-processes 2`): the same workflows, activities and settings as the stack's own worker,
on the same server, task queue and read model, so the server shares the tasks between them."""

from __future__ import annotations

import asyncio
import os
import signal
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client

from infra import event_loop
from infra.codec import EncryptionCodec, build_data_converter
from infra.db import make_engine
from infra.keyring import parse_key_ring

ENV_ADDRESS, ENV_DATABASE, ENV_KEYS = "BENCH_TEMPORAL", "BENCH_DATABASE_URL", "BENCH_CODEC_KEYS"
ENV_PROOF_KEYS = "BENCH_PROOF_KEYS"


async def serve() -> None:
    from benchmarks.orchestration import NoopWorkflow  # the ceiling's tasks come here too
    from benchmarks.stack import enrollment_bench_worker, proof_signer

    codec = EncryptionCodec(parse_key_ring(os.environ[ENV_KEYS]))
    proof_keys = os.environ[ENV_PROOF_KEYS]
    client = await Client.connect(
        os.environ[ENV_ADDRESS],
        data_converter=build_data_converter(codec),
        interceptors=[proof_signer(proof_keys)],
    )
    engine = make_engine(os.environ[ENV_DATABASE])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with ThreadPoolExecutor(max_workers=32) as executor:
        async with enrollment_bench_worker(client, engine, executor, [NoopWorkflow], proof_keys):
            await stop.wait()
    engine.dispose()


if __name__ == "__main__":
    event_loop.run(serve())
