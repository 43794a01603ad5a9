"""Headers every answer needs, set in one place rather than route by route.

- `Cache-Control: no-store` on every API answer that does not choose its own (candidate, case,
  staff and codec answers hold personal data; a shared cache or the browser's disk must not
  keep them). Public code tables set their own `public, max-age`.
- Every HTML page gets a CSP (the clients' own, stricter one is kept), `frame-ancestors 'none'`
  and `X-Frame-Options: DENY`: no page, the codec login included, can be framed for
  click-jacking.
- `X-Content-Type-Options: nosniff` everywhere: a stored upload is served as the type it was
  screened as, never as whatever a browser guesses from its bytes.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_PRIVATE_PREFIXES = ("/api/", "/codec")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope.get("path", "").startswith(_PRIVATE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if private and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if headers.get("content-type", "").startswith("text/html"):
                    csp = headers.get("content-security-policy")
                    if not csp:
                        headers["Content-Security-Policy"] = DEFAULT_CSP
                    elif "frame-ancestors" not in csp:
                        headers["Content-Security-Policy"] = f"{csp}; frame-ancestors 'none'"
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
