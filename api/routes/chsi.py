"""CHSI: the candidate's QR codes and CHSI's signed callback."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.applications import application_handle, run_query, run_update
from api.deps import CandidateDep, ServicesDep
from api.errors import ApiError
from domain.chsi import ChsiKind, ChsiRefusal
from domain.enrollment import ApplicationView
from domain.ids import ENROLLMENT_ID_RE
from infra.chsi_gateway import CallbackVerifier, qr_png
from infra.chsi_nonces import DbNonceStore
from workflows.enrollment import EnrollmentWorkflow

router = APIRouter(prefix="/api/v1", tags=["chsi"])


class CallbackAnswer(BaseModel):
    result: str  # VERIFIED | LATE | CHSI_NO_RECORD | CHSI_IDENTITY_MISMATCH


@router.post("/me/chsi/codes")
async def chsi_codes(services: ServicesDep, me: CandidateDep) -> ApplicationView:
    """「点击进行学信网校验」 — or refresh: both codes are new, the old ones no longer work."""
    return await run_update(
        application_handle(services.client(), me.sub), EnrollmentWorkflow.request_chsi_codes
    )


@router.get("/me/chsi/qr/{kind}.png", response_class=Response)
async def chsi_qr(kind: ChsiKind, services: ServicesDep, me: CandidateDep) -> Response:
    view: ApplicationView = await run_query(
        application_handle(services.client(), me.sub), EnrollmentWorkflow.view
    )
    code = next((c for c in view.chsi_codes if c.kind == kind.value), None)
    if code is None:
        raise ApiError(ChsiRefusal.CHSI_NO_CODE, "请先点击进行学信网校验", status=404)
    return Response(
        qr_png(code.content), media_type="image/png", headers={"Cache-Control": "no-store"}
    )


@router.post("/chsi/callback")
async def chsi_callback(request: Request, services: ServicesDep) -> CallbackAnswer:
    """Signature, clock window and replay are checked on the raw body; the token in the workflow."""
    verifier = CallbackVerifier(
        services.settings.chsi_callback_secret, DbNonceStore(services.engine)
    )
    callback = await verifier.verify(await request.body(), request.headers, now=datetime.now(UTC))
    if not ENROLLMENT_ID_RE.fullmatch(callback.application_ref):
        # signed, but naming no enrollment workflow (empty, a period's, an oversized ID)
        raise ApiError(ChsiRefusal.CHSI_TOKEN_WRONG_APPLICATION)
    handle = application_handle(services.client(), callback.application_ref)
    return CallbackAnswer(
        result=await run_update(handle, EnrollmentWorkflow.chsi_callback, callback)
    )
