"""kill -9 of the enrollment and vision worker processes at points spread over the run while
applications go from registration to approval; restarted, the system ends exactly as without
faults: every application ticketed once, no SMS twice, no document recorded twice."""

from __future__ import annotations

import random
import signal
from collections import Counter

from domain.states import AppState
from tests.faults.driver import Progress
from tests.faults.lifecycle import Fault, Outage, fault_seed, outages, report, run_lifecycle
from tests.faults.stack import FaultStack

N = 20
#: (worker, the state k applications have reached when it is killed), in path order. The first
#: kill catches the others verifying their phones (SMS local activities). Vision is killed at a
#: state entered by a vision check (photo check, liveness), so the others cannot pass it while
#: the worker is down; the first vision kill comes early: a check caught in flight waits out
#: VISION_TIMEOUT (2 min, no heartbeat), and early it overlaps the rest of the run
KILLS = [
    ("enrollment", AppState.ID_PENDING),
    ("vision", AppState.FACE_PENDING),
    ("enrollment", AppState.FACE_PENDING),
    ("vision", AppState.NOTICE_PENDING),
    ("enrollment", AppState.SUBMITTED),
    ("enrollment", AppState.APPROVED),
]
#: how long a killed worker stays down
DOWN_S = (0.2, 2.0)


async def kill_workers(
    stack: FaultStack, rng: random.Random, progress: Progress, n: int
) -> list[Fault]:
    """SIGKILL each worker of KILLS; a worker is killed again only after it came back and
    polled."""
    plan = [Outage(name, signal.SIGKILL, state) for name, state in KILLS]
    return await outages(stack, rng, progress, n, plan, DOWN_S)


async def test_workers_killed_at_random_moments_lose_and_duplicate_nothing(stack):
    seed = fault_seed()
    starts = {w: stack.procs[w].starts for w in ("enrollment", "vision")}
    outcome = await run_lifecycle(stack, N, kill_workers, seed, phone_prefix="1391")
    report(f"worker kills (seed {seed})", outcome)
    assert len(outcome.faults) == len(KILLS), "the run ended before every kill"
    restarted = {w: stack.procs[w].starts - starts[w] for w in starts}
    assert restarted == dict(Counter(name for name, _ in KILLS)), restarted
