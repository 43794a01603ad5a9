"""The SQL read model (sqlmodel). Temporal holds the truth of each case; these tables serve lists,
search, ticket numbering and audit. Written by idempotent activities keyed by workflow ID."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import Index, Table, UniqueConstraint, event
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlmodel import Field, Session, SQLModel, create_engine

from domain.period import PeriodPhase
from domain.read_model import PeriodSnapshot
from infra.config import DatabasePool

if TYPE_CHECKING:
    from infra.config import Settings


#: an INSERT with ON CONFLICT, as the dialect spells it
ConflictInsert = Callable[[Table], postgresql_dml.Insert | sqlite_dml.Insert]


def conflict_insert(dialect: str) -> ConflictInsert:
    """The read model's two databases' INSERT … ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql_dml.insert
    if dialect == "sqlite":
        return sqlite_dml.insert
    raise NotImplementedError(f"read model on {dialect}: PostgreSQL or SQLite")


def table_of(model: type[SQLModel]) -> Table:
    """The table a table model maps to, for Core statements (sqlmodel sets `__table__` without
    declaring it)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; every one we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Application(SQLModel, table=True):
    __table_args__ = (
        Index("ix_application_queue", "period_id", "status", "region", "submitted_at"),
        Index("ix_application_region_status", "region", "status"),
    )
    workflow_id: str = Field(primary_key=True, max_length=80)
    period_id: str = Field(index=True, max_length=40)
    status: str = Field(max_length=20)
    version: int = 0
    id_hash: str = Field(index=True, max_length=64)
    phone_hash: str = Field(index=True, max_length=64)
    id_masked: str = ""
    phone_masked: str = ""
    name_masked: str = ""
    # PII at rest: AES-GCM text (infra/pii.py, key ring RUJI_PII_KEYS) + keyed lookup hashes
    id_number_enc: str = ""
    id_number_hash: str = Field(default="", index=True, max_length=64)
    name_enc: str = ""
    name_hash: str = Field(default="", index=True, max_length=64)
    region: str | None = Field(default=None, max_length=4)
    major: str | None = Field(default=None, max_length=12)
    level: str | None = Field(default=None, max_length=10)
    submitted_at: datetime | None = None
    needs_manual_review: bool = False
    claimed_by: str | None = None
    decision: str | None = None
    ticket_number: str | None = Field(default=None, max_length=12)
    updated_at: datetime = Field(default_factory=utcnow)
    #: when the retention run deleted this case's images and personal data (infra/retention.py);
    #: the row stays as the audit stub
    purged_at: datetime | None = None


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workflow_id", "kind", "object_key"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(index=True, max_length=80)
    kind: str = Field(max_length=40)
    object_key: str
    sha256: str = Field(max_length=64)
    size: int
    created_at: datetime = Field(default_factory=utcnow)


class Ticket(SQLModel, table=True):
    workflow_id: str = Field(primary_key=True, max_length=80)
    number: str = Field(unique=True, max_length=12)
    period_id: str = Field(index=True, max_length=40)
    area: str = Field(max_length=2)
    submitted_at: datetime
    delivered: bool = Field(default=False, index=True)
    issued_at: datetime = Field(default_factory=utcnow)


class TicketCounter(SQLModel, table=True):
    year: int = Field(primary_key=True)
    area: str = Field(primary_key=True, max_length=2)
    last_sequence: int = 0


class AuditEvent(SQLModel, table=True):
    """Append-only: actor, action, time, case. Never personal data."""

    __table_args__ = (UniqueConstraint("workflow_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(index=True, max_length=80)
    seq: int
    actor: str = Field(max_length=60)
    action: str = Field(max_length=60)
    at: datetime
    update_id: str = Field(default="", max_length=80)


def _refuse_audit_change(_mapper: object, _connection: object, target: AuditEvent) -> None:
    raise PermissionError(f"audit events are append-only (workflow {target.workflow_id})")


event.listen(AuditEvent, "before_update", _refuse_audit_change)
event.listen(AuditEvent, "before_delete", _refuse_audit_change)


class StaffAudit(SQLModel, table=True):
    """What staff looked up or took out of the system: searches, case views, exports, bulk
    approvals (each case's own decisions are in AuditEvent). `filters` is JSON naming the kind of
    key searched and the filters of an export, never a searched value; `rows` is what was found
    or sent. An export is written when it starts and finished when its last byte is sent, so an
    interrupted download stays visible (`finished_at` empty)."""

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(index=True, max_length=60)
    action: str = Field(max_length=40)
    at: datetime = Field(default_factory=utcnow, index=True)
    filters: str = ""
    rows: int = 0
    finished_at: datetime | None = None


class Account(SQLModel, table=True):
    """Examiners, admins and operators."""

    id: str = Field(primary_key=True, max_length=40)
    username: str = Field(unique=True, max_length=60)
    password_hash: str
    role: str = Field(max_length=20)  # examiner | admin | operator
    regions: str = ""  # comma-separated region codes for examiners
    active: bool = True
    #: 「退出」: the account's tokens issued until then are refused (every device signs out)
    signed_out_at: datetime | None = None

    @property
    def region_codes(self) -> list[str]:
        return [code for code in self.regions.split(",") if code]


class Period(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=40)
    year: int
    window: int
    opens_at: datetime
    closes_at: datetime
    review_deadline: datetime
    state: str = Field(default="SCHEDULED", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)
    #: RUJI_CLOSE_OUT_AFTER_DAYS as the period was created with it, in seconds (what its
    #: workflow closes out by); None on rows projected before it was
    close_out_after_s: int | None = None

    def close_out_after(self) -> timedelta | None:
        return None if self.close_out_after_s is None else timedelta(seconds=self.close_out_after_s)

    def snapshot(self) -> PeriodSnapshot:
        return PeriodSnapshot(
            period_id=self.id,
            year=self.year,
            window=self.window,
            opens_at=as_utc(self.opens_at),
            closes_at=as_utc(self.closes_at),
            review_deadline=as_utc(self.review_deadline),
            state=PeriodPhase(self.state),
            close_out_after=self.close_out_after(),
        )


class SmsCode(SQLModel, table=True):
    """One-time codes, stored hashed. Every send and every wrong try is a row change here, so a
    refused attempt is never lost (not counted in a workflow validator)."""

    id: int | None = Field(default=None, primary_key=True)
    phone_hash: str = Field(index=True, max_length=64)
    client_ip: str = Field(default="", index=True, max_length=64)
    code_hash: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    used: bool = False
    #: which workflow activity sent / consumed the code, so a re-run of the same activity (a
    #: lost workflow task replays its local activities) gets the first run's answer
    sent_for: str = Field(default="", index=True, max_length=200)
    used_by: str = Field(default="", max_length=200)


class SmsMessage(SQLModel, table=True):
    """Messages handed to the SMS provider; unique per (recipient hash, event) so a retried
    activity never sends twice. The outbox provider also keeps the text for the dev endpoint."""

    __table_args__ = (UniqueConstraint("dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200)
    phone_hash: str = Field(index=True, max_length=64)
    phone: str = ""  # only the dev outbox keeps it; production providers leave it empty
    text: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class CodeItem(SQLModel, table=True):
    table_name: str = Field(primary_key=True, max_length=40)
    code: str = Field(primary_key=True, max_length=12)
    name: str
    extra: str = ""  # for majors: level and restricted flag


class MajorEdition(SQLModel, table=True):
    """One version of a major in one period's code table (domain/majors.py). Rows are only ever
    added: the latest version per (period, code) is in force, earlier ones say what candidates
    who chose before were shown."""

    __table_args__ = (UniqueConstraint("period_id", "code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    period_id: str = Field(index=True, max_length=40)
    code: str = Field(max_length=12)
    version: int
    name: str = Field(max_length=60)
    level: str = Field(max_length=10)
    restricted: bool = False
    condition_text: str = Field(default="", max_length=1000)
    offered: bool = True
    edited_by: str = Field(max_length=60)
    edited_at: datetime = Field(default_factory=utcnow)


def _refuse_edition_change(_mapper: object, _connection: object, target: MajorEdition) -> None:
    raise PermissionError(f"major editions are append-only ({target.period_id} {target.code})")


event.listen(MajorEdition, "before_update", _refuse_edition_change)
event.listen(MajorEdition, "before_delete", _refuse_edition_change)


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str, pool: DatabasePool | None = None) -> Engine:
    """The engine for `url` with the pool of `pool` (the environment's RUJI_DB_* when None); on
    SQLite too (a file database pools like Postgres), except an in-memory one, which has one."""
    pool = pool or DatabasePool()
    sizes = {
        "pool_size": pool.pool_size,
        "max_overflow": pool.max_overflow,
        "pool_timeout": pool.pool_timeout_s,
    }
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, **({} if in_memory else sizes)
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **sizes)


def create_schema(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)


def engine_for(settings: Settings) -> Engine:
    """The read model's engine for these settings; the SQLite default lives in var_dir."""
    if settings.resolved_database_url.startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url, settings.db_pool)


@lru_cache
def default_engine() -> Engine:
    """The command-line tools' engine (ruji_cli, alembic): the environment's settings."""
    from infra.config import get_settings

    return engine_for(get_settings())


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
        session.commit()


class ChsiNonce(SQLModel, table=True):
    """Nonces of CHSI callbacks seen within the clock window: a replay to any API replica fails."""

    nonce: str = Field(primary_key=True, max_length=128)
    expires_at: datetime


class Attempt(SQLModel):
    """One attempt counted against a key within a limit's window (infra/login_attempts.py):
    every API process counts in one table, so a limit holds across them."""

    id: int | None = Field(default=None, primary_key=True)
    #: e.g. `user:` and an account name of up to 60 characters, lower-cased (which can lengthen
    #: it)
    key: str = Field(index=True, max_length=255)
    #: indexed: the sweep drops every attempt that has left the window
    at: datetime = Field(index=True)


class StaffLoginAttempt(Attempt, table=True):
    """A staff-login attempt, against an account name or a client address."""


class ProbeAttempt(Attempt, table=True):
    """A request of a candidate identity route (register, verify, login and its code), against
    the client address and the phone or application it names (api/throttling.py)."""


class RefreshSession(SQLModel, table=True):
    """A candidate's sign-in (SMS verify or login) and the one refresh token of it that works
    now (infra/refresh_sessions.py): each refresh replaces it, logout revokes the sign-in."""

    id: str = Field(primary_key=True, max_length=32)
    application_id: str = Field(index=True, max_length=80)
    token_id: str = Field(max_length=32)
    #: the token the last refresh replaced: presented again within the grace, it is the phone
    #: retrying a refresh whose answer it lost, not a copy
    previous_id: str = Field(default="", max_length=32)
    rotated_at: datetime
    expires_at: datetime
    #: indexed: every API process reads the sign-ins ended in the last 2 h, every few seconds
    revoked_at: datetime | None = Field(default=None, index=True)
    revoked_why: str = Field(default="", max_length=20)
