"""SMS providers behind one interface. Production plugs a real gateway in here; dev uses the
outbox, whose messages a dev-only endpoint shows."""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from domain.masking import mask_phone
from infra.db import SmsMessage

log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class OutboxProvider:
    """Dev/test provider: 'delivers' by keeping the message for the dev-only outbox endpoint."""

    keeps_text = True

    def send(self, phone: str, text: str) -> None:  # noqa: ARG002 - the outbox row keeps the text
        log.info("sms to %s queued in outbox", mask_phone(phone))


def build_sms_provider(name: str) -> SmsProvider:
    if name == "outbox":
        return OutboxProvider()
    raise ValueError(f"unknown SMS provider {name!r}; production providers plug in here")


def send_once(
    engine: Engine, provider: SmsProvider, dedupe_key: str, phone_hash: str, phone: str, text: str
) -> bool:
    """Send unless a message with this key was already sent. Returns whether it sent now.

    The row is written first and committed after the provider accepts, so a crash between the
    two may send again on retry (at-least-once toward the provider) but never twice once recorded.
    """
    keeps = getattr(provider, "keeps_text", False)
    with Session(engine) as session:
        if session.exec(select(SmsMessage.id).where(SmsMessage.dedupe_key == dedupe_key)).first():
            return False
        session.add(
            SmsMessage(
                dedupe_key=dedupe_key,
                phone_hash=phone_hash,
                phone=phone if keeps else "",
                text=text if keeps else "",
            )
        )
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        provider.send(phone, text)
        session.commit()
        return True
