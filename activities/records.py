"""Read-model projection. Idempotent and ordered by the workflow's version counter, so retries
and out-of-order deliveries never move a row backwards.

The ID number and name arrive in clear inside the (codec-encrypted) snapshot and are stored only
as ciphertext plus keyed lookup hashes: the workflow holds no keys, this activity does."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from domain.records import (
    PROJECT_APPLICATION,
    READ_PERIOD,
    UPSERT_PERIOD,
    ApplicationSnapshot,
    PeriodSnapshot,
)
from infra.db import Application, AuditEvent, Document, Period, as_utc, utcnow
from infra.pii import PiiSealer, pii_sealer_for

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


class RecordActivities:
    def __init__(self, engine: Engine, sealer: PiiSealer | None = None):
        """Without a sealer, one is built from the settings on first use (dev: the generated
        var/secrets/pii-keys), so no caller can project PII unencrypted by forgetting it."""
        self.engine = engine
        self._sealer = sealer

    @property
    def sealer(self) -> PiiSealer:
        if self._sealer is None:
            from infra.config import get_settings

            self._sealer = pii_sealer_for(get_settings())
        return self._sealer

    def _seal(self, row: Application, snap: ApplicationSnapshot) -> None:
        """Re-encrypt only when a value changed or the key rotated, so rows stay stable."""
        sealer = self.sealer
        if snap.id_number and (
            row.id_number_hash != sealer.id_number_hash(snap.id_number)
            or sealer.cipher.needs_reencrypt(row.id_number_enc)
        ):
            sealed = sealer.seal(id_number=snap.id_number, name="")
            row.id_number_enc, row.id_number_hash = sealed.id_number_enc, sealed.id_number_hash
        if snap.name and (
            row.name_hash != sealer.name_hash(snap.name)
            or sealer.cipher.needs_reencrypt(row.name_enc)
        ):
            sealed = sealer.seal(id_number="", name=snap.name)
            row.name_enc, row.name_hash = sealed.name_enc, sealed.name_hash

    @activity.defn(name=PROJECT_APPLICATION)
    def project_application(self, snap: ApplicationSnapshot) -> None:
        with Session(self.engine) as session:
            row = session.get(Application, snap.workflow_id, with_for_update=True)
            if row is None:
                row = Application(
                    workflow_id=snap.workflow_id,
                    period_id=snap.period_id,
                    status=snap.status,
                    id_hash=snap.identity_hash,
                    phone_hash=snap.phone_hash,
                    version=-1,
                )
            # Equal versions are the same commit made again: a retry, or the workflow re-running
            # an update whose workflow task was lost (worker killed, server restarted) after this
            # projection had already run. The later one is what the history kept, so it wins.
            if snap.version >= row.version:
                for name in _APPLICATION_FIELDS:
                    setattr(row, name, getattr(snap, name))
                self._seal(row, snap)
                row.updated_at = utcnow()
                session.add(row)
                self._sync_documents(session, snap)
            known_seq = set(
                session.exec(
                    select(AuditEvent.seq).where(AuditEvent.workflow_id == snap.workflow_id)
                )
            )
            for entry in snap.audit:
                if entry.seq not in known_seq:
                    session.add(
                        AuditEvent(
                            workflow_id=snap.workflow_id,
                            seq=entry.seq,
                            actor=entry.actor,
                            action=entry.action,
                            at=entry.at,
                        )
                    )
            session.commit()

    @staticmethod
    def _sync_documents(session: Session, snap: ApplicationSnapshot) -> None:
        """The rows mirror the case's current documents. Rows only added would keep the objects
        of an attempt the workflow discarded (its projection ran, its workflow task was lost)
        beside those of the attempt that counted, as two ID portraits for one card."""
        wanted = {(doc.kind, doc.file.key): doc.file for doc in snap.documents}
        for row in session.exec(select(Document).where(Document.workflow_id == snap.workflow_id)):
            if wanted.pop((row.kind, row.object_key), None) is None:
                session.delete(row)
        for (kind, key), file in wanted.items():
            session.add(
                Document(
                    workflow_id=snap.workflow_id,
                    kind=kind,
                    object_key=key,
                    sha256=file.sha256,
                    size=file.size,
                )
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
            return PeriodSnapshot(
                period_id=row.id,
                year=row.year,
                window=row.window,
                opens_at=as_utc(row.opens_at),
                closes_at=as_utc(row.closes_at),
                review_deadline=as_utc(row.review_deadline),
                state=row.state,
            )
