"""SMS providers behind one interface: the outbox in dev (a dev-only endpoint shows its
messages), and in production an HTTP gateway (`RUJI_SMS_PROVIDER=http`, infra/sms_http.py) —
the shape of the province's own SMS platform or a cloud SMS relay."""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, col, select

from domain.masking import mask_phone
from infra.db import SmsMessage, conflict_insert, table_of, utcnow
from infra.sms_http import HttpSmsProvider
from infra.sms_provider import SmsProvider

if TYPE_CHECKING:
    from infra.config import Settings

log = logging.getLogger(__name__)


class OutboxProvider:
    """Dev/test provider: 'delivers' by keeping the message for the dev-only outbox endpoint."""

    keeps_text = True

    def send(self, phone: str, text: str, key: str) -> None:  # noqa: ARG002 - the row keeps it
        log.info("sms to %s queued in outbox", mask_phone(phone))


def build_sms_provider(settings: Settings) -> SmsProvider:
    if settings.sms_provider == "outbox":
        return OutboxProvider()
    if settings.sms_provider == "http":
        return HttpSmsProvider.from_settings(settings)
    raise ValueError(f"unknown SMS provider {settings.sms_provider!r} (outbox | http)")


def last_outbox_text(engine: Engine, phone_hash: str, dedupe_prefix: str = "") -> str | None:
    """The newest message the outbox kept for this phone (dev and tests)."""
    query = select(SmsMessage.text).where(SmsMessage.phone_hash == phone_hash)
    if dedupe_prefix:
        query = query.where(col(SmsMessage.dedupe_key).startswith(dedupe_prefix))
    with Session(engine) as session:
        return session.exec(query.order_by(col(SmsMessage.id).desc())).first()


def send_once(
    session: Session,
    provider: SmsProvider,
    dedupe_key: str,
    phone_hash: str,
    phone: str,
    text: str,
) -> bool:
    """Send unless a message with this key was already sent. Returns whether it sent now.

    The row is written first and committed after the provider accepts, so a crash between the
    two may send again on retry (at-least-once toward the provider) but never twice once recorded.
    The row is claimed by one insert that yields to an existing key (a concurrent sender holding
    it makes this wait for its outcome). `session` has nothing pending: this commits or rolls
    back its transaction.
    """
    keeps = getattr(provider, "keeps_text", False)
    claimed = session.execute(
        _claim(session.get_bind().dialect.name),
        {
            "dedupe_key": dedupe_key,
            "phone_hash": phone_hash,
            "phone": phone if keeps else "",
            "text": text if keeps else "",
            "created_at": utcnow(),
        },
    ).first()
    if claimed is None:
        session.rollback()
        return False
    provider.send(phone, text, dedupe_key)
    session.commit()
    return True


@cache
def _claim(dialect: str) -> Executable:
    messages = table_of(SmsMessage)
    insert = conflict_insert(dialect)(messages)
    return insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(messages.c.id)
