"""What every SMS gateway implements (the dev outbox in infra/sms.py, the HTTP gateway in
infra/sms_http.py), apart from the code that picks one, so neither imports the other."""

from __future__ import annotations

from typing import Protocol


class SmsProvider(Protocol):
    def send(self, phone: str, text: str, key: str) -> None:
        """Hand one message over. `key` is stable per message (retries included), for gateways
        that drop duplicates. Raises `SmsUnavailable` (try again later) or `RefusedError`
        `SMS_REJECTED` (the gateway will never take this message)."""
        ...


class SmsUnavailable(RuntimeError):
    """The gateway did not accept the message now (network, 5xx, 429); a retry may succeed."""
