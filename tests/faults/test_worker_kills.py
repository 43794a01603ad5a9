"""kill -9 of the enrollment and vision worker processes at points spread over the run while
applications go from registration to approval; restarted, the system ends exactly as without
faults: every application ticketed once, no SMS twice, no document recorded twice."""

from __future__ import annotations

import asyncio
import random
import signal

from domain.states import AppState
from tests.faults.driver import Progress
from tests.faults.lifecycle import Fault, Outage, fault_seed, outages, report, run_lifecycle
from tests.faults.stack import FaultStack

N = 20
#: per worker, the states k applications have reached when it is killed. The first enrollment
#: kill catches the others verifying their phones (SMS local activities); vision is killed at
#: states a vision check leads into (photo check, liveness), the first time early: a check caught
#: in flight waits out VISION_TIMEOUT, and early it overlaps the rest of the run. The two
#: workers are killed independently: while vision is down the others go on with the steps that
#: need no vision, and the enrollment kill set for them still strikes at its point
KILLS = {
    "enrollment": [
        AppState.ID_PENDING,
        AppState.FACE_PENDING,
        AppState.SUBMITTED,
        AppState.APPROVED,
    ],
    "vision": [AppState.FACE_PENDING, AppState.NOTICE_PENDING],
}
#: how long a killed worker stays down
DOWN_S = (0.2, 2.0)


async def kill_workers(
    stack: FaultStack, rng: random.Random, progress: Progress, n: int
) -> list[Fault]:
    """SIGKILL each worker at its points of KILLS; a worker is killed again only after it came
    back and polled."""
    rngs = {name: random.Random(rng.random()) for name in KILLS}  # one schedule per seed
    runs = await asyncio.gather(
        *(
            outages(
                stack,
                rngs[name],
                progress,
                n,
                [Outage(name, signal.SIGKILL, s) for s in states],
                DOWN_S,
            )
            for name, states in KILLS.items()
        )
    )
    return sorted((f for run in runs for f in run), key=lambda f: f.at)


async def test_workers_killed_at_random_moments_lose_and_duplicate_nothing(stack):
    seed = fault_seed()
    starts = {w: stack.procs[w].starts for w in ("enrollment", "vision")}
    outcome = await run_lifecycle(stack, N, kill_workers, seed, phone_prefix="1391")
    report(f"worker kills (seed {seed})", outcome)
    assert len(outcome.faults) == sum(map(len, KILLS.values())), "the run ended before a kill"
    restarted = {w: stack.procs[w].starts - starts[w] for w in starts}
    assert restarted == {w: len(states) for w, states in KILLS.items()}, restarted
