"""The audit log is append-only: a replayed or forged projection cannot rewrite a row, and the
ORM refuses updates and deletes outright. It holds actor, action, time, case — no PII."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from activities.records import RecordActivities
from domain.read_model import ApplicationSnapshot, AuditEntry
from infra.db import AuditEvent
from infra.keyring import new_key_entry, parse_key_ring
from infra.pii import FieldCipher, PiiSealer

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _snap(version: int, audit: list[AuditEntry]) -> ApplicationSnapshot:
    return ApplicationSnapshot(
        workflow_id="enroll-2026-2-abc",
        period_id="2026-2",
        version=version,
        status="SUBMITTED",
        identity_hash="1" * 64,
        phone_hash="2" * 64,
        id_masked="4301**********0012",
        phone_masked="137****1234",
        id_number="430104199903120012",
        name="欧阳明远",
        audit=audit,
    )


async def test_projection_never_rewrites_an_audit_row(any_engine) -> None:
    records = RecordActivities(
        any_engine, PiiSealer(FieldCipher(parse_key_ring(new_key_entry("t"))), "k")
    )
    await records.project_application(
        _snap(1, [AuditEntry(seq=1, at=AT, actor="candidate", action="registered")])
    )
    forged = AuditEntry(seq=1, at=AT, actor="examiner:mallory", action="approved")
    await records.project_application(
        _snap(2, [forged, AuditEntry(seq=2, at=AT, actor="candidate", action="submitted")])
    )
    with Session(any_engine) as s:
        rows = [
            (a.seq, a.actor, a.action) for a in s.exec(select(AuditEvent).order_by(AuditEvent.seq))
        ]
    assert rows == [(1, "candidate", "registered"), (2, "candidate", "submitted")]


def test_orm_refuses_update_and_delete(any_engine) -> None:
    with Session(any_engine) as s:
        s.add(AuditEvent(workflow_id="w", seq=1, actor="system", action="expired", at=AT))
        s.commit()
    with Session(any_engine) as s:
        row = s.exec(select(AuditEvent)).one()
        row.action = "approved"
        s.add(row)
        with pytest.raises(PermissionError, match="append-only"):
            s.commit()
    with Session(any_engine) as s:
        s.delete(s.exec(select(AuditEvent)).one())
        with pytest.raises(PermissionError, match="append-only"):
            s.commit()
    with Session(any_engine) as s:
        assert s.exec(select(AuditEvent.action)).all() == ["expired"]


def test_audit_columns_hold_no_personal_data() -> None:
    assert set(AuditEvent.model_fields) == {
        "id",
        "workflow_id",
        "seq",
        "actor",
        "action",
        "at",
        "update_id",
    }


async def test_a_discarded_attempts_row_gives_way_to_the_commit_the_history_kept(any_engine):
    """M5. A workflow task ran its projection (audit seq 5: photo_refused) and then failed (the
    refusal's payload was too large), so the history never got that commit. The update that did
    land made its own seq 5 (photo_accepted) in a later task, later in workflow time: the log
    must show what the history has, with the update's id."""
    records = RecordActivities(
        any_engine, PiiSealer(FieldCipher(parse_key_ring(new_key_entry("t"))), "k")
    )
    later = AT.replace(minute=5)
    await records.project_application(
        _snap(5, [AuditEntry(seq=5, at=AT, actor="candidate", action="photo_refused")])
    )
    await records.project_application(
        _snap(
            5,
            [
                AuditEntry(
                    seq=5, at=later, actor="candidate", action="photo_accepted", update_id="u-2"
                )
            ],
        )
    )
    with Session(any_engine) as s:
        rows = [
            (a.seq, a.action, a.at.replace(tzinfo=UTC), a.update_id)
            for a in s.exec(select(AuditEvent))
        ]
    assert rows == [(5, "photo_accepted", later, "u-2")]
