"""The file-backed Temporal dev server stopped (SIGTERM, then SIGKILL) and started again on the
same SQLite file and port while applications are in flight: workers and clients reconnect, and
the end state is the one without faults."""

from __future__ import annotations

import random
import signal

from tests.faults.driver import PATH, Progress
from tests.faults.lifecycle import Fault, Outage, fault_seed, outages, report, run_lifecycle
from tests.faults.stack import FaultStack

N = 20
#: SIGKILL first: it is instant, while a SIGTERM'd server takes seconds to shut down
RESTARTS = [signal.SIGKILL, signal.SIGTERM]
DOWN_S = (0.5, 2.0)


async def restart_server(
    stack: FaultStack, rng: random.Random, progress: Progress, n: int
) -> list[Fault]:
    """Each restart at a state of the way drawn at random, the states in path order."""
    states = sorted(rng.sample(range(1, len(PATH)), len(RESTARTS)))
    plan = [Outage("temporal", sig, PATH[i]) for sig, i in zip(RESTARTS, states, strict=True)]
    return await outages(stack, rng, progress, n, plan, DOWN_S)


async def test_server_restarted_mid_run_loses_and_duplicates_nothing(stack):
    seed = fault_seed()
    starts = {w: stack.procs[w].starts for w in ("temporal", "enrollment", "vision")}
    outcome = await run_lifecycle(stack, N, restart_server, seed, phone_prefix="1392")
    report(f"server restarts (seed {seed})", outcome)
    assert len(outcome.faults) == len(RESTARTS), "the run ended before every restart"
    assert stack.procs["temporal"].starts == starts.pop("temporal") + len(RESTARTS)
    # the worker processes rode the outages out and reconnected on their own
    assert {w: stack.procs[w].starts for w in starts} == starts
