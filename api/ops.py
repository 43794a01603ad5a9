"""Operations endpoints and request metrics: `/readyz` (dependencies), `/metrics` (Prometheus, in
development; elsewhere on `RUJI_METRICS_PORT`). `/healthz` (liveness: the process answers) stays
in api/app.py. Keep `/readyz` behind the ingress: it is for the orchestrator, not the internet."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.metrics import HTTP_LATENCY, HTTP_REQUESTS
from infra.readiness import Readiness

router = APIRouter(tags=["ops"])


@router.get("/readyz", responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    services = request.app.state.services
    report = await services.readiness.get()
    return JSONResponse(report.model_dump(), status_code=200 if report.ready else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Development only: where `RUJI_METRICS_PORT` is set (compose) the metrics are served on
    that port, not published, and this answers 404 like any unknown path."""
    services = request.app.state.services
    if services.settings.observability.metrics_port:
        raise StarletteHTTPException(status_code=404)
    return Response(services.metrics.body(), media_type=CONTENT_TYPE_LATEST)


#: the methods counted by name; any other (h11 takes any token as a method) is one `other`
#: series, or each made-up method would be a new series kept for good
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """Count and time every HTTP request by its route *template* (`/api/v1/x/{id}`), so the
    label set stays small; paths that match no route are one `unmatched` series."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in HTTP_METHODS else "other"
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
