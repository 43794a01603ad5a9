"""Read-model projection. Idempotent and ordered by the workflow's version counter, so retries
and out-of-order deliveries never move a row backwards.

The ID number and name arrive in clear inside the (codec-encrypted) snapshot and are stored only
as ciphertext plus keyed lookup hashes: the workflow holds no keys, this activity does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, delete, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session
from temporalio import activity

from activities.group_commit import GroupCommit
from domain.read_model import (
    PROJECT_APPLICATION,
    READ_PERIOD,
    UPSERT_PERIOD,
    ApplicationSnapshot,
    PeriodSnapshot,
)
from infra.db import (
    Application,
    AuditEvent,
    ConflictInsert,
    Document,
    Period,
    conflict_insert,
    table_of,
    utcnow,
)
from infra.pii import PiiSealer

_APPLICATION_FIELDS = (
    "period_id",
    "status",
    "version",
    "id_masked",
    "phone_masked",
    "name_masked",
    "region",
    "major",
    "level",
    "submitted_at",
    "needs_manual_review",
    "claimed_by",
    "decision",
    "ticket_number",
)


@dataclass(frozen=True)
class _Statements:
    upsert: Executable
    drop_documents: Executable
    add_document: Executable
    add_audit: Executable


def _audit_insert(insert: ConflictInsert) -> Executable:
    """Append the commit's audit rows. A row already at that seq stays, unless the new one is
    later in workflow time: then the old one came from a workflow task that ran its projection
    (a local activity, before the task is durable) and then failed or was lost, and the history
    holds the re-made commit instead (found in issue 14: a refused photo's row at seq N hid the
    accepted photo that was seq N in the history). A workflow task's retry always starts later,
    so the durable commit is always the later one; a replay or a forged snapshot with the same
    or an earlier time changes nothing. Only this projection rewrites, and only such a row: the
    ORM still refuses any update or delete of audit rows."""
    stmt = insert(table_of(AuditEvent))
    row, new = table_of(AuditEvent).c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["workflow_id", "seq"],
        set_={name: new[name] for name in ("actor", "action", "at", "update_id")},
        where=new.at > row.at,
    )


def _application_upsert(insert: ConflictInsert, current_prefix: str) -> Executable:
    """Insert, or update when the snapshot is not older than the row; returns a row only when it
    applied. Equal versions are the same commit made again: a retry, or the workflow re-running
    an update whose workflow task was lost (worker killed, server restarted) after this
    projection had already run. The later one is what the history kept, so it wins.

    Ciphertext is kept when the value is unchanged and under the current key, so rows stay
    stable; a new value or a rotated key writes the fresh one. An empty value (the ID step not
    done yet) keeps what is there. Documents follow the row: rows of an attempt the workflow
    discarded (its projection ran, its workflow task was lost) are dropped, or one card would
    show two ID portraits."""
    table = table_of(Application)
    stmt = insert(table)
    row, new = table.c, stmt.excluded

    def sealed(enc: str, digest: str) -> dict[str, ColumnElement[Any]]:
        keep_value = new[digest] == ""
        keep_token = (row[digest] == new[digest]) & row[enc].startswith(current_prefix)
        return {
            enc: case((keep_value | keep_token, row[enc]), else_=new[enc]),
            digest: case((keep_value, row[digest]), else_=new[digest]),
        }

    changes: dict[str, ColumnElement[Any]] = {
        name: new[name] for name in (*_APPLICATION_FIELDS, "updated_at")
    }
    changes |= sealed("id_number_enc", "id_number_hash") | sealed("name_enc", "name_hash")
    return stmt.on_conflict_do_update(
        index_elements=["workflow_id"], set_=changes, where=row.version <= new.version
    ).returning(row.workflow_id)


class RecordActivities:
    def __init__(self, engine: Engine, sealer: PiiSealer):
        self.engine = engine
        self.sealer = sealer

    @activity.defn(name=PROJECT_APPLICATION)
    async def project_application(self, snap: ApplicationSnapshot) -> None:
        """Committed with whatever other projections arrive meanwhile (activities/group_commit.py):
        this runs after every update of every case (docs/decisions.md)."""
        await self._writes.submit(snap)

    @cached_property
    def _writes(self) -> GroupCommit[ApplicationSnapshot]:
        return GroupCommit(self.engine, self._write_all, name="read-model-projection")

    def _write_all(self, conn: Connection, snaps: Sequence[ApplicationSnapshot]) -> None:
        """One upsert per case guarded by its version, then the documents of the cases it
        applied to and every new audit row: four statements for the whole batch, built once (so
        SQLAlchemy compiles them once). A batch holding two snapshots of one case (a projection
        retried while its first try still waits) is written one snapshot after the other, as
        the case's own writes must be."""
        if len({snap.workflow_id for snap in snaps}) < len(snaps):
            for snap in snaps:
                self._write_all(conn, [snap])
            return
        statements = self._statements
        rows = [self._application_row(snap) for snap in snaps]
        upserted = conn.execute(statements.upsert, rows[0] if len(rows) == 1 else rows)
        applied = set(upserted.scalars())
        documents = [snap for snap in snaps if snap.workflow_id in applied]
        if documents:
            conn.execute(
                statements.drop_documents,
                {
                    "workflow_ids": [snap.workflow_id for snap in documents],
                    "wanted": [
                        (snap.workflow_id, doc.kind, doc.file.key)
                        for snap in documents
                        for doc in snap.documents
                    ],
                },
            )
        now = utcnow()
        added = [
            {
                "workflow_id": snap.workflow_id,
                "kind": doc.kind,
                "object_key": doc.file.key,
                "sha256": doc.file.sha256,
                "size": doc.file.size,
                "created_at": now,
            }
            for snap in documents
            for doc in snap.documents
        ]
        if added:
            conn.execute(statements.add_document, added)
        audit = [
            {
                "workflow_id": snap.workflow_id,
                "seq": entry.seq,
                "actor": entry.actor,
                "action": entry.action,
                "at": entry.at,
                "update_id": entry.update_id,
            }
            for snap in snaps
            for entry in snap.audit
        ]
        if audit:
            conn.execute(statements.add_audit, audit)

    def _application_row(self, snap: ApplicationSnapshot) -> dict[str, Any]:
        sealed = self.sealer.seal(id_number=snap.id_number, name=snap.name)
        values = {name: getattr(snap, name) for name in _APPLICATION_FIELDS}
        values.update(
            workflow_id=snap.workflow_id,
            id_hash=snap.identity_hash,
            phone_hash=snap.phone_hash,
            updated_at=utcnow(),
            **asdict(sealed),
        )
        return values

    @cached_property
    def _statements(self) -> _Statements:
        insert = conflict_insert(self.engine.dialect.name)
        documents = table_of(Document)
        return _Statements(
            upsert=_application_upsert(insert, self.sealer.cipher.current_prefix),
            drop_documents=delete(documents).where(
                documents.c.workflow_id.in_(bindparam("workflow_ids", expanding=True)),
                tuple_(documents.c.workflow_id, documents.c.kind, documents.c.object_key).not_in(
                    bindparam("wanted", expanding=True)
                ),
            ),
            add_document=insert(documents).on_conflict_do_nothing(
                index_elements=["workflow_id", "kind", "object_key"]
            ),
            add_audit=_audit_insert(insert),
        )

    @activity.defn(name=UPSERT_PERIOD)
    def upsert_period(self, snap: PeriodSnapshot) -> None:
        with Session(self.engine) as session:
            row = session.get(Period, snap.period_id) or Period(
                id=snap.period_id,
                year=snap.year,
                window=snap.window,
                opens_at=snap.opens_at,
                closes_at=snap.closes_at,
                review_deadline=snap.review_deadline,
            )
            row.opens_at, row.closes_at = snap.opens_at, snap.closes_at
            row.review_deadline, row.state = snap.review_deadline, snap.state
            if snap.close_out_after is not None:
                row.close_out_after_s = int(snap.close_out_after.total_seconds())
            row.updated_at = utcnow()
            session.add(row)
            session.commit()

    @activity.defn(name=READ_PERIOD)
    def read_period(self, period_id: str) -> PeriodSnapshot | None:
        with Session(self.engine) as session:
            row = session.get(Period, period_id)
            if row is None:
                return None
            return row.snapshot()
