"""The office's statistics, counted by the database: every figure is one aggregate query over the
read model (GROUP BY / conditional sums), so a period of 100,000 cases costs the same memory as
one of 100 — no row is loaded into Python.

Decisions and examiner throughput are counted from the audit log, not from `Application.decision`:
that column holds only the last decision, so a case returned and then approved would hide its
return. Days are Beijing days (UTC+8, no daylight saving)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Executable, and_, case, func, select
from sqlmodel import Session

from domain.states import AppState
from infra.db import Account, Application, AuditEvent, as_utc, table_of

#: what the bars of a breakdown split into (a case counts in one of them)
PENDING = (AppState.SUBMITTED, AppState.UNDER_REVIEW, AppState.RETURNED)
APPROVED = (AppState.APPROVED, AppState.TICKET_ISSUED)
#: the audit actions that are an examiner's decision, by the decision they count as
DECISION_ACTIONS = {
    "approved": "approved",
    "approved:override": "approved",
    "returned": "returned",
    "rejected": "rejected",
}
#: queue-age buckets: (label, lower bound in days); a case falls in the last bucket it reaches
AGE_BUCKETS = (("<1天", 0), ("1–3天", 1), ("3–7天", 3), ("7–14天", 7), (">14天", 14))


class Breakdown(BaseModel):
    key: str
    total: int
    pending: int
    approved: int
    rejected: int


class DecisionCounts(BaseModel):
    approved: int = 0
    returned: int = 0
    rejected: int = 0


class AgeBucket(BaseModel):
    label: str
    count: int


class QueueAge(BaseModel):
    buckets: list[AgeBucket]
    oldest_submitted_at: datetime | None


class ExaminerCount(BaseModel):
    examiner: str  # the account's username (staff names are not personal data of candidates)
    approved: int
    returned: int
    rejected: int


class DayCount(BaseModel):
    day: str  # YYYY-MM-DD, Beijing
    registered: int
    submitted: int


class Statistics(BaseModel):
    period_id: str
    by_region: list[Breakdown]
    by_major: list[Breakdown]
    by_level: list[Breakdown]
    decisions: DecisionCounts
    queue_age: QueueAge
    examiners: list[ExaminerCount]
    daily: list[DayCount]


APPS, AUDIT, ACCOUNTS = table_of(Application), table_of(AuditEvent), table_of(Account)


def _rows(session: Session, query: Executable) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.connection().execute(query)]


def _in(column: ColumnElement[Any], states: tuple[AppState, ...]) -> ColumnElement[bool]:
    return column.in_([s.value for s in states])


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def breakdown(session: Session, period_id: str, by: str) -> list[Breakdown]:
    """Cases that chose a region/major/level, by state group; one GROUP BY."""
    key, status = APPS.c[by], APPS.c.status
    query = (
        select(
            key,
            func.count(),
            _count_if(_in(status, PENDING)),
            _count_if(_in(status, APPROVED)),
            _count_if(status == AppState.REJECTED.value),
        )
        .where(APPS.c.period_id == period_id, key.is_not(None))
        .group_by(key)
        .order_by(key)
    )
    return [
        Breakdown(key=k, total=t, pending=p, approved=a, rejected=r)
        for k, t, p, a, r in _rows(session, query)
    ]


def _decision_events(period_id: str) -> ColumnElement[bool]:
    return and_(
        AUDIT.c.workflow_id == APPS.c.workflow_id,
        APPS.c.period_id == period_id,
        AUDIT.c.actor.startswith("examiner:"),
        AUDIT.c.action.in_(list(DECISION_ACTIONS)),
    )


def _decision_sums() -> list[ColumnElement[int]]:
    action = AUDIT.c.action
    return [
        _count_if(action.in_(["approved", "approved:override"])),
        _count_if(action == "returned"),
        _count_if(action == "rejected"),
    ]


def decisions(session: Session, period_id: str) -> DecisionCounts:
    query = select(*_decision_sums()).select_from(AUDIT, APPS).where(_decision_events(period_id))
    [(approved, returned, rejected)] = _rows(session, query)
    return DecisionCounts(approved=approved, returned=returned, rejected=rejected)


def examiners(session: Session, period_id: str) -> list[ExaminerCount]:
    """Decisions per examiner account; the name comes from the account when it still exists."""
    examiner_id = func.substr(AUDIT.c.actor, len("examiner:") + 1)
    query = (
        select(AUDIT.c.actor, func.max(ACCOUNTS.c.username), *_decision_sums())
        .select_from(
            AUDIT.join(APPS, APPS.c.workflow_id == AUDIT.c.workflow_id).outerjoin(
                ACCOUNTS, ACCOUNTS.c.id == examiner_id
            )
        )
        .where(_decision_events(period_id))
        .group_by(AUDIT.c.actor)
        .order_by(AUDIT.c.actor)
    )
    return [
        ExaminerCount(
            examiner=name or actor.removeprefix("examiner:"),
            approved=approved,
            returned=returned,
            rejected=rejected,
        )
        for actor, name, approved, returned, rejected in _rows(session, query)
    ]


def queue_age(session: Session, period_id: str, now: datetime) -> QueueAge:
    """Submitted cases waiting for an examiner (SUBMITTED, not yet claimed), by how long."""
    submitted = APPS.c.submitted_at
    bounds = [now - timedelta(days=days) for _, days in AGE_BUCKETS]
    sums = [
        _count_if(
            and_(submitted <= bounds[i], submitted > bounds[i + 1])
            if i + 1 < len(bounds)
            else submitted <= bounds[i]
        )
        for i in range(len(bounds))
    ]
    query = select(*sums, func.min(submitted)).where(
        APPS.c.period_id == period_id,
        APPS.c.status == AppState.SUBMITTED.value,
        submitted.is_not(None),
    )
    [(*counts, oldest)] = _rows(session, query)
    buckets = [
        AgeBucket(label=label, count=n) for (label, _), n in zip(AGE_BUCKETS, counts, strict=True)
    ]
    return QueueAge(buckets=buckets, oldest_submitted_at=as_utc(oldest) if oldest else None)


def _beijing_day(session: Session, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+8 hours")
    return func.date(func.timezone("Asia/Shanghai", column))


def daily(session: Session, period_id: str) -> list[DayCount]:
    """Registrations (the audit's `registered`) and submissions (`submitted_at`) per day."""
    registered_day = _beijing_day(session, AUDIT.c.at)
    registered = (
        select(registered_day, func.count())
        .select_from(AUDIT.join(APPS, APPS.c.workflow_id == AUDIT.c.workflow_id))
        .where(APPS.c.period_id == period_id, AUDIT.c.action == "registered")
        .group_by(registered_day)
    )
    submitted_day = _beijing_day(session, APPS.c.submitted_at)
    submitted = (
        select(submitted_day, func.count())
        .where(APPS.c.period_id == period_id, APPS.c.submitted_at.is_not(None))
        .group_by(submitted_day)
    )
    days: dict[str, list[int]] = {}
    for index, query in enumerate((registered, submitted)):
        for day, n in _rows(session, query):
            days.setdefault(str(day), [0, 0])[index] = n
    return [DayCount(day=d, registered=r, submitted=s) for d, (r, s) in sorted(days.items())]


def statistics(session: Session, period_id: str, now: datetime) -> Statistics:
    return Statistics(
        period_id=period_id,
        by_region=breakdown(session, period_id, "region"),
        by_major=breakdown(session, period_id, "major"),
        by_level=breakdown(session, period_id, "level"),
        decisions=decisions(session, period_id),
        queue_age=queue_age(session, period_id, now),
        examiners=examiners(session, period_id),
        daily=daily(session, period_id),
    )
