"""The DB-backed nonce store for CHSI callbacks (several API replicas share it)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from domain.chsi import CLOCK_SKEW
from infra.db import ChsiNonce


class DbNonceStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    async def remember(self, nonce: str, expires_at: datetime) -> bool:
        return await asyncio.to_thread(self._remember, nonce, expires_at)

    def _remember(self, nonce: str, expires_at: datetime) -> bool:
        """Insert-or-fail is the check: two replicas racing on one nonce cannot both win. Nonces
        older than the clock window can no longer pass the signature check, so they are dropped."""
        with Session(self.engine) as session:
            stale_before = expires_at - 2 * CLOCK_SKEW
            session.exec(delete(ChsiNonce).where(col(ChsiNonce.expires_at) < stale_before))
            session.add(ChsiNonce(nonce=nonce, expires_at=expires_at))
            try:
                session.commit()
            except IntegrityError:
                return False
            return True
