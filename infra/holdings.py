"""Which applications of one ID number a period has, as the read model shows them: the input of
the registration's routing and of a claim whose seat has ended (domain/identity_claims.py)."""

from __future__ import annotations

from sqlmodel import Session, select

from domain.identity_claims import Holding
from domain.states import AppState
from infra.db import Application


def identity_holdings(session: Session, period_id: str, identity_digest: str) -> list[Holding]:
    rows = session.exec(
        select(Application).where(
            Application.period_id == period_id, Application.id_hash == identity_digest
        )
    )
    return [
        Holding(
            workflow_id=r.workflow_id,
            status=AppState(r.status),
            phone_hash=r.phone_hash,
            version=r.version,
        )
        for r in rows
    ]
