"""`ruji api [--host 127.0.0.1] [--port 8000]`: the HTTP API under uvicorn, built by the app
factory so nothing (settings, engine, Temporal client) is created at import time."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from api.request_head_deadline import with_head_deadline
from infra.config import Settings, get_settings

APP_FACTORY = "api.app:create_app"
KEEP_ALIVE_S = 75


def server_options(settings: Settings) -> dict[str, Any]:
    """What `ruji api` tells uvicorn besides where to listen (tests serve the app with these)."""
    proxies = settings.forwarded_allow_ips
    return {
        # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default: only named proxies
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
        # Phones poll /me every few seconds on a kept-alive connection; uvicorn's 5 s default
        # closed it just as the next poll left, losing that request in flight (the peak
        # benchmark's unanswered polls). 75 s, as nginx keeps them.
        "timeout_keep_alive": KEEP_ALIVE_S,
        # each request head within `request_head_timeout_s` of its first byte: uvicorn has no
        # such deadline, so a client trickling heads held its connections for good (slowloris)
        "http": with_head_deadline(settings.request_head_timeout_s),
        "server_header": False,  # `server: uvicorn` tells a prober which parser to try
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji api", description="run the HTTP API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        **server_options(get_settings()),
    )
    return 0
