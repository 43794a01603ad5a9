"""`ruji api [--host 127.0.0.1] [--port 8000]`: the HTTP API under uvicorn, built by the app
factory so nothing (settings, engine, Temporal client) is created at import time."""

from __future__ import annotations

import argparse

import uvicorn

from infra.config import get_settings

APP_FACTORY = "api.app:create_app"
KEEP_ALIVE_S = 75


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji api", description="run the HTTP API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    proxies = get_settings().forwarded_allow_ips
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default: only named proxies
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        # Phones poll /me every few seconds on a kept-alive connection; uvicorn's 5 s default
        # closed it just as the next poll left, losing that request in flight (the peak
        # benchmark's unanswered polls). 75 s, as nginx keeps them.
        timeout_keep_alive=KEEP_ALIVE_S,
    )
    return 0
