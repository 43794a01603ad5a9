"""Our side of the CHSI (学信网) link: registering QR tokens, drawing the QR images, and verifying
the signed callback. Dev talks to `simulators/chsi.py`; production plugs the real gateway in
behind the same `ChsiGateway` protocol."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import httpx
import segno
from pydantic import ValidationError

from domain.chsi import (
    CLOCK_SKEW,
    ChsiCallback,
    ChsiRefusal,
    NonceStore,
    TokenRegistration,
    check_first_use,
    check_signature,
)
from domain.errors import refuse
from infra.config import Settings

# Registration happens while the candidate waits for the QR screen: fail fast and let the
# activity's retry policy try again rather than hold the screen for long.
REGISTER_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
TOKENS_PATH = "/tokens"
QR_PATH = "/q/"


class ChsiUnavailable(Exception):
    """Transport fault or 5xx from CHSI: transient, the activity retries it."""


class ChsiGateway(Protocol):
    async def register_token(self, registration: TokenRegistration) -> None: ...

    def qr_content(self, token: str) -> str: ...


class HttpChsiGateway:
    """Owns one httpx client; built once in worker.py and closed on shutdown."""

    def __init__(self, base_url: str, *, client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=REGISTER_TIMEOUT)

    async def register_token(self, registration: TokenRegistration) -> None:
        """Idempotent on CHSI's side (same token, same body → 200), so retries are safe."""
        try:
            response = await self._client.post(
                self.base_url + TOKENS_PATH,
                content=registration.model_dump_json(),
                headers={"Content-Type": "application/json"},
            )
        except httpx.HTTPError as error:
            raise ChsiUnavailable(f"CHSI unreachable: {error!r}") from error
        if response.status_code >= 500:
            raise ChsiUnavailable(f"CHSI answered {response.status_code}")
        if response.status_code >= 400:
            # our request is wrong (duplicate token with another body, bad data): not retryable
            raise ValueError(
                f"CHSI refused the registration: {response.status_code} {response.text}"
            )

    def qr_content(self, token: str) -> str:
        """What the QR code encodes: CHSI's app opens this address when it scans."""
        return f"{self.base_url}{QR_PATH}{token}"

    async def aclose(self) -> None:
        await self._client.aclose()


def build_chsi_gateway(settings: Settings) -> HttpChsiGateway:
    return HttpChsiGateway(settings.chsi_base_url)


def qr_png(content: str, *, scale: int = 8) -> bytes:
    """PNG of a QR code; error level M survives a screenshot sent to another phone (R8)."""
    buffer = io.BytesIO()
    segno.make_qr(content, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


class InMemoryNonceStore:
    """One process only (dev, tests). Several API replicas need the DB-backed store, or a replay
    sent to another replica would pass."""

    def __init__(self) -> None:
        self._expiry: dict[str, datetime] = {}

    async def remember(self, nonce: str, expires_at: datetime) -> bool:
        # No await between the check and the insert, so this is atomic on one event loop. A nonce
        # that expired before this message was signed can no longer pass the clock check: drop it.
        self._expiry = {n: e for n, e in self._expiry.items() if e > expires_at - 2 * CLOCK_SKEW}
        if nonce in self._expiry:
            return False
        self._expiry[nonce] = expires_at
        return True


class CallbackVerifier:
    """Signature, clock window, replay, then shape: the order in which each check is cheapest to
    fail and leaks least to an unsigned caller. Token checks follow in the workflow."""

    def __init__(self, secret: str, nonce_store: NonceStore):
        self._secret = secret
        self._nonces = nonce_store

    async def verify(
        self, body: bytes, headers: Mapping[str, str], *, now: datetime
    ) -> ChsiCallback:
        envelope = check_signature(self._secret, body, headers, now=now)
        first_seen = await self._nonces.remember(envelope.nonce, envelope.nonce_expires_at)
        check_first_use(envelope.nonce, first_seen)
        try:
            return ChsiCallback.model_validate_json(body)
        except ValidationError as error:
            raise refuse(ChsiRefusal.CHSI_BAD_PAYLOAD, measured=error.error_count()) from error
