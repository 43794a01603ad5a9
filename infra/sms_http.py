"""An SMS gateway reached over HTTP (`RUJI_SMS_PROVIDER=http`).

One signed JSON POST per message:

    POST {RUJI_SMS_HTTP_URL}
    X-Ruji-Timestamp: 1764160000
    X-Ruji-Signature: hex(HMAC-SHA256(RUJI_SMS_HTTP_SECRET, timestamp + "." + body))
    Idempotency-Key: <stable per message>
    {"phone": "13800138000", "text": "【湖南自考】…", "key": "<same as the header>"}

2xx: accepted. 429, 5xx, a timeout or a broken connection: `SmsUnavailable` after a few quick
tries (the caller decides whether to retry later). Any other 4xx: `SMS_REJECTED` — the gateway
will never take this message, so retrying would only repeat it. The gateway should refuse a
bad signature or a timestamp more than five minutes off (tests/infra/test_sms_http.py plays such
a gateway).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING

import httpx

from domain.errors import refuse
from domain.masking import mask_phone
from domain.messages import SmsRefusal
from infra.sms_provider import SmsUnavailable

if TYPE_CHECKING:
    from infra.config import Settings

log = logging.getLogger(__name__)

TRIES = 3
BACKOFF_S = (0.2, 0.6)  # between the tries: a blip, not an outage, is what this absorbs


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class HttpSmsProvider:
    keeps_text = False  # the gateway has the text; the read model keeps only the dedupe row

    def __init__(
        self, url: str, secret: str, timeout_s: float = 5.0, client: httpx.Client | None = None
    ):
        self.url = url
        self.secret = secret
        self._client = client or httpx.Client(timeout=timeout_s)

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpSmsProvider:
        return cls(settings.sms_http_url, settings.sms_http_secret, settings.sms_http_timeout_s)

    def send(self, phone: str, text: str, key: str) -> None:
        body = json.dumps({"phone": phone, "text": text, "key": key}, ensure_ascii=False).encode()
        problem = ""
        for attempt in range(TRIES):
            if attempt:
                time.sleep(BACKOFF_S[attempt - 1])
            timestamp = str(int(time.time()))
            headers = {
                "content-type": "application/json; charset=utf-8",
                "x-ruji-timestamp": timestamp,
                "x-ruji-signature": sign(self.secret, timestamp, body),
                "idempotency-key": key,
            }
            try:
                response = self._client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
                continue
            if response.is_success:
                log.info("sms to %s accepted by the gateway", mask_phone(phone))
                return
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
                continue
            log.warning(
                "sms to %s rejected by the gateway: HTTP %s",
                mask_phone(phone),
                response.status_code,
            )
            raise refuse(SmsRefusal.SMS_REJECTED, measured=response.status_code)
        raise SmsUnavailable(f"SMS gateway unavailable after {TRIES} tries: {problem}")
