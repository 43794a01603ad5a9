"""The coordinator's projection of a delivered page (activities/ticket_projection.py), on SQLite
and Postgres: TICKET_ISSUED, the number and one audit row, once, and only for APPROVED rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from activities.ticket_projection import mark_delivered
from domain.states import AppState
from domain.tickets import TicketGrant
from infra.db import Application, AuditEvent, Ticket

NUMBERS = {"enroll-a": "260110000001", "enroll-b": "260110000002", "enroll-w": "260110000003"}


def seed(engine) -> list[TicketGrant]:
    now = datetime.now(UTC)
    with Session(engine) as s:
        for workflow_id, number in NUMBERS.items():
            status = AppState.WITHDRAWN if workflow_id == "enroll-w" else AppState.APPROVED
            s.add(
                Application(
                    workflow_id=workflow_id, period_id="2026-1", status=status.value, version=7,
                    id_hash="h" * 64, phone_hash="p" * 64, region="01", submitted_at=now,
                )
            )  # fmt: skip
            s.add(
                Ticket(
                    workflow_id=workflow_id, number=number, period_id="2026-1", area="01",
                    submitted_at=now,
                )
            )  # fmt: skip
        s.commit()
    return [TicketGrant(workflow_id=w, number=n) for w, n in NUMBERS.items()]


def test_a_delivered_page_shows_ticket_issued_with_its_number(any_engine):
    grants = seed(any_engine)
    assert mark_delivered(any_engine, grants) == 2
    with Session(any_engine) as s:
        apps = {a.workflow_id: a for a in s.exec(select(Application))}
        audit = s.exec(select(AuditEvent)).all()
        tickets = s.exec(select(Ticket)).all()
    assert all(t.delivered for t in tickets)
    for workflow_id in ("enroll-a", "enroll-b"):
        row = apps[workflow_id]
        assert (row.status, row.ticket_number, row.version) == (
            AppState.TICKET_ISSUED.value,
            NUMBERS[workflow_id],
            8,  # the workflow's commit of the ticket is its 8th
        )
    # a case that is no longer APPROVED ignores its ticket; its row is left as it is
    withdrawn = apps["enroll-w"]
    assert (withdrawn.status, withdrawn.ticket_number, withdrawn.version) == ("WITHDRAWN", None, 7)
    assert sorted((e.workflow_id, e.seq, e.action) for e in audit) == [
        ("enroll-a", 8, "ticket_issued"),
        ("enroll-b", 8, "ticket_issued"),
    ]


def test_a_redelivered_page_changes_nothing(any_engine):
    """A retried delivery (the worker died after the signals) projects nothing twice."""
    grants = seed(any_engine)
    mark_delivered(any_engine, grants)
    assert mark_delivered(any_engine, grants) == 0
    with Session(any_engine) as s:
        assert {a.version for a in s.exec(select(Application))} == {8, 7}
        assert len(s.exec(select(AuditEvent)).all()) == 2


def test_an_empty_page_is_a_no_op(any_engine):
    assert mark_delivered(any_engine, []) == 0
