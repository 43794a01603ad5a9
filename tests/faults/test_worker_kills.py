"""kill -9 of the enrollment and vision worker processes at random moments while applications
run from registration to approval; restarted, the system ends exactly as without faults: every
application ticketed once, no SMS twice, no document recorded twice."""

from __future__ import annotations

import asyncio
import random
import time

from tests.faults.lifecycle import fault_seed, report, run_lifecycle
from tests.faults.stack import FaultStack

N = 20
#: the vision kill comes early: a check caught in flight waits out VISION_TIMEOUT (2 min, no
#: heartbeat), and early it overlaps the rest of the run instead of adding to it
KILLS = ["vision", "enrollment", "enrollment", "vision", "enrollment", "enrollment"]
#: time the system runs between two kills, and how long a killed worker stays down
UP_S, DOWN_S = (0.5, 2.5), (0.2, 2.0)


async def kill_workers(stack: FaultStack, rng: random.Random, done: asyncio.Event) -> list[str]:
    """SIGKILL each worker of KILLS (the first vision kill among the first two) at random
    moments; a worker is killed again only after it came back and polled."""
    order = KILLS[:]
    if rng.random() < 0.5:
        order[0], order[1] = order[1], order[0]
    schedule: list[str] = []
    t0 = time.monotonic()
    for name in order:
        try:
            await asyncio.wait_for(done.wait(), rng.uniform(*UP_S))
            break  # every application is through before the next kill was due
        except TimeoutError:
            pass
        down = rng.uniform(*DOWN_S)
        stack.kill(name)
        schedule.append(f"{time.monotonic() - t0:.1f}s kill -9 {name}, down {down:.1f}s")
        await asyncio.sleep(down)  # the outage is the fault being simulated
        await stack.start(name)
    return schedule


async def test_workers_killed_at_random_moments_lose_and_duplicate_nothing(stack):
    seed = fault_seed()
    outcome = await run_lifecycle(stack, N, kill_workers, seed, phone_prefix="1391")
    report(f"worker kills (seed {seed})", outcome)
    assert len(outcome.faults) >= 3, "too few kills happened to prove anything"
