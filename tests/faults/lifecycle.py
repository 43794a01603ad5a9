"""N applications from registration to ticket while a fault routine breaks processes, then the
audit of the end state. Shared by the worker-kill and the server-restart tests."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.states import AppState
from tests.faults.audit import (
    audit_documents_and_trail,
    audit_sms,
    audit_tickets,
    audit_workflows,
    last_action_at,
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

#: a fault strikes as the k-th of the N applications is seen at its state, k drawn in this share
#: of N: some have gone past the point, and the others still need the process that is broken
K_SHARE = (0.2, 0.7)


@dataclass
class Outage:
    name: str  # the process, started again afterwards
    sig: signal.Signals
    state: AppState  # strikes as the k-th application is seen there


@dataclass
class Fault:
    state: AppState
    reached: int  # applications at or past `state` when it struck
    at: datetime
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
    """Each outage of `plan` (one process, in PATH order) as the k-th of the `n` applications
    is seen at its state, down for a random while, then the process started again and serving;
    the next one is set only then (a process is broken again only after it came back). While
    the server or the enrollment worker is down nothing moves, so the next point is still
    ahead. `run_lifecycle` checks that the run went on after every fault."""
    lo, hi = (max(1, round(n * share)) for share in K_SHARE)
    faults: list[Fault] = []
    t0 = time.monotonic()
    for o in plan:
        k, down = rng.randint(lo, hi), rng.uniform(*down_s)
        reached = await progress.strike_at(o.state, k, lambda o=o: stack.send_signal(o.name, o.sig))
        if reached is None:
            break  # the run ended (failed) before this point
        text = (
            f"{reached}/{n} at {o.state} ({time.monotonic() - t0:.1f}s): "
            f"{o.sig.name} {o.name}, down {down:.1f}s"
        )
        faults.append(Fault(o.state, reached, datetime.now(UTC), text))
        await stack.reap(o.name)
        await asyncio.sleep(down)  # the outage is the fault being simulated
        await stack.start(o.name)
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
    for name in ("enrollment", "vision"):  # the last fault may have left one down
        if not stack.procs[name].alive:
            await stack.start(name)

    await reach_deadline(driver, period)
    issued = await wait_for_tickets(stack.engine, period_id, n, TICKET_WAIT)
    assert issued == n, f"{issued}/{n} applications ticketed; faults: {schedule}"
    # the read model shows TICKET_ISSUED once the coordinator has delivered the page; each
    # case's SMS follows when its workflow takes the signal, and then the workflow ends
    ended = [c.handle.result() for c in candidates if c.handle is not None]
    await asyncio.wait_for(asyncio.gather(*ended), TICKET_WAIT)

    workflow_ids = {c.workflow_id for c in candidates}
    last_approval = last_action_at(stack.engine, workflow_ids, "approved")
    late = [f.text for f in schedule if f.at >= last_approval]
    assert late == [], f"faults after the last approval ({last_approval}): nothing left to break"
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
