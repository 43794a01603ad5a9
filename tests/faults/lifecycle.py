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
from tests.faults.driver import Journal
from tests.faults.stack import FaultStack
from tests.workflows.harness import valid_id_number

#: per candidate, from registration to approval, faults included
DRIVE_BUDGET = 200.0
TICKET_WAIT = 90.0

Faults = Callable[[FaultStack, random.Random, asyncio.Event], Awaitable[list[str]]]


def fault_seed() -> int:
    """RUJI_FAULT_SEED replays a run's fault schedule; otherwise a fresh one, printed."""
    seed = int(os.environ.get("RUJI_FAULT_SEED") or random.SystemRandom().randrange(10**6))
    print(f"fault seed {seed} (RUJI_FAULT_SEED={seed} replays this schedule)")  # noqa: T201
    return seed


@dataclass
class Outcome:
    n: int
    faults: list[str]
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
    driver = stack.driver(period_id, budget=DRIVE_BUDGET, phone_prefix=phone_prefix)
    period = await start_period(stack.client, stack.queue, period_id)
    candidates = [
        driver.candidate(i, valid_id_number(int(phone_prefix) * 100 + i)) for i in range(n)
    ]
    done = asyncio.Event()
    chaos = asyncio.create_task(faults(stack, random.Random(seed), done))

    async def one(c) -> None:
        await driver.register(c)
        await driver.drive(c, AppState.APPROVED)

    try:
        await asyncio.gather(*(one(c) for c in candidates))
    except BaseException:
        print("\n".join(driver.journal.log[-80:]))  # noqa: T201 - the story of the failure
        raise
    finally:
        done.set()
        schedule = await chaos
        print(f"faults: {schedule}")  # noqa: T201
    approved_at = time.monotonic() - started
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
        f"  faults ({len(out.faults)}): {'; '.join(out.faults)}",
        f"  client retries: {out.journal.retries}; refusals met: "
        + (", ".join(f"{k} ×{v}" for k, v in refusals.most_common()) or "none"),
    ]
    print("\n".join(lines))  # noqa: T201
