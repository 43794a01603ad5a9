"""A vision worker process answering with the stand-ins of tests/stand_ins.py, so the fault
tests can kill it with a real signal (`python -m tests.faults.vision_worker`).

Connection, queue and codec keys come from the same RUJI_* settings the real worker reads."""

from __future__ import annotations

import asyncio
import sys

from temporalio.worker import Worker

from infra.config import get_settings
from infra.temporal import connect
from tests.stand_ins import VISION_STAND_INS

READY_LINE = "stand-in vision worker polling"


async def run() -> None:
    settings = get_settings()
    client = await connect(settings)
    worker = Worker(client, task_queue=settings.vision_task_queue, activities=VISION_STAND_INS)
    async with worker:
        sys.stderr.write(f"{READY_LINE} {settings.vision_task_queue}\n")
        sys.stderr.flush()
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(run())
