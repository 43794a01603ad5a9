"""Read-model projection. Idempotent and ordered by the workflow's version counter, so retries
and out-of-order deliveries never move a row backwards.

The ID number and name arrive in clear inside the (codec-encrypted) snapshot and are stored only
as ciphertext plus keyed lookup hashes: the workflow holds no keys, this activity does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, case, delete, tuple_
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, SQLModel
from temporalio import activity

from activities.group_commit import GroupCommit
from domain.read_model import (
    PROJECT_APPLICATION,
    READ_PERIOD,
    UPSERT_PERIOD,
    ApplicationSnapshot,
    PeriodSnapshot,
)
from infra.db import Application, AuditEvent, Document, Period, utcnow
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


Insert = Callable[[Table], postgresql_dml.Insert | sqlite_dml.Insert]


def _table(model: type[SQLModel]) -> Table:
    """The table a table model maps to (sqlmodel sets `__table__` without declaring it)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def _audit_insert(insert: Insert) -> Executable:
    """Append the commit's audit rows. A row already at that seq stays, unless the new one is
    later in workflow time: then the old one came from a workflow task that ran its projection
    (a local activity, before the task is durable) and then failed or was lost, and the history
    holds the re-made commit instead (found in issue 14: a refused photo's row at seq N hid the
    accepted photo that was seq N in the history). A workflow task's retry always starts later,
    so the durable commit is always the later one; a replay or a forged snapshot with the same
    or an earlier time changes nothing. Only this projection rewrites, and only such a row: the
    ORM still refuses any update or delete of audit rows."""
    stmt = insert(_table(AuditEvent))
    row, new = _table(AuditEvent).c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["workflow_id", "seq"],
        set_={name: new[name] for name in ("actor", "action", "at", "update_id")},
        where=new.at > row.at,
    )


def _application_upsert(insert: Insert, current_prefix: str) -> Executable:
    """Insert, or update when the snapshot is not older than the row; returns a row only when it
    applied. Equal versions are the same commit made again: a retry, or the workflow re-running
    an update whose workflow task was lost (worker killed, server restarted) after this
    projection had already run. The later one is what the history kept, so it wins.

    Ciphertext is kept when the value is unchanged and under the current key, so rows stay
    stable; a new value or a rotated key writes the fresh one. An empty value (the ID step not
    done yet) keeps what is there. Documents follow the row: rows of an attempt the workflow
    discarded (its projection ran, its workflow task was lost) are dropped, or one card would
    show two ID portraits."""
    table = _table(Application)
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
        return GroupCommit(self.engine, self._write, name="read-model-projection")

    def _write(self, conn: Connection, snap: ApplicationSnapshot) -> None:
        """One upsert guarded by the version, then the case's documents and new audit rows, as
        plain SQL statements built once (so SQLAlchemy compiles them once)."""
        statements = self._statements
        sealed = self.sealer.seal(id_number=snap.id_number, name=snap.name)
        values = {name: getattr(snap, name) for name in _APPLICATION_FIELDS}
        values.update(
            workflow_id=snap.workflow_id,
            id_hash=snap.identity_hash,
            phone_hash=snap.phone_hash,
            updated_at=utcnow(),
            **asdict(sealed),
        )
        if conn.execute(statements.upsert, values).first() is not None:
            wanted = [(doc.kind, doc.file.key) for doc in snap.documents]
            conn.execute(
                statements.drop_documents, {"workflow_id": snap.workflow_id, "wanted": wanted}
            )
            if snap.documents:
                now = utcnow()
                conn.execute(
                    statements.add_document,
                    [
                        {
                            "workflow_id": snap.workflow_id,
                            "kind": doc.kind,
                            "object_key": doc.file.key,
                            "sha256": doc.file.sha256,
                            "size": doc.file.size,
                            "created_at": now,
                        }
                        for doc in snap.documents
                    ],
                )
        if snap.audit:
            conn.execute(
                statements.add_audit,
                [
                    {
                        "workflow_id": snap.workflow_id,
                        "seq": entry.seq,
                        "actor": entry.actor,
                        "action": entry.action,
                        "at": entry.at,
                        "update_id": entry.update_id,
                    }
                    for entry in snap.audit
                ],
            )

    @cached_property
    def _statements(self) -> _Statements:
        dialect = self.engine.dialect.name
        insert: Insert
        if dialect == "postgresql":
            insert = postgresql_insert
        elif dialect == "sqlite":
            insert = sqlite_insert
        else:
            raise NotImplementedError(f"read model on {dialect}: PostgreSQL or SQLite")
        documents = _table(Document)
        return _Statements(
            upsert=_application_upsert(insert, self.sealer.cipher.current_prefix),
            drop_documents=delete(documents).where(
                documents.c.workflow_id == bindparam("workflow_id"),
                tuple_(documents.c.kind, documents.c.object_key).not_in(
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
