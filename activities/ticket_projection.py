"""The read model's side of a delivered page of tickets, in one transaction: the Ticket rows are
marked delivered, and each application still APPROVED there becomes TICKET_ISSUED with its number
and its `ticket_issued` audit row — what the case's own projection would have written.

The coordinator writes it for the page so that each EnrollmentWorkflow's ticket handler need not
run a projection of its own (the PROJECT_APPLICATION local activity: one DB transaction and one
more marker per case). It runs only after the page's signals were accepted, i.e. once each number
is in its workflow's history; an APPROVED case has no other way out than TICKET_ISSUED
(no withdraw, deadline, close-out or take-over), so the workflow will get there too."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from domain.states import AppState
from domain.tickets import TICKET_ISSUED_ACTION, TicketGrant
from infra.db import Application, AuditEvent, Ticket, conflict_insert, table_of, utcnow


def mark_delivered(engine: Engine, grants: list[TicketGrant]) -> int:
    """Returns how many applications this call moved to TICKET_ISSUED (0 on a re-delivery)."""
    ids = [g.workflow_id for g in grants]
    if not ids:
        return 0
    tickets, apps, audit = table_of(Ticket), table_of(Application), table_of(AuditEvent)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.workflow_id.in_(ids)).values(delivered=True))
        # the number comes from the Ticket row, the one the numbering committed
        number = (
            select(tickets.c.number)
            .where(tickets.c.workflow_id == apps.c.workflow_id)
            .scalar_subquery()
        )
        # version + 1: the workflow's commit of the ticket bumps its version the same way, so a
        # later projection of the case (none is expected: the case has ended) still orders
        projected = conn.execute(
            update(apps)
            .where(apps.c.workflow_id.in_(ids), apps.c.status == AppState.APPROVED.value)
            .values(
                status=AppState.TICKET_ISSUED.value,
                ticket_number=number,
                version=apps.c.version + 1,
                updated_at=now,
            )
            .returning(apps.c.workflow_id, apps.c.version)
        ).all()
        if projected:
            insert = conflict_insert(engine.dialect.name)
            # seq = the new version: each commit of a case appends one history entry and bumps
            # its version by one (workflows/case.py `_commit`)
            conn.execute(
                insert(audit).on_conflict_do_nothing(index_elements=["workflow_id", "seq"]),
                [
                    {
                        "workflow_id": workflow_id,
                        "seq": version,
                        "actor": "system",
                        "action": TICKET_ISSUED_ACTION,
                        "at": now,
                        "update_id": "",
                    }
                    for workflow_id, version in projected
                ],
            )
    return len(projected)
