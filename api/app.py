"""The FastAPI application: `create_app()` is the factory uvicorn runs; nothing built at import."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.admission import AdmissionControl, candidate_uploader, limits_from
from api.body_limit import BodySizeLimit
from api.codec_server import codec_router
from api.deps import Services, require_codec_operator
from api.errors import (
    ERROR_RESPONSES,
    ApiError,
    api_error_handler,
    fault_handler,
    http_error_handler,
    refused_handler,
    validation_handler,
)
from api.idempotency import IdempotencyKey
from api.ops import RequestMetrics
from api.ops import router as ops_router
from api.overload import OVERLOAD_ERRORS, overloaded_handler
from api.routes import (
    admin,
    attachments,
    bulk_review,
    candidate,
    chsi,
    codec_session,
    dev,
    examiner,
    exports,
    face_on_site,
    files,
    office_admin,
    office_find,
    stats,
    web,
)
from api.security_headers import SecurityHeaders
from domain.errors import RefusedError
from infra.config import Settings, get_settings
from infra.db import engine_for
from infra.logmask import install_log_masking
from infra.migrations import require_current_schema
from infra.otp import OtpService
from infra.sms import build_sms_provider
from infra.storage import build_object_store
from infra.temporal import codec_for, connect

log = logging.getLogger("ruji.api")

#: the routes that take multipart uploads (R3 ID card, R4 photo, R5 liveness, R9–R12 proofs):
#: only these get the multipart body budget (api/body_limit.py)
UPLOAD_PATHS = re.compile(
    rf"/api/v1/me/(id-card|photo|liveness|attachments/{attachments.DOCUMENT_CODE_CHARS})"
)


NO_API_DOCS: dict[str, Any] = {"docs_url": None, "redoc_url": None, "openapi_url": None}


def _serves_api_docs(settings: Settings) -> bool:
    return settings.api_docs if settings.api_docs is not None else settings.env != "prod"


def _ended_as_read(app: FastAPI, sid: str) -> bool:
    """The upload admission's view of ended sign-ins: none before the lifespan built services."""
    services: Services | None = getattr(app.state, "services", None)
    return services is not None and services.ended_sign_ins.ended_as_read(sid)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """`services` lets tests hand in their own DB/Temporal; otherwise the lifespan builds them."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_log_masking(json_format=settings.observability.json_logs)
        if services is not None:
            app.state.services = services
        else:
            engine = engine_for(settings)
            require_current_schema(engine)  # never serve on a schema behind the code
            provider = build_sms_provider(settings)
            app.state.services = Services(
                settings=settings,
                engine=engine,
                store=build_object_store(settings),
                otp=OtpService(engine, provider, settings.identity_hmac_key),
                temporal=await connect(settings, signs_as="api"),
            )
        metrics_port = app.state.services.settings.observability.metrics_port
        stop_metrics = app.state.services.metrics.serve(metrics_port) if metrics_port else None
        yield
        if stop_metrics is not None:
            stop_metrics()
        await app.state.services.close()

    app = FastAPI(
        title="ruji — 新考生入籍",
        version="0.1.0",
        description="Back end of Hunan's self-study-exam new-candidate enrollment. Errors are "
        "`{code, message}` with a Chinese message.",
        lifespan=lifespan,
        **({} if _serves_api_docs(settings) else NO_API_DOCS),
    )
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RefusedError, refused_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    for overload in OVERLOAD_ERRORS:
        app.add_exception_handler(overload, overloaded_handler)
    app.add_exception_handler(Exception, fault_handler)
    # added before CORS, so CORS wraps it: even a 413 carries the UI's CORS headers
    app.add_middleware(
        BodySizeLimit,
        json_limit=settings.max_json_body_bytes,
        multipart_limit=settings.max_multipart_body_bytes,
        upload_paths=UPLOAD_PATHS,
        json_limit_by_prefix={"/codec/": settings.max_codec_body_bytes},
    )
    # inside CORS, so a refusal carries the UI's CORS headers; outside the body limit, so a
    # refused upload is not read at all
    app.add_middleware(
        AdmissionControl,
        limits=limits_from(settings),
        upload_paths=UPLOAD_PATHS,
        uploader=candidate_uploader(settings.secret_key, lambda sid: _ended_as_read(app, sid)),
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.ui_origin],
        allow_methods=["POST"],
        allow_headers=["authorization", "content-type", "x-namespace", "idempotency-key"],
        allow_credentials=True,
    )
    for router in (
        candidate.router,
        attachments.router,
        chsi.router,
        examiner.router,
        face_on_site.router,
        admin.router,
        office_admin.router,
        stats.router,
        files.router,
        codec_session.router,
        office_find.router,
        bulk_review.router,
        exports.router,
    ):
        app.include_router(router, responses=ERROR_RESPONSES)
    app.include_router(web.router)  # the H5 and console clients, their code tables
    app.include_router(
        codec_router(codec_for(settings), require_codec_operator), responses=ERROR_RESPONSES
    )
    if settings.env in ("dev", "test"):
        app.include_router(dev.router, responses=ERROR_RESPONSES)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(ops_router)  # /readyz, /metrics
    app.add_middleware(IdempotencyKey)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)
    return app
