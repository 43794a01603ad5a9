"""Ticket issuing at the review deadline: number a page of approved applications in one DB
transaction (unique constraints make it idempotent), then tell their workflows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.ticket_projection import mark_delivered
from domain.enrollment import TicketAssigned
from domain.tickets import (
    DELIVER_TICKETS,
    NUMBER_TICKET_PAGE,
    DeliverTicketsInput,
    NumberPageInput,
    NumberPageResult,
    TicketGrant,
    ticket_number,
)
from infra.awaiting_tickets import awaiting_number
from infra.db import Application, Ticket, TicketCounter
from infra.metrics import TICKETS_NUMBERED

log = logging.getLogger(__name__)

TICKET_SIGNAL = "ticket_assigned"


class TicketActivities:
    def __init__(self, engine: Engine, client: Client):
        self.engine = engine
        self.client = client

    @activity.defn(name=NUMBER_TICKET_PAGE)
    def number_ticket_page(self, inp: NumberPageInput) -> NumberPageResult:
        """Undelivered numbers first (a crash after numbering must not lose them), then new ones
        in order of exam area, then submission time."""
        with Session(self.engine) as session:
            pending = session.exec(
                select(Ticket)
                .where(Ticket.period_id == inp.period_id, Ticket.delivered == False)  # noqa: E712
                .order_by(Ticket.area, Ticket.number)
                .limit(inp.page_size)
            ).all()
            if pending:
                return NumberPageResult(
                    grants=[
                        TicketGrant(workflow_id=t.workflow_id, number=t.number) for t in pending
                    ]
                )
            todo = session.exec(
                select(Application)
                .where(*awaiting_number(inp.period_id))
                .order_by(
                    col(Application.region),
                    col(Application.submitted_at),
                    col(Application.workflow_id),
                )
                .limit(inp.page_size)
            ).all()
            grants = []
            counters: dict[str, TicketCounter] = {}
            for app in todo:
                if app.submitted_at is None:
                    raise ValueError(f"approved application {app.workflow_id} has no submit time")
                area = app.region or ""
                counter = counters.get(area)
                if counter is None:
                    counter = session.get(
                        TicketCounter, (inp.year, area), with_for_update=True
                    ) or TicketCounter(year=inp.year, area=area)
                    counters[area] = counter
                counter.last_sequence += 1
                number = ticket_number(inp.year, area, inp.window, counter.last_sequence)
                session.add(
                    Ticket(
                        workflow_id=app.workflow_id,
                        number=number,
                        period_id=inp.period_id,
                        area=area,
                        submitted_at=app.submitted_at,
                    )
                )
                grants.append(TicketGrant(workflow_id=app.workflow_id, number=number))
            for counter in counters.values():
                session.add(counter)
            session.commit()
            TICKETS_NUMBERED.labels(inp.period_id).inc(len(grants))
            return NumberPageResult(grants=grants)

    @activity.defn(name=DELIVER_TICKETS)
    async def deliver_tickets(self, inp: DeliverTicketsInput) -> int:
        done = await signal_each(self.client, inp.grants, inp.concurrency, activity.heartbeat)
        await asyncio.to_thread(mark_delivered, self.engine, inp.grants)
        activity.heartbeat()
        return len(done)


async def signal_each(
    client: Client,
    grants: list[TicketGrant],
    concurrency: int,
    on_each: Callable[[], None] | None = None,
) -> list[str]:
    """Signal every grant's workflow, `concurrency` at a time; a workflow that has ended (a
    duplicate after its number, or no longer running) is skipped."""
    gate = asyncio.Semaphore(concurrency)

    async def deliver(grant: TicketGrant) -> str:
        async with gate:
            handle = client.get_workflow_handle(grant.workflow_id)
            try:
                await handle.signal(TICKET_SIGNAL, TicketAssigned(number=grant.number))
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                log.warning("ticket for a workflow that no longer runs: %s", grant.workflow_id)
            if on_each is not None:
                on_each()  # the activity heartbeat: throttled by the SDK
            return grant.workflow_id

    return list(await asyncio.gather(*(deliver(g) for g in grants)))
