"""The file-backed Temporal dev server stopped (SIGTERM, then SIGKILL) and started again on the
same SQLite file and port while applications are in flight: workers and clients reconnect, and
the end state is the one without faults."""

from __future__ import annotations

import asyncio
import random
import signal
import time

from tests.faults.lifecycle import fault_seed, report, run_lifecycle
from tests.faults.stack import FaultStack

N = 20
#: SIGKILL first: it is instant, while a SIGTERM'd server takes seconds to shut down, and both
#: must fall inside the run
RESTARTS = [signal.SIGKILL, signal.SIGTERM]
UP_S, DOWN_S = (1.0, 3.0), (0.5, 2.0)


async def restart_server(stack: FaultStack, rng: random.Random, done: asyncio.Event) -> list[str]:
    schedule: list[str] = []
    t0 = time.monotonic()
    for sig in RESTARTS:
        try:
            await asyncio.wait_for(done.wait(), rng.uniform(*UP_S))
            break
        except TimeoutError:
            pass
        down = rng.uniform(*DOWN_S)
        await stack.stop("temporal", sig)
        schedule.append(f"{time.monotonic() - t0:.1f}s {sig.name} temporal, down {down:.1f}s")
        await asyncio.sleep(down)  # the outage is the fault being simulated
        await stack.start("temporal")
    return schedule


async def test_server_restarted_mid_run_loses_and_duplicates_nothing(stack):
    seed = fault_seed()
    starts = {w: stack.procs[w].starts for w in ("enrollment", "vision")}
    outcome = await run_lifecycle(stack, N, restart_server, seed, phone_prefix="1392")
    report(f"server restarts (seed {seed})", outcome)
    assert len(outcome.faults) == len(RESTARTS), "the run ended before every restart"
    # the worker processes rode the outages out and reconnected on their own
    assert {w: stack.procs[w].starts for w in starts} == starts
