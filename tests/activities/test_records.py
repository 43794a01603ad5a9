"""The read-model projection on SQLite and Postgres: retries and reordering never go backwards."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from domain.objects import StoredObject
from domain.records import ApplicationSnapshot, AuditEntry, DocumentEntry
from infra.db import Application, AuditEvent, Document


def snap(version: int, status: str, audit: list[AuditEntry], docs=()) -> ApplicationSnapshot:
    return ApplicationSnapshot(
        workflow_id="enroll-x-1",
        period_id="2026-2",
        version=version,
        status=status,
        identity_hash="h" * 64,
        phone_hash="p" * 64,
        id_masked="430**********0012",
        phone_masked="139****5678",
        audit=audit,
        documents=list(docs),
    )


def test_projection_is_idempotent_and_ordered(any_engine):
    records, env = RecordActivities(any_engine), ActivityEnvironment()
    at = datetime.now(UTC)
    first = AuditEntry(seq=1, at=at, actor="system", action="registered")
    second = AuditEntry(seq=2, at=at, actor="candidate", action="phone_verified")
    photo = DocumentEntry(kind="photo", file=StoredObject(key="a/p.jpg", sha256="0" * 64, size=3))
    env.run(records.project_application, snap(1, "REGISTERED", [first]))
    env.run(records.project_application, snap(2, "ID_PENDING", [second], [photo]))
    env.run(records.project_application, snap(2, "ID_PENDING", [second], [photo]))  # retry
    env.run(records.project_application, snap(1, "REGISTERED", [first]))  # late, older
    with Session(any_engine) as s:
        assert s.get(Application, "enroll-x-1").status == "ID_PENDING"
        assert [e.seq for e in s.exec(select(AuditEvent).order_by(AuditEvent.seq))] == [1, 2]
        assert len(s.exec(select(Document)).all()) == 1
