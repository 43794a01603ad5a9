"""N applications from registration to ticket while a fault routine breaks processes, then the
audit of the end state. Shared by the worker-kill and the server-restart tests."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from domain.states import AppState
from tests.faults.audit import (
    audit_documents_and_trail,
    audit_sms,
    audit_tickets,
    audit_workflows,
    reach_deadline,
    start_period,
    wait_for_tickets,
)
from tests.faults.driver import Journal, Progress
from tests.faults.stack import FaultStack
from tests.workflows.harness import valid_id_number

#: per candidate, from registration to approval, faults included
DRIVE_BUDGET = 200.0
TICKET_WAIT = 90.0

#: a fault strikes once k of the N applications have reached its state, k drawn in this share
#: of N: some have gone past the point, and the others still need the process that is broken.
#: The driver sees a state when the answer arrives, so a few may be past it already: the share
#: leaves room for them
K_SHARE = (0.2, 0.7)


@dataclass
class Outage:
    name: str  # the process, started again afterwards
    how: str
    break_it: Callable[[], Awaitable[None]]
    state: AppState  # strikes once k applications have reached it


@dataclass
class Fault:
    state: AppState
    reached: int  # applications at or past `state` when it struck
    text: str


#: a fault routine: breaks processes at points of the run, returns what it did
Faults = Callable[[FaultStack, random.Random, Progress, int], Awaitable[list[Fault]]]


async def outages(
    stack: FaultStack,
    rng: random.Random,
    progress: Progress,
    n: int,
    plan: list[Outage],
    down_s: tuple[float, float],
) -> list[Fault]:
    """Each outage of `plan` (in PATH order) once k of the `n` applications have reached its
    state, down for a random while, then its process started again and serving. While the
    server or the enrollment worker is down nothing moves; while the vision worker is down
    nobody enters a state a vision check leads into (the plan puts vision outages at such
    states). So when an outage ends, the next point has not been passed by all `n`: every
    fault strikes with work left that needs the process, which `run_lifecycle` asserts."""
    lo, hi = (max(1, round(n * share)) for share in K_SHARE)
    faults: list[Fault] = []
    t0 = time.monotonic()
    for outage in plan:
        k = rng.randint(lo, hi)
        if not await progress.reach(outage.state, k):
            break  # the run ended (failed) before this point
        reached, down = progress.count(outage.state), rng.uniform(*down_s)
        await outage.break_it()
        text = (
            f"{reached}/{n} at {outage.state} ({time.monotonic() - t0:.1f}s): "
            f"{outage.how} {outage.name}, down {down:.1f}s"
        )
        faults.append(Fault(outage.state, reached, text))
        await asyncio.sleep(down)  # the outage is the fault being simulated
        await stack.start(outage.name)
    return faults


def fault_seed() -> int:
    """RUJI_FAULT_SEED replays a run's fault schedule; otherwise a fresh one, printed."""
    seed = int(os.environ.get("RUJI_FAULT_SEED") or random.SystemRandom().randrange(10**6))
    print(f"fault seed {seed} (RUJI_FAULT_SEED={seed} replays this schedule)")  # noqa: T201
    return seed


@dataclass
class Outcome:
    n: int
    faults: list[Fault]
    journal: Journal
    seconds: float
    approved_after: float


async def run_lifecycle(
    stack: FaultStack, n: int, faults: Faults, seed: int, phone_prefix: str
) -> Outcome:
    """`phone_prefix` keeps each test's phones apart (the SMS cooldown is per phone)."""
    assert stack.client is not None
    started = time.monotonic()
    period_id = f"2026-2-{phone_prefix}{stack.tag}"
    progress = Progress()
    driver = stack.driver(
        period_id, budget=DRIVE_BUDGET, phone_prefix=phone_prefix, progress=progress
    )
    period = await start_period(stack.client, stack.queue, period_id)
    candidates = [
        driver.candidate(i, valid_id_number(int(phone_prefix) * 100 + i)) for i in range(n)
    ]
    chaos = asyncio.create_task(faults(stack, random.Random(seed), progress, n))

    async def one(c) -> None:
        await driver.register(c)
        await driver.drive(c, AppState.APPROVED)

    try:
        await asyncio.gather(*(one(c) for c in candidates))
    except BaseException:
        print("\n".join(driver.journal.log[-80:]))  # noqa: T201 - the story of the failure
        raise
    finally:
        progress.close()
        schedule = await chaos
        print(f"faults: {[f.text for f in schedule]}")  # noqa: T201
    approved_at = time.monotonic() - started
    struck_late = [f.text for f in schedule if f.reached >= n]
    assert struck_late == [], "faults that struck after every application had passed"
    for name in ("enrollment", "vision"):  # the last fault may have left one down
        if not stack.procs[name].alive:
            await stack.start(name)

    await reach_deadline(driver, period)
    issued = await wait_for_tickets(stack.engine, period_id, n, TICKET_WAIT)
    assert issued == n, f"{issued}/{n} applications ticketed; faults: {schedule}"

    workflow_ids = {c.workflow_id for c in candidates}
    numbers = audit_tickets(stack.engine, period_id, workflow_ids)
    audit_sms(stack.engine, candidates)
    audit_documents_and_trail(stack.engine, candidates)
    await audit_workflows(driver, candidates, numbers)
    assert driver.journal.unexplained() == [], driver.journal.unexplained()
    return Outcome(n, schedule, driver.journal, time.monotonic() - started, approved_at)


def report(title: str, out: Outcome) -> None:
    """Printed with -s / on failure: what the run did, to compare runs of one seed."""
    refusals = Counter(f"{r.step} {r.code}" for r in out.journal.refusals)
    lines = [
        f"{title}: {out.n} applications approved after {out.approved_after:.0f} s, "
        f"ticketed after {out.seconds:.0f} s",
        f"  faults ({len(out.faults)}): {'; '.join(f.text for f in out.faults)}",
        f"  client retries: {out.journal.retries}; refusals met: "
        + (", ".join(f"{k} ×{v}" for k, v in refusals.most_common()) or "none"),
    ]
    print("\n".join(lines))  # noqa: T201
