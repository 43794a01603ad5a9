"""Dev-only: the SMS outbox. The router is only mounted when RUJI_ENV is dev or test."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from api.deps import ServicesDep, SessionDep
from domain.ids import keyed_hash
from infra.db import SmsMessage

router = APIRouter(prefix="/dev", tags=["dev"])


class OutboxMessage(BaseModel):
    text: str
    created_at: datetime


@router.get("/outbox")
def outbox(
    phone: str, services: ServicesDep, session: SessionDep, limit: int = 10
) -> list[OutboxMessage]:
    phone_hash = keyed_hash(services.settings.identity_hmac_key, phone)
    rows = session.exec(
        select(SmsMessage)
        .where(SmsMessage.phone_hash == phone_hash)
        .order_by(col(SmsMessage.id).desc())
        .limit(limit)
    ).all()
    return [OutboxMessage(text=r.text, created_at=r.created_at) for r in rows]
