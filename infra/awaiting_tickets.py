"""Approved applications still without a 准考证号: what a ticket run numbers next, and what the
console counts so an operator sees when a supplementary run is due."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from domain.states import AppState
from infra.db import Application, Ticket


def awaiting_number(period_id: str) -> list[ColumnElement[bool]]:
    return [
        col(Application.period_id) == period_id,
        col(Application.status) == AppState.APPROVED.value,
        col(Application.workflow_id).not_in(select(Ticket.workflow_id)),
    ]


def count_awaiting(session: Session, period_id: str) -> int:
    query = select(func.count()).select_from(Application).where(*awaiting_number(period_id))
    return session.exec(query).one()
