"""The end state every fault test expects, checked in SQL and against the workflows: each
application ticketed once, each SMS sent once, each stored document recorded once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from temporalio.client import Client, WorkflowHandle

from domain.ids import keyed_hash
from domain.period import DeadlineChange, PeriodConfig, PeriodInput, WindowChange
from domain.states import AppState
from infra.db import Application, AuditEvent, Document, SmsCode, SmsMessage, Ticket, as_utc
from tests.faults.driver import Candidate, Driver, retrying
from tests.workflows.harness import SECRET
from workflows.enrollment import EnrollmentWorkflow
from workflows.period import EnrollmentPeriodWorkflow

#: the documents one application stores on the way (zhuanke: no attachments)
DOCUMENT_KINDS = ["face_frame", "id_back", "id_front", "id_portrait", "photo"]
#: actions that must appear exactly once in an application's audit trail
ONCE = ("phone_verified", "submitted", "claimed", "approved", "ticket_issued")


async def start_period(client: Client, queue: str, period_id: str) -> WorkflowHandle:
    now = datetime.now(UTC)
    cfg = PeriodConfig(
        period_id=period_id,
        year=2026,
        window=2,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=2),
        review_deadline=now + timedelta(hours=3),
    )
    return await client.start_workflow(
        EnrollmentPeriodWorkflow.run,
        PeriodInput(config=cfg),
        id=f"period-{period_id}-{uuid.uuid4().hex[:6]}",
        task_queue=queue,
    )


async def reach_deadline(driver: Driver, period: WorkflowHandle) -> None:
    """The operator closes the window and moves the review deadline to now (as `ruji demo`)."""
    now = datetime.now(UTC)
    for what, update, arg in (
        ("close window", EnrollmentPeriodWorkflow.set_window,
         WindowChange(closes_at=now + timedelta(seconds=1))),
        ("move deadline", EnrollmentPeriodWorkflow.set_review_deadline,
         DeadlineChange(review_deadline=now + timedelta(seconds=2))),
    ):  # fmt: skip
        await retrying(
            driver.journal, what, lambda u=update, a=arg: period.execute_update(u, a), 60
        )


async def wait_for_tickets(engine: Engine, period_id: str, n: int, seconds: float) -> int:
    """Poll the read model: numbers arrive by timers and signals the test cannot await."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        with Session(engine) as s:
            done = s.exec(
                select(func.count()).where(
                    Application.period_id == period_id,
                    Application.status == AppState.TICKET_ISSUED.value,
                )
            ).one()
        if done >= n or loop.time() > deadline:
            return done
        await asyncio.sleep(0.5)


def last_action_at(engine: Engine, workflow_ids: set[str], action: str) -> datetime:
    """When the last of these applications' `action` was recorded (workflow time)."""
    with Session(engine) as s:
        last = s.exec(
            select(func.max(AuditEvent.at)).where(
                AuditEvent.action == action, col(AuditEvent.workflow_id).in_(workflow_ids)
            )
        ).one()
    assert last is not None, f"no {action} recorded"
    return as_utc(last)


def audit_tickets(engine: Engine, period_id: str, workflow_ids: set[str]) -> dict[str, str]:
    """One number per application, none shared, none missing, all delivered. Returns them."""
    with Session(engine) as s:
        tickets = s.exec(select(Ticket).where(Ticket.period_id == period_id)).all()
        apps = {
            a.workflow_id: a
            for a in s.exec(select(Application).where(Application.period_id == period_id))
        }
    numbers = Counter(t.number for t in tickets)
    assert [n for n, k in numbers.items() if k > 1] == [], "a ticket number given twice"
    by_app = Counter(t.workflow_id for t in tickets)
    assert [w for w, k in by_app.items() if k > 1] == [], "an application with two numbers"
    assert set(by_app) == workflow_ids, (
        f"missing {sorted(workflow_ids - set(by_app))}, extra {sorted(set(by_app) - workflow_ids)}"
    )
    assert all(t.delivered for t in tickets), "numbers left undelivered"
    assert set(apps) == workflow_ids
    for t in tickets:
        row = apps[t.workflow_id]
        assert (row.status, row.ticket_number) == (AppState.TICKET_ISSUED.value, t.number)
    return {t.workflow_id: t.number for t in tickets}


def audit_sms(engine: Engine, candidates: list[Candidate]) -> None:
    """Per application: the approval and the ticket notice once each; per phone, one message per
    code issued (a retried send or notification never reaches the phone twice)."""
    with Session(engine) as s:
        for c in candidates:
            notes = s.exec(
                select(SmsMessage.dedupe_key).where(
                    col(SmsMessage.dedupe_key).startswith(f"{c.workflow_id}:")
                )
            ).all()
            events = sorted(k.removeprefix(f"{c.workflow_id}:").split(":")[0] for k in notes)
            assert events == ["decision", "ticket"], (c.n, notes)
            phone_hash = keyed_hash(SECRET, c.phone)
            codes = s.exec(select(SmsCode.id).where(SmsCode.phone_hash == phone_hash)).all()
            otp = s.exec(
                select(SmsMessage.dedupe_key).where(
                    SmsMessage.phone_hash == phone_hash,
                    col(SmsMessage.dedupe_key).startswith("otp:"),
                )
            ).all()
            assert sorted(otp) == sorted(f"otp:{i}" for i in codes), (c.n, codes, otp)


def audit_documents_and_trail(engine: Engine, candidates: list[Candidate]) -> None:
    with Session(engine) as s:
        for c in candidates:
            docs = s.exec(
                select(Document.kind, Document.object_key).where(
                    Document.workflow_id == c.workflow_id
                )
            ).all()
            assert sorted(kind for kind, _ in docs) == DOCUMENT_KINDS, (c.n, docs)
            actions = Counter(
                s.exec(select(AuditEvent.action).where(AuditEvent.workflow_id == c.workflow_id))
            )
            assert {a: actions[a] for a in ONCE} == dict.fromkeys(ONCE, 1), (c.n, actions)


async def audit_workflows(driver: Driver, candidates: list[Candidate], numbers: dict) -> None:
    """What each candidate sees: the same number the audit found, and the documents of the
    case file are exactly the rows the read model holds."""
    for c in candidates:
        view = await driver.view(c)
        assert (view.state, view.ticket_number) == (
            AppState.TICKET_ISSUED,
            numbers[c.workflow_id],
        ), c.n
        assert c.handle is not None
        case = await c.handle.query(EnrollmentWorkflow.case_file)
        keys = {
            case.state.id_card.front.key,
            case.state.id_card.back.key,
            case.state.id_card.portrait.key,
            case.state.photo.official.key,
            case.state.face.best_frame.key,
        }
        with Session(driver.engine) as s:
            stored = set(
                s.exec(select(Document.object_key).where(Document.workflow_id == c.workflow_id))
            )
        assert stored == keys, (c.n, stored, keys)
