"""The retention run: expired, withdrawn, rejected and superseded applications lose their images
and personal data `retention_days` after they ended (PIPL art. 19: kept no longer than the
purpose needs; art. 47: deleted when the purpose is met). What stays is the audit stub: the
row's workflow ID, period, state, region, major, level and times, its audit events and one
`purged` event more.

One case at a time, each in its own transaction with the row locked: the state is checked again
under the lock, so a case that came back to life (a new registration of the same identity reuses
the workflow ID and its object folder) is left alone. Objects are deleted before the row is
scrubbed, so a run that dies in between finds the case again next time. Workflow histories in
Temporal also hold the sealed data: docs/security.md "Retention" says what happens to them."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, literal
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.retention import RetentionReport
from domain.states import AppState
from infra.admin_audit import audit_change
from infra.db import Application, AuditEvent, Document, RefreshSession, SmsCode, SmsMessage
from infra.storage import ObjectStore

log = logging.getLogger("ruji.retention")

#: the ends after which nothing more happens to a case (TICKET_ISSUED candidates go on to study)
ENDED = (AppState.EXPIRED, AppState.WITHDRAWN, AppState.REJECTED, AppState.SUPERSEDED)
RETENTION_ACTOR = "system:retention"
#: the stub keeps no personal value: every column below is emptied
SCRUBBED = {
    "id_hash": "",
    "phone_hash": "",
    "id_masked": "",
    "phone_masked": "",
    "name_masked": "",
    "id_number_enc": "",
    "id_number_hash": "",
    "name_enc": "",
    "name_hash": "",
}


def _ended_before(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        col(Application.status).in_([s.value for s in ENDED]),
        col(Application.updated_at) < cutoff,
        col(Application.purged_at).is_(None),
    )


def due(engine: Engine, cutoff: datetime, limit: int) -> list[str]:
    with Session(engine) as session:
        query = select(Application.workflow_id).where(_ended_before(cutoff)).limit(limit)
        return list(session.exec(query))


def purge_case(
    engine: Engine, store: ObjectStore, workflow_id: str, cutoff: datetime, now: datetime
) -> tuple[int, int] | None:
    """(objects, SMS messages) deleted, or None when the case is no longer due."""
    with Session(engine) as session:
        row = session.exec(
            select(Application)
            .where(Application.workflow_id == workflow_id, _ended_before(cutoff))
            .with_for_update()
        ).first()
        if row is None:
            return None
        objects = store.delete_prefix(workflow_id)  # every object of a case is under its ID
        for name, value in SCRUBBED.items():
            setattr(row, name, value)
        row.purged_at = now
        session.add(row)
        session.exec(delete(Document).where(col(Document.workflow_id) == workflow_id))
        messages = session.exec(
            delete(SmsMessage).where(col(SmsMessage.dedupe_key).startswith(f"{workflow_id}:"))
        ).rowcount
        last = session.exec(
            select(func.max(AuditEvent.seq)).where(AuditEvent.workflow_id == workflow_id)
        ).one()
        session.add(
            AuditEvent(
                workflow_id=workflow_id,
                seq=(last or 0) + 1,
                actor=RETENTION_ACTOR,
                action=f"purged:{row.status.lower()}",
                at=now,
            )
        )
        session.commit()
        return objects, messages or 0


def run_retention(
    engine: Engine,
    store: ObjectStore,
    *,
    retention_days: int,
    now: datetime,
    actor: str,
    dry_run: bool = False,
    batch: int = 500,
) -> RetentionReport:
    cutoff = now - timedelta(days=retention_days)
    report = RetentionReport(cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        with Session(engine) as session:
            count = select(func.count()).select_from(Application).where(_ended_before(cutoff))
            report.cases = session.exec(count).one()
        return report
    while ids := due(engine, cutoff, batch):
        purged = 0
        for workflow_id in ids:
            done = purge_case(engine, store, workflow_id, cutoff, now)
            if done is not None:
                purged += 1
                report.objects += done[0]
                report.sms_messages += done[1]
        report.cases += purged
        if purged == 0:
            break  # every due row changed under us: do not spin
    with Session(engine) as session:
        # one-time codes are useless minutes after they were sent; nothing ties them to a case.
        # Their texts go with them: kept, a text's key (`otp:{id}`) met the next code SQLite
        # numbered with a deleted code's id, and that code was never sent.
        old = col(SmsCode.expires_at) < cutoff
        old_texts = select(literal("otp:").concat(cast(col(SmsCode.id), String))).where(old)
        session.exec(delete(SmsMessage).where(col(SmsMessage.dedupe_key).in_(old_texts)))
        report.sms_codes = session.exec(delete(SmsCode).where(old)).rowcount or 0
        # sign-ins ended or expired long ago: no token of theirs can work again
        old_sign_ins = delete(RefreshSession).where(col(RefreshSession.expires_at) < cutoff)
        report.sign_ins = session.exec(old_sign_ins).rowcount or 0
        audit_change(session, actor, "retention_run", **report.model_dump(mode="json"))
        session.commit()
    log.info("retention run: %s", report.model_dump_json())
    return report
